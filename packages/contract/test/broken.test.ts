import { afterAll, describe, expect, it } from 'vitest';
import type { SessionTokenProvider } from '@sessiontoken/core';
import {
  contractTests,
  MemorySessionProvider,
  type ContractOptions,
  type MemoryCredentials,
  type MemorySessionBackend,
} from '../src/index.js';
import * as broken from './broken-providers.js';
import { MEMORY_CAPABILITIES, memoryContractOptions } from './fixtures.js';

interface Outcome {
  readonly group: string;
  readonly name: string;
  readonly error: unknown;
}

/** Runs every contract test against providers made by `create` and returns the failures. */
async function failuresFor(
  create: (backend: MemorySessionBackend) => MemorySessionProvider,
  overrides: Partial<ContractOptions<MemoryCredentials>> = {},
): Promise<Outcome[]> {
  const failures: Outcome[] = [];
  for (const test of contractTests(memoryContractOptions('under test', create, overrides), expect)) {
    try {
      await test.run();
    } catch (error) {
      failures.push({ group: test.group, name: test.name, error });
    }
  }
  return failures;
}

// The leaking provider's timers are the defect under test; the test file still cleans up after it.
afterAll(() => {
  for (const timer of broken.CloseDoesNotClose.leaked) clearInterval(timer);
});

