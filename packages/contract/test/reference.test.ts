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
