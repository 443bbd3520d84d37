import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { ManualClock } from '../helpers/clock.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { testStoreLocation } from '../helpers/stores.js';
import { describeSessionStoreContract } from './store-contract.js';
import { newTestService } from '../helpers/servers.js';

const location = testStoreLocation('sqlite');
afterAll(() => location.cleanup());

describeSessionStoreContract(location);

describe('SqliteSessionStore, read straight from the file', () => {
  const path = location.url.slice('sqlite:'.length);

  it('uses WAL journaling', async () => {
    const store = await location.open();
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    } finally {
      db.close();
    }
  });

  it('writes a last-access-only update to the file like any other', async () => {
    const store = await location.open();
    const clock = new ManualClock(new Date());
    const service = new StytchLikeSessionService({
      store,
      ...testProject(),
      clock: clock.now,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
    const { sessionToken, session } = await service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: 'a long password here',
    });
    clock.advance(60_000);
    const touched = await service.authenticateSession({ sessionToken });
    await service.close();
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const row = db
        .prepare('SELECT last_accessed_at, expires_at FROM sessions WHERE session_id = ?')
        .get(session.session_id);
      expect(row).toEqual({ last_accessed_at: clock.now().getTime(), expires_at: Date.parse(session.expires_at) });
      expect(touched.session.last_accessed_at).toBe(clock.now().toISOString());
    } finally {
      db.close();
    }
  });

  it('never writes a session token or its secret to disk, only the SHA-256 of the secret', async () => {
    const store = await location.open();
    const service = newTestService(store);
    const { sessionToken, session } = await service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: 'a long password here',
    });
    await service.close();
    const onDisk = ['', '-wal']
      .map((suffix) => {
        try {
          return readFileSync(path + suffix).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    expect(onDisk).toContain(session.session_id);
    expect(onDisk).not.toContain(sessionToken.slice(16));
    await store.close();
  });
});
