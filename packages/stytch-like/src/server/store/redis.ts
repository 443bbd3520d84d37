import { randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import type { JsonObject } from '../../model/json.js';
import { importOptionalDriver } from './optional-driver.js';
import {
  parseJsonText,
  sessionFromDocument,
  sessionToDocument,
  signingKeyFromDocument,
  signingKeyToDocument,
  userFromDocument,
  userToDocument,
} from './record-codec.js';
import {
  EXPIRED_SESSION_RETENTION_MS,
  SessionStoreError,
  type CounterState,
  type SessionRecord,
  type SessionStore,
  type SessionUpdate,
  type SessionUpdateOptions,
  type SigningKeyRecord,
  type UserRecord,
} from './session-store.js';

const KIND = 'redis';
const KEY_PREFIX = /^[A-Za-z0-9:_.-]{1,100}$/;

/** Options for {@link RedisSessionStore.open}. */
export interface RedisSessionStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  readonly url: string;
  /** Prepended to every key, so several services (or test files) can share one Redis. Default `stytch-like:`. */
  readonly keyPrefix?: string;
  /** How long to wait for the connection. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one command may take. Default 5000 ms. */
  readonly commandTimeoutMs?: number;
  /** Connection name, as `CLIENT LIST` shows it. Default `sessiontoken-stytch-like`. */
  readonly clientName?: string;
  /** How the expired-session sweep divides its work; see {@link RedisSessionStore.sweepExpiredSessionsStep}. */
  readonly sweep?: RedisSweepOptions;
}

/**
 * How much one call of the expired-session sweep may do. A call walks at most `scanPagesPerCall` SCAN pages of
 * about `scanCount` keys each (SCAN examines every key of the database, and keeps the per-user indexes among them),
 * so one call costs about `scanPagesPerCall × scanCount` keys examined plus the expired entries of the indexes it
 * finds, whatever the size of the database.
 */
export interface RedisSweepOptions {
  /** SCAN calls per sweep call. Default 20. */
  readonly scanPagesPerCall?: number;
  /** The `COUNT` hint of each SCAN: about how many keys one page examines. Default 250. */
  readonly scanCount?: number;
  /**
   * How long a sweeping server holds the sweep lock (renewed after every page); a server that dies mid-call is taken
   * over after this long. Default 30 000 ms.
   */
  readonly lockMs?: number;
}

/** What one call of {@link RedisSessionStore.sweepExpiredSessionsStep} did. */
export interface RedisSweepStep {
  /** `false` when another server held the sweep lock: the call read and deleted nothing. */
  readonly ran: boolean;
  /** Sessions deleted: their stored expiry was at or before the cutoff when they were deleted. */
  readonly deleted: number;
  /** Index entries removed whose session was already gone (expired by TTL or deleted without its entry). */
  readonly staleEntriesRemoved: number;
  /** SCAN calls made. */
  readonly scanPages: number;
  /** Per-user indexes examined. */
  readonly indexesVisited: number;
  /** The SCAN cursor the call continued from; `'0'` when it started a new pass. */
  readonly startCursor: string;
  /** The cursor the next call continues from; `'0'` when this call finished a pass (or did not run). */
  readonly nextCursor: string;
  /** This call finished a pass: every index that existed for the whole pass has been examined. */
  readonly passComplete: boolean;
  /** The call stopped early because its lock had expired and another server had taken the sweep over. */
  readonly lockLost: boolean;
}

const DEFAULT_SWEEP = { scanPagesPerCall: 20, scanCount: 250, lockMs: 30_000 } as const;

// Creates the email index entry and the user in one step, or neither when the email is taken.
const INSERT_USER = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0`;

// Writes a session, its token index entry and the per-user index. With ARGV[5] = '1' only when the session exists and
// its stored text is still ARGV[6] (compare-and-set: 0 when gone, -1 when another writer changed it since the read).
const WRITE_SESSION = `
if ARGV[5] == '1' then
  local current = redis.call('GET', KEYS[1])
  if not current then return 0 end
  if current ~= ARGV[6] then return -1 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
return 1`;

// Records an access in one step: moves `last_accessed_at` forward (never back) and nothing else, keeping the TTL. The
// fields before it in the document are generated ids, hashes and numbers, so its first match is the field itself.
const TOUCH_SESSION = `
local text = redis.call('GET', KEYS[1])
if not text then return false end
local first, last, value = string.find(text, '"last_accessed_at":(%d+)', 1)
if not first then return redis.error_reply('session document without last_accessed_at') end
if tonumber(value) < tonumber(ARGV[1]) then
  text = string.sub(text, 1, first - 1) .. '"last_accessed_at":' .. ARGV[1] .. string.sub(text, last + 1)
  redis.call('SET', KEYS[1], text, 'KEEPTTL')
