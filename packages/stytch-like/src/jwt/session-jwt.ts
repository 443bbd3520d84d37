import { SignJWT, decodeProtectedHeader, errors as joseErrors, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { isPlainObject, toJsonValue, type JsonObject } from '../model/json.js';
import { SESSION_CLAIM, type StytchSession, type StytchSessionClaim } from '../model/stytch-types.js';
import { isReservedClaim } from '../service/custom-claims.js';

/** A session JWT is good for five minutes (or until its session expires, if sooner), as in Stytch. */
export const SESSION_JWT_LIFETIME_SECONDS = 300;
/** The only algorithm issued and accepted. */
export const SESSION_JWT_ALGORITHM = 'RS256';

/** `iss` of this project's session JWTs. */
export function sessionJwtIssuer(projectId: string): string {
  return `stytch.com/${projectId}`;
}

/** A private key ready to sign with. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** Signs the session JWT for `session`: RS256, `typ: JWT`, `kid`; Stytch's claims; custom claims at the top level. */
export async function signSessionJwt(options: { session: StytchSession; projectId: string; key: SigningKey; now: Date }): Promise<string> {
  const { session, projectId, key, now } = options;
  const issuedAt = Math.floor(now.getTime() / 1000);
  const sessionEnd = Math.floor(Date.parse(session.expires_at) / 1000);
  const claim: StytchSessionClaim = {
    id: session.session_id,
    started_at: session.started_at,
    last_accessed_at: session.last_accessed_at,
    expires_at: session.expires_at,
    attributes: session.attributes,
    authentication_factors: session.authentication_factors,
    roles: session.roles,
  };
  return new SignJWT({ ...session.custom_claims, [SESSION_CLAIM]: claim } as JWTPayload)
    .setProtectedHeader({ alg: SESSION_JWT_ALGORITHM, typ: 'JWT', kid: key.kid })
    .setSubject(session.user_id)
    .setIssuer(sessionJwtIssuer(projectId))
    .setAudience([projectId])
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(Math.min(issuedAt + SESSION_JWT_LIFETIME_SECONDS, Math.max(sessionEnd, issuedAt)))
    .sign(key.privateKey);
}

/** Why a session JWT was refused. */
export type SessionJwtFailure =
  /** Not three base64url parts with a JSON header and payload. */
  | 'malformed'
  /** Its `kid` names no key in the JWKS. */
  | 'unknown_key'
  /** Signature, algorithm, type, issuer, audience or claims are wrong. */
  | 'invalid'
  /** Valid but past `exp` (only when expired tokens are not allowed). */
  | 'expired';

/** A refused session JWT. The message never contains the token. */
export class SessionJwtError extends Error {
  override readonly name = 'SessionJwtError';
  constructor(
    readonly failure: SessionJwtFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
  }
}

/** What a verified session JWT says. */
export interface VerifiedSessionJwt {
  readonly kid: string;
  readonly userId: string;
  readonly session: StytchSessionClaim;
  readonly customClaims: JsonObject;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** True when the signature and claims are good but `exp` has passed (only with `allowExpired`). */
  readonly expired: boolean;
}

/** Finds the public key for a `kid`, or `null` when there is none. */
export type SessionJwtKeyResolver = (kid: string) => Promise<CryptoKey | null>;

/**
 * Verifies a session JWT: RS256 only, `typ: JWT`, a known `kid`, the signature, `iss`, `aud`, `nbf`, `exp`, and a
 * well-formed session claim. With `allowExpired`, a JWT that passes everything except `exp` is returned with
 * `expired: true` (jose checks `exp` last, after the signature and every other claim).
 */
export async function verifySessionJwt(
  jwt: string,
  resolveKey: SessionJwtKeyResolver,
  options: { projectId: string; now: Date; allowExpired?: boolean },
): Promise<VerifiedSessionJwt> {
  let kid: string;
  try {
    if (typeof jwt !== 'string' || jwt.length > 8192 || jwt.split('.').length !== 3) throw new Error('not a compact JWS');
    const header = decodeProtectedHeader(jwt);
    if (typeof header.kid !== 'string' || header.kid === '') throw new SessionJwtError('invalid', 'the JWT header has no kid');
    kid = header.kid;
  } catch (error) {
    if (error instanceof SessionJwtError) throw error;
    throw new SessionJwtError('malformed', 'the session JWT could not be parsed', { cause: error });
  }
  let payload: JWTPayload;
  let expired = false;
  let resolverError: unknown;
  try {
    const result = await jwtVerify(
      jwt,
      async () => {
        let key: CryptoKey | null;
        try {
          key = await resolveKey(kid);
        } catch (error) {
          // The key source failing (store or JWKS unreachable) says nothing about the token: passed on unchanged.
          resolverError = error;
          throw error;
        }
        if (!key) throw new SessionJwtError('unknown_key', 'the JWT was signed with a key that is not in the JWKS');
        return key;
      },
      {
        algorithms: [SESSION_JWT_ALGORITHM],
        typ: 'JWT',
        issuer: sessionJwtIssuer(options.projectId),
        audience: options.projectId,
        requiredClaims: ['sub', 'iat', 'nbf', 'exp'],
        currentDate: options.now,
      },
    );
    payload = result.payload;
  } catch (error) {
    if (error instanceof SessionJwtError || (resolverError !== undefined && error === resolverError)) throw error;
    if (error instanceof joseErrors.JWTExpired && options.allowExpired) {
      payload = error.payload;
      expired = true;
    } else if (error instanceof joseErrors.JWTExpired) {
      throw new SessionJwtError('expired', 'the session JWT has expired', { cause: error });
    } else {
      throw new SessionJwtError('invalid', `the session JWT failed verification (${error instanceof joseErrors.JOSEError ? error.code : 'error'})`, { cause: error });
    }
  }
  return readVerifiedPayload(kid, payload, expired);
}

function readVerifiedPayload(kid: string, payload: JWTPayload, expired: boolean): VerifiedSessionJwt {
  const session = readSessionClaim(payload[SESSION_CLAIM]);
  if (!session || typeof payload.sub !== 'string' || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') {
    throw new SessionJwtError('invalid', 'the session JWT lacks a well-formed session claim');
  }
  const customClaims: JsonObject = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key === SESSION_CLAIM || isReservedClaim(key)) continue;
    const json = toJsonValue(value);
    if (json !== undefined) customClaims[key] = json;
  }
  return {
    kid,
    userId: payload.sub,
    session,
    customClaims,
    issuedAt: new Date(payload.iat * 1000),
    expiresAt: new Date(payload.exp * 1000),
    expired,
  };
}

function readSessionClaim(value: unknown): StytchSessionClaim | null {
  if (!isPlainObject(value)) return null;
  const { id, started_at, last_accessed_at, expires_at, attributes, authentication_factors, roles } = value;
  if (typeof id !== 'string' || typeof started_at !== 'string' || typeof last_accessed_at !== 'string' || typeof expires_at !== 'string') return null;
  if (Number.isNaN(Date.parse(expires_at)) || Number.isNaN(Date.parse(started_at)) || Number.isNaN(Date.parse(last_accessed_at))) return null;
  if (!isPlainObject(attributes) || !Array.isArray(authentication_factors) || !Array.isArray(roles)) return null;
  return structuredClone(value) as unknown as StytchSessionClaim;
}
