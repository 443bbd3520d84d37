import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JsonObject } from '../../model/json.js';
import type { StytchJwk } from '../../model/stytch-types.js';
import type { Clock } from '../../model/clock.js';
import { newStytchId, type ProjectEnvironment } from '../../model/ids.js';
import type { SessionStore, SigningKeyRecord } from '../store/session-store.js';
import {
  KEY_ENCRYPTION_KEY_ENV,
  KeyEncryptionError,
  isEncryptedPrivateJwk,
  type SigningKeyCipher,
} from './key-encryption.js';
import {
  DEFAULT_SESSION_JWT_ALGORITHM,
  isSessionJwtAlgorithm,
  type SessionJwtAlgorithm,
  type SigningKey,
} from '../../jwt/session-jwt.js';

/** How long a rotated-out key stays in the JWKS, as in Stytch: a month. */
export const DEFAULT_KEY_ROTATION_OVERLAP_MS = 30 * 24 * 60 * 60 * 1000;
/** A rotated-out key must outlive every JWT it signed. */
export const MIN_KEY_ROTATION_OVERLAP_MS = 5 * 60 * 1000;

/** Options for {@link SigningKeyRing}. */
export interface SigningKeyRingOptions {
  readonly store: SessionStore;
  readonly clock: Clock;
  readonly environment: ProjectEnvironment;
  /** How often keys are re-read from the store, to see rotations done by other processes. Default 60 000 ms. */
  readonly refreshIntervalMs?: number;
  /** Least time between two re-reads caused by an unknown `kid`. Default 1000 ms. */
  readonly unknownKidReloadIntervalMs?: number;
  /** Encrypts new private keys and decrypts stored ones; without it, keys are stored plain. */
  readonly cipher?: SigningKeyCipher;
  /**
   * The algorithm new keys are made for (default RS256). When the signing key in the store is of another one, the
   * first signature rotates to a new key of this algorithm; the old key keeps verifying through the rotation overlap.
   * Every server sharing a store must be given the same algorithm.
   */
  readonly algorithm?: SessionJwtAlgorithm;
}

/** What the key ring's `encryptStoredKeys` (the CLI's `encrypt-keys`) did. */
export interface KeyEncryptionReport {
  /** Keys whose private half was encrypted (or re-encrypted under the first key-encryption key). */
  readonly encrypted: readonly string[];
  /** Retired keys whose private half was erased. */
  readonly erased: readonly string[];
}

/** What a key rotation (`rotate-keys`) did. */
export interface KeyRotation {
  /** The key that signs from now on. */
  readonly kid: string;
  /** Keys that stop signing and stay in the JWKS until `retiresAt`. */
  readonly retired: readonly { readonly kid: string; readonly retiresAt: Date }[];
  /** Keys deleted at once (with `dropPrevious`): JWTs they signed stop verifying. */
  readonly dropped: readonly string[];
}

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly alg: SessionJwtAlgorithm;
  readonly publicKey: CryptoKey;
  /** Present for keys that may sign (not retired). */
  readonly privateKey: CryptoKey | undefined;
}

/**
 * Imports a stored key pair (the private half only while the key may sign); `null` when it does not import. An
 * encrypted private half that cannot be decrypted rejects with {@link KeyEncryptionError}: the service must not
 * start (or create a new key) as if the key were absent.
 */
async function importKeyPair(
  record: SigningKeyRecord,
  cipher: SigningKeyCipher | undefined,
): Promise<LoadedKey | null> {
  let privateJwk = record.retiresAt === null ? record.privateJwk : null;
  if (privateJwk !== null && isEncryptedPrivateJwk(privateJwk)) {
    if (!cipher) {
      throw new KeyEncryptionError(
        'KEY_MISSING',
        `the signing keys in the store are encrypted: set ${KEY_ENCRYPTION_KEY_ENV}`,
      );
    }
    privateJwk = await cipher.decrypt(record.kid, privateJwk);
  }
  // Keys stored before other algorithms existed carry RS256 (or no `alg` and are RSA keys).
  const storedAlg = record.publicJwk['alg'];
  const alg = isSessionJwtAlgorithm(storedAlg) ? storedAlg : record.publicJwk['kty'] === 'RSA' ? 'RS256' : null;
  if (alg === null) return null;
  try {
    const publicKey = (await importJWK(record.publicJwk as JWK, alg)) as CryptoKey;
    // Extractable, because signing converts it to a node:crypto KeyObject (a synchronous signature, off the thread pool).
    const privateKey =
      privateJwk === null ? undefined : ((await importJWK(privateJwk as JWK, alg, { extractable: true })) as CryptoKey);
    return { record, alg, publicKey, privateKey };
  } catch {
    return null;
  }
}

/**
 * The project's signing keys (RS256, ES256 or EdDSA), persisted in the store so that every server sharing it signs and verifies with
 * the same keys, and so that they survive restarts. The newest unretired key signs; retired keys stay in the JWKS
 * (and keep verifying) until their `retiresAt`.
 */
