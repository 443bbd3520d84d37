import { KeyObject, verify } from 'node:crypto';
import type { CryptoKey } from 'jose';

/**
 * RS256 compact-JWS verification with `node:crypto`, done synchronously as the official SDK's jose 5 does in Node.
 * jose 6 verifies through WebCrypto, whose job dispatch costs about as much again as the RSA check itself; the
 * profile of a local verification showed it as the largest item. These checks follow jose 6's `jwtVerify` for the
 * options session JWTs use (RS256 only, no `crit` extension but `b64`), with one difference: base64url parts must be
 * canonical (no padding, whitespace or foreign characters, and zero unused bits in the last character), where jose's
 * decoder would skip such characters and ignore those bits (so 16 spellings of one RS256 signature would verify).
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

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

/** The header checks jose makes before it looks for a key: `crit` understood and present, `alg` RS256. */
export function checkRs256Header(header: Record<string, unknown>): void {
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
  if (header['alg'] !== 'RS256') throw new TypeError('"alg" is not RS256');
}

/** The `node:crypto` key for a WebCrypto RS256 verification key, checked as jose checks it. */
function verificationKey(key: CryptoKey): KeyObject {
  let keyObject = keyObjects.get(key);
  if (keyObject) return keyObject;
  const algorithm = key.algorithm as { name?: string; hash?: { name?: string }; modulusLength?: number };
  if (
    key.type !== 'public' ||
    algorithm.name !== 'RSASSA-PKCS1-v1_5' ||
    algorithm.hash?.name !== 'SHA-256' ||
    !key.usages.includes('verify')
  ) {
    throw new TypeError('the key is not an RS256 verification key');
  }
  if (typeof algorithm.modulusLength !== 'number' || algorithm.modulusLength < 2048)
    throw new TypeError('RS256 requires a key of 2048 bits or more');
  keyObject = KeyObject.from(key);
  keyObjects.set(key, keyObject);
  return keyObject;
}

/** True when the signature is the RS256 signature of `header.payload` under `key`. */
export function verifyRs256Signature(key: CryptoKey, jws: CompactJws): boolean {
  const signature = decodePart(jws.encodedSignature, 'signature');
  // Both parts were checked to be base64url (ASCII) by now or are checked here, so latin1 is their exact bytes.
  if (!isCanonicalBase64url(jws.encodedPayload)) throw new TypeError('the payload is not base64url');
  const signingInput = Buffer.from(`${jws.encodedHeader}.${jws.encodedPayload}`, 'latin1');
  return verify('sha256', signingInput, verificationKey(key), signature);
}
