import { randomUUID } from 'node:crypto';
import { sessionTokenContract } from '@sessiontoken/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStytchLikeSessionProvider } from '../../src/server/provider/embedded-provider.js';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import type { StytchLikeCredentials } from '../../src/provider/session-operations.js';
import { ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { testStoreLocation, type StoreKind, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';

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
        expiry: {
          // A five-minute session started ten minutes ago, through the same store with a clock set back.
          expiredToken: async () => {
            const past = new ManualClock(new Date(Date.now() - 10 * 60_000));
            const old = await server.serviceWithClock(past.now).createPasswordUser({
              email: `u-${randomUUID()}@example.test`,
              password: PASSWORD,
              sessionDurationMinutes: 5,
            });
            return { sessionToken: old.sessionToken, sessionJwt: old.sessionJwt };
          },
          // A five-minute session started a moment less than five minutes ago, which the provider then holds.
          openShortLived: async (provider) => {
            const past = new ManualClock(new Date(Date.now() - 5 * 60_000 + 5_000));
            const young = await server.serviceWithClock(past.now).createPasswordUser({
              email: `u-${randomUUID()}@example.test`,
              password: PASSWORD,
              sessionDurationMinutes: 5,
            });
            await provider.setSessionToken({ sessionToken: young.sessionToken, sessionJwt: young.sessionJwt });
          },
          maxWaitMs: 20_000,
          code: 'EXPIRED',
        },
        revokedCodes: ['REVOKED', 'INVALID_TOKEN'],
      },
    );
  });
}
