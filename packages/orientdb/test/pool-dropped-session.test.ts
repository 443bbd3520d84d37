import { decodeBase64Url, type SessionChangeEvent } from '@sessiontoken/core';
import {
  listConnections,
  randomSecretKey,
  startOrientDBServer,
  type OrientDBServer,
  type OrientDBServerAddress,
} from '@sessiontoken/orientdb-server';
import { afterAll, describe, expect, it } from 'vitest';
import { OrientDBConnection } from '../src/protocol/connection.js';
import { closeRequest } from '../src/protocol/requests.js';
import { parseOrientDBToken } from '../src/token/orientdb-token.js';
import { OrientDBSessionPool, type OrientDBPooledSessionProvider } from '../src/index.js';
import { createTestPool, testCredentials, testServer, uniqueClassName, waitFor } from './support/orientdb.js';
import { prepareTestDatabase } from './support/test-database.js';

// A live session the server dropped. With the pool's socket still open, the server answers a request carrying its id
// statelessly (a throw-away session for that one request), so a paged query loses its cursor after the first page.
// With a restart, the socket goes too. Either way the token carries on alone, and the caller sees nothing of it.

const ROWS = 5;
const PAGE = 2;
const pools: OrientDBSessionPool[] = [];
const servers: OrientDBServer[] = [];

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  await Promise.all(servers.map((server) => server.stop({ removeDataDir: true })));
});

/** The server's session id of the session `token` was issued to: its driver version carries a per-session nonce. */
async function sessionIdOf(server: OrientDBServerAddress, token: string): Promise<number | null> {
  const nonce = parseOrientDBToken(token).payload.driverVersion!;
  const found = (await listConnections(server)).find((connection) => connection.driver?.includes(nonce));
  return found?.connectionId ?? null;
}

/** A pooled provider that opened a session with credentials and wrote `ROWS` numbered records of a fresh class. */
async function openWithRows(
  pool: OrientDBSessionPool,
  credentials: { username: string; password: string },
): Promise<{ provider: OrientDBPooledSessionProvider; className: string; events: SessionChangeEvent[] }> {
  const provider = pool.createProvider();
  const events: SessionChangeEvent[] = [];
  provider.onChange((event) => events.push(event));
  provider.setSessionToken(true);
  await provider.open(credentials);
  const className = uniqueClassName('Dropped');
  await provider.command(`CREATE CLASS ${className}`);
  for (let n = 1; n <= ROWS; n++) await provider.command(`INSERT INTO ${className} SET n = ?`, [n]);
  return { provider, className, events };
}

async function numbers(provider: OrientDBPooledSessionProvider, className: string): Promise<unknown[]> {
  const rows = await provider.query(`SELECT n FROM ${className} ORDER BY n`, [], { pageSize: PAGE });
  return rows.map((row) => row['n']);
}

const ALL = Array.from({ length: ROWS }, (_, i) => i + 1);

describe('a live session the server dropped', () => {
  it('closed from another socket, its own still open: a paged query goes stateless unnoticed, and the pool forgets the session', async () => {
    const server = testServer();
    const admin = { host: server.host, httpPort: server.httpPort, rootPassword: server.rootPassword };
    const pool = createTestPool({ maxSockets: 1 });
    pools.push(pool);
    const { provider, className } = await openWithRows(pool, testCredentials());
    const token = provider.getSessionToken();
    expect(await numbers(provider, className)).toEqual(ALL);
    expect(pool.stats.liveSessions).toBe(1);

    // Another client ends the session on the server (DB_CLOSE with its id and token, which the server never answers).
    const sessionId = await sessionIdOf(admin, token);
    expect(sessionId).not.toBeNull();
    const other = await OrientDBConnection.open({ host: server.host, port: server.port, timeoutMs: 10_000 });
    try {
      await other.send(closeRequest(sessionId!, decodeBase64Url(token)));
      await waitFor(async () => (await sessionIdOf(admin, token)) === null, 20_000, 'the server to drop the session');
    } finally {
      await other.close();
    }
    expect(pool.stats).toMatchObject({ sockets: 1, idle: 1 });

    expect(await numbers(provider, className)).toEqual(ALL);
    expect(pool.stats.liveSessions).toBe(0);
    expect(pool.stats.sockets).toBe(1);
    // Later requests, on the same provider and as a new request with the token, keep working.
    expect(await numbers(provider, className)).toEqual(ALL);
    const next = pool.createProvider();
    try {
      await next.setSessionToken(token);
      expect(await numbers(next, className)).toEqual(ALL);
    } finally {
      await next.close();
    }
    await provider.close();
  });

  it('gone with a server restart, the pool warm: the first query answers, later ones too, renewals reach onChange', async () => {
    // A server of its own whose tokens live two minutes: renewed after one, with room for a slow restart before that.
    const secretKey = randomSecretKey();
    let server = await startOrientDBServer({ secretKey, tokenExpireTimeoutMinutes: 2 });
    servers.push(server);
    const credentials = await prepareTestDatabase(server, 'sessiontoken');
    const pool = new OrientDBSessionPool({
      host: server.host,
      port: server.binaryPort,
      database: 'sessiontoken',
      maxSockets: 2,
      timeoutMs: 10_000,
    });
    pools.push(pool);
    const { provider, className, events } = await openWithRows(pool, credentials);
    expect(await numbers(provider, className)).toEqual(ALL);
    expect(pool.stats.liveSessions).toBe(1);

    const { binaryPort, httpPort, dataDir } = server;
    await server.stop();
    servers.pop();
    server = await startOrientDBServer({ secretKey, tokenExpireTimeoutMinutes: 2, binaryPort, httpPort, dataDir });
    servers.push(server);

    // The session died with the server; its token did not. The very first call after the restart answers.
    expect(await numbers(provider, className)).toEqual(ALL);
    expect(pool.stats.liveSessions).toBe(0);
    const next = pool.createProvider();
    try {
      await next.setSessionToken(provider.getSessionToken());
      expect(await numbers(next, className)).toEqual(ALL);
    } finally {
      await next.close();
    }
    // Past half the token's life the server sends a renewed one with a stateless answer: onChange hears of it.
    const before = provider.getSessionToken();
    await waitFor(
      async () => {
        expect(await numbers(provider, className)).toEqual(ALL);
        return events.some((event) => event.reason === 'renewed');
      },
      120_000,
      'the server to renew the token',
    );
    expect(provider.getSessionToken()).not.toBe(before);
    expect(events.at(-1)?.session?.expiresAt?.getTime()).toBe(
      parseOrientDBToken(provider.getSessionToken()).payload.expiresAt.getTime(),
    );
    expect(events.map((event) => event.reason).filter((reason) => reason !== 'renewed')).toEqual(['opened']);
    const renewed = pool.createProvider();
    try {
      await renewed.setSessionToken(provider.getSessionToken());
      expect(await numbers(renewed, className)).toEqual(ALL);
    } finally {
      await renewed.close();
    }
    await provider.close();
  }, 420_000);
});
