/**
 * The tokens of one session, as Stytch's `session.getTokens()` returns them.
 *
 * `sessionToken` is the opaque, long-lived handle (PyOrient's session token; Stytch's `session_token`).
 * `sessionJwt` is the short-lived signed JWT where the backend issues one (Stytch's `session_jwt`), else `null`.
 */
export interface SessionTokens {
  readonly sessionToken: string;
  readonly sessionJwt: string | null;
}

/**
 * What a provider knows about its current session without a round trip (Stytch `session.getSync()`).
 */
export interface SessionInfo {
  /** Backend's identifier of the session (OrientDB: derived from the token; Stytch: `session_id`). */
  readonly sessionId: string;
  /** Who the session belongs to (OrientDB: database user; Stytch: `user_id`). */
  readonly subject: string;
  /** When the session started, when known. */
  readonly startedAt: Date | null;
  /** When the session stops being accepted, when known. */
  readonly expiresAt: Date | null;
  /** When the backend last saw the session, when known. */
  readonly lastAccessedAt: Date | null;
  /** Backend-specific details (database name, custom claims, authentication factors, …). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/**
 * Honest description of what a backend can do. The contract suite checks each claim.
 */
export interface ProviderCapabilities {
  /** Sessions carry a signed JWT as well as the opaque token (`getTokens().sessionJwt` non-null). */
  readonly jwt: boolean;
  /** `revoke()` makes the token stop working everywhere, not only in this provider. */
  readonly serverRevocation: boolean;
  /** `authenticate({ durationMinutes })` extends the session's expiry. */
  readonly slidingExpiry: boolean;
  /** A token alone reattaches from any process or connection, with no server-side connection state. */
  readonly statelessReattach: boolean;
  /** The backend may hand out a renewed token during normal use (reported through `onChange` as `renewed`). */
  readonly tokenRenewal: boolean;
  /**
   * `getTokens()` and `getSessionToken()` give the session's tokens (with token mode on). `false` where the session
   * is held in HttpOnly cookies the client cannot read: they are then `null` and `''` although the session is live,
   * as Stytch's `session.getTokens()` is. Absent means `true`.
   */
  readonly exposesTokens?: boolean;
}

/** Options for `authenticate`. */
export interface AuthenticateOptions {
  /**
   * Extend the session to end this many minutes from now (Stytch `session_duration_minutes`).
   * Needs `capabilities.slidingExpiry`; rejects with `NOT_SUPPORTED` otherwise.
   */
  readonly durationMinutes?: number;
}

/** Why a session changed (Stytch `onChange`). */
export type SessionChangeReason =
  'opened' | 'reattached' | 'authenticated' | 'renewed' | 'revoked' | 'expired' | 'closed';

/** Passed to `onChange` listeners. */
export interface SessionChangeEvent {
  readonly reason: SessionChangeReason;
  /** The session after the change, or `null` when there is none any more. */
  readonly session: SessionInfo | null;
}

/** Receives {@link SessionChangeEvent}s. */
export type SessionChangeListener = (event: SessionChangeEvent) => void;
