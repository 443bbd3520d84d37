import { SessionTokenError, type SessionTokenErrorCode } from '@sessiontoken/core';

/** Name every error of this adapter carries (`SessionTokenError.adapter`). */
export const ADAPTER_NAME = 'orientdb';

/** The one way this package makes an error: a `SessionTokenError` tagged with {@link ADAPTER_NAME}. */
export function orientdbError(code: SessionTokenErrorCode, message: string, cause?: unknown): SessionTokenError {
  return new SessionTokenError(
    code,
    message,
    cause === undefined ? { adapter: ADAPTER_NAME } : { adapter: ADAPTER_NAME, cause },
  );
}

/**
 * Bytes from the server (a frame, a record, a token payload) that this client cannot parse: a length out of bounds,
 * a truncated value, an unknown type. Always a `SessionTokenError` with code `PROTOCOL`.
 */
export function malformed(what: string, cause?: unknown): SessionTokenError {
  return orientdbError('PROTOCOL', `malformed ${what}`, cause);
}
