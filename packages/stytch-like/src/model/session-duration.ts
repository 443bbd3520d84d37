import { StytchLikeApiError } from './api-error.js';

/** Shortest session Stytch allows, in minutes. */
export const MIN_SESSION_DURATION_MINUTES = 5;
/** Longest session Stytch allows (a year), in minutes. */
export const MAX_SESSION_DURATION_MINUTES = 527_040;
/** Length of a session started without `session_duration_minutes`, as in Stytch. */
export const DEFAULT_SESSION_DURATION_MINUTES = 60;

/** Returns `value` when it is an integer from 5 to 527040, else throws `invalid_session_duration_minutes`. */
export function checkSessionDuration(value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_SESSION_DURATION_MINUTES ||
    value > MAX_SESSION_DURATION_MINUTES
  ) {
    throw new StytchLikeApiError('invalid_session_duration_minutes');
  }
  return value;
}

/** Default absolute session lifetime: as long as the longest single duration, 366 days from the session's start. */
export const DEFAULT_MAX_SESSION_LIFETIME_MINUTES = 527_040;
/** Default for how long past its `exp` a session JWT still identifies its session: an hour. */
export const DEFAULT_EXPIRED_JWT_MAX_AGE_SECONDS = 3600;
