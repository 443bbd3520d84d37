import type { JsonObject } from '../../model/json.js';
import {
  SessionStoreError,
  isSessionAliveAt,
  sessionMatchesLookup,
  type CounterState,
  type SessionAccess,
  type SessionLookup,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type SigningKeyRecord,
  type UserRecord,
} from './session-store.js';

/**
 * Keeps everything in this process's memory: for tests and throwaway servers. Records are copied in and out,
 * so callers never share mutable state with the store.
 */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  readonly #users = new Map<string, UserRecord>();
  readonly #userIdsByEmail = new Map<string, string>();
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #sessionIdsByTokenId = new Map<string, string>();
  readonly #keys = new Map<string, SigningKeyRecord>();
  readonly #counters = new Map<string, CounterState>();
  readonly #settings = new Map<string, string>();
  #closed = false;

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async insertUser(user: UserRecord): Promise<void> {
    this.#assertOpen();
    if (this.#userIdsByEmail.has(user.email))
      throw new SessionStoreError(this.kind, 'DUPLICATE', 'a user with this email already exists');
    this.#users.set(user.userId, structuredClone(user));
    this.#userIdsByEmail.set(user.email, user.userId);
  }

  async findUserById(userId: string): Promise<UserRecord | null> {
    this.#assertOpen();
    return copy(this.#users.get(userId));
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    this.#assertOpen();
    const userId = this.#userIdsByEmail.get(email);
    return userId === undefined ? null : copy(this.#users.get(userId));
  }

  async insertSession(session: SessionRecord): Promise<void> {
    this.#assertOpen();
    if (this.#sessions.has(session.sessionId) || this.#sessionIdsByTokenId.has(session.tokenId)) {
      throw new SessionStoreError(this.kind, 'DUPLICATE', 'a session with this id or token id already exists');
    }
    this.#sessions.set(session.sessionId, structuredClone(session));
    this.#sessionIdsByTokenId.set(session.tokenId, session.sessionId);
  }

  async findSessionById(sessionId: string): Promise<SessionRecord | null> {
    this.#assertOpen();
    return copy(this.#sessions.get(sessionId));
  }

  async findSessionByTokenId(tokenId: string): Promise<SessionRecord | null> {
    this.#assertOpen();
    const sessionId = this.#sessionIdsByTokenId.get(tokenId);
    return sessionId === undefined ? null : copy(this.#sessions.get(sessionId));
  }

  async updateSession(sessionId: string, update: SessionUpdate): Promise<SessionRecord | null> {
    this.#assertOpen();
    const session = this.#sessions.get(sessionId);
    if (!session) return null;
    const next: SessionRecord = structuredClone({ ...session, ...update });
    this.#sessions.set(sessionId, next);
    return structuredClone(next);
  }

  async recordAccess(lookup: SessionLookup, at: Date, maxLifetimeMs: number): Promise<SessionAccess | null> {
    this.#assertOpen();
    const sessionId = 'tokenId' in lookup ? this.#sessionIdsByTokenId.get(lookup.tokenId) : lookup.sessionId;
    let session = sessionId === undefined ? undefined : this.#sessions.get(sessionId);
    if (!session || !sessionMatchesLookup(session, lookup)) return null;
    const touched = isSessionAliveAt(session, at, maxLifetimeMs);
    if (touched) {
      session = { ...session, lastAccessedAt: new Date(at) };
      this.#sessions.set(session.sessionId, session);
    }
    return { session: structuredClone(session), user: copy(this.#users.get(session.userId)), touched };
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    this.#assertOpen();
    const session = this.#sessions.get(sessionId);
    if (!session) return false;
    this.#sessions.delete(sessionId);
    this.#sessionIdsByTokenId.delete(session.tokenId);
    return true;
  }

  async listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]> {
    this.#assertOpen();
    return [...this.#sessions.values()]
      .filter((s) => s.userId === userId && s.expiresAt.getTime() > activeAt.getTime())
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.sessionId.localeCompare(b.sessionId))
      .map((s) => structuredClone(s));
  }

  async deleteSessionsExpiredBefore(cutoff: Date): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.expiresAt.getTime() <= cutoff.getTime() && (await this.deleteSession(session.sessionId))) deleted++;
    }
    return deleted;
  }

  async updateUserPassword(userId: string, passwordHash: string): Promise<boolean> {
    this.#assertOpen();
    const user = this.#users.get(userId);
    if (!user) return false;
    this.#users.set(userId, { ...user, passwordHash });
    return true;
  }

  async deleteUser(userId: string): Promise<boolean> {
    this.#assertOpen();
    const user = this.#users.get(userId);
    if (!user) return false;
    this.#users.delete(userId);
    this.#userIdsByEmail.delete(user.email);
    await this.deleteUserSessions(userId);
    return true;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.userId === userId && (await this.deleteSession(session.sessionId))) deleted++;
    }
    return deleted;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    this.#assertOpen();
    return [...this.#keys.values()]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kid.localeCompare(b.kid))
      .map((k) => structuredClone(k));
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#assertOpen();
    if (this.#keys.has(key.kid))
      throw new SessionStoreError(this.kind, 'DUPLICATE', 'a signing key with this kid already exists');
    this.#keys.set(key.kid, structuredClone(key));
  }

  async retireSigningKey(kid: string, retiresAt: Date): Promise<void> {
    this.#assertOpen();
    const key = this.#keys.get(kid);
    if (key) this.#keys.set(kid, { ...key, retiresAt: new Date(retiresAt) });
  }

  async deleteSigningKey(kid: string): Promise<void> {
    this.#assertOpen();
    this.#keys.delete(kid);
  }

  async incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState> {
    this.#assertOpen();
    const running = this.#runningCounter(key, now);
    const next = running
      ? { count: running.count + 1, resetAt: running.resetAt }
      : { count: 1, resetAt: new Date(now.getTime() + windowMs) };
    this.#counters.set(key, next);
    return { ...next };
  }

  async readCounter(key: string, now: Date): Promise<CounterState | null> {
    this.#assertOpen();
    const running = this.#runningCounter(key, now);
    return running ? { ...running } : null;
  }

  async deleteCounter(key: string): Promise<void> {
    this.#assertOpen();
    this.#counters.delete(key);
  }

  async deleteCountersExpiredBefore(now: Date): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (const [key, counter] of [...this.#counters]) {
      if (counter.resetAt.getTime() <= now.getTime() && this.#counters.delete(key)) deleted++;
    }
    return deleted;
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    this.#assertOpen();
    const stored = this.#settings.get(name);
    if (stored !== undefined) return stored;
    this.#settings.set(name, value);
    return value;
  }

  async upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean> {
    this.#assertOpen();
    const user = this.#users.get(userId);
    if (!user || user.passwordHash !== currentHash) return false;
    this.#users.set(userId, { ...user, passwordHash: newHash });
    return true;
  }

  async setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void> {
    this.#assertOpen();
    const key = this.#keys.get(kid);
    if (key) this.#keys.set(kid, { ...key, privateJwk: privateJwk === null ? null : structuredClone(privateJwk) });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #runningCounter(key: string, now: Date): CounterState | undefined {
    const counter = this.#counters.get(key);
    return counter && counter.resetAt.getTime() > now.getTime() ? counter : undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SessionStoreError(this.kind, 'CLOSED', 'the store was closed');
  }
}

function copy<T>(value: T | undefined): T | null {
  return value === undefined ? null : structuredClone(value);
}
