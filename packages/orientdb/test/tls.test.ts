import { rootCertificates } from 'node:tls';
import { SessionTokenError } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrientDBServerAdmin, OrientDBSessionProvider, type OrientDBSessionProviderOptions } from '../src/index.js';
import { testCredentials, testServer, waitFor } from './support/orientdb.js';

// The run's server has a TLS binary listener beside its plain one (global-setup.ts): no JVM of this file's own.
const providers: OrientDBSessionProvider[] = [];
// A real CA that did not sign the server's certificate: trusting it must not make the server trusted.
const otherCa = rootCertificates[0]!;

/** Sockets (plain and TLS) this process holds open. */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => /TCP|TLS/.test(kind)).length;
}
let socketsBefore = 0;

beforeAll(() => {
  socketsBefore = openSockets();
});

afterAll(async () => {
  await Promise.all(providers.map((p) => p.close()));
  // Every socket the tests opened, refused or timed out is closed once the providers are.
  await waitFor(() => openSockets() <= socketsBefore, 10_000, 'every TLS and TCP socket to close');
  expect(openSockets()).toBeLessThanOrEqual(socketsBefore);
});

function provider(overrides: Partial<OrientDBSessionProviderOptions> = {}): OrientDBSessionProvider {
  const server = testServer();
  const p = new OrientDBSessionProvider({
    host: server.host,
    port: server.ssl.port,
    database: server.database,
    timeoutMs: 10_000,
    tls: { ca: server.ssl.ca },
    ...overrides,
  });
  providers.push(p);
  return p;
}

async function rejection(promise: Promise<unknown>): Promise<SessionTokenError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionTokenError);
  return error as SessionTokenError;
}

describe('TLS to the SSL binary listener', () => {
  it('opens, queries and reattaches from another provider, all over TLS', async () => {
    const opened = provider();
    opened.setSessionToken(true);
    await opened.open(testCredentials());
    expect(await opened.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);

    const reattached = provider();
    const session = await reattached.setSessionToken(opened.getSessionToken());
    expect(session.subject).toBe(opened.getSession()?.subject);
    expect(await reattached.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    await Promise.all([opened.close(), reattached.close()]);
  });

  it('lets a server user administer the server over TLS', async () => {
    const server = testServer();
    const admin = await OrientDBServerAdmin.connect({
      host: server.host,
      port: server.ssl.port,
      username: 'root',
      password: server.rootPassword,
      tls: { ca: server.ssl.ca },
    });
    try {
      expect(await admin.databaseExists(server.database)).toBe(true);
    } finally {
      await admin.close();
    }
  });

  it('refuses a server whose certificate the CA does not sign, with UNAVAILABLE from the handshake', async () => {
    for (const tls of [{ ca: otherCa }, true] as const) {
      const error = await rejection(provider({ tls }).open(testCredentials()));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(/over TLS/);
      // The handshake ended it, not the deadline.
      expect((error.cause as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    }
    const elsewhere = provider();
    elsewhere.setSessionToken(true);
    await elsewhere.open(testCredentials());
    const error = await rejection(provider({ tls: { ca: otherCa } }).setSessionToken(elsewhere.getSessionToken()));
    expect(error.code).toBe('UNAVAILABLE');
  });

  it('gives up with UNAVAILABLE at the deadline when a plain client talks to the TLS port', async () => {
    // The TLS server waits for a ClientHello that never comes; the client waits for a greeting that never comes.
    const error = await rejection(provider({ tls: false, timeoutMs: 1500 }).open(testCredentials()));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/did not answer within 1500 ms/);
  });

  it('fails with UNAVAILABLE when a TLS client talks to the plain port', async () => {
    // The server's greeting is no TLS record and it drops the ClientHello it cannot parse: a reset or the deadline.
    const error = await rejection(provider({ port: testServer().port, timeoutMs: 3000 }).open(testCredentials()));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/over TLS|did not answer within 3000 ms/);
  });

  it('refuses tls options that would move the connection elsewhere, before any network', () => {
    const server = testServer();
    const base = { host: server.host, port: server.ssl.port, database: server.database };
    for (const tls of [{ host: 'example.com' }, { port: 1 }, { socket: undefined }, 'yes', 1]) {
      expect(() => new OrientDBSessionProvider({ ...base, tls: tls as never })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
      );
    }
  });
});
