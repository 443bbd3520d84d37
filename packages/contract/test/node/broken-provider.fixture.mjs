// Run as a child by broken.test.mjs: the contract under node:test against a provider that shows its token while
// token mode is off. This run must fail.
import { describe, it } from 'node:test';
import { expect } from 'expect';
import { MemorySessionProvider, tokenModeContract } from '@sessiontoken/contract';
import { memoryContractOptions, nodeTestApi } from './memory-contract.mjs';

class TokenVisibleWhileDisabled extends MemorySessionProvider {
  getSessionToken() {
    return this.currentSession?.tokens.sessionToken ?? '';
  }
}

tokenModeContract(
  nodeTestApi(describe, it, expect),
  memoryContractOptions('broken', (backend) => new TokenVisibleWhileDisabled(backend)),
);
