import type { ProviderCapabilities } from '@sessiontoken/core';
import { invalidArgument, type StytchLikeAdapterName } from '../model/adapter.js';
import {
  DEFAULT_SESSION_DURATION_MINUTES,
  MAX_SESSION_DURATION_MINUTES,
  MIN_SESSION_DURATION_MINUTES,
} from '../model/session-duration.js';

// What every Stytch-like provider shares before any I/O (the Node, embedded and browser providers): no node: import.

/** What both Stytch-like providers can do; each flag is checked by the contract suite. */
export const STYTCH_LIKE_CAPABILITIES: ProviderCapabilities = Object.freeze({
  jwt: true,
  serverRevocation: true,
  slidingExpiry: true,
  statelessReattach: true,
  tokenRenewal: false,
});

/** Credentials of a Stytch-like provider: a user's email and password. */
export interface StytchLikeCredentials {
  readonly email: string;
  readonly password: string;
}

/** Options for `open()`. */
export interface StytchLikeOpenOptions {
  /** Length of the new session in minutes (5..527040). Default: the provider's `sessionDurationMinutes`. */
  readonly sessionDurationMinutes?: number;
  /** Custom claims to put on the new session (and in its JWTs). */
  readonly sessionCustomClaims?: Record<string, unknown>;
}

/** Options both providers share. */
export interface StytchLikeProviderDefaults {
  /** Length of sessions started by `open()` in minutes (5..527040). Default 60, as Stytch. */
  readonly sessionDurationMinutes?: number;
}

/** Returns the length of sessions `open()` starts, or throws `INVALID_ARGUMENT` for a value the service would refuse. */
export function checkProviderDefaults(defaults: StytchLikeProviderDefaults, adapter: StytchLikeAdapterName): number {
  const minutes = defaults.sessionDurationMinutes ?? DEFAULT_SESSION_DURATION_MINUTES;
  if (!Number.isInteger(minutes) || minutes < MIN_SESSION_DURATION_MINUTES || minutes > MAX_SESSION_DURATION_MINUTES) {
    const range = `${MIN_SESSION_DURATION_MINUTES} to ${MAX_SESSION_DURATION_MINUTES}`;
    throw invalidArgument(`sessionDurationMinutes must be an integer from ${range}`, adapter);
  }
  return minutes;
}
