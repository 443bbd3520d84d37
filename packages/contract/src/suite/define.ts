import type { ContractOptions } from './api.js';
import type { ContractContext } from './context.js';
import type { ContractGroupId } from './group-ids.js';

/** One test of a group: a name that reads like the behaviour, and a body run in a fresh context. */
export interface ContractTestDefinition<Credentials> {
  readonly name: string;
  readonly body: (ctx: ContractContext<Credentials>) => Promise<void>;
}

/** A behaviour group, e.g. `reattach` or `close`. */
export interface ContractGroup<Credentials> {
  /** What `only` selects it by, e.g. `reattach`. */
  readonly id: ContractGroupId;
  /** Shown in test names. */
  readonly name: string;
  readonly tests: readonly ContractTestDefinition<Credentials>[];
}

/** Builds a group from the adapter's options (tests may differ by declared capabilities). */
export type ContractGroupFactory = <Credentials>(options: ContractOptions<Credentials>) => ContractGroup<Credentials>;
