import { createHash } from 'node:crypto';
import { StytchLikeApiError } from '../../model/api-error.js';

/**
 * Brute-force limits, counted in the store (fixed windows) so that every server sharing it counts together. The
 * per-email limit is the service's (it applies to the embedded provider too); the per-address limits are the HTTP
 * server's, through `@fastify/rate-limit` over the same store counters.
 */
export interface BruteForceLimits {
  /** Failed password logins for one email (known or not) before it is locked until its window ends. Default 10. */
  readonly maxFailuresPerEmail: number;
  /** The window of the per-email count, and so the longest lockout. Default 15 minutes. */
  readonly emailWindowMs: number;
  /** Failed password logins from one client address (IPv6: its /64) before it is locked until its window ends. Default 100. */
  readonly maxFailuresPerAddress: number;
  /** The window of the per-address failure count. Default 15 minutes. */
  readonly addressWindowMs: number;
  /** Sign-ups (`POST /v1/passwords`, any outcome) from one client address per window. Default 100. */
  readonly maxSignupsPerAddress: number;
  /** The window of the per-address sign-up count. Default 15 minutes. */
  readonly signupWindowMs: number;
}

export const DEFAULT_BRUTE_FORCE_LIMITS: BruteForceLimits = {
  maxFailuresPerEmail: 10,
  emailWindowMs: 15 * 60_000,
  maxFailuresPerAddress: 100,
  addressWindowMs: 15 * 60_000,
  maxSignupsPerAddress: 100,
  signupWindowMs: 15 * 60_000,
};

/** Defaults merged with `overrides`, each checked. */
export function bruteForceLimits(overrides: Partial<BruteForceLimits> = {}): BruteForceLimits {
  const limits = { ...DEFAULT_BRUTE_FORCE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1`);
  }
  return limits;
}

/** The store counter key of an email's failed logins: a digest, so counters hold no addresses of people. */
export function emailFailureCounterKey(email: string): string {
  return `login-failures:email:${createHash('sha256').update(email).digest('base64url')}`;
}

/** Why a request was refused with `too_many_requests` (`error_details.reason`). */
export type TooManyRequestsReason = 'email_locked' | 'address_locked' | 'signup_limit' | 'password_hashing_busy';

/** A Stytch-shaped 429 with the seconds after which trying again can succeed (the `Retry-After` header). */
export function tooManyRequests(reason: TooManyRequestsReason, retryAfterMs: number): StytchLikeApiError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new StytchLikeApiError('too_many_requests', { details: { reason }, retryAfterSeconds });
}
