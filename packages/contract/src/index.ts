export {
  authenticateContract,
  closeContract,
  concurrencyContract,
  contractTests,
  errorsContract,
  expiryContract,
  heldSessionContract,
  invalidInputContract,
  newProviderContract,
  onChangeContract,
  reattachContract,
  revokeContract,
  sessionTokenContract,
  tokenModeContract,
} from './suite/index.js';
export type { ContractGroupSuite, ContractTestCase } from './suite/index.js';
export { CONTRACT_GROUP_IDS } from './suite/group-ids.js';
export type { ContractGroupId } from './suite/group-ids.js';
export type {
  AnyProvider,
  ContractAssertion,
  ContractExpiry,
  ContractOptions,
  ContractTestApi,
  OpenShortLived,
  Outage,
} from './suite/api.js';
export { ContractViolation } from './suite/context.js';
export { MemorySessionBackend } from './reference/memory-backend.js';
export type { MemorySessionBackendOptions, MemorySessionRecord } from './reference/memory-backend.js';
export { MemorySessionProvider } from './reference/memory-provider.js';
export type { MemoryCredentials, MemorySessionProviderOptions } from './reference/memory-provider.js';
