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
import { RedisKeyLayout, isRedisClusterUrl, parseRedisClusterUrl } from './redis-layout.js';
import {
  ACQUIRE_SWEEP,
  CHECKPOINT_SWEEP,
  DELETE_IF_EQUAL,
  DELETE_SESSION,
  DELETE_USER,
  INCREMENT_COUNTER,
  INSERT_USER,
  READ_COUNTER,
  RECORD_ACCESS,
  REPLACE_FIELD_IF_UNCHANGED,
  REPLACE_IF_UNCHANGED,
  SWEEP_CLUSTER_INDEX,
  SWEEP_INDEX,
  TOUCH_SESSION,
  WRITE_SESSION,
} from './redis-scripts.js';
import {
  EXPIRED_SESSION_RETENTION_MS,
  SessionStoreError,
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

const KIND = 'redis';
const KEY_PREFIX = /^[A-Za-z0-9:_.-]{1,100}$/;

/** Options for {@link RedisSessionStore.open}. */
export interface RedisSessionStoreOptions {
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://…` for one Redis; `redis+cluster://[user:password@]host:port,host:port`
   * (or `rediss+cluster://…`) for a Redis Cluster, where any one reachable node finds the others.
   */
  readonly url: string;
  /**
   * Prepended to every key, so several services (or test files) can share one Redis. Default: the cluster URL's
   * `prefix` parameter, else `stytch-like:`.
   */
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

/** Attempts at a compare-and-set update before giving up on a record that every attempt found changed. */
const UPDATE_ATTEMPTS = 16;
/** Index entries one sweep script settles at most, so that no script keeps Redis busy for long. */
const SWEEP_INDEX_BATCH = 100;
/** A saved cursor nobody continues for this long is dropped, and the next sweep starts a new pass. */
const SWEEP_CURSOR_TTL_MS = 7 * 24 * 60 * 60_000;

// A user id no user has: an unknown email still costs a second GET, as a known one does.
const ABSENT_USER_ID = 'user-absent-0000000000000000000000000000';

/** The commands this store sends through a single-Redis client or a cluster client alike (keys of one slot each). */
interface RedisKeyCommands {
  get(key: string): Promise<string | null>;
  set(
    key: string,
    value: string,
    options?: { readonly NX?: boolean; readonly XX?: boolean; readonly GET?: boolean; readonly PX?: number },
  ): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  exists(keys: string | string[]): Promise<number>;
  del(keys: string | string[]): Promise<number>;
  mGet(keys: string[]): Promise<(string | null)[]>;
  zRangeByScore(
    key: string,
    min: string,
    max: string,
    options?: { LIMIT: { offset: number; count: number } },
  ): Promise<string[]>;
  zRange(key: string, start: number, stop: number): Promise<string[]>;
  zRem(key: string, member: string): Promise<number>;
  hGetAll(key: string): Promise<Record<string, string>>;
  hSetNX(key: string, field: string, value: string): Promise<number | boolean>;
  hGet(key: string, field: string): Promise<string | null | undefined>;
  hDel(key: string, field: string): Promise<number>;
  readonly isReady: boolean;
  close(): Promise<void>;
  destroy(): void;
}

/** A node of a cluster: what a sweep needs to walk its keys. */
interface RedisNodeCommands {
  ping(): Promise<string>;
  scan(cursor: string, options: { MATCH: string; COUNT: number }): Promise<{ cursor: string | number; keys: string[] }>;
}

/** What this store reaches Redis through: one server, or every master of a cluster. */
type RedisConnection =
  | { readonly cluster: false; readonly commands: RedisKeyCommands; readonly server: RedisNodeCommands }
  | {
      readonly cluster: true;
      readonly commands: RedisKeyCommands;
      readonly masters: () => Promise<RedisNodeCommands[]>;
    };

/** Error replies that mean a part of a cluster is out of reach, not that the command was wrong. */
const UNAVAILABLE_REPLY = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING|ASK|MOVED)\b/;

/**
 * Stores everything in Redis through the official `redis` client (an optional peer dependency, loaded when this
 * store is opened): a single Redis (`redis://`, `rediss://`) or a Redis Cluster (`redis+cluster://host:port,…`).
 * Sessions expire by TTL (their expiry plus {@link EXPIRED_SESSION_RETENTION_MS}); each user has a sorted-set index of
 * session ids scored by expiry. Servers sharing the store share the expired-session sweep: bounded steps, one server
 * at a time, each continuing where the last stopped ({@link RedisSessionStore.sweepExpiredSessionsStep}).
 *
 * On a cluster every key of one user (the user, their index and their sessions) is in one hash slot, and no command or
 * script spans two slots; see `RedisKeyLayout` (`redis-layout.ts`) for what that costs: a session found by token or by id alone
 * takes one more round trip there, to read the pointer that names its user.
 */
export class RedisSessionStore implements SessionStore {
  readonly kind = KIND;
  readonly #connection: RedisConnection;
  readonly #redis: RedisKeyCommands;
  readonly #keys: RedisKeyLayout;
  readonly #isErrorReply: (error: unknown) => boolean;
  readonly #sweep: Required<RedisSweepOptions>;
  #closed = false;

  private constructor(
    connection: RedisConnection,
    keys: RedisKeyLayout,
    isErrorReply: (error: unknown) => boolean,
    sweep: Required<RedisSweepOptions>,
  ) {
    this.#connection = connection;
    this.#redis = connection.commands;
    this.#keys = keys;
    this.#isErrorReply = isErrorReply;
    this.#sweep = sweep;
  }

  /**
   * Connects; fails with `UNAVAILABLE` when Redis does not answer within the connect timeout (on a cluster: when no
   * node given answers, or the cluster's slots cannot be read). Throws a `TypeError` for sweep options that are not
   * positive integers in range.
   */
  static async open(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
    const cluster = isRedisClusterUrl(options.url) ? parseRedisClusterUrl(options.url) : null;
    const prefix = options.keyPrefix ?? cluster?.keyPrefix ?? 'stytch-like:';
    if (!KEY_PREFIX.test(prefix)) {
      throw new SessionStoreError(
        KIND,
        'INVALID_URL',
        'the key prefix must be 1 to 100 characters from A-Z a-z 0-9 : _ . -',
      );
    }
    const sweep = sweepOptions(options.sweep);
    const { createClient, createCluster, ErrorReply } = await importOptionalDriver(
      KIND,
      'redis',
      () => import('redis'),
    );
    let connected = false;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const socket = {
      connectTimeout: connectTimeoutMs,
      // Give up at once on the first connection; once connected, keep reconnecting with a capped backoff.
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(50 * 2 ** retries, 2000) : cause),
    };
    const name = options.clientName ?? 'sessiontoken-stytch-like';
    const commandOptions = { timeout: options.commandTimeoutMs ?? 5000 };
    let connection: RedisConnection;
    if (cluster) {
      const client = createCluster({
        rootNodes: cluster.rootNodes.map((url) => ({ url })),
        defaults: {
          name,
          disableOfflineQueue: true,
          ...(cluster.username === undefined ? {} : { username: cluster.username }),
          ...(cluster.password === undefined ? {} : { password: cluster.password }),
          socket: cluster.tls ? { ...socket, tls: true } : socket,
        },
        commandOptions,
      });
      const masters = async () =>
        Promise.all(
          mastersInSlotOrder(client.slots).map(
            async (master) => (await client.nodeClient(master)) as unknown as RedisNodeCommands,
          ),
        );
      connection = { cluster: true, commands: client as unknown as RedisKeyCommands, masters };
    } else {
      const client = createClient({
        url: options.url,
        name,
        disableOfflineQueue: true,
        commandOptions,
        socket,
      });
      connection = {
        cluster: false,
        commands: client as unknown as RedisKeyCommands,
        server: client as unknown as RedisNodeCommands,
      };
    }
    const client = connection.commands as unknown as RedisClientType;
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
    return new RedisSessionStore(
      connection,
      new RedisKeyLayout(prefix, connection.cluster),
      (error) => error instanceof ErrorReply,
      sweep,
    );
  }

  /** Whether this store is on a Redis Cluster. */
  get cluster(): boolean {
    return this.#connection.cluster;
  }

  /** Resolves when Redis answers (on a cluster: every master). */
  async ping(): Promise<void> {
    const connection = this.#connection;
    if (!connection.cluster) await this.#run(() => connection.server.ping());
    else await this.#run(async () => Promise.all((await connection.masters()).map((master) => master.ping())));
  }

  async insertUser(user: UserRecord): Promise<void> {
    const userKey = this.#keys.user(user.userId);
    const emailKey = this.#keys.email(user.email);
    const document = JSON.stringify(userToDocument(user));
    if (!this.#keys.cluster) {
      const inserted = await this.#run(() =>
        this.#redis.eval(INSERT_USER, { keys: [emailKey, userKey], arguments: [user.userId, document] }),
      );
      if (inserted !== 1) throw duplicateEmail();
      return;
    }
    // Cluster: the user and the email entry are in different slots. The user is written first, so an email entry
    // always names a user that was written; an entry left naming no user (a deletion cut off between the two) is
    // taken over.
    if ((await this.#run(() => this.#redis.set(userKey, document, { NX: true }))) === null) {
      throw new SessionStoreError(KIND, 'DUPLICATE', 'a user with this id already exists');
    }
    try {
      if ((await this.#run(() => this.#redis.set(emailKey, user.userId, { NX: true }))) !== null) return;
      const holder = await this.#run(() => this.#redis.get(emailKey));
      const orphaned = holder !== null && (await this.#run(() => this.#redis.exists(this.#keys.user(holder)))) === 0;
      const taken =
        orphaned &&
        (await this.#run(() =>
          this.#redis.eval(REPLACE_IF_UNCHANGED, { keys: [emailKey], arguments: [holder, user.userId] }),
        )) === 1;
      if (taken) return;
    } catch (error) {
      await this.#run(() => this.#redis.eval(DELETE_IF_EQUAL, { keys: [userKey], arguments: [document] })).catch(
        () => {},
      );
      throw error;
    }
    await this.#run(() => this.#redis.eval(DELETE_IF_EQUAL, { keys: [userKey], arguments: [document] }));
    throw duplicateEmail();
  }

  async findUserById(userId: string): Promise<UserRecord | null> {
    const text = await this.#run(() => this.#redis.get(this.#keys.user(userId)));
    return text === null ? null : userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
  }

  async findUserByEmail(email: string): Promise<UserRecord | null> {
    const userId = await this.#run(() => this.#redis.get(this.#keys.email(email)));
    // The same two round trips for a known and an unknown email, so timing does not tell which emails exist.
    const user = await this.findUserById(userId ?? ABSENT_USER_ID);
    return userId === null ? null : user;
  }

  async insertSession(session: SessionRecord): Promise<void> {
    const tokenKey = this.#keys.token(session.tokenId);
    if (!this.#keys.cluster) {
      if (await this.#run(() => this.#redis.exists(tokenKey))) throw duplicateToken();
      await this.#writeSession(session, null);
      return;
    }
    // Cluster: the pointers first (the token's claims the token id), then the session with its user.
    const ttlMs = sessionTtlMs(session);
    const pointer = JSON.stringify([session.userId, session.sessionId]);
    if ((await this.#run(() => this.#redis.set(tokenKey, pointer, { NX: true, PX: ttlMs }))) === null) {
      throw duplicateToken();
    }
    await Promise.all([
      this.#run(() => this.#redis.set(this.#keys.sessionUser(session.sessionId), session.userId, { PX: ttlMs })),
      this.#writeSession(session, null),
    ]);
  }

  async findSessionById(sessionId: string): Promise<SessionRecord | null> {
    const userId = this.#keys.cluster ? await this.#userOfSession(sessionId) : '';
    if (userId === null) return null;
    const session = await this.#readSession(userId, sessionId);
    return session && session.sessionId === sessionId ? session : null;
  }

  async findSessionByTokenId(tokenId: string): Promise<SessionRecord | null> {
    if (!this.#keys.cluster) {
      const sessionId = await this.#run(() => this.#redis.get(this.#keys.token(tokenId)));
      return sessionId === null ? null : this.findSessionById(sessionId);
    }
    const pointer = await this.#tokenPointer(tokenId);
    if (!pointer) return null;
    const session = await this.#readSession(pointer.userId, pointer.sessionId);
    // A pointer outliving its session names nothing; the session's own token id decides.
    return session && session.tokenId === tokenId ? session : null;
  }

  /**
   * One script: finds the session, checks the secret hash (in constant time) or the user, records the access when the
   * session is alive, and reads the user. One round trip on a single Redis, and on a cluster for a JWT's session and
   * user; a token on a cluster takes two, as its pointer (in the token id's slot) names the user's slot first.
   */
  async recordAccess(lookup: SessionLookup, at: Date, maxLifetimeMs: number): Promise<SessionAccess | null> {
    let keys: string[];
    let args: string[];
    const times = [String(at.getTime()), String(Math.max(0, Math.trunc(maxLifetimeMs)))];
    if ('tokenId' in lookup) {
      if (!this.#keys.cluster) {
        keys = [this.#keys.token(lookup.tokenId)];
        args = ['token', ...times, lookup.secretHash, lookup.tokenId, this.#keys.prefix];
      } else {
        const pointer = await this.#tokenPointer(lookup.tokenId);
        if (!pointer) return null;
        keys = [this.#keys.session(pointer.userId, pointer.sessionId), this.#keys.user(pointer.userId)];
        args = ['secret', ...times, lookup.secretHash, lookup.tokenId, this.#keys.prefix];
      }
    } else {
      keys = [this.#keys.session(lookup.userId, lookup.sessionId), this.#keys.user(lookup.userId)];
      args = ['user', ...times, lookup.userId, '', this.#keys.prefix];
    }
    const reply = await this.#run(() => this.#redis.eval(RECORD_ACCESS, { keys, arguments: args }));
    if (reply === null) return null;
    if (!Array.isArray(reply) || reply.length !== 3 || typeof reply[0] !== 'string' || typeof reply[1] !== 'string') {
      throw new SessionStoreError(KIND, 'CORRUPT', 'stored session could not be read back');
    }
    const session = sessionFromDocument(KIND, parseJsonText(KIND, reply[0], 'session'));
    const matches =
      'tokenId' in lookup
        ? session.tokenId === lookup.tokenId
        : session.sessionId === lookup.sessionId && session.userId === lookup.userId;
    if (!matches) return null;
    const user = reply[1] === '' ? null : userFromDocument(KIND, parseJsonText(KIND, reply[1], 'user'));
    return { session, user: user && user.userId === session.userId ? user : null, touched: Number(reply[2]) === 1 };
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
    const userId = this.#keys.cluster ? await this.#userOfSession(sessionId) : '';
    if (userId === null) return null;
    const key = this.#keys.session(userId, sessionId);
    if (options.lastAccessOnly) {
      const touched = await this.#run(() =>
        this.#redis.eval(TOUCH_SESSION, { keys: [key], arguments: [String(update.lastAccessedAt.getTime())] }),
      );
      return typeof touched === 'string' ? sessionFromDocument(KIND, parseJsonText(KIND, touched, 'session')) : null;
    }
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const text = await this.#run(() => this.#redis.get(key));
      if (text === null) return null;
      const current = sessionFromDocument(KIND, parseJsonText(KIND, text, 'session'));
      const lastAccessedAt =
        current.lastAccessedAt.getTime() > update.lastAccessedAt.getTime()
          ? current.lastAccessedAt
          : update.lastAccessedAt;
      const next: SessionRecord = { ...current, ...update, lastAccessedAt };
      const written = await this.#writeSession(next, text);
      if (written === 1) {
        if (this.#keys.cluster && next.expiresAt.getTime() !== current.expiresAt.getTime()) {
          await this.#refreshPointers(next);
        }
        return next;
      }
      if (written === 0) return null;
    }
    throw new SessionStoreError(
      KIND,
      'FAILED',
      `the session changed under each of ${UPDATE_ATTEMPTS} attempts to update it`,
    );
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    if (this.#keys.cluster) {
      const userId = await this.#userOfSession(sessionId);
      return userId !== null && this.#deleteClusterSession(userId, sessionId);
    }
    const session = await this.findSessionById(sessionId);
    if (!session) return false;
    const deleted = await this.#run(() =>
      this.#redis.eval(DELETE_SESSION, {
        keys: [
          this.#keys.session(session.userId, sessionId),
          this.#keys.index(session.userId),
          this.#keys.token(session.tokenId),
        ],
        arguments: [sessionId],
      }),
    );
    return typeof deleted === 'string';
  }

  async listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]> {
    const index = this.#keys.index(userId);
    const ids = await this.#run(() => this.#redis.zRangeByScore(index, `(${activeAt.getTime()}`, '+inf'));
    if (ids.length === 0) return [];
    const texts = await this.#run(() => this.#redis.mGet(ids.map((id) => this.#keys.session(userId, id))));
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
   * On a cluster a pass walks each master in turn (SCAN is per node), and the cursor is `<master>:<cursor>`, the
   * masters numbered in slot order; an index is read first and then swept by a script that names every session key.
   * SCAN returns every index that exists for the whole of a pass; an index created during a pass may wait for the
   * next one.
   */
  async sweepExpiredSessionsStep(cutoff: Date): Promise<RedisSweepStep> {
    const lock = this.#keys.sweepLock();
    const cursorKey = this.#keys.sweepCursor();
    const owner = randomUUID();
    const saved = await this.#run(() =>
      this.#redis.eval(ACQUIRE_SWEEP, { keys: [lock, cursorKey], arguments: [owner, String(this.#sweep.lockMs)] }),
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
    const connection = this.#connection;
    const nodes = connection.cluster ? await this.#run(() => connection.masters()) : [connection.server];
    const startCursor = readSweepCursor(saved, nodes.length);
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
        const [node, cursor] = splitSweepCursor(step.nextCursor);
        const page = await this.#run(() =>
          nodes[node]!.scan(cursor, { MATCH: this.#keys.indexPattern(), COUNT: this.#sweep.scanCount }),
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
        const next = joinSweepCursor(node, String(page.cursor), nodes.length);
        const kept = await this.#run(() =>
          this.#redis.eval(CHECKPOINT_SWEEP, {
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
    if (this.#keys.cluster) return this.#sweepClusterIndex(index, cutoff);
    let deleted = 0;
    let stale = 0;
    for (;;) {
      const reply = await this.#run(() =>
        this.#redis.eval(SWEEP_INDEX, {
          keys: [index],
          arguments: [String(cutoff.getTime()), this.#keys.prefix, String(SWEEP_INDEX_BATCH)],
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

  /** The cluster form of {@link RedisSessionStore.#sweepIndex}: read a batch of entries, then sweep them by name. */
  async #sweepClusterIndex(index: string, cutoff: Date): Promise<{ deleted: number; stale: number }> {
    let deleted = 0;
    let stale = 0;
    if (!this.#keys.isClusterIndex(index)) return { deleted, stale };
    for (;;) {
      const ids = await this.#run(() =>
        this.#redis.zRangeByScore(index, '-inf', String(cutoff.getTime()), {
          LIMIT: { offset: 0, count: SWEEP_INDEX_BATCH },
        }),
      );
      if (ids.length === 0) return { deleted, stale };
      const reply = await this.#run(() =>
        this.#redis.eval(SWEEP_CLUSTER_INDEX, {
          keys: [index, ...ids.map((id) => this.#keys.sessionNextToIndex(index, id))],
          arguments: [String(cutoff.getTime()), ...ids],
        }),
      );
      const counts = Array.isArray(reply) ? reply.slice(0, 3).map(Number) : [];
      const gone = Array.isArray(reply) ? reply.slice(3) : [];
      if (counts.length !== 3 || !counts.every((n) => Number.isSafeInteger(n)) || gone.length % 2 !== 0) {
        throw new SessionStoreError(KIND, 'CORRUPT', 'the sweep script answered something unexpected');
      }
      const [removed, staleNow, settled] = counts as [number, number, number];
      deleted += removed;
      stale += staleNow;
      // The pointers of the deleted sessions, each in a slot of its own (they expire by TTL if this fails).
      const pointers: string[] = [];
      for (let i = 0; i < gone.length; i += 2) {
        pointers.push(this.#keys.sessionUser(String(gone[i])));
        if (gone[i + 1] !== '') pointers.push(this.#keys.token(String(gone[i + 1])));
      }
      await Promise.all(pointers.map((key) => this.#run(() => this.#redis.del(key))));
      if (ids.length < SWEEP_INDEX_BATCH || settled < ids.length) return { deleted, stale };
    }
  }

  async #releaseSweepLock(lock: string, owner: string): Promise<void> {
    await this.#run(() => this.#redis.eval(DELETE_IF_EQUAL, { keys: [lock], arguments: [owner] }));
  }

  /** A compare-and-set on the user's document, so a password change racing another change never undoes it. */
  async updateUserPassword(userId: string, passwordHash: string): Promise<boolean> {
    const key = this.#keys.user(userId);
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const text = await this.#run(() => this.#redis.get(key));
      if (text === null) return false;
      const user = userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
      const next = JSON.stringify(userToDocument({ ...user, passwordHash }));
      const written = await this.#run(() =>
        this.#redis.eval(REPLACE_IF_UNCHANGED, { keys: [key], arguments: [text, next] }),
      );
      if (written === 1) return true;
    }
    throw new SessionStoreError(
      KIND,
      'FAILED',
      `the user changed under each of ${UPDATE_ATTEMPTS} attempts to update it`,
    );
  }

  /**
   * Deletes the user only as read (a compare-and-set; read again when it changed), with its email entry while that
   * still names the user; on a cluster the email entry, in another slot, follows in a second step.
   */
  async deleteUser(userId: string): Promise<boolean> {
    const key = this.#keys.user(userId);
    for (let attempt = 0; ; attempt++) {
      const text = await this.#run(() => this.#redis.get(key));
      if (text === null) return false;
      const user = userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
      const emailKey = this.#keys.email(user.email);
      // The user goes first, so no new session can start for them while their sessions are deleted.
      const deleted = await this.#run(() =>
        this.#redis.eval(DELETE_USER, {
          keys: this.#keys.cluster ? [key] : [key, emailKey],
          arguments: [text, userId],
        }),
      );
      if (deleted === 1) {
        if (this.#keys.cluster) {
          await this.#run(() => this.#redis.eval(DELETE_IF_EQUAL, { keys: [emailKey], arguments: [userId] }));
        }
        await this.deleteUserSessions(userId);
        return true;
      }
      if (attempt + 1 >= UPDATE_ATTEMPTS) {
        throw new SessionStoreError(
          KIND,
          'FAILED',
          `the user changed under each of ${UPDATE_ATTEMPTS} attempts to delete it`,
        );
      }
    }
  }

  async deleteUserSessions(userId: string): Promise<number> {
    const index = this.#keys.index(userId);
    const ids = await this.#run(() => this.#redis.zRange(index, 0, -1));
    let deleted = 0;
    for (const id of ids) {
      const gone = this.#keys.cluster ? await this.#deleteClusterSession(userId, id) : await this.deleteSession(id);
      if (gone) deleted++;
      else await this.#run(() => this.#redis.zRem(index, id));
    }
    return deleted;
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const entries = await this.#run(() => this.#redis.hGetAll(this.#keys.signingKeys()));
    return Object.values(entries)
      .map((text) => signingKeyFromDocument(KIND, parseJsonText(KIND, text, 'signing key')))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kid.localeCompare(b.kid));
  }

  async insertSigningKey(key: SigningKeyRecord): Promise<void> {
    const added = await this.#run(() =>
      this.#redis.hSetNX(this.#keys.signingKeys(), key.kid, JSON.stringify(signingKeyToDocument(key))),
    );
    if (!added) throw new SessionStoreError(KIND, 'DUPLICATE', 'a signing key with this kid already exists');
  }

  async retireSigningKey(kid: string, retiresAt: Date): Promise<void> {
    await this.#changeSigningKey(kid, (key) => ({ ...key, retiresAt }));
  }

  async deleteSigningKey(kid: string): Promise<void> {
    await this.#run(() => this.#redis.hDel(this.#keys.signingKeys(), kid));
  }

  async setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void> {
    await this.#changeSigningKey(kid, (key) => ({ ...key, privateJwk }));
  }

  /** A compare-and-set on one key of the hash, so that a retirement and an erasure racing each other both land. */
  async #changeSigningKey(kid: string, change: (key: SigningKeyRecord) => SigningKeyRecord): Promise<void> {
    const hash = this.#keys.signingKeys();
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const text = await this.#run(() => this.#redis.hGet(hash, kid));
      if (text === null || text === undefined) return;
      const next = JSON.stringify(
        signingKeyToDocument(change(signingKeyFromDocument(KIND, parseJsonText(KIND, text, 'signing key')))),
      );
      const written = await this.#run(() =>
        this.#redis.eval(REPLACE_FIELD_IF_UNCHANGED, { keys: [hash], arguments: [kid, text, next] }),
      );
      if (written === 1) return;
    }
    throw new SessionStoreError(
      KIND,
      'FAILED',
      `the signing key changed under each of ${UPDATE_ATTEMPTS} attempts to update it`,
    );
  }

  async incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState> {
    const reply = await this.#run(() =>
      this.#redis.eval(INCREMENT_COUNTER, {
        keys: [this.#keys.counter(key)],
        arguments: [String(Math.max(1, Math.trunc(windowMs)))],
      }),
    );
    const [count, ttl] = Array.isArray(reply) ? reply.map(Number) : [];
    if (!Number.isSafeInteger(count) || !Number.isSafeInteger(ttl))
      throw new SessionStoreError(KIND, 'CORRUPT', 'a counter could not be read');
    return { count: count!, resetAt: new Date(now.getTime() + ttl!) };
  }

  async readCounter(key: string, now: Date): Promise<CounterState | null> {
    const reply = await this.#run(() =>
      this.#redis.eval(READ_COUNTER, { keys: [this.#keys.counter(key)], arguments: [] }),
    );
    const [text, ttl]: unknown[] = Array.isArray(reply) ? (reply as unknown[]) : [];
    if (text === '' || Number(ttl) <= 0) return null;
    const count = Number(text);
    if (!Number.isSafeInteger(count)) throw new SessionStoreError(KIND, 'CORRUPT', 'a counter could not be read');
    return { count, resetAt: new Date(now.getTime() + Number(ttl)) };
  }

  async deleteCounter(key: string): Promise<void> {
    await this.#run(() => this.#redis.del(this.#keys.counter(key)));
  }

  async deleteCountersExpiredBefore(): Promise<number> {
    // Counters expire by TTL.
    return 0;
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    const key = this.#keys.setting(name);
    // SET NX GET: one command that writes only when absent and answers with what was there.
    const previous = await this.#run(() => this.#redis.set(key, value, { NX: true, GET: true }));
    return typeof previous === 'string' ? previous : value;
  }

  async upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean> {
    const key = this.#keys.user(userId);
    const text = await this.#run(() => this.#redis.get(key));
    if (text === null) return false;
    const user = userFromDocument(KIND, parseJsonText(KIND, text, 'user'));
    if (user.passwordHash !== currentHash) return false;
    const next = JSON.stringify(userToDocument({ ...user, passwordHash: newHash }));
    const updated = await this.#run(() =>
      this.#redis.eval(REPLACE_IF_UNCHANGED, { keys: [key], arguments: [text, next] }),
    );
    return updated === 1;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#redis.isReady) {
      try {
        await this.#redis.close();
        return;
      } catch {
        // Fall through: a client that cannot close gracefully is torn down.
      }
    }
    this.#redis.destroy();
  }

  /** Reads a session document by its user and id (a single Redis ignores the user). */
  async #readSession(userId: string, sessionId: string): Promise<SessionRecord | null> {
    const text = await this.#run(() => this.#redis.get(this.#keys.session(userId, sessionId)));
    return text === null ? null : sessionFromDocument(KIND, parseJsonText(KIND, text, 'session'));
  }

  /** Cluster: the user a session id belongs to, from its pointer; `null` when there is none. */
  async #userOfSession(sessionId: string): Promise<string | null> {
    return this.#run(() => this.#redis.get(this.#keys.sessionUser(sessionId)));
  }

  /** Cluster: the user and session a token id names, from its pointer; `null` when there is none. */
  async #tokenPointer(tokenId: string): Promise<{ userId: string; sessionId: string } | null> {
    const text = await this.#run(() => this.#redis.get(this.#keys.token(tokenId)));
    if (text === null) return null;
    const pointer = parseJsonText(KIND, text, 'token index entry');
    if (!Array.isArray(pointer) || pointer.length !== 2 || !pointer.every((part) => typeof part === 'string')) {
      throw new SessionStoreError(KIND, 'CORRUPT', 'stored token index entry could not be read back');
    }
    return { userId: pointer[0] as string, sessionId: pointer[1] as string };
  }

  /** Cluster: deletes a session in its user's slot, then its two pointers (which expire by TTL if this fails). */
  async #deleteClusterSession(userId: string, sessionId: string): Promise<boolean> {
    const tokenId = await this.#run(() =>
      this.#redis.eval(DELETE_SESSION, {
        keys: [this.#keys.session(userId, sessionId), this.#keys.index(userId)],
        arguments: [sessionId],
      }),
    );
    if (typeof tokenId !== 'string') return false;
    await Promise.all([
      this.#run(() => this.#redis.del(this.#keys.sessionUser(sessionId))),
      tokenId === '' ? Promise.resolve(0) : this.#run(() => this.#redis.del(this.#keys.token(tokenId))),
    ]);
    return true;
  }

  /** Cluster: gives a session's pointers its new TTL after an extension (only while they exist). */
  async #refreshPointers(session: SessionRecord): Promise<void> {
    const ttlMs = sessionTtlMs(session);
    await Promise.all([
      this.#run(() =>
        this.#redis.set(this.#keys.token(session.tokenId), JSON.stringify([session.userId, session.sessionId]), {
          XX: true,
          PX: ttlMs,
        }),
      ),
      this.#run(() =>
        this.#redis.set(this.#keys.sessionUser(session.sessionId), session.userId, { XX: true, PX: ttlMs }),
      ),
    ]);
  }

  /**
   * Writes a session with its TTL. With `expectedText` (the stored text it was read as) only as a compare-and-set:
   * 1 written, 0 deleted meanwhile, -1 changed meanwhile (nothing written). On a single Redis the token index entry
   * is written in the same script; on a cluster it is in another slot, written by the caller.
   */
  async #writeSession(session: SessionRecord, expectedText: string | null): Promise<number> {
    const keys = [this.#keys.session(session.userId, session.sessionId), this.#keys.index(session.userId)];
    if (!this.#keys.cluster) keys.push(this.#keys.token(session.tokenId));
    const written = await this.#run(() =>
      this.#redis.eval(WRITE_SESSION, {
        keys,
        arguments: [
          JSON.stringify(sessionToDocument(session)),
          String(sessionTtlMs(session)),
          String(session.expiresAt.getTime()),
          session.sessionId,
          expectedText === null ? '0' : '1',
          expectedText ?? '',
        ],
      }),
    );
    return Number(written);
  }

  async #run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new SessionStoreError(KIND, 'CLOSED', 'the store was closed');
    try {
      return await operation();
    } catch (error) {
      if (error instanceof SessionStoreError) throw error;
      if (this.#isErrorReply(error) && !UNAVAILABLE_REPLY.test(String((error as Error).message))) {
        throw new SessionStoreError(KIND, 'FAILED', 'Redis refused the command', { cause: error });
      }
      throw new SessionStoreError(KIND, 'UNAVAILABLE', 'Redis could not be reached or did not answer in time', {
        cause: error,
      });
    }
  }
}

