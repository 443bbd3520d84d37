import { sessionTokenContract } from '@sessiontoken/contract';
import { describe, expect, it } from 'vitest';
import { ORIENTDB_CAPABILITIES, type OrientDBCredentials, type OrientDBSessionProvider } from '../src/index.js';
import { createTestProvider, resignToken, testCredentials } from './support/orientdb.js';

sessionTokenContract<OrientDBCredentials>(
  { describe, it, expect },
  {
    name: 'orientdb',
    createProvider: createTestProvider,
    credentials: testCredentials,
    badCredentials: () => ({ ...testCredentials(), password: 'not-the-password' }),
    capabilities: {
      jwt: false,
      serverRevocation: false,
      slidingExpiry: false,
      statelessReattach: true,
      tokenRenewal: true,
    },
    work: (provider) => (provider as unknown as OrientDBSessionProvider).query('SELECT 1 AS one'),
    expiry: {
      // A real session's token, re-signed with the server's key with its expiry a minute in the past.
      expiredToken: async () => {
        const provider = createTestProvider();
        try {
          provider.setSessionToken(true);
          await provider.open(testCredentials());
          return resignToken(provider.getSessionToken(), (payload) => ({
            ...payload,
            expiresAt: new Date(Date.now() - 60_000),
          }));
        } finally {
          await provider.close();
        }
      },
      code: 'EXPIRED',
    },
    operationTimeoutMs: 15_000,
  },
);

it('declares the capabilities the contract checks', () => {
  expect(ORIENTDB_CAPABILITIES).toEqual({
    jwt: false,
    serverRevocation: false,
    slidingExpiry: false,
    statelessReattach: true,
    tokenRenewal: true,
  });
});
