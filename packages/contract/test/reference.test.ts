import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemorySessionProvider, sessionTokenContract } from '../src/index.js';
import { MEMORY_CAPABILITIES, memoryContractOptions } from './fixtures.js';

// The reference provider must pass the whole contract.
sessionTokenContract({ describe, it, expect }, memoryContractOptions('memory (reference)'));

// And as a backend that cannot extend sessions, the capability branch the suite takes for such adapters.
sessionTokenContract(
  { describe, it, expect },
  memoryContractOptions(
    'memory (reference, no sliding expiry)',
    (backend) => new MemorySessionProvider(backend, { slidingExpiry: false }),
    {
      capabilities: { ...MEMORY_CAPABILITIES, slidingExpiry: false },
      only: ['new-provider', 'authenticate', 'on-change'],
    },
  ),
);

// Over a backend whose clock runs ahead of the provider's: sessions end there before the provider expects them to,
// so a provider holding one learns it from the backend's EXPIRED instead of its own clock.
const AHEAD_MS = 2_000;
sessionTokenContract(
  { describe, it, expect },
  memoryContractOptions(
    'memory (reference, backend clock ahead)',
    undefined,
    { only: ['expiry'] },
    {
      now: () => Date.now() + AHEAD_MS,
    },
  ),
);

// Over a backend that deletes revoked sessions: a held session revoked elsewhere comes back as INVALID_TOKEN.
sessionTokenContract(
  { describe, it, expect },
  memoryContractOptions(
    'memory (reference, revoked sessions deleted)',
    undefined,
    { only: ['revoke'] },
    {
      deleteRevoked: true,
    },
  ),
);

// Edges: a backend clock that stands still, so that the expired token ends at the very millisecond the backend checks
// it, and credentials of a user the backend has never heard of as the refused ones.
const FROZEN_AT = Date.now();
const edges = memoryContractOptions(
  'memory (reference, edges)',
  undefined,
  {
    badCredentials: () => ({ username: `nobody-${randomUUID()}`, password: 'correct horse battery staple' }),
    only: ['invalid-input', 'expiry'],
  },
  { now: () => FROZEN_AT },
);
sessionTokenContract(
  { describe, it, expect },
  {
    ...edges,
    expiry: {
      expiredToken: async () => edges.backend.createSession('edge-user', { expiresAt: new Date(FROZEN_AT) }).token,
      code: 'EXPIRED',
    },
  },
);
