import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { JsonObject } from '../../model/json.js';
import type { StytchJwk } from '../../model/stytch-types.js';
import type { Clock } from '../../model/clock.js';
import { newStytchId, type ProjectEnvironment } from '../../model/ids.js';
import type { SessionStore, SigningKeyRecord } from '../store/session-store.js';
import { SESSION_JWT_ALGORITHM, type SigningKey } from '../../jwt/session-jwt.js';

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
}

/** What {@link SigningKeyRing.rotate} did. */
export interface KeyRotation {
  /** The key that signs from now on. */
  readonly kid: string;
  /** Keys that stop signing and stay in the JWKS until `retiresAt`. */
  readonly retired: readonly { readonly kid: string; readonly retiresAt: Date }[];
}

interface LoadedKey {
  readonly record: SigningKeyRecord;
  readonly publicKey: CryptoKey;
  /** Present for keys that may sign (not retired). */
  readonly privateKey: CryptoKey | undefined;
}

/** Imports a stored key pair (the private half only while the key may sign); `null` when it does not import. */
async function importKeyPair(record: SigningKeyRecord): Promise<LoadedKey | null> {
  try {
    const publicKey = (await importJWK(record.publicJwk as JWK, SESSION_JWT_ALGORITHM)) as CryptoKey;
    const privateKey = record.retiresAt === null ? ((await importJWK(record.privateJwk as JWK, SESSION_JWT_ALGORITHM)) as CryptoKey) : undefined;
    return { record, publicKey, privateKey };
  } catch {
    return null;
  }
}

/**
 * The project's RS256 signing keys, persisted in the store so that every server sharing it signs and verifies with
 * the same keys, and so that they survive restarts. The newest unretired key signs; retired keys stay in the JWKS
 * (and keep verifying) until their `retiresAt`.
 */
export class SigningKeyRing {
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #environment: ProjectEnvironment;
  readonly #refreshIntervalMs: number;
  readonly #unknownKidReloadIntervalMs: number;
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
  }

  /** The key to sign with; creates the project's first key when the store has none. */
  async signingKey(): Promise<SigningKey> {
    await this.#fresh();
    let current = this.#current();
    if (!current) {
      // One creation at a time in this process; servers starting together may each add one, and the newest wins.
      this.#creating ??= (async () => {
        try {
          await this.#reload();
          if (!this.#current()) {
            await this.#insert(await this.#generate());
            await this.#reload();
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
    return { kid: current.record.kid, privateKey: current.privateKey };
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
      .map(({ record }) => ({
        kty: record.publicJwk['kty'] as string,
        use: 'sig',
        key_ops: ['verify'],
        alg: SESSION_JWT_ALGORITHM,
        kid: record.kid,
        n: record.publicJwk['n'] as string,
        e: record.publicJwk['e'] as string,
      }));
  }

  /**
   * Creates a new signing key and retires every other unretired key: they stay in the JWKS for `overlapMs`
   * (at least five minutes, the life of a JWT) and are then deleted. Keys past their overlap are deleted now.
   */
  async rotate(overlapMs: number = DEFAULT_KEY_ROTATION_OVERLAP_MS): Promise<KeyRotation> {
    if (!Number.isFinite(overlapMs) || overlapMs < MIN_KEY_ROTATION_OVERLAP_MS) {
      throw new RangeError(`the rotation overlap must be at least ${MIN_KEY_ROTATION_OVERLAP_MS / 60_000} minutes, the lifetime of a session JWT`);
    }
    await this.#reload();
    const fresh = await this.#generate();
    await this.#insert(fresh);
    const retiresAt = new Date(this.#clock().getTime() + overlapMs);
    const retired: { kid: string; retiresAt: Date }[] = [];
    for (const { record } of this.#keys.values()) {
      if (record.retiresAt === null) {
        await this.#store.retireSigningKey(record.kid, retiresAt);
        retired.push({ kid: record.kid, retiresAt });
      }
    }
    await this.#reload();
    return { kid: fresh.kid, retired };
  }

  /** Forgets the cached keys, so the next call re-reads the store. */
  invalidate(): void {
    this.#loadedAt = Number.NEGATIVE_INFINITY;
  }

  #current(): LoadedKey | undefined {
    let current: LoadedKey | undefined;
    for (const key of this.#keys.values()) {
      if (key.record.retiresAt !== null) continue;
      if (!current || key.record.createdAt > current.record.createdAt || (+key.record.createdAt === +current.record.createdAt && key.record.kid > current.record.kid)) {
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
          const known = this.#keys.get(record.kid);
          const loaded = known ?? (await importKeyPair(record));
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
    const { publicKey, privateKey } = await generateKeyPair(SESSION_JWT_ALGORITHM, { modulusLength: 2048, extractable: true });
    const kid = newStytchId('jwk', this.#environment);
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SESSION_JWT_ALGORITHM, use: 'sig' } as JsonObject;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SESSION_JWT_ALGORITHM } as JsonObject;
    return { kid, publicJwk, privateJwk, createdAt: this.#clock(), retiresAt: null };
  }

  async #insert(record: SigningKeyRecord): Promise<void> {
    await this.#store.insertSigningKey(record);
  }
}
