import { StytchLikeApiError } from './api-error.js';
import { isPlainObject, toJsonValue, type JsonObject } from './json.js';

/** Registered JWT claims a session's custom claims may not set; Stytch ignores them. */
export const RESERVED_CLAIMS: readonly string[] = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];
/** Claims under Stytch's namespace are reserved too (the session claim lives there). */
const RESERVED_PREFIX = 'https://stytch.com/';
/** Largest JSON size (UTF-8 bytes) of a session's custom claims, as in Stytch. */
export const MAX_CUSTOM_CLAIMS_BYTES = 4096;

/**
 * Applies `changes` (a request's `session_custom_claims`) to a session's claims with Stytch's rules: keys are set,
 * `null` deletes a key, reserved claims are ignored, and the result may be at most 4 KB of JSON.
 */
export function mergeCustomClaims(current: JsonObject, changes: unknown): JsonObject {
  if (changes === undefined) return current;
  const json = toJsonValue(changes);
  if (json === undefined || !isPlainObject(json)) throw new StytchLikeApiError('invalid_session_custom_claims');
  const next: JsonObject = { ...current };
  for (const [key, value] of Object.entries(json)) {
    if (isReservedClaim(key)) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (new TextEncoder().encode(JSON.stringify(next)).byteLength > MAX_CUSTOM_CLAIMS_BYTES)
    throw new StytchLikeApiError('custom_claims_too_large');
  return next;
}

export function isReservedClaim(key: string): boolean {
  return RESERVED_CLAIMS.includes(key) || key.startsWith(RESERVED_PREFIX);
}
