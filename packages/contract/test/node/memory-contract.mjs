// Contract options for the reference provider, written against the published entry (no TypeScript, no vitest).
import { randomUUID } from 'node:crypto';
import { MemorySessionBackend, MemorySessionProvider } from '@sessiontoken/contract';

const PASSWORD = 'correct horse battery staple';

/** @param {string} name @param {(backend: MemorySessionBackend) => MemorySessionProvider} create */
export function memoryContractOptions(name, create = (backend) => new MemorySessionProvider(backend)) {
  const backend = new MemorySessionBackend();
  const user = () => {
    const username = `user-${randomUUID()}`;
    backend.addUser(username, PASSWORD);
    return username;
  };
  return {
    name,
    createProvider: () => create(backend),
    credentials: () => ({ username: user(), password: PASSWORD }),
    badCredentials: () => ({ username: user(), password: 'wrong password' }),
    capabilities: {
      jwt: false,
      serverRevocation: true,
      slidingExpiry: true,
      statelessReattach: true,
      tokenRenewal: false,
    },
    expiry: {
      expiredToken: async () => backend.createSession('expired-user', { expiresAt: new Date(Date.now() - 1000) }).token,
      openShortLived: async (provider) => {
        await provider.setSessionToken(
          backend.createSession('short-lived-user', { expiresAt: new Date(Date.now() + 300) }).token,
        );
      },
      maxWaitMs: 5_000,
      code: 'EXPIRED',
    },
    operationTimeoutMs: 2_000,
  };
}

/** node:test's `it` takes the time limit in its options; the suite passes it third, as Jest and vitest do. */
export function nodeTestApi(describe, it, expect) {
  return { describe, it: (name, body, timeout) => it(name, { timeout }, body), expect };
}
