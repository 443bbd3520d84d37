import { describe, expect, it } from 'vitest';
import { sessionTokenContract } from '../src/index.js';
import { memoryContractOptions } from './fixtures.js';

// The reference provider must pass the whole contract.
sessionTokenContract({ describe, it, expect }, memoryContractOptions('memory (reference)'));
