import { afterAll, describe, expect, it } from 'vitest';
import { type OrientDBServerError, OrientDBSessionProvider } from '../src/index.js';
import { randomSecretKey, startOrientDBServer, type OrientDBServer } from '@sessiontoken/orientdb-server';
import { createTestProvider, testServer } from './support/orientdb.js';
import { prepareTestDatabase } from './support/test-database.js';

// A server of this file's own (the shared one keeps running for the other files), with a key of its own.
const secretKey = randomSecretKey();
const providers: OrientDBSessionProvider[] = [];
let server: OrientDBServer | null = null;

afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await server?.stop({ removeDataDir: true });
});

function providerFor(running: OrientDBServer, database: string): OrientDBSessionProvider {
  const provider = new OrientDBSessionProvider({ host: running.host, port: running.binaryPort, database, timeoutMs: 10_000 });
  providers.push(provider);
  return provider;
}

describe('a server restart', () => {
  // Three server starts: the limit leaves room for the harness's own start deadline on a loaded machine.
  it('keeps tokens valid with the same secret key, and a server with another key rejects them with INVALID_TOKEN', { timeout: 300_000 }, async () => {
    const database = testServer().database;
    server = await startOrientDBServer({ secretKey });
    const credentials = await prepareTestDatabase(server, database);
    const before = providerFor(server, database);
    before.setSessionToken(true);
    await before.open(credentials);
    const token = before.getSessionToken();
    expect(await before.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const { binaryPort, httpPort, dataDir } = server;
    await server.stop();
    server = await startOrientDBServer({ secretKey, binaryPort, httpPort, dataDir });

    // A new process (here: a new provider) reattaches with the token issued before the restart.
    const after = providerFor(server, database);
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
  });
});
