// The whole contract under a second runner: node:test with Jest's standalone `expect`, against the built package.
import { describe, it } from 'node:test';
import { expect } from 'expect';
import { sessionTokenContract } from '@sessiontoken/contract';
import { memoryContractOptions, nodeTestApi } from './memory-contract.mjs';

sessionTokenContract(nodeTestApi(describe, it, expect), memoryContractOptions('memory (reference, node:test)'));