end
return text`;

// Takes the sweep lock when it is free and answers the saved SCAN cursor ('0' starts a pass); nil when it is taken.
const ACQUIRE_SWEEP = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[2]) or '0'`;

// Saves the cursor after a page and renews the lock, only while the lock is still the caller's (0 when it was lost:
// a late writer must not move back the cursor of the server that took over). '0' ends the pass: the cursor goes.
const CHECKPOINT_SWEEP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// Sweeps up to ARGV[3] entries of one user's index scored at or before the cutoff ARGV[1], in one atomic step: a
// session is deleted (with its token entry) only if its stored expiry is still at or before the cutoff, so a
// session extended after the index was read survives. An entry whose session is gone is removed; one whose session
// was extended is re-scored. Answers {deleted, stale entries removed, entries settled, entries read}. A key that is
// not a sorted set (written by something else) is passed over rather than stopping every pass at its page.
const SWEEP_INDEX = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'zset' then return {0, 0, 0, 0} end
local cutoff = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted, stale, settled = 0, 0, 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. 'session:' .. id
  local text = redis.call('GET', key)
  if not text then
    redis.call('ZREM', KEYS[1], id)
    stale = stale + 1
    settled = settled + 1
  else
    local ok, document = pcall(cjson.decode, text)
    local expires = ok and type(document) == 'table' and tonumber(document['expires_at'])
    if expires and expires <= cutoff then
      redis.call('DEL', key)
      if type(document['token_id']) == 'string' then
        redis.call('DEL', ARGV[2] .. 'session-by-token:' .. document['token_id'])
      end
      redis.call('ZREM', KEYS[1], id)
      deleted = deleted + 1
      settled = settled + 1
    elseif expires then
      redis.call('ZADD', KEYS[1], expires, id)
      settled = settled + 1
    end
  end
