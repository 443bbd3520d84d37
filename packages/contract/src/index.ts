export { sessionTokenContract, contractTests } from './suite/index.js';
export type { ContractTestCase } from './suite/index.js';
export type { AnyProvider, ContractAssertion, ContractExpiry, ContractOptions, ContractTestApi } from './suite/api.js';
export { ContractViolation } from './suite/context.js';
export { MemorySessionBackend } from './reference/memory-backend.js';
export type { MemorySessionBackendOptions, MemorySessionRecord } from './reference/memory-backend.js';
export { MemorySessionProvider } from './reference/memory-provider.js';
export type { MemoryCredentials } from './reference/memory-provider.js';
