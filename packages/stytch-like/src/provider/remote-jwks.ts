import { SessionTokenError } from '@sessiontoken/core';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, type SessionJwtAlgorithm } from '../jwt/session-jwt.js';
import { isPlainObject } from '../model/json.js';
import type { StytchLikeHttpClient } from './http-client.js';

/** Options for the JWKS cache, and for verifying JWTs against it. */
export interface RemoteJwksOptions {
  /** How long a fetched JWKS is used before it is fetched again. Default 10 minutes (as jose's remote JWKS). */
  readonly maxAgeMs?: number;
  /** Least time between two fetches caused by an unknown `kid`. Default 30 000 ms (as jose's remote JWKS). */
  readonly cooldownMs?: number;
  /**
   * While the JWKS endpoint fails, the keys fetched last keep verifying for this long past their `maxAgeMs`
   * (stale-if-error). Default 24 hours; 0 turns it off.
   */
  readonly staleIfErrorMs?: number;
  /** First wait after a failed fetch before the next one; it doubles per failure up to `maxBackoffMs`. Default 1000 ms. */
  readonly initialBackoffMs?: number;
  /** Longest wait between fetches while the endpoint fails. Default 60 000 ms. */
  readonly maxBackoffMs?: number;
  /** Clock skew allowed for `nbf` and `exp` of JWTs verified with these keys, in seconds. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Source of the current time in milliseconds (tests move it). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The server's JWKS, fetched through the provider's own HTTP client (so `close()` closes its sockets), cached, and
 * fetched again when it is older than `maxAgeMs` or when a JWT names a `kid` it does not have (at most once per
 * `cooldownMs`). At most one fetch is in flight. When a fetch fails, the cached keys keep verifying (for up to
 * `staleIfErrorMs`) and the next fetch waits a doubling backoff; without usable cached keys the failure is passed
 * on. Only signing keys of the session JWT algorithms are kept (RSA for RS256, P-256 for ES256, Ed25519 for EdDSA).
 */
export class RemoteJwks {
  readonly clockToleranceSeconds: number;
  readonly #client: StytchLikeHttpClient;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  readonly #staleIfErrorMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #now: () => number;
  #keys = new Map<string, CryptoKey>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | undefined;
  #failures = 0;
  #lastError: unknown;
  #retryAt = Number.NEGATIVE_INFINITY;

  constructor(client: StytchLikeHttpClient, options: RemoteJwksOptions = {}) {
    this.#client = client;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#staleIfErrorMs = options.staleIfErrorMs ?? 24 * 60 * 60_000;
    this.#initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.clockToleranceSeconds = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    for (const [name, value] of Object.entries({
      maxAgeMs: this.#maxAgeMs,
      cooldownMs: this.#cooldownMs,
      staleIfErrorMs: this.#staleIfErrorMs,
      initialBackoffMs: this.#initialBackoffMs,
      maxBackoffMs: this.#maxBackoffMs,
      clockToleranceSeconds: this.clockToleranceSeconds,
    })) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0`);
    }
  }

  /**
   * The key for `kid`, or `null` when the server's JWKS has none (after a refetch, cooldown permitting). Rejects
   * only when the JWKS cannot be fetched and no cached key may stand in for it.
   */
  async key(kid: string): Promise<CryptoKey | null> {
    const now = this.#now();
    const age = now - this.#fetchedAt;
    const wanted = age >= this.#maxAgeMs || (!this.#keys.has(kid) && age >= this.#cooldownMs);
    if (wanted && now >= this.#retryAt) {
      try {
        await this.refresh();
      } catch {
        // Judged below: stale keys may still answer.
      }
    }
    const cached = this.#keys.get(kid);
    if (this.#failures === 0) return cached ?? null;
    // The last fetch failed: cached keys stand in while they are not too stale; anything else is "unavailable".
    const stale = this.#now() - this.#fetchedAt >= this.#maxAgeMs + this.#staleIfErrorMs;
    if (cached && !stale) return cached;
    throw this.#lastError;
  }

  /** Fetches the JWKS now (one fetch at a time); rejects when it fails, after scheduling the next try. */
  async refresh(): Promise<void> {
    this.#fetching ??= (async () => {
      try {
        const body = await this.#client.request(
          'GET',
          `/v1/sessions/jwks/${encodeURIComponent(this.#client.projectId)}`,
          { authenticate: false },
        );
        const keys = new Map<string, CryptoKey>();
        for (const jwk of Array.isArray(body['keys']) ? body['keys'] : []) {
          if (!isPlainObject(jwk) || typeof jwk['kid'] !== 'string') continue;
          const alg = signatureAlgorithmOf(jwk);
          if (alg === null || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
          try {
            keys.set(jwk['kid'], (await importJWK(jwk as JWK, alg)) as CryptoKey);
          } catch {
            // A key this client cannot use is skipped like one for another algorithm.
          }
        }
        this.#keys = keys;
        this.#fetchedAt = this.#now();
        this.#failures = 0;
        this.#lastError = undefined;
        this.#retryAt = Number.NEGATIVE_INFINITY;
      } catch (error) {
        this.#failures++;
        // Whatever went wrong (no answer, a 5xx page, garbage), the keys are unavailable, not the token invalid.
        this.#lastError =
          error instanceof SessionTokenError && error.code === 'UNAVAILABLE'
            ? error
            : new SessionTokenError('UNAVAILABLE', 'the JWKS could not be fetched', {
                adapter: 'stytch-like',
                cause: error,
              });
        this.#retryAt = this.#now() + Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (this.#failures - 1));
        throw this.#lastError;
      } finally {
        this.#fetching = undefined;
      }
    })();
    await this.#fetching;
  }
}

/**
 * The session JWT algorithm a JWK is for: RS256 for an RSA key, ES256 for a P-256 key, EdDSA for an Ed25519 key; its
 * `alg`, when present, must say the same. `null` for any other key (skipped, as jose's JWKS sets skip them).
 */
function signatureAlgorithmOf(jwk: Record<string, unknown>): SessionJwtAlgorithm | null {
  const inferred: SessionJwtAlgorithm | null =
    jwk['kty'] === 'RSA'
      ? 'RS256'
      : jwk['kty'] === 'EC' && jwk['crv'] === 'P-256'
        ? 'ES256'
        : jwk['kty'] === 'OKP' && jwk['crv'] === 'Ed25519'
          ? 'EdDSA'
          : null;
  if (inferred === null || (jwk['alg'] !== undefined && jwk['alg'] !== inferred)) return null;
  return inferred;
}
