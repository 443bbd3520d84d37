import {
  BaseSessionTokenProvider,
  SessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionInfo,
  type SessionTokens,
} from '@sessiontoken/core';
import { SessionJwtError, type VerifiedSessionJwt } from '../jwt/session-jwt.js';
import type { StytchSession } from '../model/stytch-types.js';
import { DEFAULT_SESSION_DURATION_MINUTES } from '../model/session-duration.js';
import { activeSession, sessionInfoFromJwt } from './active-session.js';

/** Credentials of a Stytch-like provider: a user's email and password. */
export interface StytchLikeCredentials {
  readonly email: string;
  readonly password: string;
}

/** Options for `open()`. */
export interface StytchLikeOpenOptions {
  /** Length of the new session in minutes (5..527040). Default: the provider's `sessionDurationMinutes`. */
  readonly sessionDurationMinutes?: number;
  /** Custom claims to put on the new session (and in its JWTs). */
  readonly sessionCustomClaims?: Record<string, unknown>;
}

/** A session with its tokens, as the service or the server returns it. */
export interface StytchLikeAuthentication {
  readonly session: StytchSession;
  /** `''` when the session was authenticated by JWT. */
  readonly sessionToken: string;
  readonly sessionJwt: string;
}

/** What a provider needs from the Stytch-like service, over HTTP or in process. Internal. */
export interface StytchLikeBackend {
  loginWithPassword(credentials: StytchLikeCredentials, durationMinutes: number, customClaims: Record<string, unknown> | undefined): Promise<StytchLikeAuthentication>;
  authenticateToken(sessionToken: string, durationMinutes: number | undefined): Promise<StytchLikeAuthentication>;
  authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication>;
  /** Verifies a JWT without asking the service about its session; rejects `SessionTokenError` `INVALID_TOKEN` / `EXPIRED`. */
  verifyJwtLocally(sessionJwt: string, options: { allowExpired: boolean; maxTokenAgeSeconds?: number }): Promise<VerifiedSessionJwt>;
  revokeToken(sessionToken: string): Promise<void>;
  close(): Promise<void>;
  /** Maps the backend's own errors; `undefined` for errors it does not know. */
  mapError(error: unknown): SessionTokenError | undefined;
}

/** Options both providers share. */
export interface StytchLikeProviderDefaults {
  /** Length of sessions started by `open()` in minutes. Default 60, as Stytch. */
  readonly sessionDurationMinutes?: number;
}

/**
 * The behaviour both Stytch-like providers share, over a {@link StytchLikeBackend}: `open` logs in with a password,
 * reattaching authenticates the token with the service (and checks a given JWT locally against it), `authenticate`
 * extends with `durationMinutes`, `revoke` ends the session on the service for everyone.
 */
export abstract class StytchLikeProviderBase extends BaseSessionTokenProvider<StytchLikeCredentials, StytchLikeOpenOptions> {
  readonly capabilities: ProviderCapabilities = { jwt: true, serverRevocation: true, slidingExpiry: true, statelessReattach: true, tokenRenewal: false };
  readonly #backend: StytchLikeBackend;
  readonly #sessionDurationMinutes: number;

  protected constructor(backend: StytchLikeBackend, defaults: StytchLikeProviderDefaults) {
    super();
    this.#backend = backend;
    this.#sessionDurationMinutes = defaults.sessionDurationMinutes ?? DEFAULT_SESSION_DURATION_MINUTES;
  }

  /**
   * Stytch's `authenticateJwt`: verifies the held session JWT locally against the JWKS (no round trip) and, when it is
   * valid and younger than `maxTokenAgeSeconds`, refreshes `getSession()` from its claims; otherwise falls back to
   * `authenticate()`. A locally verified JWT can outlive a revocation by up to its five-minute lifetime.
   */
  authenticateJwt(options: { maxTokenAgeSeconds?: number } = {}): Promise<SessionInfo> {
    return this.run(async () => {
      const session = this.requireSession();
      const jwt = session.tokens.sessionJwt;
      if (jwt) {
        try {
          const verified = await this.#backend.verifyJwtLocally(jwt, {
            allowExpired: false,
            ...(options.maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds: options.maxTokenAgeSeconds }),
          });
          if (verified.session.id === session.info.sessionId) {
            const info = sessionInfoFromJwt(verified);
            this.updateSession({ tokens: session.tokens, info }, 'authenticated');
            return info;
          }
        } catch (error) {
          if (!(error instanceof SessionTokenError && (error.code === 'EXPIRED' || error.code === 'INVALID_TOKEN'))) throw error;
        }
      }
      return this.authenticate();
    });
  }

  protected async openSession(credentials: StytchLikeCredentials, options: StytchLikeOpenOptions | undefined): Promise<ActiveSession> {
    if (typeof credentials !== 'object' || credentials === null || typeof credentials.email !== 'string' || typeof credentials.password !== 'string') {
      throw new SessionTokenError('INVALID_ARGUMENT', 'credentials must be { email: string, password: string }', { adapter: this.name });
    }
    const result = await this.#backend.loginWithPassword(
      credentials,
      options?.sessionDurationMinutes ?? this.#sessionDurationMinutes,
      options?.sessionCustomClaims,
    );
    return activeSession(result.session, result.sessionToken, result.sessionJwt);
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    const result = await this.#backend.authenticateToken(tokens.sessionToken, undefined);
    if (tokens.sessionJwt !== null) await this.#checkJwtBelongsTo(tokens.sessionJwt, result.session);
    return activeSession(result.session, tokens.sessionToken, result.sessionJwt);
  }

  protected async authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    const result = await this.#backend.authenticateToken(session.tokens.sessionToken, options.durationMinutes);
    return activeSession(result.session, session.tokens.sessionToken, result.sessionJwt);
  }

  protected async revokeSession(session: ActiveSession): Promise<void> {
    await this.#backend.revokeToken(session.tokens.sessionToken);
  }

  protected async releaseResources(): Promise<void> {
    await this.#backend.close();
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    return this.#backend.mapError(error) ?? super.toSessionTokenError(error);
  }

  /**
   * A JWT given with a token must be genuine (signature, issuer, audience; expiry aside, since a client may hold an
   * expired JWT of a live session) and belong to the token's session. Verified locally; when its key is unknown
   * locally, the service is asked.
   */
  async #checkJwtBelongsTo(sessionJwt: string, session: StytchSession): Promise<void> {
    let sessionId: string;
    let userId: string;
    try {
      const verified = await this.#backend.verifyJwtLocally(sessionJwt, { allowExpired: true });
      sessionId = verified.session.id;
      userId = verified.userId;
    } catch (error) {
      if (!(error instanceof SessionTokenError && error.cause instanceof SessionJwtError && error.cause.failure === 'unknown_key')) throw error;
      const remote = await this.#backend.authenticateJwt(sessionJwt);
      sessionId = remote.session.session_id;
      userId = remote.session.user_id;
    }
    if (sessionId !== session.session_id || userId !== session.user_id) {
      throw new SessionTokenError('INVALID_TOKEN', 'the session JWT belongs to another session than the session token', { adapter: this.name });
    }
  }
}
