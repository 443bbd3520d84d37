import type { ContractAssertion, ContractOptions, ContractTestApi } from './api.js';
import { ContractContext } from './context.js';
import type { ContractGroup, ContractGroupFactory } from './define.js';
import { CONTRACT_GROUP_IDS, type ContractGroupId } from './group-ids.js';
import { authenticateGroup } from './groups/authenticate.js';
import { closeGroup } from './groups/close.js';
import { concurrencyGroup } from './groups/concurrency.js';
import { errorsGroup } from './groups/errors.js';
import { expiryGroup } from './groups/expiry.js';
import { heldSessionGroup } from './groups/held-session.js';
import { invalidInputGroup } from './groups/invalid-input.js';
import { newProviderGroup } from './groups/new-provider.js';
import { onChangeGroup } from './groups/on-change.js';
import { reattachGroup } from './groups/reattach.js';
import { revokeGroup } from './groups/revoke.js';
import { tokenModeGroup } from './groups/token-mode.js';

/** One runnable contract test, for runners that want the list instead of registration. */
export interface ContractTestCase {
  /** Behaviour group as shown in test names, e.g. `invalid tokens and credentials`. */
  readonly group: string;
  /** The group's id, what `only` takes, e.g. `invalid-input`. */
  readonly groupId: ContractGroupId;
  readonly name: string;
  /** Runs the test in a fresh context and closes every provider it made; rejects when the test fails. */
  readonly run: () => Promise<void>;
}

const GROUPS: Readonly<Record<ContractGroupId, ContractGroupFactory>> = {
  'new-provider': newProviderGroup,
  'token-mode': tokenModeGroup,
  reattach: reattachGroup,
  'held-session': heldSessionGroup,
  'invalid-input': invalidInputGroup,
  expiry: expiryGroup,
  revoke: revokeGroup,
  authenticate: authenticateGroup,
  'on-change': onChangeGroup,
  errors: errorsGroup,
  close: closeGroup,
  concurrency: concurrencyGroup,
};

function groups<Credentials>(options: ContractOptions<Credentials>): ContractGroup<Credentials>[] {
  const only = options.only ?? CONTRACT_GROUP_IDS;
  const unknown = only.filter((id) => !(CONTRACT_GROUP_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new TypeError(
      `unknown contract group ${unknown.map((id) => `'${id}'`).join(', ')}; the groups are ${CONTRACT_GROUP_IDS.join(', ')}`,
    );
  }
  return CONTRACT_GROUP_IDS.filter((id) => only.includes(id)).map((id) => GROUPS[id](options));
}

/**
 * The contract as a flat list of runnable tests (only the groups named in `options.only`, when given).
 * `sessionTokenContract` registers the same tests with a runner; this form lets any harness run them.
 */
export function contractTests<Credentials>(
  options: ContractOptions<Credentials>,
  expect: (actual: unknown) => ContractAssertion,
): ContractTestCase[] {
  return groups(options).flatMap((group) =>
    group.tests.map((test) => ({
      group: group.name,
      groupId: group.id,
      name: test.name,
      async run() {
        const ctx = new ContractContext(options, expect);
        try {
          await test.body(ctx);
        } finally {
          await ctx.dispose();
        }
      },
    })),
  );
}

/**
 * Registers the session-token contract for one adapter with your test runner: every behaviour group, or only those
 * named in `options.only`.
 *
 * Each test makes its own providers through `options.createProvider` and its own session through
 * `options.credentials`, so tests are independent and may run in parallel.
 *
 * @example
 * import { describe, it, expect } from 'vitest';
 * import { sessionTokenContract } from '@sessiontoken/contract';
 *
 * sessionTokenContract({ describe, it, expect }, {
 *   name: 'my-adapter',
 *   createProvider: () => new MySessionProvider({ url }),
 *   credentials: () => ({ username: 'ada', password: 'secret' }),
 *   badCredentials: () => ({ username: 'ada', password: 'wrong' }),
 *   capabilities: { jwt: false, serverRevocation: true, slidingExpiry: true, statelessReattach: true, tokenRenewal: false },
 *   expiry: { expiredToken: () => mintExpiredToken(), code: 'EXPIRED' },
 * });
 */
export function sessionTokenContract<Credentials>(api: ContractTestApi, options: ContractOptions<Credentials>): void {
  const timeout = options.testTimeoutMs ?? 60_000;
  const cases = contractTests(options, (actual) => api.expect(actual));
  api.describe(`${options.name}: session token contract`, () => {
    for (const group of new Set(cases.map((c) => c.group))) {
      api.describe(group, () => {
        for (const test of cases.filter((c) => c.group === group)) api.it(test.name, test.run, timeout);
      });
    }
  });
}

/** Registers one behaviour group of the contract: what `sessionTokenContract` does with `only: [id]`. */
export type ContractGroupSuite = <Credentials>(api: ContractTestApi, options: ContractOptions<Credentials>) => void;

function groupSuite(id: ContractGroupId): ContractGroupSuite {
  return (api, options) => sessionTokenContract(api, { ...options, only: [id] });
}

export const newProviderContract = groupSuite('new-provider');
export const tokenModeContract = groupSuite('token-mode');
export const reattachContract = groupSuite('reattach');
export const heldSessionContract = groupSuite('held-session');
export const invalidInputContract = groupSuite('invalid-input');
export const expiryContract = groupSuite('expiry');
export const revokeContract = groupSuite('revoke');
export const authenticateContract = groupSuite('authenticate');
export const onChangeContract = groupSuite('on-change');
export const errorsContract = groupSuite('errors');
export const closeContract = groupSuite('close');
export const concurrencyContract = groupSuite('concurrency');
