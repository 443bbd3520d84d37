import { sessionTokenContract } from '@sessiontoken/contract';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StytchSessionProvider, STYTCH_CAPABILITIES, type StytchCredentials } from '../src/index.js';
import { startStytchLikeServer, type StytchLikeTestServer } from './helpers/stytch-like-server.js';

// The whole published contract, with the official SDK inside the provider talking to a real Stytch-compatible server.
describe('stytch (official SDK) against the Stytch-like server', () => {
  let server: StytchLikeTestServer;
  let existing: StytchCredentials;

  beforeAll(async () => {
    // The SDK warns on every client with a custom env (our loopback origin); that is expected here.
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    server = await startStytchLikeServer();
    existing = await server.createUser();
  });
  afterAll(async () => {
    await server?.close();
    vi.restoreAllMocks();
  });

  sessionTokenContract<StytchCredentials>(
    { describe, it, expect },
    {
      name: 'stytch',
      createProvider: () =>
        new StytchSessionProvider({ projectId: server.projectId, secret: server.secret, baseUrl: server.url }),
      credentials: () => server.createUser(),
      badCredentials: () => ({ email: existing.email, password: 'wrong password' }),
      capabilities: STYTCH_CAPABILITIES,
      expiry: { expiredToken: () => server.expiredSession(), code: 'EXPIRED' },
      revokedCodes: ['REVOKED', 'INVALID_TOKEN'],
    },
  );
});
