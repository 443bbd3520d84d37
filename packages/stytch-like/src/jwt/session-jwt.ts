import { KeyObject, sign } from 'node:crypto';
import type { CryptoKey, JWTPayload } from 'jose';
import { isJsonValue, isPlainObject, type JsonObject } from '../model/json.js';
import { SESSION_CLAIM, type StytchSession, type StytchSessionClaim } from '../model/stytch-types.js';
import { isReservedClaim } from '../model/custom-claims.js';
import {
  checkJwsHeader,
  parseCompactJws,
  verifyJwsPayload,
  type CompactJws,
  type SessionJwtAlgorithm,
} from './jws-verify.js';

export { isSessionJwtAlgorithm, SESSION_JWT_ALGORITHMS, type SessionJwtAlgorithm } from './jws-verify.js';

/** A session JWT is good for five minutes (or until its session expires, if sooner), as in Stytch. */
export const SESSION_JWT_LIFETIME_SECONDS = 300;
/** Clock skew allowed for `nbf` and `exp` by default, in seconds (the server's checks and the local verifier's). */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** The algorithm session JWTs are signed with unless a project chooses another (as Stytch's, RS256). */
export const DEFAULT_SESSION_JWT_ALGORITHM: SessionJwtAlgorithm = 'RS256';

/** `iss` of this project's session JWTs. */
export function sessionJwtIssuer(projectId: string): string {
  return `stytch.com/${projectId}`;
}

/** A private key ready to sign with, and the algorithm it signs for. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SessionJwtAlgorithm;
  readonly privateKey: CryptoKey;
}

const signingKeyObjects = new WeakMap<CryptoKey, KeyObject>();

function signingKeyObject(key: CryptoKey): KeyObject {
  let keyObject = signingKeyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    signingKeyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * Signs the session JWT for `session` with the key's algorithm (RS256, ES256 or EdDSA), `typ: JWT`, `kid`; Stytch's
 * claims; custom claims at the top level. The signature is made synchronously with `node:crypto` on the calling
 * thread: WebCrypto (jose 6) would queue it on libuv's thread pool, and a session check would wait behind other work.
 */
export function signSessionJwt(options: {
  session: StytchSession;
  projectId: string;
  key: SigningKey;
  now: Date;
}): string {
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
  const payload: JWTPayload = {
    ...session.custom_claims,
    [SESSION_CLAIM]: claim,
    sub: session.user_id,
    iss: sessionJwtIssuer(projectId),
    aud: [projectId],
    iat: issuedAt,
    nbf: issuedAt,
    exp: Math.min(issuedAt + SESSION_JWT_LIFETIME_SECONDS, Math.max(sessionEnd, issuedAt)),
  };
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid };
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const keyObject = signingKeyObject(key.privateKey);
  const signature =
    key.alg === 'EdDSA'
      ? sign(null, Buffer.from(signingInput), keyObject)
      : key.alg === 'ES256'
        ? sign('sha256', Buffer.from(signingInput), { key: keyObject, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', Buffer.from(signingInput), keyObject);
  return `${signingInput}.${signature.toString('base64url')}`;
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

/** Options of {@link verifySessionJwt}. */
export interface SessionJwtVerifyOptions {
  readonly projectId: string;
  readonly now: Date;
  /** Return a JWT that is valid but for `exp`, with `expired: true`, instead of refusing it. */
  readonly allowExpired?: boolean;
  /** Clock skew allowed for `nbf` and `exp`, in seconds, as jose's `clockTolerance`. Default 0. */
  readonly clockToleranceSeconds?: number;
}

/**
 * Verifies a session JWT: RS256, ES256 or EdDSA, each only with a key of its type (so the JWKS decides what is
 * accepted), `typ: JWT`, a known `kid`, the signature, `iss`, `aud`, `nbf`, `exp`, and a well-formed session claim,
 * with the checks of jose's `jwtVerify` (see jws-verify.ts for why not jose itself).
 * With `allowExpired`, a JWT that passes everything except `exp` is returned with `expired: true`.
 */
export async function verifySessionJwt(
  jwt: string,
  resolveKey: SessionJwtKeyResolver,
  options: SessionJwtVerifyOptions,
): Promise<VerifiedSessionJwt> {
  const tolerance = options.clockToleranceSeconds ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0)
    throw new RangeError('clockToleranceSeconds must be a finite number >= 0');
  let jws: CompactJws;
  try {
    if (typeof jwt !== 'string' || jwt.length > 8192) throw new TypeError('not a compact JWS');
    jws = parseCompactJws(jwt);
  } catch (error) {
    throw new SessionJwtError('malformed', 'the session JWT could not be parsed', { cause: error });
  }
  const header = jws.header;
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid === '') throw new SessionJwtError('invalid', 'the JWT header has no kid');
  let payload: JWTPayload;
  let alg: SessionJwtAlgorithm;
  try {
    alg = checkJwsHeader(header);
  } catch (error) {
    throw new SessionJwtError('invalid', 'the session JWT failed verification (header)', { cause: error });
  }
  // The key source failing (store or JWKS unreachable) says nothing about the token: passed on unchanged.
  const key = await resolveKey(kid);
  if (!key) throw new SessionJwtError('unknown_key', 'the JWT was signed with a key that is not in the JWKS');
  try {
    payload = verifyJwsPayload(key, jws, alg);
  } catch (error) {
    throw new SessionJwtError('invalid', 'the session JWT failed verification (signature)', { cause: error });
  }
  const failed = checkClaims(header, payload, options.projectId, options.now, tolerance);
  if (failed) throw new SessionJwtError('invalid', `the session JWT failed verification (${failed})`);
  // exp is checked last, after the signature and every other claim, so that an expired JWT is known to be genuine.
  const expired = payload.exp! <= Math.floor(options.now.getTime() / 1000) - tolerance;
  if (expired && !options.allowExpired) throw new SessionJwtError('expired', 'the session JWT has expired');
  return readVerifiedPayload(kid, payload, expired);
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'sub'] as const;

/** jose's claim checks for session JWTs, but `exp`: what is wrong, or `null`. */
function checkClaims(
  header: Readonly<Record<string, unknown>>,
  payload: JWTPayload,
  projectId: string,
  at: Date,
  tolerance: number,
): string | null {
  const typ = header['typ'];
  if (typeof typ !== 'string' || normalizeTyp(typ) !== 'application/jwt') return 'typ';
  for (const claim of REQUIRED_CLAIMS) if (!Object.hasOwn(payload, claim)) return `missing ${claim}`;
  if (payload.iss !== sessionJwtIssuer(projectId)) return 'iss';
  const aud = payload.aud;
  if (!(aud === projectId || (Array.isArray(aud) && aud.includes(projectId)))) return 'aud';
  const now = Math.floor(at.getTime() / 1000);
  if (typeof payload.iat !== 'number') return 'iat';
  if (typeof payload.nbf !== 'number' || payload.nbf > now + tolerance) return 'nbf';
  if (typeof payload.exp !== 'number') return 'exp';
  return null;
}

/** As jose: `JWT` and `application/jwt` are the same type, in any case. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return typ.includes('/') ? lower : `application/${lower}`;
}

function readVerifiedPayload(kid: string, payload: JWTPayload, expired: boolean): VerifiedSessionJwt {
  const session = readSessionClaim(payload[SESSION_CLAIM]);
  if (
    !session ||
    typeof payload.sub !== 'string' ||
    typeof payload.iat !== 'number' ||
    typeof payload.exp !== 'number'
  ) {
    throw new SessionJwtError('invalid', 'the session JWT lacks a well-formed session claim');
  }
  // The payload came out of JSON.parse here and nobody else holds it: its values are handed out without a copy.
  const customClaims: JsonObject = {};
  for (const key of Object.keys(payload)) {
    if (key === SESSION_CLAIM || isReservedClaim(key)) continue;
    const value = payload[key];
    if (isJsonValue(value)) customClaims[key] = value;
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
  if (
    typeof id !== 'string' ||
    typeof started_at !== 'string' ||
    typeof last_accessed_at !== 'string' ||
    typeof expires_at !== 'string'
  )
    return null;
  if (
    Number.isNaN(Date.parse(expires_at)) ||
    Number.isNaN(Date.parse(started_at)) ||
    Number.isNaN(Date.parse(last_accessed_at))
  )
    return null;
  if (!isPlainObject(attributes) || !Array.isArray(authentication_factors) || !Array.isArray(roles)) return null;
  // The claim came out of JSON.parse for this call only, so the caller may own it as it is; it is checked to be what
  // a JSON copy would keep (finite numbers, no `__proto__` keys, bounded depth), without making that copy.
  return isJsonValue(value) ? (value as unknown as StytchSessionClaim) : null;
}