export class SigningKeyRing {
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #environment: ProjectEnvironment;
  readonly #refreshIntervalMs: number;
  readonly #unknownKidReloadIntervalMs: number;
  readonly #cipher: SigningKeyCipher | undefined;
  readonly #algorithm: SessionJwtAlgorithm;
  #keys = new Map<string, LoadedKey>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;
  #creating: Promise<void> | undefined;

  constructor(options: SigningKeyRingOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#environment = options.environment;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
    this.#unknownKidReloadIntervalMs = options.unknownKidReloadIntervalMs ?? 1000;
    this.#cipher = options.cipher;
    this.#algorithm = options.algorithm ?? DEFAULT_SESSION_JWT_ALGORITHM;
    if (!isSessionJwtAlgorithm(this.#algorithm))
      throw new RangeError('the JWT algorithm must be RS256, ES256 or EdDSA');
  }

  /** The algorithm new keys are made for. */
  get algorithm(): SessionJwtAlgorithm {
    return this.#algorithm;
  }

  /**
   * Reads and imports the stored keys now. Rejects with {@link KeyEncryptionError} when the stored private keys are
   * encrypted and cannot be decrypted. An empty store passes: the first key is created on first use, as before, so
   * that servers starting together do not each create one.
   */
  async check(): Promise<void> {
    await this.#reload();
  }

  /**
   * The key to sign with; creates the project's first key when the store has none, and rotates to a key of the
   * configured algorithm when the current one is of another.
   */
  async signingKey(): Promise<SigningKey> {
    await this.#fresh();
    let current = this.#current();
    if (!current || current.alg !== this.#algorithm) {
      // One creation at a time in this process; servers starting together may each add one, and the newest wins.
      this.#creating ??= (async () => {
        try {
          await this.#reload();
          const found = this.#current();
          if (!found) {
            await this.#insert(await this.#generate());
            await this.#reload();
          } else if (found.alg !== this.#algorithm) {
            await this.rotate();
          }
        } finally {
          this.#creating = undefined;
        }
      })();
      await this.#creating;
      current = this.#current();
      if (!current) throw new Error('the store has no signing key after one was created');
    }
    if (!current.privateKey) throw new Error(`signing key ${current.record.kid} has no usable private key`);
    return { kid: current.record.kid, alg: current.alg, privateKey: current.privateKey };
  }

  /** The public key for `kid`, re-reading the store once when the kid is unknown; `null` when there is none. */
  async verificationKey(kid: string): Promise<CryptoKey | null> {
    await this.#fresh();
    let key = this.#live(kid);
    if (!key && Date.now() - this.#loadedAt >= this.#unknownKidReloadIntervalMs) {
      await this.#reload();
      key = this.#live(kid);
    }
    return key?.publicKey ?? null;
  }

