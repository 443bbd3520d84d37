/**
 * Every reason a session operation can fail, independent of the adapter.
 *
 * A caller branches on these without knowing which backend it holds.
 */
export const SESSION_TOKEN_ERROR_CODES = [
  /** The operation needs an active session and there is none. */
  'NO_SESSION',
  /** The token is malformed, tampered with, unknown to the backend, or signed with another key. */
  'INVALID_TOKEN',
  /** The token was valid but its session has expired. */
  'EXPIRED',
  /** The session was revoked on the backend. */
  'REVOKED',
  /** The backend refused the credentials given to `open`. */
  'BAD_CREDENTIALS',
  /** The backend could not be reached, refused, reset the connection or did not answer in time. */
  'UNAVAILABLE',
  /** The backend sent something this adapter cannot parse (wire frame, HTTP body). */
  'PROTOCOL',
  /** The provider was closed; create a new one. */
  'CLOSED',
  /** An argument given by the caller is out of range or of the wrong shape. */
  'INVALID_ARGUMENT',
  /** The backend cannot do this (see `capabilities`). */
  'NOT_SUPPORTED',
  /** The backend refused the operation for another reason it reported (kept in `cause`). */
  'BACKEND',
  /** The adapter failed in a way it did not expect (a bug); `cause` holds the original error. */
  'INTERNAL',
] as const;

/** One of {@link SESSION_TOKEN_ERROR_CODES}. */
export type SessionTokenErrorCode = (typeof SESSION_TOKEN_ERROR_CODES)[number];

const BRAND = Symbol.for('@sessiontoken/core/SessionTokenError');

/** Options for {@link SessionTokenError}. */
export interface SessionTokenErrorOptions {
  /** The backend's or driver's own error, kept for diagnosis. */
  cause?: unknown;
  /** Name of the adapter that raised the error, e.g. `orientdb`. */
  adapter?: string;
  /**
   * How long the backend asked the caller to wait before trying again (HTTP `Retry-After`), in milliseconds: set on
   * refusals such as rate limits, absent when the backend said nothing.
   */
  retryAfterMs?: number;
}

/**
 * The one error type every provider rejects with.
 *
 * `code` says what went wrong in adapter-neutral terms; `cause` keeps the backend's own error
 * (OrientDB exception class and message, Stytch `error_type`, socket error). Messages never
 * contain token values.
 *
 * `instanceof` works across duplicate copies of this package (the brand is a global symbol).
 */
export class SessionTokenError extends Error {
  override readonly name = 'SessionTokenError';
  /** Adapter-neutral reason. */
  readonly code: SessionTokenErrorCode;
  /** Adapter that raised it, when known. */
  readonly adapter: string | undefined;
  /** How long the backend asked to wait before a retry, in milliseconds, when it said (HTTP `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  declare readonly [BRAND]: true;

  constructor(code: SessionTokenErrorCode, message: string, options: SessionTokenErrorOptions = {}) {
    super(
      options.adapter ? `${options.adapter}: ${message}` : message,
      'cause' in options ? { cause: options.cause } : undefined,
    );
    this.code = code;
    this.adapter = options.adapter;
    this.retryAfterMs = options.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * True when `error` is a {@link SessionTokenError}, optionally with one of the given codes.
 *
 * @example
 * if (isSessionTokenError(err, 'EXPIRED', 'INVALID_TOKEN')) redirectToLogin();
 */
export function isSessionTokenError(error: unknown, ...codes: SessionTokenErrorCode[]): error is SessionTokenError {
  return error instanceof SessionTokenError && (codes.length === 0 || codes.includes(error.code));
}
