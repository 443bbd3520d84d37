import { SessionTokenError, type ActiveSession, type SessionInfo } from '@sessiontoken/core';
import { isPlainObject, toJsonValue, type JsonObject } from '../model/json.js';
import type { StytchAuthenticationFactor, StytchSession, StytchSessionClaim } from '../model/stytch-types.js';
import type { VerifiedSessionJwt } from '../jwt/session-jwt.js';

/** What `SessionInfo.attributes` holds for a Stytch-like session. */
export type StytchLikeSessionAttributes = {
  readonly ipAddress: string;
  readonly userAgent: string;
  readonly authenticationFactors: readonly StytchAuthenticationFactor[];
  readonly customClaims: JsonObject;
  readonly roles: readonly string[];
};

/** A session as the API returns it, turned into the provider's cached `SessionInfo`. */
export function sessionInfoFromStytch(session: StytchSession): SessionInfo {
  const attributes: StytchLikeSessionAttributes = {
    ipAddress: session.attributes.ip_address,
    userAgent: session.attributes.user_agent,
    authenticationFactors: session.authentication_factors,
    customClaims: session.custom_claims,
    roles: session.roles,
  };
  return {
    sessionId: session.session_id,
    subject: session.user_id,
    startedAt: new Date(session.started_at),
    expiresAt: new Date(session.expires_at),
    lastAccessedAt: new Date(session.last_accessed_at),
    attributes,
  };
}

/** The session a verified JWT describes, as `SessionInfo` (no round trip). */
export function sessionInfoFromJwt(verified: VerifiedSessionJwt): SessionInfo {
  const claim: StytchSessionClaim = verified.session;
  const attributes: StytchLikeSessionAttributes = {
    ipAddress: claim.attributes.ip_address ?? '',
    userAgent: claim.attributes.user_agent ?? '',
    authenticationFactors: claim.authentication_factors,
    customClaims: verified.customClaims,
    roles: claim.roles,
  };
  return {
    sessionId: claim.id,
    subject: verified.userId,
    startedAt: new Date(claim.started_at),
    expiresAt: new Date(claim.expires_at),
    lastAccessedAt: new Date(claim.last_accessed_at),
    attributes,
  };
}

/** Builds the provider's held session from an authentication result. */
export function activeSession(session: StytchSession, sessionToken: string, sessionJwt: string): ActiveSession {
  return { tokens: { sessionToken, sessionJwt }, info: sessionInfoFromStytch(session) };
}

/**
 * Reads `{ session, session_token, session_jwt }` from a response body, checking every field the provider uses;
 * anything else is a `PROTOCOL` error whose `cause` names the body's fields, never their values (tokens among them).
 */
export function readAuthenticationResponse(
  body: Record<string, unknown>,
  adapter: string,
): { session: StytchSession; sessionToken: string; sessionJwt: string } {
  const fail = (what: string) =>
    new SessionTokenError('PROTOCOL', `the authentication response has no valid ${what}`, {
      adapter,
      cause: { fields: Object.keys(body).slice(0, 32) },
    });
  const sessionToken = body['session_token'];
  const sessionJwt = body['session_jwt'];
  if (typeof sessionToken !== 'string') throw fail('session_token');
  if (typeof sessionJwt !== 'string' || sessionJwt === '') throw fail('session_jwt');
  return { session: readSession(body['session'], fail), sessionToken, sessionJwt };
}

/**
 * Reads `session` from an answer that carries no tokens (the frontend-SDK API with HttpOnly cookies); `PROTOCOL` as
 * {@link readAuthenticationResponse} for anything else.
 */
export function readSessionOnly(body: Record<string, unknown>, adapter: string): StytchSession {
  return readSession(
    body['session'],
    (what) =>
      new SessionTokenError('PROTOCOL', `the authentication response has no valid ${what}`, {
        adapter,
        cause: { fields: Object.keys(body).slice(0, 32) },
      }),
  );
}

function readSession(value: unknown, fail: (what: string) => SessionTokenError): StytchSession {
  if (!isPlainObject(value)) throw fail('session');
  const strings = ['session_id', 'user_id', 'started_at', 'last_accessed_at', 'expires_at'] as const;
  for (const field of strings) {
    if (typeof value[field] !== 'string') throw fail(`session.${field}`);
  }
  for (const field of ['started_at', 'last_accessed_at', 'expires_at'] as const) {
    if (Number.isNaN(Date.parse(value[field] as string))) throw fail(`session.${field}`);
  }
  const attributes = isPlainObject(value['attributes']) ? value['attributes'] : {};
  const customClaims = toJsonValue(value['custom_claims'] ?? {});
  if (customClaims === undefined || !isPlainObject(customClaims)) throw fail('session.custom_claims');
  const factors = Array.isArray(value['authentication_factors'])
    ? (value['authentication_factors'] as StytchAuthenticationFactor[])
    : [];
  const roles = Array.isArray(value['roles'])
    ? value['roles'].filter((role): role is string => typeof role === 'string')
    : [];
  return {
    session_id: value['session_id'] as string,
    user_id: value['user_id'] as string,
    started_at: value['started_at'] as string,
    last_accessed_at: value['last_accessed_at'] as string,
    expires_at: value['expires_at'] as string,
    attributes: {
      ip_address: typeof attributes['ip_address'] === 'string' ? attributes['ip_address'] : '',
      user_agent: typeof attributes['user_agent'] === 'string' ? attributes['user_agent'] : '',
    },
    authentication_factors: factors,
    custom_claims: customClaims,
    roles,
  };
}
