import {
  BaseSessionTokenProvider,
  type ActiveSession,
  type AuthenticateOptions,
  type SessionInfo,
  type SessionTokenError,
  type SessionTokens,
} from '@sessiontoken/core';
import { ADAPTER } from '../model/adapter.js';
import { StytchLikeApiError } from '../model/api-error.js';
import { readAuthenticationResponse } from './active-session.js';
import { toSessionTokenErrorFromApi } from './error-mapping.js';
import { StytchLikeHttpClient, type StytchLikeHttpClientOptions } from './http-client.js';
import { verifyWithJwks, type VerifySessionJwtOptions } from './jwt-verifier.js';
import { RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';
import {
  STYTCH_LIKE_CAPABILITIES,
  StytchLikeSessionOperations,
  checkProviderDefaults,
  type StytchLikeAuthentication,
  type StytchLikeBackend,
  type StytchLikeCredentials,
  type StytchLikeOpenOptions,
  type StytchLikeProviderDefaults,
} from './session-operations.js';

/** Options for {@link StytchLikeSessionProvider}. */
export interface StytchLikeSessionProviderOptions extends StytchLikeHttpClientOptions, StytchLikeProviderDefaults {
  /** The project secret (HTTP Basic password). */
  readonly secret: string;
  /** JWKS caching for local JWT verification. */
  readonly jwks?: RemoteJwksOptions;
}

/**
 * A `SessionTokenProvider` over the Stytch-like HTTP API (`baseUrl`, `projectId`, `secret`), using `node:http` with
 * its own keep-alive agent: `close()` destroys every socket it opened. Session JWTs are verified locally against the
 * server's JWKS (cached; refetched on an unknown `kid`).
 *
 * @example
 * const provider = new StytchLikeSessionProvider({ baseUrl: 'http://127.0.0.1:3300', projectId, secret });
 * await provider.open({ email, password });
 * provider.setSessionToken(true);
 * const { sessionToken, sessionJwt } = provider.getTokens()!;
 */
export class StytchLikeSessionProvider extends BaseSessionTokenProvider<StytchLikeCredentials, StytchLikeOpenOptions> {
  readonly name = ADAPTER;
  readonly capabilities = STYTCH_LIKE_CAPABILITIES;
  readonly #sessions: StytchLikeSessionOperations;

  /** Checks every option here: a bad `baseUrl`, `projectId`, `secret` or duration throws `INVALID_ARGUMENT` at once. */
  constructor(options: StytchLikeSessionProviderOptions) {
    super();
    const sessionDurationMinutes = checkProviderDefaults(options, ADAPTER);
    this.#sessions = new StytchLikeSessionOperations(new HttpBackend(options), ADAPTER, sessionDurationMinutes);
  }

  /**
   * Stytch's `authenticateJwt`: verifies the held session JWT locally against the JWKS (no round trip) and, when it is
   * valid and younger than `maxTokenAgeSeconds`, refreshes `getSession()` from its claims; otherwise falls back to
   * `authenticate()`. A locally verified JWT can outlive a revocation by up to its five-minute lifetime.
   */
  authenticateJwt(options: { maxTokenAgeSeconds?: number } = {}): Promise<SessionInfo> {
    return this.run(async () => {
      const refreshed = await this.#sessions.refreshFromHeldJwt(this.requireSession(), options);
      if (!refreshed) return this.authenticate();
      this.updateSession(refreshed, 'authenticated');
      return refreshed.info;
    });
  }

  protected openSession(
    credentials: StytchLikeCredentials,
    options: StytchLikeOpenOptions | undefined,
  ): Promise<ActiveSession> {
    return this.#sessions.open(credentials, options);
  }

  protected reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    return this.#sessions.reattach(tokens);
  }

  protected authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    return this.#sessions.authenticate(session, options);
  }

  protected revokeSession(session: ActiveSession): Promise<void> {
    return this.#sessions.revoke(session);
  }

  protected releaseResources(): Promise<void> {
    return this.#sessions.close();
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    return this.#sessions.mapError(error) ?? super.toSessionTokenError(error);
  }
}

class HttpBackend implements StytchLikeBackend {
  readonly #client: StytchLikeHttpClient;
  readonly #jwks: RemoteJwks;

  constructor(options: StytchLikeSessionProviderOptions) {
    this.#client = new StytchLikeHttpClient(options);
    this.#jwks = new RemoteJwks(this.#client, options.jwks);
  }

  async loginWithPassword(
    credentials: StytchLikeCredentials,
    durationMinutes: number,
    customClaims: Record<string, unknown> | undefined,
  ): Promise<StytchLikeAuthentication> {
    const body = {
      email: credentials.email,
      password: credentials.password,
      session_duration_minutes: durationMinutes,
      ...(customClaims === undefined ? {} : { session_custom_claims: customClaims }),
    };
    return readAuthenticationResponse(
      await this.#client.request('POST', '/v1/passwords/authenticate', { body }),
      ADAPTER,
    );
  }

  async authenticateToken(
    sessionToken: string,
    durationMinutes: number | undefined,
  ): Promise<StytchLikeAuthentication> {
    const body = {
      session_token: sessionToken,
      ...(durationMinutes === undefined ? {} : { session_duration_minutes: durationMinutes }),
    };
    return readAuthenticationResponse(
      await this.#client.request('POST', '/v1/sessions/authenticate', { body }),
      ADAPTER,
    );
  }

  async authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication> {
    return readAuthenticationResponse(
      await this.#client.request('POST', '/v1/sessions/authenticate', { body: { session_jwt: sessionJwt } }),
      ADAPTER,
    );
  }

  verifyJwtLocally(sessionJwt: string, options: VerifySessionJwtOptions) {
    return verifyWithJwks(sessionJwt, this.#jwks, this.#client.projectId, options);
  }

  async revokeToken(sessionToken: string): Promise<void> {
    await this.#client.request('POST', '/v1/sessions/revoke', { body: { session_token: sessionToken } });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  mapError(error: unknown): SessionTokenError | undefined {
    // Over HTTP the cause is the server's error body.
    return error instanceof StytchLikeApiError
      ? toSessionTokenErrorFromApi(error, ADAPTER, error.cause ?? error)
      : undefined;
  }
}