end
return {deleted, stale, settled, #ids}`;

// Deletes the sweep lock only while it is still the caller's (it may have expired and been taken by another server).
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Attempts at a compare-and-set update before giving up on a session that every attempt found changed. */
const UPDATE_ATTEMPTS = 16;
/** Index entries one sweep script settles at most, so that no script keeps Redis busy for long. */
const SWEEP_INDEX_BATCH = 100;
/** A saved cursor nobody continues for this long is dropped, and the next sweep starts a new pass. */
const SWEEP_CURSOR_TTL_MS = 7 * 24 * 60 * 60_000;

// Adds one to a counter and gives it its window's TTL when it starts one; answers the count and the time left.
const INCREMENT_COUNTER = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// Compare-and-set of a whole document: written only while the stored text is still the one read.
const REPLACE_IF_UNCHANGED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

// A user id no user has: an unknown email still costs a second GET, as a known one does.
const ABSENT_USER_ID = 'user-absent-0000000000000000000000000000';

/**
 * Stores everything in Redis through the official `redis` client (an optional peer dependency, loaded when this
 * store is opened). Sessions expire by TTL (their expiry plus {@link EXPIRED_SESSION_RETENTION_MS}); each user has
 * a sorted-set index of session ids scored by expiry. Servers sharing the store share the expired-session sweep:
 * bounded steps, one server at a time, each continuing where the last stopped
 * ({@link RedisSessionStore.sweepExpiredSessionsStep}).
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = KIND;
  readonly #client: RedisClientType;
  readonly #prefix: string;
  readonly #isErrorReply: (error: unknown) => boolean;
  readonly #sweep: Required<RedisSweepOptions>;
  #closed = false;

  private constructor(
    client: RedisClientType,
    prefix: string,
    isErrorReply: (error: unknown) => boolean,
    sweep: Required<RedisSweepOptions>,
  ) {
    this.#client = client;
    this.#prefix = prefix;
    this.#isErrorReply = isErrorReply;
    this.#sweep = sweep;
  }

  /**
   * Connects; fails with `UNAVAILABLE` when Redis does not answer within the connect timeout. Throws a `TypeError`
   * for sweep options that are not positive integers in range.
   */
  static async open(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
    const prefix = options.keyPrefix ?? 'stytch-like:';
    if (!KEY_PREFIX.test(prefix)) {
      throw new SessionStoreError(
        KIND,
        'INVALID_URL',
        'the key prefix must be 1 to 100 characters from A-Z a-z 0-9 : _ . -',
      );
    }
    const sweep = sweepOptions(options.sweep);
    const { createClient, ErrorReply } = await importOptionalDriver(KIND, 'redis', () => import('redis'));
    let connected = false;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const client = createClient({
      url: options.url,
      name: options.clientName ?? 'sessiontoken-stytch-like',
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs ?? 5000 },
      socket: {
        connectTimeout: connectTimeoutMs,
        // Give up at once on the first connection; once connected, keep reconnecting with a capped backoff.
        reconnectStrategy: (retries, cause) => (connected ? Math.min(50 * 2 ** retries, 2000) : cause),
      },
    }) as unknown as RedisClientType;
    // Without a listener a connection error would crash the process; commands still reject with it.
    client.on('error', () => {});
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        }),
      ]);
      connected = true;
    } catch (error) {
      client.destroy();
      throw new SessionStoreError(KIND, 'UNAVAILABLE', 'Redis could not be reached', { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return new RedisSessionStore(client, prefix, (error) => error instanceof ErrorReply, sweep);
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#client.ping());
  }

  async insertUser(user: UserRecord): Promise<void> {
    const inserted = await this.#run(() =>
      this.#client.eval(INSERT_USER, {
        keys: [this.#key('user-by-email', user.email), this.#key('user', user.userId)],
        arguments: [user.userId, JSON.stringify(userToDocument(user))],
      }),
    );
    if (inserted !== 1) throw new SessionStoreError(KIND, 'DUPLICATE', 'a user with this email already exists');
  }

  async findUserById(userId: string): Promise<UserRecord | null> {
    const text = await this.#run(() => this.#client.get(this.#key('user', userId)));
    return text === null ? null : userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const userId = await this.#run(() => this.#client.get(this.#key('user-by-email', email)));
    // The same two round trips for a known and an unknown email, so timing does not tell which emails exist.
    const user = await this.findUserById(userId ?? ABSENT_USER_ID);
    return userId === null ? null : user;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    if (await this.#run(() => this.#client.exists(this.#key('session-by-token', session.tokenId)))) {
      throw new SessionStoreError(KIND, 'DUPLICATE', 'a session with this token id already exists');
    }
    await this.#writeSession(session, null);
  }

  async findSessionById(sessionId: string): Promise<SessionRecord | null> {
    const text = await this.#run(() => this.#client.get(this.#key('session', sessionId)));
    return text === null ? null : sessionFromDocument(KIND, parseJsonText(KIND, text, 'session'));
  }

  async findSessionByTokenId(tokenId: string): Promise<SessionRecord | null> {
    const sessionId = await this.#run(() => this.#client.get(this.#key('session-by-token', tokenId)));
    return sessionId === null ? null : this.findSessionById(sessionId);
  }

  /**
   * An access-only update is one script that changes `lastAccessedAt` alone; any other is a compare-and-set (the write
   * lands only if the session's stored text is the one read, else it is read again and retried). So a plain
   * session check racing an extension or a claims change cannot write the old expiry or claims back; no update
   * moves `lastAccessedAt` backwards.
   */
  async updateSession(
    sessionId: string,
    update: SessionUpdate,
    options: SessionUpdateOptions = {},
  ): Promise<SessionRecord | null> {
    if (options.lastAccessOnly) {
      const touched = await this.#run(() =>
        this.#client.eval(TOUCH_SESSION, {
          keys: [this.#key('session', sessionId)],
          arguments: [String(update.lastAccessedAt.getTime())],
        }),
      );
      return typeof touched === 'string' ? sessionFromDocument(KIND, parseJsonText(KIND, touched, 'session')) : null;
    }
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const text = await this.#run(() => this.#client.get(this.#key('session', sessionId)));
      if (text === null) return null;
      const current = sessionFromDocument(KIND, parseJsonText(KIND, text, 'session'));
      const lastAccessedAt =
        current.lastAccessedAt.getTime() > update.lastAccessedAt.getTime()
          ? current.lastAccessedAt
          : update.lastAccessedAt;
      const next: SessionRecord = { ...current, ...update, lastAccessedAt };
      const written = await this.#writeSession(next, text);
      if (written === 1) return next;
      if (written === 0) return null;
    }
    throw new SessionStoreError(
      KIND,
      'FAILED',
      `the session changed under each of ${UPDATE_ATTEMPTS} attempts to update it`,
    );
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const session = await this.findSessionById(sessionId);
    if (!session) return false;
    const [deleted] = await this.#run(() =>
      this.#client
        .multi()
        .del(this.#key('session', sessionId))
        .del(this.#key('session-by-token', session.tokenId))
        .zRem(this.#key('user-sessions', session.userId), sessionId)
        .exec(),
    );
    return Number(deleted) > 0;
  }

  async listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]> {
    const index = this.#key('user-sessions', userId);
    const ids = await this.#run(() => this.#client.zRangeByScore(index, `(${activeAt.getTime()}`, '+inf'));
    if (ids.length === 0) return [];
    const texts = await this.#run(() => this.#client.mGet(ids.map((id) => this.#key('session', id))));
    const sessions = texts.flatMap((text) =>
      text === null ? [] : [sessionFromDocument(KIND, parseJsonText(KIND, text, 'session'))],
    );
    return sessions
      .filter((s) => s.expiresAt.getTime() > activeAt.getTime())
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.sessionId.localeCompare(b.sessionId));
  }

  /**
   * One step of the expired-session sweep; resolves with how many sessions it deleted. See
   * {@link RedisSessionStore.sweepExpiredSessionsStep}: a call does a bounded part of a pass over the per-user
   * indexes, so a full pass takes several calls (from this server or any other sharing the store).
   */
  async deleteSessionsExpiredBefore(cutoff: Date): Promise<number> {
    return (await this.sweepExpiredSessionsStep(cutoff)).deleted;
  }

  /**
   * Session records expire by TTL (their expiry plus the retention hour); the sweep removes sessions earlier when
   * asked and cleans the per-user indexes of entries whose session is gone. It walks the indexes with SCAN in
   * steps:
   *
   * - One server walks at a time: a call first takes a lock in Redis (`SET NX PX`, `sweep.lockMs`); a call that finds
   *   it taken returns at once with `ran: false`.
   * - A call walks at most `sweep.scanPagesPerCall` SCAN pages and saves the cursor in Redis after each one (only
   *   while it still holds the lock, which each save renews), so the next call, from any server, continues where it
   *   stopped. A call ends at the end of a pass (`passComplete`); the cursor is then dropped and the next call starts
   *   a new pass. A server that dies mid-call leaves its lock to expire, and the next server continues from the last
   *   saved page.
   * - Each index is swept by one script that deletes a session only if its stored expiry is still at or before
   *   `cutoff`: a session extended after the sweep read the index survives.
   *
   * SCAN returns every index that exists for the whole of a pass; an index created during a pass may wait for the
   * next one.
   */
  async sweepExpiredSessionsStep(cutoff: Date): Promise<RedisSweepStep> {
    const lock = this.#key('sweep-lock');
    const cursorKey = this.#key('sweep-cursor');
    const owner = randomUUID();
    const saved = await this.#run(() =>
      this.#client.eval(ACQUIRE_SWEEP, { keys: [lock, cursorKey], arguments: [owner, String(this.#sweep.lockMs)] }),
    );
    if (saved === null) {
      return {
        ran: false,
        deleted: 0,
        staleEntriesRemoved: 0,
        scanPages: 0,
        indexesVisited: 0,
        startCursor: '0',
        nextCursor: '0',
        passComplete: false,
        lockLost: false,
      };
    }
    const startCursor = typeof saved === 'string' && /^\d{1,20}$/.test(saved) ? saved : '0';
    const step = {
      ran: true,
      deleted: 0,
      staleEntriesRemoved: 0,
      scanPages: 0,
      indexesVisited: 0,
      startCursor,
      nextCursor: startCursor,
      passComplete: false,
      lockLost: false,
    };
    try {
      while (step.scanPages < this.#sweep.scanPagesPerCall) {
        const page = await this.#run(() =>
          this.#client.scan(step.nextCursor, {
            MATCH: `${this.#prefix}user-sessions:*`,
            COUNT: this.#sweep.scanCount,
          }),
        );
        step.scanPages++;
        // A page's indexes are swept in one pipeline: each script is atomic on its own, and a page is at most a few
        // hundred of them.
        const swept = await Promise.all(page.keys.map((index) => this.#sweepIndex(index, cutoff)));
        for (const { deleted, stale } of swept) {
          step.indexesVisited++;
          step.deleted += deleted;
          step.staleEntriesRemoved += stale;
        }
        const next = String(page.cursor);
        const kept = await this.#run(() =>
          this.#client.eval(CHECKPOINT_SWEEP, {
            keys: [lock, cursorKey],
            arguments: [owner, next, String(this.#sweep.lockMs), String(SWEEP_CURSOR_TTL_MS)],
          }),
        );
        if (kept !== 1) {
          step.lockLost = true;
          break;
        }
        step.nextCursor = next;
        if (next === '0') {
          step.passComplete = true;
          break;
        }
      }
    } catch (error) {
      // The first failure is the one to report; a lock that cannot be released expires by itself.
      await this.#releaseSweepLock(lock, owner).catch(() => {});
      throw error;
    }
    await this.#releaseSweepLock(lock, owner);
    return step;
  }

  /** Sweeps one index to the end of its entries at or before `cutoff`, in bounded scripts. */
  async #sweepIndex(index: string, cutoff: Date): Promise<{ deleted: number; stale: number }> {
    let deleted = 0;
    let stale = 0;
    for (;;) {
      const reply = await this.#run(() =>
        this.#client.eval(SWEEP_INDEX, {
          keys: [index],
          arguments: [String(cutoff.getTime()), this.#prefix, String(SWEEP_INDEX_BATCH)],
        }),
      );
      const [removed, gone, settled, read] = Array.isArray(reply) ? reply.map(Number) : [];
      if (![removed, gone, settled, read].every((n) => Number.isSafeInteger(n))) {
        throw new SessionStoreError(KIND, 'CORRUPT', 'the sweep script answered something unexpected');
      }
      deleted += removed!;
      stale += gone!;
      // A full batch all settled may have more behind it; an entry left unsettled (an unreadable session) stays.
      if (read! < SWEEP_INDEX_BATCH || settled! < read!) return { deleted, stale };
    }
  }

  async #releaseSweepLock(lock: string, owner: string): Promise<void> {
    await this.#run(() => this.#client.eval(RELEASE_LOCK, { keys: [lock], arguments: [owner] }));
  }

  async updateUserPassword(userId: string, passwordHash: string): Promise<boolean> {
    const user = await this.findUserById(userId);
    if (!user) return false;
    const document = JSON.stringify(userToDocument({ ...user, passwordHash }));
    const written = await this.#run(() => this.#client.set(this.#key('user', userId), document, { XX: true }));
    return written !== null;
  }

  async deleteUser(userId: string): Promise<boolean> {
    const user = await this.findUserById(userId);
    if (!user) return false;
    // The user goes first, so no new session can start for them while their sessions are deleted.
    const [deleted] = await this.#run(() =>
      this.#client.multi().del(this.#key('user', userId)).del(this.#key('user-by-email', user.email)).exec(),
    );
    await this.deleteUserSessions(userId);
    return Number(deleted) > 0;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    const index = this.#key('user-sessions', userId);
    const ids = await this.#run(() => this.#client.zRange(index, 0, -1));
    let deleted = 0;
    for (const id of ids) {
      if (await this.deleteSession(id)) deleted++;
      else await this.#run(() => this.#client.zRem(index, id));
    }
    return deleted;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const entries = await this.#run(() => this.#client.hGetAll(this.#key('signing-keys')));
    return Object.values(entries)
      .map((text) => signingKeyFromDocument(KIND, parseJsonText(KIND, text, 'signing key')))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kid.localeCompare(b.kid));
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    const added = await this.#run(() =>
      this.#client.hSetNX(this.#key('signing-keys'), key.kid, JSON.stringify(signingKeyToDocument(key))),
    );
    if (!added) throw new SessionStoreError(KIND, 'DUPLICATE', 'a signing key with this kid already exists');
  }

  async retireSigningKey(kid: string, retiresAt: Date): Promise<void> {
    const text = await this.#run(() => this.#client.hGet(this.#key('signing-keys'), kid));
    if (text === null || text === undefined) return;
    const key = signingKeyFromDocument(KIND, parseJsonText(KIND, text, 'signing key'));
    await this.#run(() =>
      this.#client.hSet(this.#key('signing-keys'), kid, JSON.stringify(signingKeyToDocument({ ...key, retiresAt }))),
    );
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.#run(() => this.#client.hDel(this.#key('signing-keys'), kid));
  }

  async incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState> {
    const reply = await this.#run(() =>
      this.#client.eval(INCREMENT_COUNTER, {
        keys: [this.#key('counter', key)],
        arguments: [String(Math.max(1, Math.trunc(windowMs)))],
      }),
    );
    const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [];
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(ttl))
      throw new SessionStoreError(KIND, 'CORRUPT', 'a counter could not be read');
    return { count: count!, resetAt: new Date(now.getTime() + ttl!) };
  }

  async readCounter(key: string, now: Date): Promise<CounterState | null> {
    const counterKey = this.#key('counter', key);
    const [text, ttl] = await this.#run(() => this.#client.multi().get(counterKey).pTTL(counterKey).exec());
    const count = Number(text);
    if (text === null || text === undefined || Number(ttl) <= 0) return null;
    if (!Number.isSafeInteger(count)) throw new SessionStoreError(KIND, 'CORRUPT', 'a counter could not be read');
    return { count, resetAt: new Date(now.getTime() + Number(ttl)) };
  }

  async deleteCounter(key: string): Promise<void> {
    await this.#run(() => this.#client.del(this.#key('counter', key)));
  }

  async deleteCountersExpiredBefore(): Promise<number> {
    // Counters expire by TTL.
    return 0;
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    const key = this.#key('setting', name);
    // SET NX GET: one command that writes only when absent and answers with what was there.
    const previous = await this.#run(() => this.#client.set(key, value, { NX: true, GET: true }));
    return typeof previous === 'string' ? previous : value;
  }

  async upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean> {
    const key = this.#key('user', userId);
    const text = await this.#run(() => this.#client.get(key));
    if (text === null) return false;
    const user = userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
    if (user.passwordHash !== currentHash) return false;
    const next = JSON.stringify(userToDocument({ ...user, passwordHash: newHash }));
    const updated = await this.#run(() =>
      this.#client.eval(REPLACE_IF_UNCHANGED, { keys: [key], arguments: [text, next] }),
    );
    return updated === 1;
  }

  async setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void> {
    const text = await this.#run(() => this.#client.hGet(this.#key('signing-keys'), kid));
    if (text === null || text === undefined) return;
    const key = signingKeyFromDocument(KIND, parseJsonText(KIND, text, 'signing key'));
    const document = JSON.stringify(signingKeyToDocument({ ...key, privateJwk }));
    await this.#run(() => this.#client.hSet(this.#key('signing-keys'), kid, document));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#client.isReady) {
      try {
        await this.#client.close();
        return;
      } catch {
        // Fall through: a client that cannot close gracefully is torn down.
      }
    }
    this.#client.destroy();
  }

  /**
   * Writes a session with its TTL. With `expectedText` (the stored text it was read as) only as a compare-and-set:
   * 1 written, 0 deleted meanwhile, -1 changed meanwhile (nothing written).
   */
  async #writeSession(session: SessionRecord, expectedText: string | null): Promise<number> {
    const ttlMs = Math.max(1000, session.expiresAt.getTime() + EXPIRED_SESSION_RETENTION_MS - Date.now());
    const written = await this.#run(() =>
      this.#client.eval(WRITE_SESSION, {
        keys: [
          this.#key('session', session.sessionId),
          this.#key('session-by-token', session.tokenId),
          this.#key('user-sessions', session.userId),
        ],
        arguments: [
          JSON.stringify(sessionToDocument(session)),
          String(ttlMs),
          String(session.expiresAt.getTime()),
          session.sessionId,
          expectedText === null ? '0' : '1',
          expectedText ?? '',
        ],
      }),
    );
    return Number(written);
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(':');
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new SessionStoreError(KIND, 'CLOSED', 'the store was closed');
    try {
      return await operation();
    } catch (error) {
      if (error instanceof SessionStoreError) throw error;
      if (this.#isErrorReply(error)) {
        throw new SessionStoreError(KIND, 'FAILED', 'Redis refused the command', { cause: error });
      }
      throw new SessionStoreError(KIND, 'UNAVAILABLE', 'Redis could not be reached or did not answer in time', {
        cause: error,
      });
    }
  }
}

function sweepOptions(options: RedisSweepOptions | undefined): Required<RedisSweepOptions> {
  const resolved = { ...DEFAULT_SWEEP, ...options };
  const check = (name: keyof RedisSweepOptions, min: number, max: number) => {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new TypeError(`sweep.${name} must be an integer from ${min} to ${max}`);
    }
  };
  check('scanPagesPerCall', 1, 100_000);
  check('scanCount', 1, 100_000);
  check('lockMs', 100, 24 * 60 * 60_000);
  return resolved;
}
