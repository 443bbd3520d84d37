import { SessionTokenError, type ActiveSession, type SessionInfo } from '@sessiontoken/core';
import { ADAPTER_NAME } from '../adapter-name.js';

/** What `SessionInfo.attributes` holds for a Stytch session. */
export type StytchSessionAttributes = {
  readonly ipAddress: string;
  readonly userAgent: string;
  /** Stytch's `authentication_factors`, as the API returned them. */
  readonly authenticationFactors: readonly unknown[];
  readonly customClaims: Readonly<Record<string, unknown>>;
  readonly roles: readonly string[];
};

/** The parts of a Stytch authentication response the provider uses, checked. */
export interface StytchAuthentication {
  readonly sessionId: string;
  readonly userId: string;
  /** `''` when the request authenticated a JWT. */
  readonly sessionToken: string;
  readonly sessionJwt: string;
  readonly info: SessionInfo;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** JSON values only, so nothing the server sent can share state with the caller's copy. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Reads `{ session, session_token, session_jwt }` from an SDK response, checking every field the provider uses.
 * Anything else is `PROTOCOL`; the body is not kept as `cause` because it carries tokens.
 */
export function readAuthentication(body: unknown): StytchAuthentication {
  const fail = (what: string) =>
    new SessionTokenError('PROTOCOL', `the Stytch API's authentication response has no valid ${what}`, {
      adapter: ADAPTER_NAME,
    });
  if (!isRecord(body)) throw fail('body');
  const { session, session_token: sessionToken, session_jwt: sessionJwt } = body;
  if (typeof sessionToken !== 'string') throw fail('session_token');
  if (typeof sessionJwt !== 'string' || sessionJwt.length === 0) throw fail('session_jwt');
  if (!isRecord(session)) throw fail('session');
  const dates: Record<string, Date> = {};
  for (const field of ['started_at', 'last_accessed_at', 'expires_at'] as const) {
    const raw = session[field];
    const date = typeof raw === 'string' ? new Date(raw) : null;
    if (!date || Number.isNaN(date.getTime())) throw fail(`session.${field}`);
    dates[field] = date;
  }
  const sessionId = session['session_id'];
  const userId = session['user_id'];
  if (typeof sessionId !== 'string' || sessionId.length === 0) throw fail('session.session_id');
  if (typeof userId !== 'string' || userId.length === 0) throw fail('session.user_id');
  const attributes = isRecord(session['attributes']) ? session['attributes'] : {};
  const customClaims = session['custom_claims'] ?? {};
  if (!isRecord(customClaims)) throw fail('session.custom_claims');
  const factors = Array.isArray(session['authentication_factors']) ? session['authentication_factors'] : [];
  const roles = Array.isArray(session['roles'])
    ? session['roles'].filter((role): role is string => typeof role === 'string')
    : [];
  const info: SessionInfo = {
    sessionId,
    subject: userId,
    startedAt: dates['started_at'] ?? null,
    expiresAt: dates['expires_at'] ?? null,
    lastAccessedAt: dates['last_accessed_at'] ?? null,
    attributes: deepFreeze<StytchSessionAttributes>({
      ipAddress: typeof attributes['ip_address'] === 'string' ? attributes['ip_address'] : '',
      userAgent: typeof attributes['user_agent'] === 'string' ? attributes['user_agent'] : '',
      authenticationFactors: jsonCopy(factors),
      customClaims: jsonCopy(customClaims),
      roles,
    }),
  };
  return { sessionId, userId, sessionToken, sessionJwt, info: Object.freeze(info) };
}

/** The provider's held session: the token it reattached or opened with, the newest JWT, the session's info. */
export function activeSession(sessionToken: string, authentication: StytchAuthentication): ActiveSession {
  return Object.freeze({
    tokens: Object.freeze({ sessionToken, sessionJwt: authentication.sessionJwt }),
    info: authentication.info,
  });
}
