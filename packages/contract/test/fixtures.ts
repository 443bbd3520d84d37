import { randomUUID } from 'node:crypto';
import type { ProviderCapabilities } from '@sessiontoken/core';
import type { ContractOptions } from '../src/index.js';
import { MemorySessionBackend, MemorySessionProvider, type MemoryCredentials } from '../src/index.js';

export const MEMORY_CAPABILITIES: ProviderCapabilities = {
  jwt: false,
  serverRevocation: true,
  slidingExpiry: true,
  statelessReattach: true,
  tokenRenewal: false,
};

/** Contract options for providers made by `create` over one shared in-memory backend. */
export function memoryContractOptions(
  name: string,
  create: (backend: MemorySessionBackend) => MemorySessionProvider = (backend) => new MemorySessionProvider(backend),
  overrides: Partial<ContractOptions<MemoryCredentials>> = {},
): ContractOptions<MemoryCredentials> {
  const backend = new MemorySessionBackend();
  return {
    name,
    createProvider: () => create(backend),
    credentials: () => {
      const username = `user-${randomUUID()}`;
      backend.addUser(username, 'correct horse battery staple');
      return { username, password: 'correct horse battery staple' };
    },
    badCredentials: () => {
      const username = `user-${randomUUID()}`;
      backend.addUser(username, 'correct horse battery staple');
      return { username, password: 'wrong password' };
    },
    capabilities: MEMORY_CAPABILITIES,
    expiry: {
      expiredToken: async () => backend.createSession('expired-user', { expiresAt: new Date(Date.now() - 1000) }).token,
      // A session of a moment, so that a provider holding it sees it expire.
      openShortLived: async (provider) => {
        await provider.setSessionToken(
          backend.createSession('short-lived-user', { expiresAt: new Date(Date.now() + 300) }).token,
        );
      },
      maxWaitMs: 5_000,
      code: 'EXPIRED',
    },
    operationTimeoutMs: 2_000,
    ...overrides,
  };
}
