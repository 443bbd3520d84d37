import { SessionTokenError } from '@sessiontoken/core';

/** Name every error of this adapter carries (`SessionTokenError.adapter`). */
export const ADAPTER_NAME = 'orientdb';

/**
 * Bytes from the server (a frame, a record, a token payload) that this client cannot parse: a length out of bounds,
 * a truncated value, an unknown type. Always a `SessionTokenError` with code `PROTOCOL`.
 */
export function malformed(what: string, cause?: unknown): SessionTokenError {
  return new SessionTokenError('PROTOCOL', `malformed ${what}`, cause === undefined ? { adapter: ADAPTER_NAME } : { adapter: ADAPTER_NAME, cause });
}
