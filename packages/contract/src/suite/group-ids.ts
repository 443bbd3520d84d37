/** The behaviour groups of the contract, in the order the suite runs them. */
export const CONTRACT_GROUP_IDS = [
  'new-provider',
  'token-mode',
  'reattach',
  'held-session',
  'invalid-input',
  'expiry',
  'revoke',
  'authenticate',
  'on-change',
  'errors',
  'close',
  'concurrency',
] as const;

/** One of {@link CONTRACT_GROUP_IDS}: what `only` takes. */
export type ContractGroupId = (typeof CONTRACT_GROUP_IDS)[number];
