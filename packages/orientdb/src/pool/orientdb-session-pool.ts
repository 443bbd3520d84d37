import { SessionTokenError } from '@sessiontoken/core';
import type { ConnectionOptions } from '../protocol/connection.js';
import { ADAPTER_NAME } from '../adapter.js';
import {
  positiveInteger,
  resolveOptions,
  type OrientDBSessionProviderOptions,
  type ResolvedOptions,
} from '../provider/options.js';
import { LiveSessions, VerifiedTokens } from './live-sessions.js';
import { OrientDBPooledSessionProvider } from './pooled-session-provider.js';
import type { PoolCore } from './pooled-token-session.js';
import { SocketPool, type SocketPoolStats } from './socket-pool.js';

/** Where the pool finds OrientDB, how many sockets it may hold and how long a caller waits. */
export interface OrientDBSessionPoolOptions extends OrientDBSessionProviderOptions {
  /** Most sockets open at once. Default `4`. */
  readonly maxSockets?: number;
  /** Most callers waiting for a socket; one more rejects at once with `UNAVAILABLE`. Default `1000`. */
  readonly maxWaiting?: number;
  /**
   * How long the server's acceptance of a token from elsewhere lets the same exact token reattach again without a
   * round trip, in milliseconds; `0` checks every time. Default `30000`.
   */
  readonly verifiedTokenTtlMs?: number;
  /** Most live sessions (opened by this pool) remembered; the least recently used goes stateless. Default `10000`. */
  readonly maxLiveSessions?: number;
}

/** What a pool holds now. */
export interface OrientDBSessionPoolStats extends SocketPoolStats {
  /** Token keys of live sessions this pool opened (a renewed session counts once per token). */
  readonly liveSessions: number;
}

/**
 * One set of sockets to an OrientDB server that every user's session shares: the web-application case. Each
 * provider from {@link createProvider} borrows a socket per call and owns none, so a request that reattaches with a
 * user's token opens no socket.
 *
 * - Sessions opened through the pool's providers stay live on the server: a later reattach with their token costs no
 *   round trip, and each query one (R + Q).
 * - Tokens from elsewhere (another process, before a restart) are checked once by the server and then go stateless:
 *   session id -1 with the token, each query R + O + Q (the server opens the database for that request).
 * - When a socket is lost (a restart, a cut), every live session goes stateless: its id might be another's now.
 * - At most `maxSockets` sockets; up to `maxWaiting` callers wait, each until its own deadline (`timeoutMs` per call,
 *   covering the wait, the connect, every page and a retry), then `UNAVAILABLE`.
 * - A `query` whose socket dies before the answer is sent once more on another socket; a `command` only when its
 *   request never left this process.
 *
 * @example
 * const pool = new OrientDBSessionPool({ host: '127.0.0.1', port: 2424, database: 'shop', maxSockets: 8 });
 * // per HTTP request:
 * const db = pool.createProvider();
 * try {
 *   await db.setSessionToken(cookieToken);
 *   const rows = await db.query('SELECT FROM Cart WHERE owner = :me', { me: db.getSession()?.subject });
 * } finally {
 *   await db.close(); // releases nothing but the provider: the session stays live in the pool
 * }
 * // at shutdown:
 * await pool.close();
 */
export class OrientDBSessionPool {
  readonly #options: ResolvedOptions;
  readonly #core: PoolCore;
  #closing: Promise<void> | null = null;

  constructor(options: OrientDBSessionPoolOptions) {
    this.#options = resolveOptions(options);
    const maxSockets = positiveInteger(options.maxSockets, 4, 'maxSockets', 1024);
    const maxWaiting = positiveInteger(options.maxWaiting, 1000, 'maxWaiting', 1_000_000);
    const maxLiveSessions = positiveInteger(options.maxLiveSessions, 10_000, 'maxLiveSessions', 10_000_000);
    const ttl = options.verifiedTokenTtlMs ?? 30_000;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 86_400_000) {
      throw new SessionTokenError(
        'INVALID_ARGUMENT',
        `verifiedTokenTtlMs must be an integer from 0 to 86400000, got ${String(ttl)}`,
        { adapter: ADAPTER_NAME },
      );
    }
    const live = new LiveSessions(maxLiveSessions);
    const verified = new VerifiedTokens(ttl, maxLiveSessions);
    // A lost socket may mean a restarted server, which hands out session ids from the start again.
    const sockets = new SocketPool(this.#endpoint(), maxSockets, maxWaiting, () => live.clear());
    this.#core = { sockets, live, verified, timeoutMs: this.#options.timeoutMs };
  }

  /** The database every provider of this pool is bound to. */
  get database(): string {
    return this.#options.database;
  }

  get stats(): OrientDBSessionPoolStats {
    return { ...this.#core.sockets.stats, liveSessions: this.#core.live.size };
  }

  /** A provider that borrows this pool's sockets; closing it releases nothing but itself. */
  createProvider(): OrientDBPooledSessionProvider {
    if (this.#closing)
      throw new SessionTokenError('CLOSED', 'the OrientDB session pool was closed', { adapter: ADAPTER_NAME });
    return new OrientDBPooledSessionProvider(this.#core, this.#options);
  }

  /**
   * Refuses new calls (`CLOSED`), lets calls in flight finish within their deadline, then closes every socket.
   * Live sessions end with their sockets on the server; their tokens stay valid until they expire. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#core.live.clear();
      this.#core.verified.clear();
      await this.#core.sockets.close();
    })();
    return this.#closing;
  }

  #endpoint(): ConnectionOptions {
    const { host, port, timeoutMs, limits, tls } = this.#options;
    return { host, port, timeoutMs, limits, tls };
  }
}
