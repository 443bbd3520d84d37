import { createHash } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import { isPlainObject, type JsonObject } from '../../model/json.js';

/** The environment variable the CLI reads the key-encryption key(s) from. */
export const KEY_ENCRYPTION_KEY_ENV = 'STYTCH_LIKE_KEY_ENCRYPTION_KEY';
/** AES-256: 32 bytes. */
const KEY_BYTES = 32;
/** The property of a stored private JWK that holds it encrypted. */
const ENCRYPTED_PROPERTY = 'encrypted_jwk';

/** Why private signing keys cannot be used. */
export type KeyEncryptionErrorCode =
  /** The store holds encrypted private keys and no key-encryption key was given. */
  | 'KEY_MISSING'
  /** None of the given key-encryption keys is the one a stored key was encrypted with. */
  | 'WRONG_KEY'
  /** The encrypted key does not decrypt under its own key-encryption key, or belongs to another key id (tampered). */
  | 'UNREADABLE'
  /** A key-encryption key is not 32 bytes in base64, base64url or hex. */
  | 'INVALID_KEY';

/** A failure around encrypted private keys. The message is one line and never holds key material. */
export class KeyEncryptionError extends Error {
  override readonly name = 'KeyEncryptionError';
  constructor(
    readonly code: KeyEncryptionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses key-encryption keys: comma-separated, each 32 random bytes as base64, base64url or hex (e.g. the output of
 * `openssl rand -base64 32`). The first encrypts; every one decrypts (so the key can rotate). Throws `INVALID_KEY`.
 */
export function parseKeyEncryptionKeys(text: string): Uint8Array[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new KeyEncryptionError('INVALID_KEY', `${KEY_ENCRYPTION_KEY_ENV} must hold one or more comma-separated keys`);
  }
  return parts.map((part, index) => {
    let bytes: Buffer | undefined;
    if (/^[0-9a-fA-F]{64}$/.test(part)) bytes = Buffer.from(part, 'hex');
    else if (/^[A-Za-z0-9+/]{43}=?$/.test(part)) bytes = Buffer.from(part, 'base64');
    else if (/^[A-Za-z0-9_-]{43}$/.test(part)) bytes = Buffer.from(part, 'base64url');
    if (!bytes || bytes.length !== KEY_BYTES) {
      throw new KeyEncryptionError(
        'INVALID_KEY',
        `key ${index + 1} of ${KEY_ENCRYPTION_KEY_ENV} is not 32 bytes in base64 or hex ` +
          '(make one with: openssl rand -base64 32)',
      );
    }
    return new Uint8Array(bytes);
  });
}

/** True when a stored private JWK is in its encrypted form. */
export function isEncryptedPrivateJwk(stored: JsonObject | null): boolean {
  return stored !== null && typeof stored[ENCRYPTED_PROPERTY] === 'string';
}

/** The compact JWE of an encrypted private JWK, or `''`. */
function jweOf(stored: JsonObject): string {
  const value = stored[ENCRYPTED_PROPERTY];
  return typeof value === 'string' ? value : '';
}

/**
 * Encrypts private signing keys at rest: AES-256-GCM as a compact JWE (`dir`, `A256GCM`, through jose). The
 * protected header, which GCM authenticates, names the signing key's `kid` (an encrypted key copied onto another
 * key's row does not decrypt) and a fingerprint of the key-encryption key (a wrong key is told apart from tampering).
 */
export class SigningKeyCipher {
  readonly #keys: readonly { readonly key: Uint8Array; readonly fingerprint: string }[];

  constructor(keys: readonly Uint8Array[]) {
    if (keys.length === 0 || keys.some((key) => key.length !== KEY_BYTES)) {
      throw new KeyEncryptionError('INVALID_KEY', 'key-encryption keys must be 32 bytes each, at least one');
    }
    this.#keys = keys.map((key) => ({ key: Uint8Array.from(key), fingerprint: fingerprint(key) }));
  }

  /** The stored form of `privateJwk`, encrypted under the first key. */
  async encrypt(kid: string, privateJwk: JsonObject): Promise<JsonObject> {
    const [first] = this.#keys;
    if (!first) throw new KeyEncryptionError('KEY_MISSING', 'no key-encryption key');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, kek: first.fingerprint })
      .encrypt(first.key);
    return { [ENCRYPTED_PROPERTY]: jwe };
  }

  /** True when `stored` is plain, or encrypted under a key other than the first (so `encrypt-keys` redoes it). */
  needsEncryption(stored: JsonObject): boolean {
    if (!isEncryptedPrivateJwk(stored)) return true;
    return headerOf(stored)?.['kek'] !== this.#keys[0]?.fingerprint;
  }

  /** The private JWK inside `stored`; rejects with `WRONG_KEY` or `UNREADABLE`. */
  async decrypt(kid: string, stored: JsonObject): Promise<JsonObject> {
    const header = headerOf(stored);
    if (!header || header['kid'] !== kid) {
      throw new KeyEncryptionError(
        'UNREADABLE',
        `the encrypted private key of signing key ${kid} is damaged or belongs to another key`,
      );
    }
    const match = this.#keys.find((candidate) => candidate.fingerprint === header['kek']);
    if (!match) {
      throw new KeyEncryptionError(
        'WRONG_KEY',
        `${KEY_ENCRYPTION_KEY_ENV} is not the key that encrypted signing key ${kid}`,
      );
    }
    try {
      const { plaintext } = await compactDecrypt(jweOf(stored), match.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      const jwk: unknown = JSON.parse(new TextDecoder().decode(plaintext));
      if (!isPlainObject(jwk)) throw new Error('not a JWK');
      return jwk as JsonObject;
    } catch {
      // jose's error carries nothing secret, but nothing from it is needed either: GCM refused the bytes.
      throw new KeyEncryptionError(
        'UNREADABLE',
        `the encrypted private key of signing key ${kid} does not decrypt: it was altered`,
      );
    }
  }
}

function headerOf(stored: JsonObject): Record<string, unknown> | undefined {
  try {
    return decodeProtectedHeader(jweOf(stored));
  } catch {
    return undefined;
  }
}

/** A public, non-reversible name for a key-encryption key: 16 hex digits of its SHA-256. */
function fingerprint(key: Uint8Array): string {
  return createHash('sha256').update('stytch-like key-encryption key\0').update(key).digest('hex').slice(0, 16);
}
