import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { JsonObject } from '../../model/json.js';
import { importOptionalDriver } from './optional-driver.js';
import {
  parseJsonText,
  sessionFromRow,
  signingKeyFromRow,
  textJsonColumn,
  userFromDocument,
  userFromRow,
} from './record-codec.js';
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
  type SessionUpdateOptions,
  type SigningKeyRecord,
  type UserRecord,
} from './session-store.js';

const KIND = 'sqlite';
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_BUSY = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  user_id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  email_id TEXT NOT NULL,
  password_id TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  token_id TEXT NOT NULL UNIQUE,
  secret_hash TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_accessed_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  authentication_factors TEXT NOT NULL,
  custom_claims TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id, expires_at);
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  public_jwk TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retires_at INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS counters (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  reset_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS counters_by_reset ON counters (reset_at);
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;

/**
 * A session with its user as one JSON column (`null` when the user is gone). A subquery: node:sqlite answered a
 * LEFT JOIN of the two rows in about twice the time of both rows read apart, and this in less than either.
 */
const SESSION_WITH_USER = `SELECT s.*, (SELECT json_object('user_id', u.user_id, 'email', u.email, 'email_id', u.email_id,
  'password_id', u.password_id, 'password_hash', u.password_hash, 'name', json(u.name), 'created_at', u.created_at)
  FROM users u WHERE u.user_id = s.user_id) AS user_json FROM sessions s`;

/** Options for {@link SqliteSessionStore.open}. */
export interface SqliteSessionStoreOptions {
  /** Database file (created with its directory when missing), or `:memory:`. */
  readonly path: string;
  /** How long a write waits for another process's lock before failing as `UNAVAILABLE`. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * The embedded default store: one SQLite file through Node's built-in `node:sqlite`, in WAL mode with
 * `synchronous = FULL`, so a session is on disk before the request that created it is answered.
 */
export class SqliteSessionStore implements SessionStore {
  readonly kind = KIND;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Opens (creating when needed) the database file and its schema. */
  static async open(options: SqliteSessionStoreOptions): Promise<SqliteSessionStore> {
    const sqlite = await importOptionalDriver(KIND, 'node:sqlite', () => import('node:sqlite'));
    const path = options.path === ':memory:' ? ':memory:' : resolve(options.path);
    let db: DatabaseSync | undefined;
    try {
      if (path !== ':memory:') prepareDatabaseFiles(path);
      db = new sqlite.DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5000 });
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
      db.exec(SCHEMA);
      return new SqliteSessionStore(db);
    } catch (error) {
      db?.close();
      throw new SessionStoreError(KIND, 'UNAVAILABLE', `cannot open the database file ${path}`, { cause: error });
    }
  }

  async ping(): Promise<void> {
    this.#run(() => this.#statement('SELECT 1').get());
  }

  async insertUser(user: UserRecord): Promise<void> {
    this.#run(() =>
      this.#statement(
        'INSERT INTO users (user_id, email, email_id, password_id, password_hash, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        user.userId,
        user.email,
        user.emailId,
        user.passwordId,
        user.passwordHash,
        JSON.stringify(user.name),
        user.createdAt.getTime(),
      ),
    );
  }

  async findUserById(userId: string): Promise<UserRecord | null> {
    const row = this.#run(() => this.#statement('SELECT * FROM users WHERE user_id = ?').get(userId));
    return row ? userFromRow(KIND, row, textJsonColumn) : null;
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const row = this.#run(() => this.#statement('SELECT * FROM users WHERE email = ?').get(email));
    return row ? userFromRow(KIND, row, textJsonColumn) : null;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    this.#run(() =>
      this.#statement(
        `INSERT INTO sessions (session_id, user_id, token_id, secret_hash, started_at, last_accessed_at, expires_at,
           attributes, authentication_factors, custom_claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        session.sessionId,
        session.userId,
        session.tokenId,
        session.secretHash,
        session.startedAt.getTime(),
        session.lastAccessedAt.getTime(),
        session.expiresAt.getTime(),
        JSON.stringify(session.attributes),
        JSON.stringify(session.authenticationFactors),
        JSON.stringify(session.customClaims),
      ),
    );
  }

  async findSessionById(sessionId: string): Promise<SessionRecord | null> {
    const row = this.#run(() => this.#statement('SELECT * FROM sessions WHERE session_id = ?').get(sessionId));
    return row ? sessionFromRow(KIND, row, textJsonColumn) : null;
  }

  async findSessionByTokenId(tokenId: string): Promise<SessionRecord | null> {
    const row = this.#run(() => this.#statement('SELECT * FROM sessions WHERE token_id = ?').get(tokenId));
    return row ? sessionFromRow(KIND, row, textJsonColumn) : null;
  }

  async updateSession(
    sessionId: string,
    update: SessionUpdate,
    options: SessionUpdateOptions = {},
  ): Promise<SessionRecord | null> {
    const row = this.#run(() =>
      this.#withSynchronous(options.lastAccessOnly === true ? 'NORMAL' : 'FULL', () =>
        this.#statement(
          `UPDATE sessions SET last_accessed_at = ?, expires_at = ?, authentication_factors = ?, custom_claims = ?
           WHERE session_id = ? RETURNING *`,
        ).get(
          update.lastAccessedAt.getTime(),
          update.expiresAt.getTime(),
          JSON.stringify(update.authenticationFactors),
          JSON.stringify(update.customClaims),
          sessionId,
        ),
      ),
    );
    return row ? sessionFromRow(KIND, row, textJsonColumn) : null;
  }

  /**
   * One read (the session with its user, by an index) and, only when the recorded access is in an earlier
   * second, one write without an fsync. The secret hash is compared here, in constant time. SQLite runs in this
   * process, so the two statements cost no round trip; another process may write between them, which the write's
   * own conditions catch (the access is then tried once more from the read).
   */
  async recordAccess(lookup: SessionLookup, at: Date, maxLifetimeMs: number): Promise<SessionAccess | null> {
    return this.#run(() => this.#recordAccess(lookup, at, maxLifetimeMs, true));
  }

  #recordAccess(lookup: SessionLookup, at: Date, maxLifetimeMs: number, retry: boolean): SessionAccess | null {
    const row =
      'tokenId' in lookup
        ? this.#statement(`${SESSION_WITH_USER} WHERE s.token_id = ?`).get(lookup.tokenId)
        : this.#statement(`${SESSION_WITH_USER} WHERE s.session_id = ?`).get(lookup.sessionId);
    if (!row) return null;
    const session = sessionFromRow(KIND, row, textJsonColumn);
    if (!sessionMatchesLookup(session, lookup)) return null;
    const userJson = row['user_json'];
    const user = userJson === null ? null : userFromDocument(KIND, parseJsonText(KIND, userJson, 'user'));
    if (!isSessionAliveAt(session, at, maxLifetimeMs)) return { session, user, touched: false };
    // last_accessed_at is kept to the second: an access in the second already recorded writes nothing (README).
    if (Math.floor(session.lastAccessedAt.getTime() / 1000) === Math.floor(at.getTime() / 1000)) {
      return { session, user, touched: true };
    }
    const written = this.#withSynchronous('NORMAL', () =>
      this.#statement(
        `UPDATE sessions SET last_accessed_at = ?1 WHERE session_id = ?2 AND expires_at > ?1 AND started_at > ?3
         RETURNING *`,
      ).get(at.getTime(), session.sessionId, at.getTime() - maxLifetimeMs),
    );
    if (written) return { session: sessionFromRow(KIND, written, textJsonColumn), user, touched: true };
    // Revoked or ended by another process between the read and the write.
    return retry ? this.#recordAccess(lookup, at, maxLifetimeMs, false) : null;
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const result = this.#run(() => this.#statement('DELETE FROM sessions WHERE session_id = ?').run(sessionId));
    return Number(result.changes) > 0;
  }

  async listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]> {
    const rows = this.#run(() =>
      this.#statement(
        'SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY started_at, session_id',
      ).all(userId, activeAt.getTime()),
    );
    return rows.map((row) => sessionFromRow(KIND, row, textJsonColumn));
  }

  async deleteSessionsExpiredBefore(cutoff: Date): Promise<number> {
    const result = this.#run(() => this.#statement('DELETE FROM sessions WHERE expires_at <= ?').run(cutoff.getTime()));
    return Number(result.changes);
  }

  async updateUserPassword(userId: string, passwordHash: string): Promise<boolean> {
    const sql = 'UPDATE users SET password_hash = ? WHERE user_id = ?';
    const result = this.#run(() => this.#statement(sql).run(passwordHash, userId));
    return Number(result.changes) > 0;
  }

  async deleteUser(userId: string): Promise<boolean> {
    return this.#run(() => {
      this.#statement('BEGIN IMMEDIATE').run();
      try {
        const deleted = this.#statement('DELETE FROM users WHERE user_id = ?').run(userId);
        this.#statement('DELETE FROM sessions WHERE user_id = ?').run(userId);
        this.#statement('COMMIT').run();
        return Number(deleted.changes) > 0;
      } catch (error) {
        this.#statement('ROLLBACK').run();
        throw error;
      }
    });
  }

  async deleteUserSessions(userId: string): Promise<number> {
    const result = this.#run(() => this.#statement('DELETE FROM sessions WHERE user_id = ?').run(userId));
    return Number(result.changes);
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = this.#run(() => this.#statement('SELECT * FROM signing_keys ORDER BY created_at, kid').all());
    return rows.map((row) => signingKeyFromRow(KIND, row, textJsonColumn));
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#run(() =>
      this.#statement(
        'INSERT INTO signing_keys (kid, public_jwk, private_jwk, created_at, retires_at) VALUES (?, ?, ?, ?, ?)',
      ).run(
        key.kid,
        JSON.stringify(key.publicJwk),
        JSON.stringify(key.privateJwk),
        key.createdAt.getTime(),
        key.retiresAt === null ? null : key.retiresAt.getTime(),
      ),
    );
  }

  async retireSigningKey(kid: string, retiresAt: Date): Promise<void> {
    this.#run(() =>
      this.#statement('UPDATE signing_keys SET retires_at = ? WHERE kid = ?').run(retiresAt.getTime(), kid),
    );
  }

  async deleteSigningKey(kid: string): Promise<void> {
    this.#run(() => this.#statement('DELETE FROM signing_keys WHERE kid = ?').run(kid));
  }

  async incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState> {
    // Counters are not worth an fsync each: a power cut forgets a few failed attempts, never a session.
    const row = this.#run(() =>
      this.#withSynchronous('NORMAL', () =>
        this.#statement(
          `INSERT INTO counters (key, count, reset_at) VALUES (?1, 1, ?2 + ?3)
           ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN counters.reset_at <= ?2 THEN 1 ELSE counters.count + 1 END,
             reset_at = CASE WHEN counters.reset_at <= ?2 THEN ?2 + ?3 ELSE counters.reset_at END
           RETURNING count, reset_at`,
        ).get(key, now.getTime(), Math.max(1, Math.trunc(windowMs))),
      ),
    );
    return counterFromRow(row);
  }

  async readCounter(key: string, now: Date): Promise<CounterState | null> {
    const row = this.#run(() =>
      this.#statement('SELECT count, reset_at FROM counters WHERE key = ? AND reset_at > ?').get(key, now.getTime()),
    );
    return row ? counterFromRow(row) : null;
  }

  async deleteCounter(key: string): Promise<void> {
    this.#run(() =>
      this.#withSynchronous('NORMAL', () => this.#statement('DELETE FROM counters WHERE key = ?').run(key)),
    );
  }

  async deleteCountersExpiredBefore(now: Date): Promise<number> {
    const result = this.#run(() => this.#statement('DELETE FROM counters WHERE reset_at <= ?').run(now.getTime()));
    return Number(result.changes);
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    return this.#run(() => {
      this.#statement('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(
        name,
        value,
      );
      const row = this.#statement('SELECT value FROM settings WHERE name = ?').get(name);
      if (typeof row?.['value'] !== 'string')
        throw new SessionStoreError(KIND, 'CORRUPT', `the setting ${name} is not text`);
      return row['value'];
    });
  }

  async upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean> {
    const result = this.#run(() =>
      this.#statement('UPDATE users SET password_hash = ? WHERE user_id = ? AND password_hash = ?').run(
        newHash,
        userId,
        currentHash,
      ),
    );
    return Number(result.changes) > 0;
  }

  async setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void> {
    const sql = 'UPDATE signing_keys SET private_jwk = ? WHERE kid = ?';
    this.#run(() => this.#statement(sql).run(JSON.stringify(privateJwk), kid));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    try {
      this.#db.close();
    } catch (error) {
      throw new SessionStoreError(KIND, 'FAILED', 'closing the database failed', { cause: error });
    }
  }

  /**
   * Runs `operation` with `PRAGMA synchronous` at `level`, then back at FULL. In WAL mode NORMAL commits without an
   * fsync (about 20 µs instead of 300 µs here, all of it blocking the event loop); the next FULL commit syncs the
   * WAL, earlier frames included.
   */
  #withSynchronous<T>(level: 'FULL' | 'NORMAL', operation: () => T): T {
    if (level === 'FULL') return operation();
    this.#statement('PRAGMA synchronous = NORMAL').run();
    try {
      return operation();
    } finally {
      this.#statement('PRAGMA synchronous = FULL').run();
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #run<T>(operation: () => T): T {
    if (this.#closed) throw new SessionStoreError(KIND, 'CLOSED', 'the store was closed');
    try {
      return operation();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

function counterFromRow(row: Record<string, unknown> | undefined): CounterState {
  const count = Number(row?.['count']);
  const resetAt = Number(row?.['reset_at']);
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(resetAt))
    throw new SessionStoreError(KIND, 'CORRUPT', 'a counter row could not be read');
  return { count, resetAt: new Date(resetAt) };
}

/** File mode of the database, its WAL and its shared-memory file: the server's user only. */
export const SQLITE_FILE_MODE = 0o600;
/** Mode of a directory the store creates for its database. */
export const SQLITE_DIRECTORY_MODE = 0o700;

/**
 * Creates missing directories 0700 and the database file 0600 before SQLite opens it (SQLite gives the WAL and
 * shared-memory files the database file's mode), and takes group and other access away from existing files.
 */
function prepareDatabaseFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: SQLITE_DIRECTORY_MODE });
  closeSync(openSync(path, 'a', SQLITE_FILE_MODE));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, SQLITE_FILE_MODE);
  }
}

function toStoreError(error: unknown): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const errcode = (error as { errcode?: unknown }).errcode;
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    return new SessionStoreError(KIND, 'DUPLICATE', 'a row with this unique value already exists', { cause: error });
  }
  if (typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY) {
    return new SessionStoreError(KIND, 'UNAVAILABLE', 'the database is locked by another process', { cause: error });
  }
  return new SessionStoreError(KIND, 'FAILED', 'the database refused the operation', { cause: error });
}