describe('the contract suite tells a correct provider from a broken one', () => {
  it('passes the reference provider when run as a plain list', async () => {
    expect(
      (await failuresFor((backend) => new MemorySessionProvider(backend))).map((f) => `${f.name}: ${String(f.error)}`),
    ).toEqual([]);
  });

  // Sessions in HttpOnly cookies: the suite reads the tokens where the test says (here, the provider's own state).
  const hidden: Partial<ContractOptions<MemoryCredentials>> = {
    capabilities: { ...MEMORY_CAPABILITIES, exposesTokens: false },
    hiddenTokens: (provider: SessionTokenProvider<MemoryCredentials, never>) =>
      (provider as unknown as broken.HiddenTokens).heldTokens(),
  };

  it('passes the reference provider with its tokens hidden (exposesTokens: false)', async () => {
    expect(
      (await failuresFor((backend) => new broken.HiddenTokens(backend), hidden)).map(
        (f) => `${f.group} / ${f.name}: ${String(f.error)}`,
      ),
    ).toEqual([]);
  }, 60_000);

  it('fails a provider that claims hidden tokens and hands them out (in group "token mode")', async () => {
    const failures = await failuresFor((backend) => new broken.HiddenTokensShown(backend), hidden);
    expect(failures.filter((f) => f.group === 'token mode').length).toBeGreaterThan(0);
    // The claim is checked wherever the suite opens a session, not only in one group.
    expect(new Set(failures.map((f) => f.group)).size).toBeGreaterThan(3);
  }, 60_000);

  it('fails an exposing provider declared as hiding its tokens, and the reverse (in group "a new provider")', async () => {
    const declaredHidden = await failuresFor((backend) => new MemorySessionProvider(backend), hidden);
    expect(declaredHidden.some((f) => f.group === 'a new provider')).toBe(true);
    const declaredExposed = await failuresFor((backend) => new broken.HiddenTokens(backend));
    expect(declaredExposed.some((f) => f.group === 'a new provider')).toBe(true);
  }, 60_000);

  // The last element, when given, names the test that must catch it.
  const cases: Array<[string, new (backend: MemorySessionBackend) => MemorySessionProvider, string, string?]> = [
    ['a token visible while token mode is off', broken.TokenVisibleWhileDisabled, 'token mode'],
    ['tampered and truncated tokens accepted', broken.TamperedTokenAccepted, 'invalid tokens and credentials'],
    ['a revoked token still accepted', broken.RevokedTokenAccepted, 'revoke'],
    ['an expired session accepted', broken.ExpiredAccepted, 'expiry'],
    ['raw errors instead of SessionTokenError', broken.RawErrors, 'invalid tokens and credentials'],
    ['close() that does not close', broken.CloseDoesNotClose, 'close'],
    ['tokens that are not cookie-safe', broken.TokensNotCookieSafe, 'token mode'],
    ['a hang on a garbage token', broken.HangsOnGarbage, 'invalid tokens and credentials'],
    ['onChange that never fires', broken.SilentOnChange, 'onChange'],
    ['sliding expiry claimed but not done', broken.SlidingExpiryIgnored, 'authenticate'],
    ['one token shared by parallel sessions', broken.SharedTokenUnderLoad, 'concurrency'],
    ['parallel reattaches refused', broken.ReattachRefusedUnderLoad, 'concurrency'],
    [
      'a refused reattach that drops the held session',
      broken.RefusedReattachDropsSession,
      'the held session',
      'a rejected setSessionToken',
    ],
    [
      'a refused reattach that turns token mode on',
      broken.RefusedReattachEnablesTokenMode,
      'the held session',
      'a rejected setSessionToken',
    ],
    [
      'getSession() handing out the held session itself',
      broken.SessionHandedOutByReference,
      'the held session',
      'changing what getSession()',
    ],
    [
      "racing opens that mix one session's token with another's info",
      broken.RacingOpensMixTokens,
      'the held session',
      'two open() calls racing',
    ],
    [
      'unsubscribe ignored after events fired',
      broken.UnsubscribeIgnoredAfterEvents,
      'onChange',
      'unsubscribe works after events',
    ],
    [
      'events carrying the session from before the change',
      broken.EventsCarryTheOldSession,
      'onChange',
      'every event carries the session',
    ],
    ['the token in an error message', broken.TokenInErrorMessage, 'errors'],
    ['the token in an error cause', broken.TokenInErrorCause, 'errors'],
    [
      'a held session kept after the backend expired it',
      broken.ExpiredHeldSessionKept,
      'expiry',
      'a held session that expires',
    ],
    [
      'zero and negative durations taken',
      broken.DurationNotChecked,
      'authenticate',
      'authenticate({ durationMinutes }) refuses',
    ],
    [
      'a session revoked elsewhere kept',
      broken.RevokedElsewhereKept,
      'revoke',
      'a held session revoked through another provider',
    ],
    [
      'revoke() forgetting a session reattached meanwhile',
      broken.RevokeForgetsTheNewSession,
      'the held session',
      'revoke() racing a reattach',
    ],
    ['close() letting work in flight succeed', broken.CloseLetsWorkInFlightSucceed, 'close', 'close() while open()'],
    ['no authenticated event', broken.NoAuthenticatedEvent, 'onChange', 'every event carries the session'],
    ['writable session copies', broken.SessionCopiesNotFrozen, 'the held session', 'changing what getSession()'],
    ['a session without attributes', broken.SessionWithoutAttributes, 'the held session', 'changing what getSession()'],
    ['a session reported past its known expiry', broken.ExpiryOnlyOnRoundTrip, 'expiry', 'a held session that expires'],
    ['the end of a session reported twice', broken.ExpiryReportedTwice, 'expiry', 'a held session that expires'],
    [
      'a network fault taken for the end of the session',
      broken.UnreachableEndsSession,
      'the held session',
      'a provider cut off from its backend',
    ],
    [
      'revoke() reported done when the backend did not answer',
      broken.RevokeIgnoresFailures,
      'the held session',
      'a provider cut off from its backend',
    ],
    [
      'nested attributes left writable',
      broken.NestedAttributesWritable,
      'the held session',
      'changing what getSession()',
    ],
    [
      'errors that do not name their adapter',
      broken.ErrorsWithoutAdapter,
      'invalid tokens and credentials',
      'garbage tokens',
    ],
  ];

  for (const [what, Provider, group, test] of cases) {
    it(`fails a provider with ${what} (in group "${group}")`, async () => {
      const failures = await failuresFor((backend) => new Provider(backend));
      const inGroup = failures.filter((f) => f.group === group && (test === undefined || f.name.startsWith(test)));
      expect(
        inGroup.length,
        `failing tests in "${group}"; all failures: ${failures.map((f) => f.name).join(' | ') || 'none'}`,
      ).toBeGreaterThan(0);
    }, 60_000);
  }
});
