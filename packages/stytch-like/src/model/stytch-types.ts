import type { JsonObject } from './json.js';

/**
 * The JSON shapes of Stytch's B2C API (as the official `stytch` Node SDK 14 types them), limited to what
 * this service produces. Timestamps are RFC 3339 strings.
 */

/** `session.attributes`: where the session was started from. */
export interface StytchSessionAttributes {
  ip_address: string;
  user_agent: string;
}

/** One entry of `session.authentication_factors`. */
export interface StytchAuthenticationFactor {
  type: string;
  delivery_method: string;
  last_authenticated_at: string;
  created_at: string;
  updated_at: string;
}

/** A session as `sessions.authenticate` and `sessions.get` return it. */
export interface StytchSession {
  session_id: string;
  user_id: string;
  started_at: string;
  last_accessed_at: string;
  expires_at: string;
  attributes: StytchSessionAttributes;
  authentication_factors: StytchAuthenticationFactor[];
  custom_claims: JsonObject;
  roles: string[];
}

/** `user.name`. */
export interface StytchUserName {
  first_name?: string;
  middle_name?: string;
  last_name?: string;
}

/** A user as the password and session endpoints return it. */
export interface StytchUser {
  user_id: string;
  emails: { email_id: string; email: string; verified: boolean }[];
  status: string;
  phone_numbers: never[];
  webauthn_registrations: never[];
  providers: never[];
  totps: never[];
  crypto_wallets: never[];
  biometric_registrations: never[];
  is_locked: boolean;
  roles: string[];
  name: StytchUserName;
  created_at: string;
  password: { password_id: string; requires_reset: boolean };
  trusted_metadata: JsonObject;
  untrusted_metadata: JsonObject;
}

/**
 * One public key of `GET /v1/sessions/jwks/:project_id`: an RSA key (`n`, `e`) for RS256, a P-256 key (`crv`, `x`,
 * `y`) for ES256, or an Ed25519 key (`crv`, `x`) for EdDSA.
 */
export type StytchJwk = {
  kid: string;
  use: 'sig';
  key_ops: ['verify'];
} & (
  | { kty: 'RSA'; alg: 'RS256'; n: string; e: string }
  | { kty: 'EC'; alg: 'ES256'; crv: 'P-256'; x: string; y: string }
  | { kty: 'OKP'; alg: 'EdDSA'; crv: 'Ed25519'; x: string }
);

/** The session claim of a session JWT, under {@link SESSION_CLAIM}. */
export interface StytchSessionClaim {
  id: string;
  started_at: string;
  last_accessed_at: string;
  expires_at: string;
  attributes: StytchSessionAttributes;
  authentication_factors: StytchAuthenticationFactor[];
  roles: string[];
}

/** Name of the JWT claim that carries the session. */
export const SESSION_CLAIM = 'https://stytch.com/session';

/** Roles every user has, as in Stytch. */
export const DEFAULT_USER_ROLES: readonly string[] = ['stytch_user'];
