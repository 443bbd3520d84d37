import type {
  AuthenticateOptions,
  ProviderCapabilities,
  SessionChangeListener,
  SessionInfo,
  SessionTokens,
} from './types.js';

/**
 * One client's handle on one session at a time, like a PyOrient client or a Stytch SDK instance.
 *
 * Every asynchronous method rejects only with `SessionTokenError`.
 *
 * | operation | PyOrient | Stytch |
 * |---|---|---|
 * | `open` | `db_open` | login (`passwords.authenticate`) |
 * | `setSessionToken(true/false)` | `set_session_token(True/False)` | — |
 * | `setSessionToken(token)` | `set_session_token(token)` | `session.updateSession` |
 * | `getSessionToken` | `get_session_token` | — |
 * | `getTokens` | — | `session.getTokens` |
 * | `getSession` | — | `session.getSync` |
 * | `authenticate` | — | `session.authenticate` |
 * | `revoke` | — | `session.revoke` |
 * | `onChange` | — | `session.onChange` |
 * | `close` | `close` / `db_close` | — |
 *
 * @typeParam Credentials - the backend's own credentials type (`{ username, password }`, `{ email, password }`).
 * @typeParam OpenOptions - backend-specific options for `open`.
 */
export interface SessionTokenProvider<Credentials = unknown, OpenOptions = unknown> {
  /** Short adapter name, e.g. `orientdb` or `stytch-like`. */
  readonly name: string;
  /** What this backend can honestly do. */
  readonly capabilities: ProviderCapabilities;

  /**
   * Start a fresh session with credentials (PyOrient `db_open`, Stytch login).
   * Rejects with `BAD_CREDENTIALS` when the backend refuses them.
   */
  open(credentials: Credentials, options?: OpenOptions): Promise<SessionInfo>;

  /**
   * Turn token mode on or off (PyOrient `set_session_token(True|False)`). Off by default; while off,
   * `getSessionToken()` returns `''` and `getTokens()` returns `null` even with a live session.
   * Throws `CLOSED` after `close()`.
   */
  setSessionToken(enabled: boolean): void;
  /**
   * Reattach to an existing session from any process or connection, with no credentials
   * (PyOrient `set_session_token(token)`, Stytch `updateSession`). The token is validated with the
   * backend before this resolves; token mode is turned on. Rejects with `INVALID_TOKEN`, `EXPIRED` or
   * `REVOKED`, leaving the provider as it was.
   */
  setSessionToken(token: string | SessionTokens): Promise<SessionInfo>;

  /** The current session token, or `''` when token mode is off or there is no session (PyOrient `get_session_token`). */
  getSessionToken(): string;

  /**
   * `{ sessionToken, sessionJwt }` of the current session (Stytch `session.getTokens()`), or `null` when there is
   * no active session, token mode is off, or the session is managed by HttpOnly cookies the client cannot read
   * (`capabilities.exposesTokens` is `false`). `sessionJwt` is `null` where the backend has none.
   */
  getTokens(): SessionTokens | null;

  /** Cached session information, or `null`; no round trip (Stytch `session.getSync()`). */
  getSession(): SessionInfo | null;

  /**
   * Check the session with the backend now (Stytch `session.authenticate`). With `durationMinutes`, extend it
   * (needs `capabilities.slidingExpiry`). Rejects with `NO_SESSION`, `EXPIRED`, `INVALID_TOKEN` or `REVOKED`; on those
   * the provider forgets the session.
   */
  authenticate(options?: AuthenticateOptions): Promise<SessionInfo>;

  /**
   * End the session (Stytch `session.revoke`). With `capabilities.serverRevocation` the token stops working
   * everywhere; otherwise this provider forgets it and releases its connection. Rejects with `NO_SESSION`
   * when there is none.
   */
  revoke(): Promise<void>;

  /** Listen for session changes (Stytch `session.onChange`); returns the unsubscribe function. */
  onChange(listener: SessionChangeListener): () => void;

  /** Release every connection and timer. Idempotent. Afterwards every operation rejects with `CLOSED`. */
  close(): Promise<void>;
}
