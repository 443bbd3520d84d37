import { afterAll, describe, expect, it } from 'vitest';
import { contractTests, MemorySessionProvider, type MemorySessionBackend } from '../src/index.js';
import * as broken from './broken-providers.js';
import { memoryContractOptions } from './fixtures.js';

interface Outcome {
  readonly group: string;
  readonly name: string;
  readonly error: unknown;
}

/** Runs every contract test against providers made by `create` and returns the failures. */
async function failuresFor(create: (backend: MemorySessionBackend) => MemorySessionProvider): Promise<Outcome[]> {
  const failures: Outcome[] = [];
  for (const test of contractTests(memoryContractOptions('under test', create), expect)) {
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
    expect((await failuresFor((backend) => new MemorySessionProvider(backend))).map((f) => `${f.name}: ${String(f.error)}`)).toEqual([]);
  });

  const cases: Array<[string, new (backend: MemorySessionBackend) => MemorySessionProvider, string]> = [
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
  ];

  for (const [what, Provider, group] of cases) {
    it(`fails a provider with ${what} (in group "${group}")`, async () => {
      const failures = await failuresFor((backend) => new Provider(backend));
      const inGroup = failures.filter((f) => f.group === group);
      expect(inGroup.length, `failing tests in "${group}"; all failures: ${failures.map((f) => f.name).join(' | ') || 'none'}`).toBeGreaterThan(0);
    }, 60_000);
  }
});
