import { SESSION_JWT_LIFETIME_SECONDS } from '../../jwt/session-jwt.js';

/**
 * The longest `jwtReuseSeconds`: a reused session JWT still has at least a minute of its five-minute lifetime left
 * when it is handed out.
 */
export const MAX_JWT_REUSE_SECONDS = SESSION_JWT_LIFETIME_SECONDS - 60;

/** Default bound of the reuse cache: entries, one per session authenticated within the reuse window. */
export const DEFAULT_JWT_REUSE_MAX_ENTRIES = 10_000;

/** Checks `jwtReuseSeconds`: a whole number from 0 (off) to {@link MAX_JWT_REUSE_SECONDS}. Throws a `RangeError`. */
export function checkJwtReuseSeconds(seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_JWT_REUSE_SECONDS) {
    throw new RangeError(`jwtReuseSeconds must be a whole number from 0 (off) to ${MAX_JWT_REUSE_SECONDS}`);
  }
  return seconds;
}

interface Entry {
  readonly userId: string;
  readonly jwt: string;
  /** Everything the JWT says but its times (`iat`, `nbf`, `exp` and the session's `last_accessed_at`), and its kid. */
  readonly fingerprint: string;
  readonly issuedAtMs: number;
}

/**
 * The session JWTs this server signed recently, by session id, so that `sessions/authenticate` can answer with the
 * same JWT while it is younger than `maxAgeMs` and says the same things. Bounded: past `maxEntries` the oldest entry
 * goes (entries are put in the order they were signed). Only a cache of signatures: every authentication still
 * finds its session in the store, so a revocation anywhere is seen at once.
 */
export class SessionJwtCache {
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();

  constructor(maxAgeMs: number, maxEntries: number = DEFAULT_JWT_REUSE_MAX_ENTRIES) {
    if (!(maxAgeMs > 0)) throw new RangeError('maxAgeMs must be more than 0');
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a whole number ≥ 1');
    this.#maxAgeMs = maxAgeMs;
    this.#maxEntries = maxEntries;
  }

  /** How many entries are kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The JWT signed for `sessionId` less than `maxAgeMs` before `now` with the same `fingerprint`, or `undefined`. */
  get(sessionId: string, fingerprint: string, now: Date): string | undefined {
    const entry = this.#entries.get(sessionId);
    if (!entry) return undefined;
    const age = now.getTime() - entry.issuedAtMs;
    // A clock that went back makes an entry look young: it is not used either.
    if (age < 0 || age >= this.#maxAgeMs || entry.fingerprint !== fingerprint) {
      this.#entries.delete(sessionId);
      return undefined;
    }
    return entry.jwt;
  }

  /** Keeps `jwt`, signed at `issuedAt`, as the session's current JWT. */
  set(sessionId: string, userId: string, jwt: string, fingerprint: string, issuedAt: Date): void {
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, { userId, jwt, fingerprint, issuedAtMs: issuedAt.getTime() });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets one session's JWT (revoked). */
  deleteSession(sessionId: string): void {
    this.#entries.delete(sessionId);
  }

  /** Forgets every JWT of a user (deleted, signed out everywhere, password changed). */
  deleteUser(userId: string): void {
    for (const [sessionId, entry] of this.#entries) if (entry.userId === userId) this.#entries.delete(sessionId);
  }

  /** Forgets everything (the signing key changed). */
  clear(): void {
    this.#entries.clear();
  }
}
