import type { Pool, PoolConfig } from 'pg';
import type { JsonObject } from '../../model/json.js';
import { importOptionalDriver } from './optional-driver.js';
import {
  JOINED_USER_COLUMNS,
  joinedUserFromRow,
  parsedJsonColumn,
  sessionFromRow,
  signingKeyFromRow,
  userFromRow,
} from './record-codec.js';
import {
  SessionStoreError,
  type CounterState,
  type SessionAccess,
  type SessionLookup,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type SigningKeyRecord,
  type UserRecord,
} from './session-store.js';

const KIND = 'postgres';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Options for {@link PostgresSessionStore.open}. */
export interface PostgresSessionStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Schema holding the tables, created on open when missing (lower-case letters, digits, `_`). Default `stytch_like`. */
  readonly schema?: string;
  /** Largest number of pooled connections. Default 10. */
  readonly maxConnections?: number;
  /** How long to wait for a connection. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one query may take (client and server side). Default 10 000 ms. */
  readonly queryTimeoutMs?: number;
  /** `application_name` of the connections, as `pg_stat_activity` shows it. Default `sessiontoken-stytch-like`. */
  readonly applicationName?: string;
}

type Row = Record<string, unknown>;

/**
 * Stores everything in PostgreSQL through `pg` (an optional peer dependency, loaded when this store is opened).
 * Several servers can share one database: every query is a single statement, so a session revoked through one
 * server is gone for all of them at once.
 */
export class PostgresSessionStore implements SessionStore {
  readonly kind = KIND;
  readonly #pool: Pool;
  readonly #tables: { users: string; sessions: string; keys: string; counters: string; settings: string };
  /** Statement text → its prepared-statement name (the same text always gets the same name). */
  readonly #statementNames = new Map<string, string>();
  #closed = false;

