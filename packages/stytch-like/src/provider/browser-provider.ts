import {
  BaseSessionTokenProvider,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionTokenError,
  type SessionTokens,
} from '@sessiontoken/core';
import { ADAPTER, invalidArgument, stytchLikeError } from '../model/adapter.js';
import { StytchLikeApiError } from '../model/api-error.js';
import { activeSession, readAuthenticationResponse, readSessionOnly, sessionInfoFromStytch } from './active-session.js';
import { toSessionTokenErrorFromApi } from './error-mapping.js';
import {
  STYTCH_LIKE_CAPABILITIES,
  checkProviderDefaults,
  type StytchLikeCredentials,
  type StytchLikeOpenOptions,
  type StytchLikeProviderDefaults,
} from './provider-options.js';
import { StytchLikeSdkClient, type StytchLikeSdkClientOptions } from './sdk-client.js';

/** How often the official frontend SDK authenticates its session in the background: every three minutes. */
export const DEFAULT_REFRESH_INTERVAL_MS = 3 * 60_000;

/** Options for {@link StytchLikeBrowserSessionProvider}. */
export interface StytchLikeBrowserSessionProviderOptions
  extends StytchLikeSdkClientOptions, StytchLikeProviderDefaults {
  /**
   * The server runs with `sessionCookies: 'httponly'` (`--session-cookies httponly`): the session lives in HttpOnly
   * cookies of the API's domain that the page cannot read, `capabilities.exposesTokens` is `false`, and
   * `getTokens()` is `null` with a live session. Default `false`: tokens come in the answers and `getTokens()`
   * returns them.
   */
  readonly httpOnlyCookies?: boolean;
  /**
   * How often a held session is authenticated in the background (a fresh JWT, an `authenticated` event), as the
   * official SDK does. Default 180 000 ms (three minutes); `0` turns it off.
   */
  readonly refreshIntervalMs?: number;
}

/** The tokens held for a session whose tokens live in HttpOnly cookies: none (`getTokens()` is `null` anyway). */
const COOKIE_MANAGED: SessionTokens = Object.freeze({ sessionToken: '', sessionJwt: null });

/**
 * A `SessionTokenProvider` for pages in the browser, over the Stytch-like server's frontend-SDK API (`/sdk/v1`) with
 * the project's public token, as the official `@stytch/vanilla-js` talks to it: `fetch` with credentials, no
 * `node:` module, no secret. With `httpOnlyCookies` the session is the browser's HttpOnly cookies: `open`,
 * `authenticate`, `revoke` and `setSessionToken(token)` work through them while `getTokens()` stays `null`.
 *
 * A held session is authenticated in the background every `refreshIntervalMs` (listeners see `authenticated`, or
 * `expired` / `revoked` when the server refuses it); `close()` stops that timer and aborts requests in flight.
 *
 * @example
 * const provider = new StytchLikeBrowserSessionProvider({
 *   baseUrl: 'https://api.shop.example',
 *   publicToken: 'public-token-live-…',
 *   httpOnlyCookies: true,
 * });
 * await provider.open({ email, password });
 * provider.getSession(); // the session; provider.getTokens() is null: the cookies hold it
 */
export class StytchLikeBrowserSessionProvider extends BaseSessionTokenProvider<
  StytchLikeCredentials,
  StytchLikeOpenOptions
