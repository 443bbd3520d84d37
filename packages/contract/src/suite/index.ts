import type { ContractAssertion, ContractOptions, ContractTestApi } from './api.js';
import { ContractContext } from './context.js';
import type { ContractGroup } from './define.js';
import { authenticateGroup } from './groups/authenticate.js';
import { closeGroup } from './groups/close.js';
import { concurrencyGroup } from './groups/concurrency.js';
import { expiryGroup } from './groups/expiry.js';
import { invalidInputGroup } from './groups/invalid-input.js';
import { newProviderGroup } from './groups/new-provider.js';
import { onChangeGroup } from './groups/on-change.js';
import { reattachGroup } from './groups/reattach.js';
import { revokeGroup } from './groups/revoke.js';
import { tokenModeGroup } from './groups/token-mode.js';

/** One runnable contract test, for runners that want the list instead of registration. */
export interface ContractTestCase {
  /** Behaviour group, e.g. `reattach`. */
  readonly group: string;
  readonly name: string;
  /** Runs the test in a fresh context and closes every provider it made; rejects when the test fails. */
  readonly run: () => Promise<void>;
}

const GROUPS = [
  newProviderGroup,
  tokenModeGroup,
  reattachGroup,
  invalidInputGroup,
  expiryGroup,
  revokeGroup,
  authenticateGroup,
  onChangeGroup,
  closeGroup,
  concurrencyGroup,
] as const;

function groups<Credentials>(options: ContractOptions<Credentials>): ContractGroup<Credentials>[] {
  return GROUPS.map((factory) => factory(options));
}

/**
 * The contract as a flat list of runnable tests. `sessionTokenContract` registers the same tests with a runner;
 * this form lets any harness run them (the package's own tests use it to prove broken providers fail).
 */
export function contractTests<Credentials>(
  options: ContractOptions<Credentials>,
  expect: (actual: unknown, message?: string) => ContractAssertion,
): ContractTestCase[] {
  return groups(options).flatMap((group) =>
    group.tests.map((test) => ({
      group: group.name,
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
 * Registers the session-token contract for one adapter with your test runner.
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
  const cases = contractTests(options, (actual, message) => api.expect(actual, message));
  api.describe(`${options.name}: session token contract`, () => {
    for (const group of new Set(cases.map((c) => c.group))) {
      api.describe(group, () => {
        for (const test of cases.filter((c) => c.group === group)) api.it(test.name, test.run, timeout);
      });
    }
  });
}