/** How long Redis keeps a session: its expiry plus the retention hour, at least a second. */
function sessionTtlMs(session: SessionRecord): number {
  return Math.max(1000, session.expiresAt.getTime() + EXPIRED_SESSION_RETENTION_MS - Date.now());
}

function duplicateEmail(): SessionStoreError {
  return new SessionStoreError(KIND, 'DUPLICATE', 'a user with this email already exists');
}

function duplicateToken(): SessionStoreError {
  return new SessionStoreError(KIND, 'DUPLICATE', 'a session with this token id already exists');
}

/** The masters of a cluster, each once, in the order of the first slot each serves. */
function mastersInSlotOrder<T extends { readonly master: object }>(slots: readonly T[]): T['master'][] {
  const seen = new Set<object>();
  for (const shard of slots) if (shard) seen.add(shard.master);
  return [...seen] as T['master'][];
}

/**
 * The saved sweep cursor, or `'0'` (a new pass) for one that is unreadable or names a node the cluster no longer has.
 * A single Redis saves SCAN's cursor as is; a cluster saves `<master>:<cursor>`.
 */
function readSweepCursor(saved: unknown, nodes: number): string {
  if (typeof saved !== 'string') return '0';
  if (nodes === 1 && /^\d{1,20}$/.test(saved)) return saved;
  const match = /^(\d{1,5}):(\d{1,20})$/.exec(saved);
  return nodes > 1 && match && Number(match[1]) < nodes ? saved : '0';
}

function splitSweepCursor(cursor: string): [node: number, cursor: string] {
  const colon = cursor.indexOf(':');
  return colon < 0 ? [0, cursor] : [Number(cursor.slice(0, colon)), cursor.slice(colon + 1)];
}

/** The cursor after a page of node `node`: the same node's next page, the next node's first, or `'0'` at the end. */
function joinSweepCursor(node: number, next: string, nodes: number): string {
  if (nodes === 1) return next;
  if (next !== '0') return `${node}:${next}`;
  return node + 1 < nodes ? `${node + 1}:0` : '0';
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