> {
  readonly name = ADAPTER;
  readonly capabilities: ProviderCapabilities;
  readonly #client: StytchLikeSdkClient;
  readonly #httpOnly: boolean;
  readonly #sessionDurationMinutes: number;
  readonly #refreshIntervalMs: number;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /** Checks every option here: a bad `baseUrl`, `publicToken` or interval throws `INVALID_ARGUMENT` at once. */
  constructor(options: StytchLikeBrowserSessionProviderOptions) {
    super();
    this.#sessionDurationMinutes = checkProviderDefaults(options, ADAPTER);
    const refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    if (!Number.isInteger(refreshIntervalMs) || refreshIntervalMs < 0) {
      throw invalidArgument('refreshIntervalMs must be 0 or a positive integer');
    }
    this.#refreshIntervalMs = refreshIntervalMs;
    this.#httpOnly = options.httpOnlyCookies ?? false;
    this.capabilities = Object.freeze({ ...STYTCH_LIKE_CAPABILITIES, exposesTokens: !this.#httpOnly });
    this.#client = new StytchLikeSdkClient(options);
    this.onChange(() => this.#scheduleRefresh());
  }

  protected async openSession(
    credentials: StytchLikeCredentials,
    options: StytchLikeOpenOptions | undefined,
  ): Promise<ActiveSession> {
    if (
      typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.email !== 'string' ||
      typeof credentials.password !== 'string'
    ) {
      throw invalidArgument('credentials must be { email: string, password: string }');
    }
    if (options?.sessionCustomClaims !== undefined) {
      throw stytchLikeError('NOT_SUPPORTED', 'custom claims are set by the backend API, not from a browser');
    }
    const data = await this.#client.request('POST', '/passwords/authenticate', {
      body: {
        email: credentials.email,
        password: credentials.password,
        session_duration_minutes: options?.sessionDurationMinutes ?? this.#sessionDurationMinutes,
      },
    });
    return this.#sessionFrom(data);
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    // The server checks that a given JWT belongs to the token's session before it sets any cookie.
    const data = await this.#sessionCall(() =>
      this.#client.request('POST', '/sessions/authenticate', {
        sessionToken: tokens.sessionToken,
        body: tokens.sessionJwt === null ? {} : { session_jwt: tokens.sessionJwt },
      }),
    );
    return this.#sessionFrom(data, tokens.sessionToken);
  }

  protected async authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    const data = await this.#sessionCall(() =>
      this.#client.request('POST', '/sessions/authenticate', {
        ...this.#presenting(session),
        body: options.durationMinutes === undefined ? {} : { session_duration_minutes: options.durationMinutes },
      }),
    );
    return this.#sessionFrom(data, session.tokens.sessionToken);
  }

  protected async revokeSession(session: ActiveSession): Promise<void> {
    await this.#sessionCall(() => this.#client.request('POST', '/sessions/revoke', this.#presenting(session)));
  }

  protected async releaseResources(): Promise<void> {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    this.#client.close();
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    if (error instanceof StytchLikeApiError) return toSessionTokenErrorFromApi(error, ADAPTER, error.cause ?? error);
    return super.toSessionTokenError(error);
  }

  /** The session token in the Basic password when this provider holds it; with HttpOnly cookies, the cookie. */
  #presenting(session: ActiveSession): { sessionToken?: string } {
    return this.#httpOnly ? {} : { sessionToken: session.tokens.sessionToken };
  }

  /**
   * Runs a call about a held or given session. The SDK API answers a bad token with `unauthorized_credentials` (so
   * that the official SDK drops it); for a session that is an invalid token, not refused credentials.
   */
  async #sessionCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof StytchLikeApiError && error.errorType === 'unauthorized_credentials') {
        throw stytchLikeError('INVALID_TOKEN', `the server refused the session: ${error.message}`, {
          cause: error.cause ?? error,
        });
      }
      throw error;
    }
  }

  /** The held session from an answer: with its tokens, or, with HttpOnly cookies, with none. */
  #sessionFrom(data: Record<string, unknown>, knownToken?: string): ActiveSession {
    if (this.#httpOnly) {
      if (typeof data['session_token'] === 'string' && data['session_token'] !== '') {
        throw stytchLikeError(
          'PROTOCOL',
          'the server returned the tokens in the body: it does not run with HttpOnly session cookies (--session-cookies httponly)',
        );
      }
      return { tokens: COOKIE_MANAGED, info: sessionInfoFromStytch(readSessionOnly(data, ADAPTER)) };
    }
    const read = readAuthenticationResponse(data, ADAPTER);
    return activeSession(read.session, read.sessionToken || (knownToken ?? ''), read.sessionJwt);
  }

  /**
   * Keeps one refresh timer while a session is held and the provider is open; none otherwise. The timer is not
   * unref'd: like a socket, it is the provider's until `close()` (the contract suite checks that none is left).
   */
  #scheduleRefresh(): void {
    if (this.closed || this.currentSession === null || this.#refreshIntervalMs === 0) {
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = undefined;
      return;
    }
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      // A refusal ends the session through authenticate(), which tells the listeners; a network failure is tried
      // again at the next interval, as the official SDK does.
      this.authenticate().then(
        () => this.#scheduleRefresh(),
        () => this.#scheduleRefresh(),
      );
    }, this.#refreshIntervalMs);
  }
}
