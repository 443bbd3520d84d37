import { randomUUID } from 'node:crypto';
import { SessionTokenError, type ProviderCapabilities } from '@sessiontoken/core';
import type { ContractOptions } from '../src/index.js';
import {
  MemorySessionBackend,
  MemorySessionProvider,
  type MemoryCredentials,
  type MemorySessionBackendOptions,
} from '../src/index.js';

export const MEMORY_CAPABILITIES: ProviderCapabilities = {
  jwt: false,
  serverRevocation: true,
  slidingExpiry: true,
  statelessReattach: true,
  tokenRenewal: false,
};

const PASSWORD = 'correct horse battery staple';

/** What every test user's sessions carry: nested objects, a list and a null, as real claims do. */
export const USER_ATTRIBUTES = {
  roles: ['reader', 'writer'],
  profile: { name: 'Ada', team: { id: 7, name: 'core' } },
  mfa: null,
};

/** Backends a test cut off from its provider: every call through them fails as a backend that does not answer. */
const unreachable = new WeakSet<MemorySessionBackend>();

/** A provider's own way to `backend`, which a test can cut (see `ContractOptions.outage`) without touching others. */
function linkTo(backend: MemorySessionBackend): MemorySessionBackend {
  const link: MemorySessionBackend = new Proxy(backend, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (unreachable.has(link)) {
          throw new SessionTokenError('UNAVAILABLE', 'the backend does not answer', { adapter: 'memory' });
        }
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return link;
}

/**
 * Contract options for providers made by `create` over one shared in-memory backend (made with `backendOptions`; its
 * clock is `backendOptions.now`, the real one by default), with that backend as `backend`.
 */
export function memoryContractOptions(
  name: string,
  create: (backend: MemorySessionBackend) => MemorySessionProvider = (backend) => new MemorySessionProvider(backend),
  overrides: Partial<ContractOptions<MemoryCredentials>> = {},
  backendOptions: MemorySessionBackendOptions = {},
): ContractOptions<MemoryCredentials> & { readonly backend: MemorySessionBackend } {
  const backend = new MemorySessionBackend(backendOptions);
  const now = backendOptions.now ?? Date.now;
  const user = () => {
    const username = `user-${randomUUID()}`;
    backend.addUser(username, PASSWORD, USER_ATTRIBUTES);
    return username;
  };
  return {
    backend,
    name,
    createProvider: () => create(linkTo(backend)),
    credentials: () => ({ username: user(), password: PASSWORD }),
    badCredentials: () => ({ username: user(), password: 'wrong password' }),
    capabilities: MEMORY_CAPABILITIES,
    expiry: {
      expiredToken: async () => backend.createSession('expired-user', { expiresAt: new Date(now() - 1000) }).token,
      // A session of a moment, so that a provider holding it sees it expire.
      openShortLived: async (provider) => {
        await provider.setSessionToken(
          backend.createSession('short-lived-user', { expiresAt: new Date(now() + 300) }).token,
        );
      },
      maxWaitMs: 5_000,
      code: 'EXPIRED',
    },
    revokedCodes: backendOptions.deleteRevoked ? ['INVALID_TOKEN'] : ['REVOKED'],
    outage: async (provider) => {
      const link = (provider as unknown as MemorySessionProvider).backend;
      unreachable.add(link);
      return async () => {
        unreachable.delete(link);
      };
    },
    operationTimeoutMs: 2_000,
    ...overrides,
  };
}
