import { importJWK, type CryptoKey, type JWK } from 'jose';
import { SESSION_JWT_ALGORITHM } from '../jwt/session-jwt.js';
import { isPlainObject } from '../model/json.js';
import type { StytchLikeHttpClient } from './http-client.js';

/** Options for {@link RemoteJwks}. */
export interface RemoteJwksOptions {
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes (as jose's remote JWKS). */
  readonly maxAgeMs?: number;
  /** Least time between two fetches caused by an unknown `kid`. Default 30 000 ms (as jose's remote JWKS). */
  readonly cooldownMs?: number;
}

/**
 * The server's JWKS, fetched through the provider's own HTTP client (so `close()` closes its sockets), cached, and
 * fetched again when it is older than `maxAgeMs` or when a JWT names a `kid` it does not have (at most once per
 * `cooldownMs`). Only RS256 signing keys are kept.
 */
export class RemoteJwks {
  readonly #client: StytchLikeHttpClient;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  #keys = new Map<string, CryptoKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | undefined;

  constructor(client: StytchLikeHttpClient, options: RemoteJwksOptions = {}) {
    this.#client = client;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** The key for `kid`, or `null` when the server's JWKS has none (after a refetch, cooldown permitting). */
  async key(kid: string): Promise<CryptoKey | null> {
    const age = Date.now() - this.#fetchedAt;
    if (age >= this.#maxAgeMs || (!this.#keys.has(kid) && age >= this.#cooldownMs)) await this.refresh();
    return this.#keys.get(kid) ?? null;
  }

  /** Fetches the JWKS now (one fetch at a time). */
  async refresh(): Promise<void> {
    this.#fetching ??= (async () => {
      try {
        const body = await this.#client.request('GET', `/v1/sessions/jwks/${encodeURIComponent(this.#client.projectId)}`, { authenticate: false });
        const keys = new Map<string, CryptoKey>();
        for (const jwk of Array.isArray(body['keys']) ? body['keys'] : []) {
          if (!isPlainObject(jwk) || typeof jwk['kid'] !== 'string' || jwk['kty'] !== 'RSA') continue;
          if ((jwk['alg'] !== undefined && jwk['alg'] !== SESSION_JWT_ALGORITHM) || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
          try {
            keys.set(jwk['kid'], (await importJWK(jwk as JWK, SESSION_JWT_ALGORITHM)) as CryptoKey);
          } catch {
            // A key this client cannot use is skipped like one for another algorithm.
          }
        }
        this.#keys = keys;
        this.#fetchedAt = Date.now();
      } finally {
        this.#fetching = undefined;
      }
    })();
    await this.#fetching;
  }
}
