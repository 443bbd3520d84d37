import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isSessionTokenError, type SessionChangeEvent } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrientDBSessionProvider, type OrientDBSessionPool } from '../src/index.js';
import {
  createTestPool,
  resignToken,
  testCredentials,
  testServer,
  uniqueClassName,
  waitFor,
  warmUp,
} from './support/orientdb.js';
import { prepareTestDatabase } from './support/test-database.js';
import { createWriterUsers } from './support/test-users.js';

const USERS = 100;
const SOCKETS = 4;
const pools: OrientDBSessionPool[] = [];
let pool: OrientDBSessionPool;
let owned: string;
let users: { username: string; password: string; token: string }[];

function newPool(overrides: Parameters<typeof createTestPool>[0] = {}): OrientDBSessionPool {
  const created = createTestPool(overrides);
  pools.push(created);
  return created;
}

beforeAll(async () => {
  // Records of an ORestricted class are visible to their owner only: a row proves whose session answered.
  owned = uniqueClassName('PoolOwned');
  const admin = new OrientDBSessionProvider({
    host: testServer().host,
    port: testServer().port,
    database: testServer().database,
  });
  try {
    await admin.open(testCredentials());
    await admin.command(`CREATE CLASS ${owned} EXTENDS ORestricted`);
    const created = await createWriterUsers(admin, `pool_${randomUUID().slice(0, 8)}`, USERS);
    pool = newPool({ maxSockets: SOCKETS });
    // Every user logs in through the pool (concurrently) and leaves one record of their own.
    users = await Promise.all(
      created.map(async (user) => {
        const provider = pool.createProvider();
        try {
          provider.setSessionToken(true);
          await provider.open({ username: user.username, password: user.password });
          await provider.command(`INSERT INTO ${owned} SET owner = :owner`, { owner: user.username });
          return { ...user, token: provider.getSessionToken() };
        } finally {
          await provider.close();
        }
      }),
    );
  } finally {
    await admin.close();
  }
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** One request of a web server: a fresh provider, reattach with the request's token, one query, close. */
async function request(
  on: OrientDBSessionPool,
  token: string,
  nonce: string,
): Promise<{ owners: string[]; nonce: string }> {
  const provider = on.createProvider();
  try {
    await provider.setSessionToken(token);
    const rows = await provider.query(`SELECT owner, :nonce AS nonce FROM ${owned}`, { nonce });
    const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
    return { owners: rows.map((row) => text(row['owner'])), nonce: text(rows[0]?.['nonce']) };
  } finally {
    await provider.close();
  }
}

describe('OrientDBSessionPool', () => {
  it(`serves ${USERS} users' tokens concurrently over ${SOCKETS} sockets, every answer to its own session`, async () => {
    const answers = await Promise.all(users.map((user, i) => request(pool, user.token, `n${i}`)));
    answers.forEach((answer, i) => expect(answer).toEqual({ owners: [users[i]!.username], nonce: `n${i}` }));
    expect(pool.stats.sockets).toBeLessThanOrEqual(SOCKETS);
    expect(pool.stats.liveSessions).toBeGreaterThanOrEqual(USERS);
  });

  it('reattaches with a token of its own live session without opening a socket', async () => {
    const before = pool.stats.sockets;
    const provider = pool.createProvider();
    try {
      const session = await provider.setSessionToken(users[0]!.token);
      expect(session.subject).toMatch(new RegExp(`^${testServer().database}/#\\d+:\\d+$`));
      expect(pool.stats.sockets).toBe(before);
    } finally {
      await provider.close();
    }
  });

  it('serves the same tokens statelessly from a pool that did not open them', async () => {
    const other = newPool({ maxSockets: 2 });
    const answers = await Promise.all(users.slice(0, 20).map((user, i) => request(other, user.token, `s${i}`)));
    answers.forEach((answer, i) => expect(answer).toEqual({ owners: [users[i]!.username], nonce: `s${i}` }));
    expect(other.stats.liveSessions).toBe(0);
    expect(other.stats.sockets).toBeLessThanOrEqual(2);
  });

  it('serves a token another process opened', async () => {
    const server = testServer();
    const fixture = fileURLToPath(new URL('./fixtures/process-a.mjs', import.meta.url));
    const child = spawn(process.execPath, [fixture], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        PATH: process.env['PATH'] ?? '',
        ORIENTDB_HOST: server.host,
        ORIENTDB_PORT: String(server.port),
        ORIENTDB_DATABASE: server.database,
        ORIENTDB_USER: server.username,
        ORIENTDB_PASSWORD: server.password,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const { token, subject } = JSON.parse(stdout) as { token: string; subject: string };
    const provider = pool.createProvider();
    try {
      expect((await provider.setSessionToken(token)).subject).toBe(subject);
      expect(await provider.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await provider.close();
    }
  });

  it('rejects a tampered or forged token from setSessionToken even after its genuine twin was served', async () => {
    const token = users[1]!.token;
    const tampered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    const forged = resignToken(token, (payload) => payload, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    for (const bad of [tampered, forged]) {
      const provider = pool.createProvider();
      try {
        await expect(provider.setSessionToken(bad)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
        expect(provider.getSession()).toBeNull();
      } finally {
        await provider.close();
      }
    }
  });

  it('a token the server renews during a pooled query replaces the held one and fires onChange("renewed")', async () => {
    // Half of the 60-minute life plus a few seconds: valid at reattach, due for renewal moments later.
    const almostHalf = resignToken(users[3]!.token, (payload) => ({
      ...payload,
      expiresAt: new Date(Date.now() + 30 * 60_000 + 2_500),
    }));
    const provider = pool.createProvider();
    try {
      await provider.setSessionToken(almostHalf);
      const events: SessionChangeEvent[] = [];
      provider.onChange((event) => events.push(event));
      await waitFor(
        async () => {
          await provider.query('SELECT 1 AS one');
          return events.some((event) => event.reason === 'renewed');
        },
        20_000,
        'the server to renew the token',
      );
      expect(provider.getSessionToken()).not.toBe(almostHalf);
      expect(provider.getSession()!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
      // The renewed token serves the same user.
      expect((await request(pool, provider.getSessionToken(), 'renewed')).owners).toEqual([users[3]!.username]);
    } finally {
      await provider.close();
    }
  });

  it('revoke() ends the live session: the token still works, statelessly, as OrientDB cannot revoke it', async () => {
    const provider = pool.createProvider();
    provider.setSessionToken(true);
    await provider.open(testCredentials());
    const token = provider.getSessionToken();
    const live = pool.stats.liveSessions;
    await provider.revoke();
    expect(pool.stats.liveSessions).toBe(live - 1);
    await provider.close();
    expect((await request(pool, token, 'after-revoke')).nonce).toBe('after-revoke');
  });
});

describe('token binding', () => {
  const other = 'sessiontoken_other';
  let otherToken: string;

  beforeAll(async () => {
    const server = testServer();
    const credentials = await prepareTestDatabase(
      { host: server.host, binaryPort: server.port, rootPassword: server.rootPassword },
      other,
    );
    const provider = new OrientDBSessionProvider({ host: server.host, port: server.port, database: other });
    try {
      provider.setSessionToken(true);
      await provider.open(credentials);
      otherToken = provider.getSessionToken();
    } finally {
      await provider.close();
    }
  });

  it('a token of another database rejects with INVALID_TOKEN, pooled or not, before any round trip', async () => {
    const single = new OrientDBSessionProvider({
      host: testServer().host,
      port: testServer().port,
      database: testServer().database,
    });
    const pooled = pool.createProvider();
    try {
      for (const provider of [single, pooled]) {
        const error = await provider.setSessionToken(otherToken).catch((e: unknown) => e);
        expect(isSessionTokenError(error, 'INVALID_TOKEN')).toBe(true);
        expect((error as Error).message).not.toContain(otherToken.slice(0, 16));
        expect(provider.getSession()).toBeNull();
      }
    } finally {
      await single.close();
      await pooled.close();
    }
  });

  it('a genuine token re-signed to name this database still rejects, and subjects differ by database', async () => {
    // The same user record id in another database is another user: the subject says which database.
    const renamed = resignToken(otherToken, (payload) => ({ ...payload, database: 'no_such_database' }));
    const provider = pool.createProvider();
    try {
      await expect(provider.setSessionToken(renamed)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    } finally {
      await provider.close();
    }
    const inOther = new OrientDBSessionProvider({ host: testServer().host, port: testServer().port, database: other });
    const inThis = pool.createProvider();
    try {
      const a = await inOther.setSessionToken(otherToken);
      inThis.setSessionToken(true);
      const b = await inThis.open(testCredentials());
      expect(a.subject.startsWith(`${other}/#`)).toBe(true);
      expect(b.subject.startsWith(`${testServer().database}/#`)).toBe(true);
      expect(a.subject).not.toBe(b.subject);
    } finally {
      await inOther.close();
      await inThis.close();
    }
  });
});

describe('pool limits and close()', () => {
  it('warm sockets are reused; close() leaves no socket open and later calls reject with CLOSED', async () => {
    const baseline = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const limited = newPool({ maxSockets: 2 });
    await warmUp(limited, 2);
    expect(limited.stats).toMatchObject({ sockets: 2, idle: 2, waiting: 0 });
    const provider = limited.createProvider();
    await provider.setSessionToken(users[2]!.token);
    await limited.close();
    expect(limited.stats.sockets).toBe(0);
    const left = process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    expect(left).toBeLessThanOrEqual(baseline);
    await expect(provider.query('SELECT 1')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => limited.createProvider()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await provider.close();
  });
});
