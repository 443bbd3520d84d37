import {
  SessionTokenError,
  isCookieSafeToken,
  type SessionInfo,
  type SessionTokenErrorCode,
  type SessionTokenProvider,
  type SessionTokens,
} from '@sessiontoken/core';
import type { ContractAssertion, ContractOptions } from './api.js';

import { labelledExpect } from './labelled-expect.js';
import { ContractViolation } from './violation.js';

export { ContractViolation };

/** A provider opened by the suite, with token mode on. */
export interface OpenedSession<Credentials> {
  readonly provider: SessionTokenProvider<Credentials, never>;
  readonly info: SessionInfo;
  /** The session token: `getSessionToken()`, or where tokens are not exposed, `options.hiddenTokens`. */
  readonly token: string;
}

/**
 * One test's world: the providers it made (all closed afterwards), the options, the runner's `expect`,
 * and checks with a time limit, so that a hanging provider fails the test instead of stalling the run.
 */
export class ContractContext<Credentials> {
  readonly #providers: SessionTokenProvider<Credentials, never>[] = [];
  /** The runner's `expect`, called with one argument; `label` goes in front of a failure's message. */
  readonly expect: (actual: unknown, label?: string) => ContractAssertion;

  constructor(
    readonly options: ContractOptions<Credentials>,
    expect: (actual: unknown) => ContractAssertion,
  ) {
    this.expect = labelledExpect(expect);
  }

  /** True unless the adapter declares `exposesTokens: false` (sessions in HttpOnly cookies). */
  get exposesTokens(): boolean {
    return this.options.capabilities.exposesTokens !== false;
  }

  get timeoutMs(): number {
    return this.options.operationTimeoutMs ?? 10_000;
  }

  /** A fresh provider that is closed when the test ends. */
  async provider(): Promise<SessionTokenProvider<Credentials, never>> {
    const provider = await this.within(Promise.resolve(this.options.createProvider()), 'createProvider()');
    this.#providers.push(provider);
    return provider;
  }

  /** A fresh provider with a fresh session opened with valid credentials and token mode on. */
  async opened(): Promise<OpenedSession<Credentials>> {
    const provider = await this.provider();
    const credentials = await this.within(Promise.resolve(this.options.credentials()), 'credentials()');
    const info = await this.within(provider.open(credentials), 'open(credentials)');
    provider.setSessionToken(true);
    if (!this.exposesTokens) {
      this.expectTokensHidden(provider, 'after open() and setSessionToken(true)');
      return { provider, info, token: (await this.tokensOf(provider)).sessionToken };
    }
    const token = provider.getSessionToken();
    if (!isCookieSafeToken(token)) {
      throw new ContractViolation(
        `after open() and setSessionToken(true), getSessionToken() must be a non-empty cookie-safe token (URL-safe characters, at most 4096), got ${describeToken(token)}`,
      );
    }
    return { provider, info, token };
  }

  /**
   * The tokens of the session `provider` holds, to hand to another provider: `getTokens()`, or where tokens are not
   * exposed, `options.hiddenTokens`. Fails the test when there are none.
   */
  async tokensOf(provider: SessionTokenProvider<Credentials, never>): Promise<SessionTokens> {
    if (this.exposesTokens) {
      const tokens = provider.getTokens();
      if (!tokens) throw new ContractViolation('getTokens() is null with token mode on and a session held');
      return tokens;
    }
    if (!this.options.hiddenTokens)
      throw new ContractViolation('capabilities.exposesTokens is false: the options need hiddenTokens(provider)');
    const tokens = await this.within(Promise.resolve(this.options.hiddenTokens(provider)), 'hiddenTokens(provider)');
    if (!tokens || !isCookieSafeToken(tokens.sessionToken))
      throw new ContractViolation(`hiddenTokens(provider) has no session token for a provider holding a session`);
    return tokens;
  }

  /** Checks the claim `exposesTokens: false`: a live session, and yet no token from `getTokens()` or `getSessionToken()`. */
  expectTokensHidden(provider: SessionTokenProvider<Credentials, never>, when: string): void {
    if (provider.getSession() === null) throw new ContractViolation(`${when}, getSession() must hold the session`);
    const tokens = provider.getTokens();
    if (tokens !== null)
      throw new ContractViolation(
        `${when}, getTokens() must be null: capabilities.exposesTokens is false, yet it returned tokens`,
      );
    const token = provider.getSessionToken();
    if (token !== '')
      throw new ContractViolation(
        `${when}, getSessionToken() must be '': capabilities.exposesTokens is false, yet it returned ${describeToken(token)}`,
      );
  }

  /** Does the backend work that proves a session is usable. */
  async work(provider: SessionTokenProvider<Credentials, never>, label: string): Promise<void> {
    const work = this.options.work ?? ((p: SessionTokenProvider<Credentials, never>) => p.authenticate());
    await this.within(work(provider), `${label}: backend work`);
  }

  /** Resolves with `promise`, or fails when it takes longer than the operation time limit. */
  async within<T>(promise: Promise<T>, label: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ContractViolation(`${label} did not settle within ${this.timeoutMs} ms (a hang)`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Expects `operation` to reject (or throw) a `SessionTokenError` with one of `codes` within the time limit,
   * and returns it. A raw error, a resolution or a hang fails the test.
   */
  async rejects(
    operation: () => unknown,
    codes: readonly SessionTokenErrorCode[],
    label: string,
  ): Promise<SessionTokenError> {
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.within(Promise.resolve().then(operation), label) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (outcome.ok)
      throw new ContractViolation(`${label} succeeded; expected a SessionTokenError with code ${codes.join(' or ')}`);
    const { error } = outcome;
    if (error instanceof ContractViolation) throw error;
    if (!(error instanceof SessionTokenError)) {
      throw new ContractViolation(
        `${label} rejected with a raw ${describeError(error)}; providers must reject with SessionTokenError (code ${codes.join(' or ')})`,
      );
    }
    if (!codes.includes(error.code)) {
      throw new ContractViolation(
        `${label} rejected with code ${error.code} (${error.message}); expected ${codes.join(' or ')}`,
      );
    }
    // Every error names its adapter and says what went wrong beyond that name.
    const names = new Set(this.#providers.map((p) => p.name));
    if (names.size > 0 && !names.has(error.adapter ?? '')) {
      throw new ContractViolation(
        `${label}: the ${error.code} error names adapter ${JSON.stringify(error.adapter)}, not the provider's name ${[...names].join(' or ')}`,
      );
    }
    if (error.message.length <= `${error.adapter ?? ''}: `.length)
      throw new ContractViolation(`${label}: the ${error.code} error has no message`);
    return error;
  }

  /** Closes every provider this test made; the first failure is reported after all were tried. */
  async dispose(): Promise<void> {
    const results = await Promise.allSettled(this.#providers.map((p) => this.within(p.close(), 'close()')));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

export function describeToken(token: unknown): string {
  if (typeof token !== 'string') return typeof token;
  if (token === '') return "''";
  return `a ${token.length}-character string${isCookieSafeToken(token) ? '' : ' with characters that are not cookie-safe'}`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`;
  return String(error);
}