  private constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    const quoted = `"${schema}"`;
    this.#tables = {
      users: `${quoted}.users`,
      sessions: `${quoted}.sessions`,
      keys: `${quoted}.signing_keys`,
      counters: `${quoted}.counters`,
      settings: `${quoted}.settings`,
    };
  }

  /** Connects, and creates the schema and its tables when missing (under an advisory lock, so servers may start together). */
  static async open(options: PostgresSessionStoreOptions): Promise<PostgresSessionStore> {
    const schema = options.schema ?? 'stytch_like';
    if (!SCHEMA_NAME.test(schema)) {
      throw new SessionStoreError(
        KIND,
        'INVALID_URL',
        'the schema name must be 1 to 63 lower-case letters, digits or _, starting with a letter or _',
      );
    }
    const { Pool } = await importOptionalDriver(KIND, 'pg', () => import('pg'));
    const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 10_000,
      query_timeout: queryTimeoutMs,
      statement_timeout: queryTimeoutMs,
      application_name: options.applicationName ?? 'sessiontoken-stytch-like',
    };
    const pool = new Pool(config);
    // An idle connection that breaks is dropped by the pool; without a listener the error would crash the process.
    pool.on('error', () => {});
    const store = new PostgresSessionStore(pool, schema);
    try {
      await store.#createSchema(schema);
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return store;
  }

  async #createSchema(schema: string): Promise<void> {
    const { users, sessions, keys, counters, settings } = this.#tables;
    const client = await this.#connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sessiontoken-stytch-like:${schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${users} (
        user_id text PRIMARY KEY,
        email text NOT NULL UNIQUE,
        email_id text NOT NULL,
        password_id text NOT NULL,
        password_hash text NOT NULL,
        name jsonb NOT NULL,
        created_at timestamptz NOT NULL)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${sessions} (
        session_id text PRIMARY KEY,
        user_id text NOT NULL,
        token_id text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        started_at timestamptz NOT NULL,
        last_accessed_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        attributes jsonb NOT NULL,
        authentication_factors jsonb NOT NULL,
        custom_claims jsonb NOT NULL)`);
      await client.query(`CREATE INDEX IF NOT EXISTS sessions_by_user ON ${sessions} (user_id, expires_at)`);
      await client.query(`CREATE INDEX IF NOT EXISTS sessions_by_expiry ON ${sessions} (expires_at)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${keys} (
        kid text PRIMARY KEY,
        public_jwk jsonb NOT NULL,
        private_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        retires_at timestamptz)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${counters} (
        key text PRIMARY KEY,
        count integer NOT NULL,
        reset_at timestamptz NOT NULL)`);
      await client.query(`CREATE INDEX IF NOT EXISTS counters_by_reset ON ${counters} (reset_at)`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${settings} (name text PRIMARY KEY, value text NOT NULL)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw toStoreError(error);
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async insertUser(user: UserRecord): Promise<void> {
    await this.#query(
      `INSERT INTO ${this.#tables.users} (user_id, email, email_id, password_id, password_hash, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        user.userId,
        user.email,
        user.emailId,
        user.passwordId,
        user.passwordHash,
        JSON.stringify(user.name),
        user.createdAt,
      ],
    );
  }

  async findUserById(userId: string): Promise<UserRecord | null> {
    const rows = await this.#query(`SELECT * FROM ${this.#tables.users} WHERE user_id = $1`, [userId]);
    return rows[0] ? userFromRow(KIND, rows[0], parsedJsonColumn) : null;
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const rows = await this.#query(`SELECT * FROM ${this.#tables.users} WHERE email = $1`, [email]);
    return rows[0] ? userFromRow(KIND, rows[0], parsedJsonColumn) : null;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    await this.#query(
      `INSERT INTO ${this.#tables.sessions} (session_id, user_id, token_id, secret_hash, started_at, last_accessed_at, expires_at,
         attributes, authentication_factors, custom_claims) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        session.sessionId,
        session.userId,
        session.tokenId,
        session.secretHash,
        session.startedAt,
        session.lastAccessedAt,
        session.expiresAt,
        JSON.stringify(session.attributes),
        JSON.stringify(session.authenticationFactors),
        JSON.stringify(session.customClaims),
      ],
    );
  }

  async findSessionById(sessionId: string): Promise<SessionRecord | null> {
    const rows = await this.#query(`SELECT * FROM ${this.#tables.sessions} WHERE session_id = $1`, [sessionId]);
    return rows[0] ? sessionFromRow(KIND, rows[0], parsedJsonColumn) : null;
  }

  async findSessionByTokenId(tokenId: string): Promise<SessionRecord | null> {
    const rows = await this.#query(`SELECT * FROM ${this.#tables.sessions} WHERE token_id = $1`, [tokenId]);
    return rows[0] ? sessionFromRow(KIND, rows[0], parsedJsonColumn) : null;
  }

  async updateSession(sessionId: string, update: SessionUpdate): Promise<SessionRecord | null> {
    const rows = await this.#query(
      `UPDATE ${this.#tables.sessions} SET last_accessed_at = $1, expires_at = $2, authentication_factors = $3, custom_claims = $4
       WHERE session_id = $5 RETURNING *`,
      [
        update.lastAccessedAt,
        update.expiresAt,
        JSON.stringify(update.authenticationFactors),
        JSON.stringify(update.customClaims),
        sessionId,
      ],
    );
    return rows[0] ? sessionFromRow(KIND, rows[0], parsedJsonColumn) : null;
  }

  /**
   * One statement: finds the session, records the access when it is alive and the recorded one is in an earlier
   * second (last_accessed_at is kept to the second, as in the SQLite store: fewer writes, WAL flushes and dead rows),
   * and joins the user. The write commits without waiting for the WAL flush (`synchronous_commit` off for this
   * statement's transaction only, as SQLite's access-only writes skip the fsync): a crash of PostgreSQL can lose the
   * last fraction of a second of access times, never a session, an extension or a revocation. The secret hash is compared by PostgreSQL, not in constant time: what a timing difference
   * could reveal is the stored SHA-256 of a 168-bit random secret, from which no secret can be found, and the token
   * id lookup that precedes it in every store is timed too.
   */
  async recordAccess(lookup: SessionLookup, at: Date, maxLifetimeMs: number): Promise<SessionAccess | null> {
    const { sessions, users } = this.#tables;
    const byToken = 'tokenId' in lookup;
    const second = Math.floor(at.getTime() / 1000) * 1000;
    // Conditions on `s` are checked again on a row another transaction changed meanwhile; those on `hit` are not,
    // so two servers recording the same second both write, and neither answers "not found".
    const alive = (row: string) => `${row}.expires_at > $3::timestamptz AND ${row}.started_at > $4::timestamptz`;
    const earlierSecond = `(hit.last_accessed_at < $5::timestamptz OR hit.last_accessed_at >= $6::timestamptz)`;
    const rows = await this.#query(
      `WITH hit AS (
         SELECT * FROM ${sessions} WHERE ${byToken ? 'token_id = $1 AND secret_hash = $2' : 'session_id = $1 AND user_id = $2'}
       ), no_flush AS (
         SELECT set_config('synchronous_commit', 'off', true)
       ), written AS (
         UPDATE ${sessions} s SET last_accessed_at = $3::timestamptz FROM hit, no_flush
         WHERE s.session_id = hit.session_id AND ${alive('s')} AND ${earlierSecond}
         RETURNING s.*
       ), access AS (
         SELECT written.*, true AS touched FROM written
         UNION ALL
         SELECT hit.*, ${alive('hit')} AS touched FROM hit
         WHERE NOT EXISTS (SELECT 1 FROM written) AND NOT (${alive('hit')} AND ${earlierSecond})
       )
       SELECT access.*, ${JOINED_USER_COLUMNS} FROM access LEFT JOIN ${users} u ON u.user_id = access.user_id`,
      [
        byToken ? lookup.tokenId : lookup.sessionId,
        byToken ? lookup.secretHash : lookup.userId,
        at,
        new Date(at.getTime() - maxLifetimeMs),
        new Date(second),
        new Date(second + 1000),
      ],
    );
    // No row: no such session, or it was revoked between the statement's snapshot and its write.
    const row = rows[0];
    if (!row) return null;
    return {
      session: sessionFromRow(KIND, row, parsedJsonColumn),
      user: joinedUserFromRow(KIND, row, parsedJsonColumn),
      touched: row['touched'] === true,
    };
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const rows = await this.#query(`DELETE FROM ${this.#tables.sessions} WHERE session_id = $1 RETURNING session_id`, [
      sessionId,
    ]);
    return rows.length > 0;
  }

  async listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]> {
    const rows = await this.#query(
      `SELECT * FROM ${this.#tables.sessions} WHERE user_id = $1 AND expires_at > $2 ORDER BY started_at, session_id`,
      [userId, activeAt],
    );
    return rows.map((row) => sessionFromRow(KIND, row, parsedJsonColumn));
  }

  async deleteSessionsExpiredBefore(cutoff: Date): Promise<number> {
    const rows = await this.#query(`DELETE FROM ${this.#tables.sessions} WHERE expires_at <= $1 RETURNING session_id`, [
      cutoff,
    ]);
    return rows.length;
  }

  async updateUserPassword(userId: string, passwordHash: string): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#tables.users} SET password_hash = $1 WHERE user_id = $2 RETURNING user_id`,
      [passwordHash, userId],
    );
    return rows.length > 0;
  }

  async deleteUser(userId: string): Promise<boolean> {
    // One statement: the user and their sessions go together, for every server at once.
    const rows = await this.#query(
      `WITH gone AS (DELETE FROM ${this.#tables.sessions} WHERE user_id = $1)
       DELETE FROM ${this.#tables.users} WHERE user_id = $1 RETURNING user_id`,
      [userId],
    );
    return rows.length > 0;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    const sql = `DELETE FROM ${this.#tables.sessions} WHERE user_id = $1 RETURNING session_id`;
    const rows = await this.#query(sql, [userId]);
    return rows.length;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.#query(`SELECT * FROM ${this.#tables.keys} ORDER BY created_at, kid`);
    return rows.map((row) => signingKeyFromRow(KIND, row, parsedJsonColumn));
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.#query(
      `INSERT INTO ${this.#tables.keys} (kid, public_jwk, private_jwk, created_at, retires_at) VALUES ($1, $2, $3, $4, $5)`,
      [key.kid, JSON.stringify(key.publicJwk), JSON.stringify(key.privateJwk), key.createdAt, key.retiresAt],
    );
  }

  async retireSigningKey(kid: string, retiresAt: Date): Promise<void> {
    await this.#query(`UPDATE ${this.#tables.keys} SET retires_at = $1 WHERE kid = $2`, [retiresAt, kid]);
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#tables.keys} WHERE kid = $1`, [kid]);
  }

  async incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState> {
    const { counters } = this.#tables;
    const rows = await this.#query(
      `INSERT INTO ${counters} AS c (key, count, reset_at) VALUES ($1, 1, $2::timestamptz + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN c.reset_at <= $2 THEN 1 ELSE c.count + 1 END,
         reset_at = CASE WHEN c.reset_at <= $2 THEN $2::timestamptz + $3 * interval '1 millisecond' ELSE c.reset_at END
       RETURNING count, reset_at`,
      [key, now, Math.max(1, Math.trunc(windowMs))],
    );
    return counterFromRow(rows[0]);
  }

  async readCounter(key: string, now: Date): Promise<CounterState | null> {
    const rows = await this.#query(
      `SELECT count, reset_at FROM ${this.#tables.counters} WHERE key = $1 AND reset_at > $2`,
      [key, now],
    );
    return rows[0] ? counterFromRow(rows[0]) : null;
  }

  async deleteCounter(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#tables.counters} WHERE key = $1`, [key]);
  }

  async deleteCountersExpiredBefore(now: Date): Promise<number> {
    const rows = await this.#query(`DELETE FROM ${this.#tables.counters} WHERE reset_at <= $1 RETURNING key`, [now]);
    return rows.length;
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    // The no-op update makes RETURNING answer on a conflict too, in one statement.
    const rows = await this.#query(
      `INSERT INTO ${this.#tables.settings} (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = ${this.#tables.settings}.value RETURNING value`,
      [name, value],
    );
    const stored: unknown = rows[0]?.['value'];
    if (typeof stored !== 'string') throw new SessionStoreError(KIND, 'CORRUPT', `the setting ${name} is not text`);
    return stored;
  }

  async upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean> {
    const rows = await this.#query(
      `UPDATE ${this.#tables.users} SET password_hash = $1 WHERE user_id = $2 AND password_hash = $3 RETURNING user_id`,
      [newHash, userId, currentHash],
    );
    return rows.length > 0;
  }

  async setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void> {
    const sql = `UPDATE ${this.#tables.keys} SET private_jwk = $1 WHERE kid = $2`;
    await this.#query(sql, [JSON.stringify(privateJwk), kid]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#pool.end();
    } catch (error) {
      throw new SessionStoreError(KIND, 'FAILED', 'closing the connection pool failed', { cause: error });
    }
  }

  async #connect() {
    if (this.#closed) throw new SessionStoreError(KIND, 'CLOSED', 'the store was closed');
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `text` as a named prepared statement: each connection parses and plans it once. */
  async #query(text: string, values: unknown[] = []): Promise<Row[]> {
    if (this.#closed) throw new SessionStoreError(KIND, 'CLOSED', 'the store was closed');
    let name = this.#statementNames.get(text);
    if (name === undefined) {
      name = `stytch_like_${this.#statementNames.size + 1}`;
      this.#statementNames.set(text, name);
    }
    try {
      const result = await this.#pool.query<Row>({ name, text, values });
      return result.rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

function counterFromRow(row: Row | undefined): CounterState {
  const count = Number(row?.['count']);
  const resetAt = row?.['reset_at'];
  if (!Number.isSafeInteger(count) || !(resetAt instanceof Date) || Number.isNaN(resetAt.getTime())) {
    throw new SessionStoreError(KIND, 'CORRUPT', 'a counter row could not be read');
  }
  return { count, resetAt };
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

function toStoreError(error: unknown): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : '';
  const cause = withoutData(error);
  if (code === '23505')
    return new SessionStoreError(KIND, 'DUPLICATE', 'a row with this unique value already exists', { cause });
  if (
    (typeof code === 'string' &&
      (CONNECTION_ERRORS.has(code) ||
        code.startsWith('08') ||
        code === '57P01' ||
        code === '57P03' ||
        code === '57014')) ||
    /timeout|terminated|Connection|ECONNREFUSED/i.test(message)
  ) {
    return new SessionStoreError(KIND, 'UNAVAILABLE', 'PostgreSQL could not be reached or did not answer in time', {
      cause,
    });
  }
  return new SessionStoreError(KIND, 'FAILED', 'PostgreSQL refused the operation', { cause });
}

/**
 * An error PostgreSQL answered with, as a store error's `cause`: its SQLSTATE `code`, `severity` and the names of
 * what it concerns, without the fields that can quote stored values (`detail` says "Failing row contains (…)" with
 * every column, token id and secret hash included; `where` can quote data too).
 */
class PostgresServerError extends Error {
  override readonly name = 'PostgresServerError';
  readonly code: string;
  readonly severity: string | undefined;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly constraint: string | undefined;
  readonly routine: string | undefined;

  constructor(error: Record<string, unknown>, code: string) {
    // Data exceptions (class 22) quote the value in the message itself, and a trigger's RAISE (P0) may say anything.
    super(
      /^(22|P0)/.test(code)
        ? `PostgreSQL error ${code} (message withheld: it may quote stored data)`
        : String(error['message']),
    );
    const text = (name: string) => (typeof error[name] === 'string' ? error[name] : undefined);
    this.code = code;
    this.severity = text('severity');
    this.schema = text('schema');
    this.table = text('table');
    this.column = text('column');
    this.constraint = text('constraint');
    this.routine = text('routine');
  }
}

/** A server error reduced to a {@link PostgresServerError}; connection and client errors carry no data and stay. */
function withoutData(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const fields = error as Record<string, unknown>;
  const code = fields['code'];
  if (typeof code === 'string' && typeof fields['severity'] === 'string') return new PostgresServerError(fields, code);
  return error;
}