  /** The public keys that verify JWTs now: the signing key and retired keys still in their overlap. */
  async publicJwks(): Promise<StytchJwk[]> {
    await this.signingKey();
    return [...this.#keys.values()]
      .filter((key) => this.#isLive(key.record))
      .map(({ record, alg }): StytchJwk => {
        const jwk = record.publicJwk;
        const common = { kid: record.kid, use: 'sig' as const, key_ops: ['verify'] as ['verify'] };
        switch (alg) {
          case 'RS256':
            return { ...common, kty: 'RSA', alg, n: jwk['n'] as string, e: jwk['e'] as string };
          case 'ES256':
            return { ...common, kty: 'EC', alg, crv: 'P-256', x: jwk['x'] as string, y: jwk['y'] as string };
          case 'EdDSA':
            return { ...common, kty: 'OKP', alg, crv: 'Ed25519', x: jwk['x'] as string };
        }
      });
  }

  /**
   * Creates a new signing key and retires every other unretired key: they stop signing, their private half is
   * erased (nothing reads it again: JWTs they signed verify with the public half), and they stay in the JWKS for
   * `overlapMs` (at least five minutes, the life of a JWT), then are deleted. With `dropPrevious` (a compromised
   * key) every other key is deleted at once, and JWTs they signed stop verifying.
   */
  async rotate(
    overlapMs: number = DEFAULT_KEY_ROTATION_OVERLAP_MS,
    options: { dropPrevious?: boolean } = {},
  ): Promise<KeyRotation> {
    if (!Number.isFinite(overlapMs) || overlapMs < MIN_KEY_ROTATION_OVERLAP_MS) {
      throw new RangeError(
        `the rotation overlap must be at least ${MIN_KEY_ROTATION_OVERLAP_MS / 60_000} minutes, the lifetime of a session JWT`,
      );
    }
    const previous = await this.#store.listSigningKeys();
    if (!this.#cipher && previous.some((record) => isEncryptedPrivateJwk(record.privateJwk))) {
      const message = `the signing keys in the store are encrypted: set ${KEY_ENCRYPTION_KEY_ENV} to add one`;
      throw new KeyEncryptionError('KEY_MISSING', message);
    }
    const fresh = await this.#generate();
    await this.#insert(fresh);
    const retiresAt = new Date(this.#clock().getTime() + overlapMs);
    const retired: { kid: string; retiresAt: Date }[] = [];
    const dropped: string[] = [];
    for (const record of previous) {
      if (options.dropPrevious === true) {
        await this.#store.deleteSigningKey(record.kid);
        dropped.push(record.kid);
      } else if (record.retiresAt === null) {
        await this.#store.retireSigningKey(record.kid, retiresAt);
        await this.#store.setSigningKeyPrivateJwk(record.kid, null);
        retired.push({ kid: record.kid, retiresAt });
      }
    }
    // Forget dropped keys now: the reload below keeps loaded keys it still finds, and must not find these.
    for (const kid of dropped) this.#keys.delete(kid);
    await this.#reload();
    return { kid: fresh.kid, retired, dropped };
  }

  /**
   * Encrypts every stored private key that is plain (or encrypted under an older key-encryption key) under the
   * first key-encryption key, and erases the private half of retired keys. Needs the cipher.
   */
  async encryptStoredKeys(): Promise<KeyEncryptionReport> {
    const cipher = this.#cipher;
    if (!cipher) {
      throw new KeyEncryptionError('KEY_MISSING', `encrypting the signing keys needs ${KEY_ENCRYPTION_KEY_ENV}`);
    }
    const encrypted: string[] = [];
    const erased: string[] = [];
    for (const record of await this.#store.listSigningKeys()) {
      if (record.privateJwk === null) continue;
      if (record.retiresAt !== null) {
        await this.#store.setSigningKeyPrivateJwk(record.kid, null);
        erased.push(record.kid);
      } else if (cipher.needsEncryption(record.privateJwk)) {
        const plain = isEncryptedPrivateJwk(record.privateJwk)
          ? await cipher.decrypt(record.kid, record.privateJwk)
          : record.privateJwk;
        await this.#store.setSigningKeyPrivateJwk(record.kid, await cipher.encrypt(record.kid, plain));
        encrypted.push(record.kid);
      }
    }
    this.invalidate();
    return { encrypted, erased };
  }

  /** Forgets the cached keys, so the next call re-reads the store. */
  invalidate(): void {
    this.#loadedAt = Number.NEGATIVE_INFINITY;
  }

  #current(): LoadedKey | undefined {
    let current: LoadedKey | undefined;
    for (const key of this.#keys.values()) {
      if (key.record.retiresAt !== null || !key.privateKey) continue;
      if (
        !current ||
        key.record.createdAt > current.record.createdAt ||
        (+key.record.createdAt === +current.record.createdAt && key.record.kid > current.record.kid)
      ) {
        current = key;
      }
    }
    return current;
  }

  #live(kid: string): LoadedKey | undefined {
    const key = this.#keys.get(kid);
    return key && this.#isLive(key.record) ? key : undefined;
  }

  #isLive(record: SigningKeyRecord): boolean {
    return record.retiresAt === null || record.retiresAt.getTime() > this.#clock().getTime();
  }

  async #fresh(): Promise<void> {
    if (Date.now() - this.#loadedAt >= this.#refreshIntervalMs) await this.#reload();
  }

  /** Re-reads the keys (one read at a time), deleting those past their overlap. */
  async #reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const records = await this.#store.listSigningKeys();
        const next = new Map<string, LoadedKey>();
        for (const record of records) {
          if (!this.#isLive(record)) {
            await this.#store.deleteSigningKey(record.kid);
            continue;
          }
          // A retired key's private half is never read again (a rotation interrupted before erasing it, or a store
          // from an older version): erase it.
          if (record.retiresAt !== null && record.privateJwk !== null) {
            await this.#store.setSigningKeyPrivateJwk(record.kid, null);
          }
          const known = this.#keys.get(record.kid);
          const loaded = known ?? (await importKeyPair(record, this.#cipher));
          // A stored key that does not import can neither sign nor verify: it is treated as absent (and a signing
          // key is created when no usable one is left), rather than taking the whole service down.
          if (loaded) next.set(record.kid, { ...loaded, record });
        }
        this.#keys = next;
        this.#loadedAt = Date.now();
      } finally {
        this.#loading = undefined;
      }
    })();
    await this.#loading;
  }

  async #generate(): Promise<SigningKeyRecord> {
    const alg = this.#algorithm;
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      ...(alg === 'RS256' ? { modulusLength: 2048 } : alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
      extractable: true,
    });
    const kid = newStytchId('jwk', this.#environment);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } as JsonObject;
    const plainJwk = { ...(await exportJWK(privateKey)), kid, alg } as JsonObject;
    const privateJwk = this.#cipher ? await this.#cipher.encrypt(kid, plainJwk) : plainJwk;
    return { kid, publicJwk, privateJwk, createdAt: this.#clock(), retiresAt: null };
  }

  async #insert(record: SigningKeyRecord): Promise<void> {
    await this.#store.insertSigningKey(record);
  }
}
