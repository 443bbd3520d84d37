import { KeyObject, verify } from 'node:crypto';
import type { CryptoKey } from 'jose';

/**
 * Compact-JWS verification (RS256, ES256, EdDSA with Ed25519) with `node:crypto`, done synchronously as the official
 * SDK's jose 5 does in Node. jose 6 verifies through WebCrypto, whose job dispatch costs about as much again as the
 * RSA check itself; the profile of a local verification showed it as the largest item. These checks follow jose 6's
 * `jwtVerify` for the options session JWTs use (the three algorithms, each only with a key of its own type; no `crit`
 * extension but `b64`), with one difference: base64url parts must be canonical (no padding, whitespace or foreign
 * characters, and zero unused bits in the last character), where jose's decoder would skip such characters and ignore
 * those bits (so 16 spellings of one RS256 signature would verify).
 */

/** The session JWT algorithms: RSASSA-PKCS1-v1_5 with SHA-256, ECDSA P-256 with SHA-256, and Ed25519. */
export const SESSION_JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
/** One of {@link SESSION_JWT_ALGORITHMS}. */
export type SessionJwtAlgorithm = (typeof SESSION_JWT_ALGORITHMS)[number];

/** True when `value` names one of {@link SESSION_JWT_ALGORITHMS}. */
export function isSessionJwtAlgorithm(value: unknown): value is SessionJwtAlgorithm {
  return (SESSION_JWT_ALGORITHMS as readonly unknown[]).includes(value);
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const keyObjects = new WeakMap<CryptoKey, { alg: SessionJwtAlgorithm; keyObject: KeyObject }>();

/** A compact JWS cut into its parts, with the protected header parsed. */
export interface CompactJws {
  readonly header: Record<string, unknown>;
  readonly encodedHeader: string;
  readonly encodedPayload: string;
  readonly encodedSignature: string;
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** True when `part` is the one base64url spelling of its bytes: alphabet only, no padding, no stray low bits. */
export function isCanonicalBase64url(part: string): boolean {
  if (!BASE64URL.test(part) || part.length % 4 === 1) return false;
  const rest = part.length % 4;
  if (rest === 0) return true;
  // The last character of a 2- or 3-character group carries 4 or 2 bits that encode nothing: they must be zero.
  const last = BASE64URL_ALPHABET.indexOf(part[part.length - 1]!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** A base64url part as bytes; throws unless it is canonical base64url. */
function decodePart(part: string, what: string): Buffer {
  if (!isCanonicalBase64url(part)) throw new TypeError(`the ${what} is not base64url`);
  return Buffer.from(part, 'base64url');
}

/** A JSON object from a base64url part (strict UTF-8, as jose); throws when it is not one. */
export function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(STRICT_UTF8.decode(decodePart(part, what)));
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`the ${what} is not a JSON object`);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Splits a compact JWS and parses its protected header; throws when that is not possible (a malformed token). */
export function parseCompactJws(jwt: string): CompactJws {
  const first = jwt.indexOf('.');
  const second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
  if (second < 0 || jwt.indexOf('.', second + 1) >= 0) throw new TypeError('not a compact JWS');
  const encodedHeader = jwt.slice(0, first);
  return {
    header: decodeJsonObject(encodedHeader, 'protected header'),
    encodedHeader,
    encodedPayload: jwt.slice(first + 1, second),
    encodedSignature: jwt.slice(second + 1),
  };
}

/**
 * The header checks jose makes before it looks for a key: `crit` understood and present, `alg` one of the session JWT
 * algorithms. Returns the algorithm; whether the key is of its type is checked with the key.
 */
export function checkJwsHeader(header: Record<string, unknown>): SessionJwtAlgorithm {
  const crit = header['crit'];
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => typeof name !== 'string' || name === '')) {
      throw new TypeError('"crit" must be an array of non-empty strings');
    }
    for (const name of crit as string[]) {
      if (name !== 'b64') throw new TypeError(`the extension "${name}" is not supported`);
      if (header[name] === undefined) throw new TypeError(`the extension "${name}" is missing`);
    }
    // A JWT never has an unencoded payload (RFC 7797 does not apply to JWTs).
    if (typeof header['b64'] !== 'boolean') throw new TypeError('"b64" must be a boolean');
    if (header['b64'] === false) throw new TypeError('a JWT must not use an unencoded payload');
  }
  const alg = header['alg'];
  if (!isSessionJwtAlgorithm(alg)) throw new TypeError('"alg" is not RS256, ES256 or EdDSA');
  return alg;
}

/** The algorithm a WebCrypto verification key is for, checked as jose checks it; throws for any other key. */
function algorithmOfKey(key: CryptoKey): SessionJwtAlgorithm {
  const algorithm = key.algorithm as {
    name?: string;
    hash?: { name?: string };
    modulusLength?: number;
    namedCurve?: string;
  };
  if (key.type !== 'public' || !key.usages.includes('verify')) throw new TypeError('the key is not a verification key');
  if (algorithm.name === 'RSASSA-PKCS1-v1_5' && algorithm.hash?.name === 'SHA-256') {
    if (typeof algorithm.modulusLength !== 'number' || algorithm.modulusLength < 2048)
      throw new TypeError('RS256 requires a key of 2048 bits or more');
    return 'RS256';
  }
  if (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') return 'ES256';
  if (algorithm.name === 'Ed25519') return 'EdDSA';
  throw new TypeError('the key is not an RS256, ES256 or EdDSA verification key');
}

/** The `node:crypto` key for a WebCrypto verification key, with the algorithm it is for. */
function verificationKey(key: CryptoKey): { alg: SessionJwtAlgorithm; keyObject: KeyObject } {
  let entry = keyObjects.get(key);
  if (!entry) {
    entry = { alg: algorithmOfKey(key), keyObject: KeyObject.from(key) };
    keyObjects.set(key, entry);
  }
  return entry;
}

/**
 * True when the signature is the `alg` signature of `header.payload` under `key`. A key of another type than `alg`
 * throws (an RSA key never checks an ES256 signature, and so on). ES256 signatures are the 64-byte IEEE P1363 form
 * JWS uses, EdDSA ones the 64 bytes of Ed25519.
 */
export function verifyJwsSignature(key: CryptoKey, jws: CompactJws, alg: SessionJwtAlgorithm): boolean {
  const { alg: keyAlg, keyObject } = verificationKey(key);
  if (keyAlg !== alg) throw new TypeError(`the key is for ${keyAlg}, the JWT is ${alg}`);
  const signature = decodePart(jws.encodedSignature, 'signature');
  // Both parts were checked to be base64url (ASCII) by now or are checked here, so latin1 is their exact bytes.
  if (!isCanonicalBase64url(jws.encodedPayload)) throw new TypeError('the payload is not base64url');
  const signingInput = Buffer.from(`${jws.encodedHeader}.${jws.encodedPayload}`, 'latin1');
  switch (alg) {
    case 'RS256':
      return verify('sha256', signingInput, keyObject, signature);
    case 'ES256':
      if (signature.length !== 64) return false;
      return verify('sha256', signingInput, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
      if (signature.length !== 64) return false;
      return verify(null, signingInput, keyObject, signature);
  }
}
