import type { ContractGroupId } from './group-ids.js';
import type {
  ProviderCapabilities,
  SessionTokenErrorCode,
  SessionTokenProvider,
  SessionTokens,
} from '@sessiontoken/core';

/** The assertions the suite uses: a subset every Jest-compatible `expect` (vitest, Jest, Bun) has. */
export interface ContractAssertion {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeNull(): void;
  toBeTruthy(): void;
  toBeGreaterThan(expected: number): void;
  toMatch(expected: RegExp | string): void;
  toContain(expected: unknown): void;
  toHaveLength(expected: number): void;
  readonly not: ContractAssertion;
}

/** The test functions the suite registers with: pass your runner's own (`{ describe, it, expect }` from vitest). */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  /** Called with one argument: Jest's `expect` refuses a second. */
  expect(actual: unknown): ContractAssertion;
}

/** A provider whose credentials type the suite does not need to know. */
export type AnyProvider<Credentials = unknown> = SessionTokenProvider<Credentials, never>;

/** Gives `provider` a session (by `open` or `setSessionToken(token)`) that the backend stops accepting soon. */
export type OpenShortLived = (provider: AnyProvider<never>) => Promise<void>;

/**
 * Cuts `provider` off from its backend, as a network fault would (its later requests find nothing answering), and
 * resolves with a function that connects it again. Only `provider` may be affected: other tests may run meanwhile.
 */
export type Outage = (provider: AnyProvider<never>) => Promise<() => Promise<void>>;

/**
 * How the suite gets expired sessions: a token that has already expired, a session that expires soon, or both.
 * With `openShortLived` the suite also checks that a provider holding a session that expires on the backend
 * rejects `authenticate()` with `code` and forgets the session.
 */
export type ContractExpiry = {
  /** What the backend rejects it with: `EXPIRED`, or `INVALID_TOKEN` where it cannot tell expired from invalid. */
  readonly code: 'EXPIRED' | 'INVALID_TOKEN';
} & (
  | {
      /** Returns the token (or tokens) of a session that has already expired. */
      readonly expiredToken: () => Promise<string | SessionTokens>;
      readonly openShortLived?: OpenShortLived;
      /** How long to keep polling for a short-lived session to be rejected. Default 30 000 ms. */
      readonly maxWaitMs?: number;
    }
  | {
      readonly expiredToken?: undefined;
      readonly openShortLived: OpenShortLived;
      readonly maxWaitMs?: number;
    }
);

/** Everything the suite needs to know about an adapter, including its honest differences. */
export interface ContractOptions<Credentials> {
  /** Shown in every test name, e.g. `orientdb` or `stytch-like http (postgres)`. */
  readonly name: string;
  /** A fresh, unopened provider; the suite closes every provider it creates. */
  readonly createProvider: () =>
    SessionTokenProvider<Credentials, never> | Promise<SessionTokenProvider<Credentials, never>>;
  /** Credentials the backend accepts; called once per session the suite opens (may create a user). */
  readonly credentials: () => Credentials | Promise<Credentials>;
  /** Credentials the backend refuses. */
  readonly badCredentials: () => Credentials | Promise<Credentials>;
  /** What the adapter must declare; the suite checks the declaration and each claim. */
  readonly capabilities: ProviderCapabilities;
  /** Backend work that needs a live session (a query, a profile read). Default: `provider.authenticate()`. */
  readonly work?: (provider: SessionTokenProvider<Credentials, never>) => Promise<unknown>;
  /** How to obtain an expired session. */
  readonly expiry: ContractExpiry;
  /**
   * Cuts a provider off from the backend. With it the suite checks that a provider that cannot reach its backend
   * rejects with `UNAVAILABLE` and keeps the session it holds, which works again once the backend answers.
   */
  readonly outage?: Outage;
  /** What a revoked token rejects with when `serverRevocation` is declared. Default `['REVOKED', 'INVALID_TOKEN']`. */
  readonly revokedCodes?: readonly SessionTokenErrorCode[];
  /** Minutes `authenticate({ durationMinutes })` extends to when `slidingExpiry` is declared. Default 10080 (a week). */
  readonly extendDurationMinutes?: number;
  /** Longest any single operation may take before the suite calls it a hang. Default 10 000 ms. */
  readonly operationTimeoutMs?: number;
  /** Per-test time limit given to the runner. Default 60 000 ms. */
  readonly testTimeoutMs?: number;
  /** Parallel operations in the concurrency tests. Default 50. */
  readonly concurrency?: number;
  /**
   * Where the test reads the tokens of a provider whose tokens are not exposed (`capabilities.exposesTokens: false`,
   * sessions in HttpOnly cookies): the cookie jar its requests go through, say, as a browser's developer tools would
   * show it. Required then: the suite checks that `getTokens()` is `null` with a live session, and hands these tokens
   * to other providers to reattach, as another browser context would. `null` when the provider holds no session.
   */
  readonly hiddenTokens?: (
    provider: SessionTokenProvider<Credentials, never>,
  ) => SessionTokens | null | Promise<SessionTokens | null>;
  /** Run only these behaviour groups, e.g. `['reattach']` while building an adapter. Default: every group. */
  readonly only?: readonly ContractGroupId[];
}
