import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../../src/server/store/postgres.js';
import { POSTGRES_URL, uniqueName } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, withPostgres } from '../helpers/stores.js';
import { describeSessionStoreContract, newSession } from './store-contract.js';
import { newTestService } from '../helpers/servers.js';

const location = testStoreLocation('postgres');
afterAll(() => location.cleanup());

describeSessionStoreContract(location);

describe('PostgresSessionStore, checked straight in the database', () => {
  const schema = new URL(location.url).searchParams.get('schema')!;

  it('creates its schema on open, also when two open at once', async () => {
    const otherSchema = uniqueName('stytch_like_test');
    try {
      const stores = await Promise.all(
        [0, 1].map(() => PostgresSessionStore.open({ connectionString: POSTGRES_URL, schema: otherSchema })),
      );
      const tables = await withPostgres((client) =>
        client.query<{ table_name: string }>(
          'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
          [otherSchema],
        ),
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'counters',
        'sessions',
        'settings',
        'signing_keys',
        'users',
      ]);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS "${otherSchema}" CASCADE`));
    }
  });

  it('keeps only the SHA-256 of the token secret in its row', async () => {
    const store = await location.open();
    const service = newTestService(store);
    try {
      const { sessionToken, session } = await service.createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: 'a long password here',
      });
      const row = await withPostgres((client) =>
        client.query(`SELECT row_to_json(s)::text AS json FROM "${schema}".sessions s WHERE session_id = $1`, [
          session.session_id,
        ]),
      );
      const json = String(row.rows[0]?.json);
      expect(json).toContain(session.session_id);
      expect(json).not.toContain(sessionToken.slice(16));
      expect(json).toContain(sessionToken.slice(0, 16));
    } finally {
      await service.close();
      await store.close();
    }
  });

  it('closes its pool: its connections leave pg_stat_activity', async () => {
    const applicationName = uniqueName('stytch-like-close-test');
    const connections = () =>
      withPostgres(async (client) =>
        Number(
          (
            await client.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
              applicationName,
            ])
          ).rows[0]?.n,
        ),
      );
    const store = await PostgresSessionStore.open({ connectionString: POSTGRES_URL, schema, applicationName });
    await Promise.all(Array.from({ length: 4 }, () => store.ping()));
    expect(await connections()).toBeGreaterThan(0);
    await store.close();
    await waitFor(async () => (await connections()) === 0, { what: 'the pool connections to close' });
  });

  it('reports an unreachable server as UNAVAILABLE within the connect timeout', async () => {
    const started = Date.now();
    await expect(
      PostgresSessionStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1000 }),
    ).rejects.toMatchObject({
      name: 'SessionStoreError',
      code: 'UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps no stored value in its errors: a refused write carries the SQLSTATE and constraint, not the failing row', async () => {
    const store = await location.open();
    const sessions = `"${schema}".sessions`;
    try {
      await withPostgres((client) =>
        client.query(`ALTER TABLE ${sessions} ADD CONSTRAINT refuse_writes CHECK (false) NOT VALID`),
      );
      const session = newSession(`user-test-${randomUUID()}`);
      const error = await store.insertSession(session).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'SessionStoreError',
        code: 'FAILED',
        cause: { name: 'PostgresServerError', code: '23514', table: 'sessions', constraint: 'refuse_writes' },
      });
      // PostgreSQL's own answer quotes the whole row in its detail: the token id, the secret hash, the user.
      const shown = `${inspect(error, { depth: 10 })}${JSON.stringify((error as Error).cause)}`;
      for (const value of [session.tokenId, session.secretHash, session.sessionId, session.userId]) {
        expect(shown).not.toContain(value);
      }
    } finally {
      await withPostgres((client) => client.query(`ALTER TABLE ${sessions} DROP CONSTRAINT IF EXISTS refuse_writes`));
      await store.close();
    }
  });
});
