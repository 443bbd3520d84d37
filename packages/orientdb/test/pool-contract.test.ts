import { sessionTokenContract } from '@sessiontoken/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrientDBCredentials, OrientDBPooledSessionProvider, OrientDBSessionPool } from '../src/index.js';
import { createTestPool, resignToken, testCredentials, warmUp } from './support/orientdb.js';

// One warm pool for the whole suite, as a web server has: providers borrow its sockets and own none.
let pool: OrientDBSessionPool;

beforeAll(async () => {
  pool = createTestPool({ maxSockets: 2 });
  await warmUp(pool, 2);
});

afterAll(async () => {
  await pool.close();
});

sessionTokenContract<OrientDBCredentials>(
  { describe, it, expect },
  {
    name: 'orientdb pooled',
    createProvider: () => pool.createProvider(),
    credentials: testCredentials,
    badCredentials: () => ({ ...testCredentials(), password: 'not-the-password' }),
    capabilities: {
      jwt: false,
      serverRevocation: false,
      slidingExpiry: false,
      statelessReattach: true,
      tokenRenewal: true,
    },
    work: (provider) => (provider as unknown as OrientDBPooledSessionProvider).query('SELECT 1 AS one'),
    expiry: {
      expiredToken: async () => {
        const provider = pool.createProvider();
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

it('the suite ran on the sockets warmed up before it', () => {
  expect(pool.stats.sockets).toBe(2);
});
