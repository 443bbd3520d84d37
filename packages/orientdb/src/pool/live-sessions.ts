import type { HeldToken } from '../token/orientdb-token.js';

/** A server-side session this process opened (DB_OPEN) and still holds on the pool's sockets. */
export interface LiveSession {
  readonly sessionId: number;
  /** The session's own newest token: the only bytes ever sent with its id. */
  token: HeldToken;
  /** A request of this session is on the wire: a second one goes stateless instead of racing it on another socket. */
  busy: boolean;
  /** False once forgotten (revoked, evicted, or the pool lost a socket): its id is never sent again. */
  registered: boolean;
  /** Every token key this session is found by (its first token and each renewal). */
  readonly keys: string[];
}

function keyOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * The live sessions of one pool, found by the exact token bytes the server handed out for them (and any renewed
 * bytes since). Exact bytes are the proof: a token this process received from the server for that session cannot be
 * tampered with and still match. Bounded: the least recently used session is forgotten past `maxSessions`.
 */
export class LiveSessions {
  readonly #byToken = new Map<string, LiveSession>();
  readonly #maxSessions: number;

  constructor(maxSessions: number) {
    this.#maxSessions = maxSessions;
  }

  /** Token keys held (a renewed session has more than one). */
  get size(): number {
    return this.#byToken.size;
  }

  add(sessionId: number, token: HeldToken): LiveSession {
    const session: LiveSession = { sessionId, token, busy: false, registered: true, keys: [] };
    this.#index(token, session);
    return session;
  }

  /** The live session these exact token bytes belong to, unless its token has expired. */
  find(bytes: Uint8Array): LiveSession | null {
    const key = keyOf(bytes);
    const session = this.#byToken.get(key);
    if (!session) return null;
    if (!session.registered || session.token.payload.expiresAt.getTime() <= Date.now()) {
      this.forget(session);
      return null;
    }
    // Least recently used goes first: refresh the order.
    this.#byToken.delete(key);
    this.#byToken.set(key, session);
    return session;
  }

  /** The server renewed the session's token: the new bytes are the ones to send with its id from now on. */
  renew(session: LiveSession, token: HeldToken): void {
    if (!session.registered) return;
    session.token = token;
    this.#index(token, session);
  }

  forget(session: LiveSession): void {
    session.registered = false;
    for (const key of session.keys) if (this.#byToken.get(key) === session) this.#byToken.delete(key);
  }

  /** Forgets every session (a socket was lost: the server may have restarted and will reuse their ids). */
  clear(): void {
    for (const session of this.#byToken.values()) session.registered = false;
    this.#byToken.clear();
  }

  #index(token: HeldToken, session: LiveSession): void {
    const key = keyOf(token.bytes);
    this.#byToken.set(key, session);
    session.keys.push(key);
    // Keys, not sessions, are counted: a session renewed once holds two; good enough for a memory bound.
    while (this.#byToken.size > this.#maxSessions) {
      const oldest = this.#byToken.values().next().value;
      if (!oldest) break;
      this.forget(oldest);
    }
  }
}

/**
 * Tokens from elsewhere the server accepted lately, so that a user's next request within `ttlMs` reattaches without
 * another check. Only the exact bytes the server verified count; the expiry is checked locally every time.
 */
export class VerifiedTokens {
  readonly #until = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(ttlMs: number, max: number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  has(bytes: Uint8Array): boolean {
    if (this.#ttlMs === 0) return false;
    const key = keyOf(bytes);
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until <= Date.now()) {
      this.#until.delete(key);
      return false;
    }
    return true;
  }

  add(bytes: Uint8Array): void {
    if (this.#ttlMs === 0) return;
    const key = keyOf(bytes);
    this.#until.delete(key);
    this.#until.set(key, Date.now() + this.#ttlMs);
    while (this.#until.size > this.#max) {
      const oldest = this.#until.keys().next().value;
      if (oldest === undefined) break;
      this.#until.delete(oldest);
    }
  }

  delete(bytes: Uint8Array): void {
    this.#until.delete(keyOf(bytes));
  }

  clear(): void {
    this.#until.clear();
  }
}
