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

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const keyObjects = new WeakMap<CryptoKey, { alg: SessionJwtAlgorithm; keyObject: KeyObject }>();

/** A compact JWS cut into its parts, with the protected header parsed. */
export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  readonly encodedHeader: string;
  readonly encodedPayload: string;
  readonly encodedSignature: string;
}

/** Per base64url character code: its 6-bit value; -1 for every other code below 128. */
const BASE64URL_VALUES = new Int8Array(128).fill(-1);
for (const [index, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries())
  BASE64URL_VALUES[char.charCodeAt(0)] = index;

/** Bytes that `length` characters of unpadded base64url encode; -1 for a length no encoding has. */
function decodedLength(length: number): number {
  const rest = length & 3;
  return rest === 1 ? -1 : (length >> 2) * 3 + (rest === 0 ? 0 : rest - 1);
}

/**
 * Decodes `part` into `target` at `offset` (which has room for it) when it is the one base64url spelling of its bytes:
 * alphabet only, no padding, no stray low bits. Returns the byte count, or -1 for anything else. Node's decoder is
 * lenient (it skips foreign ASCII characters, '=' ends it, '+' and '/' count as base64), so canonical means: ASCII
 * only, every character produced its 6 bits (the byte count is exact), no '+' or '/', and the unused bits of the last
 * character are zero. The test differential against a plain alphabet check holds this to the definition.
 */
function decodeCanonicalBase64url(part: string, target: Buffer, offset: number): number {
  const length = decodedLength(part.length);
  if (length < 0 || Buffer.byteLength(part, 'utf8') !== part.length) return -1;
  if (target.write(part, offset, length, 'base64url') !== length) return -1;
  if (part.includes('+') || part.includes('/')) return -1;
  const rest = part.length & 3;
  if (rest === 0) return length;
  // The last character of a 2- or 3-character group carries 4 or 2 bits that encode nothing: they must be zero.
  return (BASE64URL_VALUES[part.charCodeAt(part.length - 1)]! & (rest === 2 ? 0x0f : 0x03)) === 0 ? length : -1;
}

/** True when `part` is the one base64url spelling of its bytes: alphabet only, no padding, no stray low bits. */
export function isCanonicalBase64url(part: string): boolean {
  const length = decodedLength(part.length);
  return length >= 0 && decodeCanonicalBase64url(part, Buffer.allocUnsafe(length), 0) === length;
}

// Verification is synchronous, so one scratch buffer serves every call: the signing input, then the signature and
// the payload after it. Session JWTs are at most 8 KiB; a longer JWS gets a buffer of its own.
const SCRATCH = Buffer.allocUnsafe(3 * 8192);

/** A base64url part as bytes in a buffer of its own; throws unless it is canonical base64url. */
function decodePart(part: string, what: string): Buffer {
  const bytes = Buffer.allocUnsafe(Math.max(0, decodedLength(part.length)));
  if (decodeCanonicalBase64url(part, bytes, 0) < 0) throw new TypeError(`the ${what} is not base64url`);
  return bytes;
}

/** A JSON object from UTF-8 bytes (strict, as jose); throws when it is not one. */
function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  // ASCII (the usual claims set) is its own UTF-8 and latin1, and has no BOM to strip: read as latin1, no decoder. A
  // latin1 string is ASCII when its UTF-8 length is its length.
  const latin1 = bytes.toString('latin1');
  const value: unknown = JSON.parse(
    Buffer.byteLength(latin1, 'utf8') === latin1.length ? latin1 : STRICT_UTF8.decode(bytes),
  );
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`the ${what} is not a JSON object`);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw new TypeError(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** A JSON object from a base64url part (strict UTF-8, as jose); throws when it is not one. */
export function decodeJsonObject(part: string, what: string): Record<string, unknown> {
  return parseJsonObject(decodePart(part, what), what);
}

// Protected headers parsed before, by their exact encoding (the same bytes always parse the same; frozen, as shared).
const PARSED_HEADERS_MAX = 64;
const parsedHeaders = new Map<string, Readonly<Record<string, unknown>>>();

/** Splits a compact JWS and parses its protected header; throws when that is not possible (a malformed token). */
export function parseCompactJws(jwt: string): CompactJws {
  const first = jwt.indexOf('.');
  const second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
  if (second < 0 || jwt.indexOf('.', second + 1) >= 0) throw new TypeError('not a compact JWS');
  const encodedHeader = jwt.slice(0, first);
  let header = parsedHeaders.get(encodedHeader);
  if (header === undefined) {
    header = Object.freeze(decodeJsonObject(encodedHeader, 'protected header'));
    // A few keys sign every JWT, so a few headers repeat; a flood of distinct ones only empties the cache.
    if (parsedHeaders.size >= PARSED_HEADERS_MAX) parsedHeaders.clear();
    parsedHeaders.set(encodedHeader, header);
  }
  return {
    header,
    encodedHeader,
    encodedPayload: jwt.slice(first + 1, second),
    encodedSignature: jwt.slice(second + 1),
  };
}

/**
 * The header checks jose makes before it looks for a key: `crit` understood and present, `alg` one of the session JWT
 * algorithms. Returns the algorithm; whether the key is of its type is checked with the key.
 */
export function checkJwsHeader(header: Readonly<Record<string, unknown>>): SessionJwtAlgorithm {
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
 * Checks the `alg` signature of `header.payload` under `key` and returns the payload's claims set: a JSON object,
 * decoded once, only after the signature verified. Throws a `TypeError` for a bad signature, a payload or signature
 * that is not canonical base64url, a claims set that is not a JSON object, and a key of another type than `alg` (an
 * RSA key never checks an ES256 signature, and so on). ES256 signatures are the 64-byte IEEE P1363 form JWS uses,
 * EdDSA ones the 64 bytes of Ed25519.
 */
export function verifyJwsPayload(key: CryptoKey, jws: CompactJws, alg: SessionJwtAlgorithm): Record<string, unknown> {
  const { alg: keyAlg, keyObject } = verificationKey(key);
  if (keyAlg !== alg) throw new TypeError(`the key is for ${keyAlg}, the JWT is ${alg}`);
  const { encodedHeader, encodedPayload, encodedSignature } = jws;
  const inputLength = encodedHeader.length + 1 + encodedPayload.length;
  const signatureLength = decodedLength(encodedSignature.length);
  const payloadLength = decodedLength(encodedPayload.length);
  const needed = inputLength + Math.max(0, signatureLength) + Math.max(0, payloadLength);
  const scratch = needed <= SCRATCH.length ? SCRATCH : Buffer.allocUnsafe(needed);
  const signatureAt = inputLength;
  const payloadAt = signatureAt + Math.max(0, signatureLength);
  if (decodeCanonicalBase64url(encodedSignature, scratch, signatureAt) < 0)
    throw new TypeError('the signature is not base64url');
  // The payload is decoded once, here (its bytes are read after the check), and so checked to be base64url, as the
  // header was when it was parsed: both are ASCII, so their latin1 bytes are the signing input, with no string built.
  if (decodeCanonicalBase64url(encodedPayload, scratch, payloadAt) < 0)
    throw new TypeError('the payload is not base64url');
  scratch.write(encodedHeader, 0, 'latin1');
  scratch[encodedHeader.length] = 0x2e; // '.'
  scratch.write(encodedPayload, encodedHeader.length + 1, 'latin1');
  const input = scratch.subarray(0, inputLength);
  const signature = scratch.subarray(signatureAt, signatureAt + signatureLength);
  let valid: boolean;
  switch (alg) {
    case 'RS256':
      valid = verify('sha256', input, keyObject, signature);
      break;
    case 'ES256':
      valid =
        signature.length === 64 && verify('sha256', input, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature);
      break;
    case 'EdDSA':
      valid = signature.length === 64 && verify(null, input, keyObject, signature);
      break;
  }
  if (!valid) throw new TypeError('signature verification failed');
  return parseJsonObject(scratch.subarray(payloadAt, payloadAt + payloadLength), 'claims set');
}
