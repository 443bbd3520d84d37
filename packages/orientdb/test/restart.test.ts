import { isSessionTokenError } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrientDBServerError, OrientDBSessionPool, OrientDBSessionProvider } from '../src/index.js';
import { randomSecretKey, startOrientDBServer, type OrientDBServer } from '@sessiontoken/orientdb-server';
import { createTestProvider, waitFor } from './support/orientdb.js';
import { prepareTestDatabase } from './support/test-database.js';

// A server of this file's own (the shared one keeps running for the other files), with a key of its own.
const secretKey = randomSecretKey();
const database = 'sessiontoken';
const providers: OrientDBSessionProvider[] = [];
let server: OrientDBServer | null = null;
let credentials: { username: string; password: string };

beforeAll(async () => {
  server = await startOrientDBServer({ secretKey });
  credentials = await prepareTestDatabase(server, database);
});

afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await server?.stop({ removeDataDir: true });
});

function providerFor(running: OrientDBServer): OrientDBSessionProvider {
  const provider = new OrientDBSessionProvider({
    host: running.host,
    port: running.binaryPort,
    database,
    timeoutMs: 10_000,
  });
  providers.push(provider);
  return provider;
}

/** Stops the file's server and starts it again on the same ports, data and key. */
async function restart(): Promise<OrientDBServer> {
  const { binaryPort, httpPort, dataDir } = server!;
  await server!.stop();
  server = null;
  server = await startOrientDBServer({ secretKey, binaryPort, httpPort, dataDir });
  return server;
}

// Each test restarts the server (two starts): the limit leaves room for the harness's start deadline on a loaded machine.
describe('a server restart', () => {
  it('keeps tokens valid with the same secret key, and a server with another key rejects them with INVALID_TOKEN', async () => {
    const before = providerFor(server!);
    before.setSessionToken(true);
    await before.open(credentials);
    const token = before.getSessionToken();
    expect(await before.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const running = await restart();

    // A new process (here: a new provider) reattaches with the token issued before the restart.
    const after = providerFor(running);
    const session = await after.setSessionToken(token);
    expect(session.subject).toBe(before.getSession()?.subject);
    expect(await after.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    // The provider that opened before the restart lost its socket; it goes on statelessly with its token.
    expect(await before.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);

    // The run's shared server has the same database and user but another key.
    const elsewhere = createTestProvider();
    providers.push(elsewhere);
    const rejection = await elsewhere.setSessionToken(token).catch((error: unknown) => error);
    expect(rejection).toMatchObject({ code: 'INVALID_TOKEN' });
    const cause = (rejection as Error).cause as OrientDBServerError;
    expect(cause.simpleClassName).toBe('OTokenSecurityException');
    expect(cause.serverMessage).toMatch(/signature does not match/);
  }, 300_000);

  it('with a warm pool: every borrower answers or gets UNAVAILABLE within its deadline, and the pool recovers', async () => {
    const timeoutMs = 3_000;
    const pool = new OrientDBSessionPool({
      host: server!.host,
      port: server!.binaryPort,
      database,
      maxSockets: 2,
      timeoutMs,
    });
    try {
      const tokens: string[] = [];
      for (let i = 0; i < 4; i++) {
        const provider = pool.createProvider();
        provider.setSessionToken(true);
        await provider.open(credentials);
        tokens.push(provider.getSessionToken());
        await provider.close();
      }
      expect(pool.stats.liveSessions).toBe(4);

      /** A wave of concurrent borrowers: each reattaches and queries; returns how each ended and how long it took. */
      const wave = (): Promise<{ outcome: string; elapsedMs: number }[]> =>
        Promise.all(
          tokens.concat(tokens).map(async (token) => {
            const started = Date.now();
            const provider = pool.createProvider();
            try {
              await provider.setSessionToken(token);
              await provider.query('SELECT 1 AS one');
              return { outcome: 'ok', elapsedMs: Date.now() - started };
            } catch (error) {
              return {
                outcome: isSessionTokenError(error) ? error.code : String(error),
                elapsedMs: Date.now() - started,
              };
            } finally {
              await provider.close();
            }
          }),
        );
      const withinDeadline = (results: { elapsedMs: number }[]) => results.every((r) => r.elapsedMs < 2 * timeoutMs);

      expect((await wave()).map((r) => r.outcome)).toEqual(Array(8).fill('ok'));
      const { binaryPort, httpPort, dataDir } = server!;
      // Borrowers in flight while the server goes down.
      const during = wave();
      await server!.stop();
      server = null;
      const inFlight = await during;
      expect(inFlight.every((r) => r.outcome === 'ok' || r.outcome === 'UNAVAILABLE')).toBe(true);
      expect(withinDeadline(inFlight)).toBe(true);
      // Borrowers while it is down: the sockets are gone and nothing listens.
      const down = await wave();
      expect(down.map((r) => r.outcome)).toEqual(Array(8).fill('UNAVAILABLE'));
      expect(withinDeadline(down)).toBe(true);
      // A restarted server hands out session ids from the start again: the pool forgot every live one.
      expect(pool.stats.liveSessions).toBe(0);

      server = await startOrientDBServer({ secretKey, binaryPort, httpPort, dataDir });
      await waitFor(async () => (await wave()).every((r) => r.outcome === 'ok'), 60_000, 'the pool to serve again');
      const after = await wave();
      expect(after.map((r) => r.outcome)).toEqual(Array(8).fill('ok'));
      expect(pool.stats.sockets).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
    expect(pool.stats.sockets).toBe(0);
  }, 300_000);
});
