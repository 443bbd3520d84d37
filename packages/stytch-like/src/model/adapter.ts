import { SessionTokenError, type SessionTokenErrorCode } from '@sessiontoken/core';

/** The adapter name of the HTTP provider, its HTTP client and the JWT verifier, carried by every error they raise. */
export const ADAPTER = 'stytch-like';
/** The adapter name of the provider over the session service in this process. */
export const EMBEDDED_ADAPTER = 'stytch-like-embedded';

/** One of the package's two adapter names. */
export type StytchLikeAdapterName = typeof ADAPTER | typeof EMBEDDED_ADAPTER;

/** A `SessionTokenError` raised by this package; the message never holds a token. */
export function stytchLikeError(
  code: SessionTokenErrorCode,
  message: string,
  options: { readonly adapter?: StytchLikeAdapterName; readonly cause?: unknown } = {},
): SessionTokenError {
  const cause = 'cause' in options ? { cause: options.cause } : {};
  return new SessionTokenError(code, message, { adapter: options.adapter ?? ADAPTER, ...cause });
}

/** `INVALID_ARGUMENT` for an option or argument of the wrong shape. */
export function invalidArgument(
  message: string,
  adapter: StytchLikeAdapterName = ADAPTER,
  cause?: unknown,
): SessionTokenError {
  return stytchLikeError('INVALID_ARGUMENT', message, cause === undefined ? { adapter } : { adapter, cause });
}
