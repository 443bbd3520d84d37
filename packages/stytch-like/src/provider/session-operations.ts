import {
  SessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type SessionTokens,
} from '@sessiontoken/core';
import { SessionJwtError, type VerifiedSessionJwt } from '../jwt/session-jwt.js';
import { invalidArgument, stytchLikeError, type StytchLikeAdapterName } from '../model/adapter.js';
import type { StytchSession } from '../model/stytch-types.js';
import { activeSession, sessionInfoFromJwt } from './active-session.js';
import type { VerifySessionJwtOptions } from './jwt-verifier.js';
import type { StytchLikeCredentials, StytchLikeOpenOptions } from './provider-options.js';

export { STYTCH_LIKE_CAPABILITIES, checkProviderDefaults } from './provider-options.js';
export type { StytchLikeCredentials, StytchLikeOpenOptions, StytchLikeProviderDefaults } from './provider-options.js';

/** A session with its tokens, as the service or the server returns it. */
export interface StytchLikeAuthentication {
  readonly session: StytchSession;
  /** `''` when the session was authenticated by JWT. */
  readonly sessionToken: string;
  readonly sessionJwt: string;
}

/** What a provider needs from the Stytch-like service, over HTTP or in process. Internal. */
export interface StytchLikeBackend {
  loginWithPassword(
    credentials: StytchLikeCredentials,
    durationMinutes: number,
    customClaims: Record<string, unknown> | undefined,
  ): Promise<StytchLikeAuthentication>;
  authenticateToken(sessionToken: string, durationMinutes: number | undefined): Promise<StytchLikeAuthentication>;
  authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication>;
  /** Verifies a JWT without asking the service about its session; rejects `SessionTokenError` `INVALID_TOKEN` / `EXPIRED`. */
  verifyJwtLocally(sessionJwt: string, options: VerifySessionJwtOptions): Promise<VerifiedSessionJwt>;
  revokeToken(sessionToken: string): Promise<void>;
  close(): Promise<void>;
  /** Maps the backend's own errors; `undefined` for errors it does not know. */
  mapError(error: unknown): SessionTokenError | undefined;
}

/**
 * The session operations both Stytch-like providers share, over a {@link StytchLikeBackend}: `open` logs in with a
 * password, reattaching authenticates the token with the service (and checks a given JWT locally against it),
 * `authenticate` extends with `durationMinutes`, `revoke` ends the session on the service for everyone. Each provider
 * extends core's `BaseSessionTokenProvider` and hands its hooks to one of these: core's `authenticateSession` /
 * `revokeSession` hooks call `authenticate` / `revoke` here, which call the backend's `authenticateToken` /
 * `revokeToken`, which call the service's Stytch-named `authenticateSession` / `revokeSession` (in process or over HTTP).
 */
export class StytchLikeSessionOperations {
  readonly #backend: StytchLikeBackend;
  readonly #adapter: StytchLikeAdapterName;
  readonly #sessionDurationMinutes: number;

  constructor(backend: StytchLikeBackend, adapter: StytchLikeAdapterName, sessionDurationMinutes: number) {
    this.#backend = backend;
    this.#adapter = adapter;
    this.#sessionDurationMinutes = sessionDurationMinutes;
  }

  async open(credentials: StytchLikeCredentials, options: StytchLikeOpenOptions | undefined): Promise<ActiveSession> {
    if (
      typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.email !== 'string' ||
      typeof credentials.password !== 'string'
    ) {
      throw invalidArgument('credentials must be { email: string, password: string }', this.#adapter);
    }
    const result = await this.#backend.loginWithPassword(
      credentials,
      options?.sessionDurationMinutes ?? this.#sessionDurationMinutes,
      options?.sessionCustomClaims,
    );
    return activeSession(result.session, result.sessionToken, result.sessionJwt);
  }

  async reattach(tokens: SessionTokens): Promise<ActiveSession> {
    const result = await this.#backend.authenticateToken(tokens.sessionToken, undefined);
    if (tokens.sessionJwt !== null) await this.#checkJwtBelongsTo(tokens.sessionJwt, result.session);
    return activeSession(result.session, tokens.sessionToken, result.sessionJwt);
  }

  async authenticate(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    const result = await this.#backend.authenticateToken(session.tokens.sessionToken, options.durationMinutes);
    return activeSession(result.session, session.tokens.sessionToken, result.sessionJwt);
  }

  async revoke(session: ActiveSession): Promise<void> {
    await this.#backend.revokeToken(session.tokens.sessionToken);
  }

  /**
   * Stytch's `authenticateJwt` without the round trip: the session refreshed from the claims of its held JWT when that
   * JWT verifies locally, belongs to it and is younger than `maxTokenAgeSeconds`; `undefined` when the service must be
   * asked instead.
   */
  async refreshFromHeldJwt(
    session: ActiveSession,
    options: { maxTokenAgeSeconds?: number },
  ): Promise<ActiveSession | undefined> {
    const jwt = session.tokens.sessionJwt;
    if (!jwt) return undefined;
    try {
      const verified = await this.#backend.verifyJwtLocally(jwt, {
        allowExpired: false,
        ...(options.maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds: options.maxTokenAgeSeconds }),
      });
      if (verified.session.id !== session.info.sessionId) return undefined;
      return { tokens: session.tokens, info: sessionInfoFromJwt(verified) };
    } catch (error) {
      if (error instanceof SessionTokenError && (error.code === 'EXPIRED' || error.code === 'INVALID_TOKEN'))
        return undefined;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#backend.close();
  }

  mapError(error: unknown): SessionTokenError | undefined {
    return this.#backend.mapError(error);
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
      if (!(
        error instanceof SessionTokenError &&
        error.cause instanceof SessionJwtError &&
        error.cause.failure === 'unknown_key'
      ))
        throw error;
      const remote = await this.#backend.authenticateJwt(sessionJwt);
      sessionId = remote.session.session_id;
      userId = remote.session.user_id;
    }
    if (sessionId !== session.session_id || userId !== session.user_id) {
      throw stytchLikeError('INVALID_TOKEN', 'the session JWT belongs to another session than the session token', {
        adapter: this.#adapter,
      });
    }
  }
}
