import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SessionTokenError, decodeBase64Url, encodeBase64Url } from '@sessiontoken/core';

const ADAPTER = 'memory';

/** A session as the in-memory backend keeps it: the token's secret only as a SHA-256 hash. */
export interface MemorySessionRecord {
  readonly sessionId: string;
  readonly subject: string;
  readonly startedAt: Date;
  expiresAt: Date;
  lastAccessedAt: Date;
  readonly secretHash: Buffer;
  revoked: boolean;
  /** What the session carries besides its subject (roles, claims): the user's attributes when it was started. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Options for {@link MemorySessionBackend}. */
export interface MemorySessionBackendOptions {
  /** Lifetime of a new session. Default 60 minutes. */
  readonly sessionDurationMinutes?: number;
  /** The clock, in epoch milliseconds; inject one to test expiry without waiting. */
  readonly now?: () => number;
  /**
   * Delete a session when it is revoked, as a backend that keeps no record of ended sessions does: its token then
   * rejects with `INVALID_TOKEN` instead of `REVOKED`. Default false.
   */
  readonly deleteRevoked?: boolean;
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * The server side of the reference provider: users and sessions in memory, shared by every
 * {@link MemorySessionProvider} given the same backend, so tokens move between providers as they would
 * between processes. Tokens are `id.secret` (base64url, 128-bit id, 256-bit secret); only the secret's
 * SHA-256 is kept and it is compared in constant time.
 */
export class MemorySessionBackend {
  readonly #users = new Map<string, { readonly passwordHash: Buffer; readonly attributes: Record<string, unknown> }>();
  readonly #sessions = new Map<string, MemorySessionRecord>();
  readonly #durationMs: number;
  readonly #now: () => number;
  readonly #deleteRevoked: boolean;

  constructor(options: MemorySessionBackendOptions = {}) {
    this.#durationMs = (options.sessionDurationMinutes ?? 60) * 60_000;
    this.#now = options.now ?? Date.now;
    this.#deleteRevoked = options.deleteRevoked === true;
  }

  /**
   * Adds (or replaces) a user. `attributes` (roles, claims, nested as deep as needed) go into every session the user
   * starts, as `SessionInfo.attributes`.
   */
  addUser(username: string, password: string, attributes: Record<string, unknown> = {}): void {
    this.#users.set(username, { passwordHash: sha256(Buffer.from(password)), attributes: structuredClone(attributes) });
  }

  /** Checks credentials and starts a session; rejects with `BAD_CREDENTIALS`. */
  login(username: string, password: string): { token: string; record: MemorySessionRecord } {
    const user = this.#users.get(username);
    const given = sha256(Buffer.from(String(password)));
    if (!user || !timingSafeEqual(user.passwordHash, given)) {
      throw new SessionTokenError('BAD_CREDENTIALS', 'unknown user or wrong password', { adapter: ADAPTER });
    }
    // The session carries the user's attributes.
    return this.createSession(username, user);
  }

  /**
   * Starts a session for `subject` without credentials; `expiresAt` in the past makes an expired one for tests, and
   * `attributes` are what the session carries (default none).
   */
  createSession(
    subject: string,
    { expiresAt, attributes = {} }: { expiresAt?: Date; attributes?: Record<string, unknown> } = {},
  ): { token: string; record: MemorySessionRecord } {
    const id = randomBytes(16);
    const secret = randomBytes(32);
    const now = new Date(this.#now());
    const record: MemorySessionRecord = {
      sessionId: encodeBase64Url(id),
      subject,
      startedAt: now,
      expiresAt: expiresAt ?? new Date(now.getTime() + this.#durationMs),
      lastAccessedAt: now,
      secretHash: sha256(secret),
      revoked: false,
      attributes: structuredClone(attributes),
    };
    this.#sessions.set(record.sessionId, record);
    return { token: `${record.sessionId}.${encodeBase64Url(secret)}`, record };
  }

  /** Finds the live session of `token`; rejects with `INVALID_TOKEN`, `EXPIRED` or `REVOKED`. */
  authenticate(token: string, options: { durationMinutes?: number } = {}): MemorySessionRecord {
    const invalid = () =>
      new SessionTokenError('INVALID_TOKEN', 'the token does not belong to any session', { adapter: ADAPTER });
    const parts = token.split('.');
    if (parts.length !== 2) throw invalid();
    const [id, secret] = parts as [string, string];
    // Strict decoding refuses any other spelling of the id and secret; lookup and the hash compare refuse the rest.
    // Stryker disable next-line CallExpression: the lookup by the exact string refuses every other spelling of the id too; only the message differs
    decodeBase64Url(id, ADAPTER);
    const secretBytes = decodeBase64Url(secret, ADAPTER);
    const record = this.#sessions.get(id);
    if (!record || !timingSafeEqual(record.secretHash, sha256(secretBytes))) throw invalid();
    if (record.revoked) throw new SessionTokenError('REVOKED', 'the session was revoked', { adapter: ADAPTER });
    const now = this.#now();
    if (record.expiresAt.getTime() <= now)
      throw new SessionTokenError('EXPIRED', 'the session has expired', { adapter: ADAPTER });
    record.lastAccessedAt = new Date(now);
    if (options.durationMinutes !== undefined) record.expiresAt = new Date(now + options.durationMinutes * 60_000);
    return record;
  }

  /** Revokes the session of `token` (deletes it with `deleteRevoked`). */
  revoke(token: string): void {
    const record = this.authenticate(token);
    if (this.#deleteRevoked) this.#sessions.delete(record.sessionId);
    else record.revoked = true;
  }
}
