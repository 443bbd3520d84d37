import { randomUUID } from 'node:crypto';
import { sessionTokenContract, type ContractExpiry } from '@sessiontoken/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStytchLikeSessionProvider } from '../../src/server/provider/embedded-provider.js';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import type { StytchLikeCredentials } from '../../src/provider/session-operations.js';
import { ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { testStoreLocation, type StoreKind, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';

/**
 * The contract's expired sessions on a test server: a five-minute session started ten minutes ago, and one started a
 * moment less than five minutes ago that the provider then holds, both made through the same store with a clock set
 * back. `server` is read when a test runs (it starts in `beforeAll`).
 */
export function expiryThrough(server: () => TestServer): ContractExpiry {
  const sessionStartedAgo = (ms: number) =>
    server()
      .serviceWithClock(new ManualClock(new Date(Date.now() - ms)).now)
      .createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: PASSWORD,
        sessionDurationMinutes: 5,
      });
  return {
    expiredToken: async () => {
      const old = await sessionStartedAgo(10 * 60_000);
      return { sessionToken: old.sessionToken, sessionJwt: old.sessionJwt };
    },
    openShortLived: async (provider) => {
      const young = await sessionStartedAgo(5 * 60_000 - 5_000);
      await provider.setSessionToken({ sessionToken: young.sessionToken, sessionJwt: young.sessionJwt });
    },
    maxWaitMs: 20_000,
    code: 'EXPIRED',
  };
}

/**
 * Registers the published session-token contract for one provider over one store: the HTTP provider against a real
 * server on a free port, or the embedded provider over the same service, both on a real database.
 */
export function stytchLikeContract(mode: 'http' | 'embedded', kind: StoreKind): void {
  describe(`stytch-like ${mode} (${kind})`, () => {
    let location: TestStoreLocation;
    let server: TestServer;
    let existingEmail: string;

    beforeAll(async () => {
      location = testStoreLocation(kind);
      server = await startTestServer({ store: await location.open() });
      existingEmail = `u-${randomUUID()}@example.test`;
      await server.service.createPasswordUser({ email: existingEmail, password: PASSWORD });
    });
    afterAll(async () => {
      await server?.close();
      await location?.cleanup();
    });

    sessionTokenContract<StytchLikeCredentials>(
      { describe, it, expect },
      {
        name: `stytch-like ${mode} (${kind})`,
        createProvider: () =>
          mode === 'http'
            ? new StytchLikeSessionProvider({ baseUrl: server.url, projectId: server.projectId, secret: server.secret })
            : new EmbeddedStytchLikeSessionProvider({ service: server.service }),
        credentials: async () => {
          const email = `u-${randomUUID()}@example.test`;
          await server.service.createPasswordUser({ email, password: PASSWORD });
          return { email, password: PASSWORD };
        },
        badCredentials: async () => ({ email: existingEmail, password: 'wrong password' }),
        capabilities: {
          jwt: true,
          serverRevocation: true,
          slidingExpiry: true,
          statelessReattach: true,
          tokenRenewal: false,
        },
        expiry: expiryThrough(() => server),
        revokedCodes: ['REVOKED', 'INVALID_TOKEN'],
      },
    );
  });
}
