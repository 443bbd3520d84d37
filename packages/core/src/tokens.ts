import { SessionTokenError } from './errors.js';
import type { SessionTokens } from './types.js';

/** Longest token accepted anywhere: a cookie value must stay well under browsers' 4096-byte cookie limit. */
export const MAX_TOKEN_LENGTH = 4096;

const COOKIE_SAFE = /^[A-Za-z0-9._~-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * True when `token` is a non-empty string of URL-safe characters (`A-Z a-z 0-9 - _ . ~`) of at most
 * {@link MAX_TOKEN_LENGTH} characters: safe in a cookie, a header or a URL without escaping.
 */
export function isCookieSafeToken(token: unknown): token is string {
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH && COOKIE_SAFE.test(token);
}

/**
 * Throws `INVALID_TOKEN` unless `token` is cookie-safe (see {@link isCookieSafeToken}).
 * The message never repeats the token.
 */
export function assertCookieSafeToken(token: unknown, adapter?: string): asserts token is string {
  if (isCookieSafeToken(token)) return;
  const why =
    typeof token !== 'string'
      ? `a token must be a string, got ${token === null ? 'null' : typeof token}`
      : token.length === 0
        ? 'the token is empty'
        : token.length > MAX_TOKEN_LENGTH
          ? `the token is ${token.length} characters long, more than ${MAX_TOKEN_LENGTH}`
          : 'the token contains characters outside A-Z a-z 0-9 - _ . ~';
  throw new SessionTokenError('INVALID_TOKEN', why, adapter === undefined ? {} : { adapter });
}

/** Encodes bytes as unpadded base64url, the form binary tokens (OrientDB) take. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes unpadded base64url strictly: any character outside the alphabet, an impossible length, or a
 * non-canonical final character (one whose unused bits are set, so two strings would decode alike)
 * throws `INVALID_TOKEN`. Strictness matters: a tampered character must never decode to the same bytes.
 */
export function decodeBase64Url(text: string, adapter?: string): Uint8Array {
  const options = adapter === undefined ? {} : { adapter };
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new SessionTokenError('INVALID_TOKEN', 'the token is not valid base64url', options);
  }
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new SessionTokenError('INVALID_TOKEN', 'the token is not canonical base64url', options);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses what a caller passed to `setSessionToken` into {@link SessionTokens}, checking that every token is
 * cookie-safe. Throws `INVALID_TOKEN` (never a raw error) for anything else.
 */
export function parseSessionTokensInput(value: unknown, adapter?: string): SessionTokens {
  if (typeof value === 'string') {
    assertCookieSafeToken(value, adapter);
    return { sessionToken: value, sessionJwt: null };
  }
  if (typeof value === 'object' && value !== null) {
    const { sessionToken, sessionJwt } = value as Record<string, unknown>;
    assertCookieSafeToken(sessionToken, adapter);
    if (sessionJwt === null || sessionJwt === undefined) return { sessionToken, sessionJwt: null };
    assertCookieSafeToken(sessionJwt, adapter);
    return { sessionToken, sessionJwt };
  }
  throw new SessionTokenError(
    'INVALID_TOKEN',
    'expected a token string or { sessionToken, sessionJwt }',
    adapter === undefined ? {} : { adapter },
  );
}
