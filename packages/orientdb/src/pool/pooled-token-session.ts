import { SessionTokenError, isSessionTokenError } from '@sessiontoken/core';
import { wasNeverSent, type OrientDBConnection } from '../protocol/connection.js';
import { toSessionTokenError, type RequestPurpose } from '../protocol/error-mapping.js';
import { ADAPTER_NAME, malformed } from '../adapter.js';
import {
  NO_SESSION_ID,
  closeRequest,
  databaseSizeRequest,
  openRequest,
  type QueryMode,
  type QueryParameters,
  type RequestFrame,
} from '../protocol/requests.js';
import { queryAllRows, type QueryChannel } from '../protocol/query-rows.js';
import type { RenewalListener, SessionTransport } from '../provider/token-session.js';
import { parseServerToken, type HeldToken } from '../token/orientdb-token.js';
import type { OrientDBRow } from '../serializer/values.js';
import type { LiveSession, LiveSessions, VerifiedTokens } from './live-sessions.js';
import type { SocketPool } from './socket-pool.js';

/** What the sessions of one pool share. */
export interface PoolCore {
  readonly sockets: SocketPool;
  readonly live: LiveSessions;
  readonly verified: VerifiedTokens;
  readonly timeoutMs: number;
}

/**
 * One token session that owns no socket: every call borrows one from the pool for its duration.
 *
 * A session this process opened sends its live session id with that session's own newest token (R + Q per request);
 * any other token goes stateless, session id -1 with the token (the server opens the database for that request,
 * R + O + Q). A live session that is busy, forgotten, or lost with a socket is used statelessly, unnoticed by the caller.
 */
export class PooledTokenSession implements SessionTransport {
  readonly #core: PoolCore;
  readonly #onRenewed: RenewalListener;
  #token: HeldToken;
  #live: LiveSession | null;
  #closed = false;

  private constructor(core: PoolCore, token: HeldToken, live: LiveSession | null, onRenewed: RenewalListener) {
    this.#core = core;
    this.#token = token;
    this.#live = live;
    this.#onRenewed = onRenewed;
  }

  /** DB_OPEN on a borrowed socket; the session it opens stays live in the pool for every later request with its token. */
  static async open(
    core: PoolCore,
    database: string,
    username: string,
    password: string,
    onRenewed: RenewalListener,
  ): Promise<PooledTokenSession> {
    const deadlineAt = Date.now() + core.timeoutMs;
    // Not idempotent (it opens a session), so sent again only when it never left.
    const response = await borrowing(core, deadlineAt, false, (connection) =>
      connection.send(openRequest(database, username, password), deadlineAt),
    );
    if (!response.ok) throw toSessionTokenError(response.error, { kind: 'credentials' });
    if (response.value.token === null)
      throw malformed('DB_OPEN answer: no token although a token session was requested');
    const token = parseServerToken(response.value.token);
    return new PooledTokenSession(core, token, core.live.add(response.value.sessionId, token), onRenewed);
  }

  /**
   * A session for a token that parsed and names the pool's database. Without a round trip when the token has not
   * expired and its exact bytes belong to a live session of this pool or were accepted by the server lately;
   * otherwise one stateless DB_SIZE proves it (`INVALID_TOKEN` / `EXPIRED`).
   */
  static async reattach(core: PoolCore, token: HeldToken, onRenewed: RenewalListener): Promise<PooledTokenSession> {
    const live = core.live.find(token.bytes);
    const session = new PooledTokenSession(core, token, live, onRenewed);
    // An expired token always goes to the server, which tells a forged one (INVALID_TOKEN) from an expired one.
    const fresh = token.payload.expiresAt.getTime() > Date.now();
    if (live === null && !(fresh && core.verified.has(token.bytes))) {
      await session.check();
      core.verified.add(session.#token.bytes);
    }
    return session;
  }

  get token(): HeldToken {
    return this.#token;
  }

  /** One round trip that needs an open database: the server validates the token (and, stateless, opens the database). */
  async check(): Promise<void> {
    const deadlineAt = Date.now() + this.#core.timeoutMs;
    await this.#request(deadlineAt, true, (connection, live, token) =>
      this.#send(
        connection,
        databaseSizeRequest(live?.sessionId ?? NO_SESSION_ID, token.bytes),
        live,
        token,
        { kind: 'token-check', tokenExpiresAt: token.payload.expiresAt },
        deadlineAt,
      ),
    );
  }

  /** Runs a statement and returns every row; a stateful session pages on the one borrowed socket. */
  async query(
    statement: string,
    parameters: QueryParameters,
    mode: QueryMode,
    pageSize: number,
  ): Promise<OrientDBRow[]> {
    // One deadline for the whole call: waiting for a socket, connecting, every page and a retry share it.
    const deadlineAt = Date.now() + this.#core.timeoutMs;
    return this.#request(deadlineAt, mode === 'query', (connection, live, token) => {
      const channel = (session: LiveSession | null, held: HeldToken): QueryChannel => {
        const purpose: RequestPurpose = { kind: 'work', tokenExpiresAt: held.payload.expiresAt };
        return {
          sessionId: session?.sessionId ?? NO_SESSION_ID,
          token: held.bytes,
          send: (frame) => this.#send(connection, frame, session, held, purpose, deadlineAt),
        };
      };
      return queryAllRows(channel(live, token), { statement, parameters, mode, pageSize }, () => {
        // The server dropped the live session while the socket stayed: never send its id again.
        if (live) this.#core.live.forget(live);
        return channel(null, this.#token);
      });
    });
  }

  /**
   * Lets go of the session. With `endSession`, a live session is forgotten by the pool and closed on the server
   * (DB_CLOSE, which does not revoke the token); otherwise it stays live for the next request with its token.
   */
  async close({ endSession = false }: { endSession?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const live = this.#live;
    this.#live = null;
    if (!endSession) return;
    this.#core.verified.delete(this.#token.bytes);
    if (!live?.registered) return;
    this.#core.live.forget(live);
    const deadlineAt = Date.now() + this.#core.timeoutMs;
    // Best effort: a session the server cannot be told about ends with its socket anyway.
    await borrowing(this.#core, deadlineAt, false, (connection) =>
      connection.send(closeRequest(live.sessionId, live.token.bytes), deadlineAt),
    ).catch(() => undefined);
  }

  /** Borrows a socket and the live session (when free) for one call; retries once where that is safe. */
  #request<T>(
    deadlineAt: number,
    idempotent: boolean,
    work: (connection: OrientDBConnection, live: LiveSession | null, token: HeldToken) => Promise<T>,
  ): Promise<T> {
    if (this.#closed)
      return Promise.reject(new SessionTokenError('CLOSED', 'this session was closed', { adapter: ADAPTER_NAME }));
    return borrowing(this.#core, deadlineAt, idempotent, async (connection) => {
      const live = this.#claimLive();
      try {
        return await work(connection, live, live ? live.token : this.#token);
      } finally {
        if (live) live.busy = false;
      }
    });
  }

  /** The live session for this call, unless another call uses it or the pool forgot it; catches up on its renewals. */
  #claimLive(): LiveSession | null {
    const live = this.#live;
    if (live === null) return null;
    if (!live.registered) {
      this.#live = null;
      return null;
    }
    if (live.busy) return null;
    live.busy = true;
    if (live.token !== this.#token) {
      this.#token = live.token;
      this.#onRenewed(live.token);
    }
    return live;
  }

  async #send<T>(
    connection: OrientDBConnection,
    frame: RequestFrame<T>,
    live: LiveSession | null,
    token: HeldToken,
    purpose: RequestPurpose,
    deadlineAt: number,
  ): Promise<T> {
    const response = await connection.send(frame, deadlineAt);
    if (response.renewedToken) this.#renew(live, response.renewedToken);
    if (!response.ok) {
      const error = toSessionTokenError(response.error, purpose);
      if (isSessionTokenError(error, 'INVALID_TOKEN', 'EXPIRED')) {
        if (live) this.#core.live.forget(live);
        this.#core.verified.delete(token.bytes);
      }
      throw error;
    }
    return response.value;
  }

  #renew(live: LiveSession | null, bytes: Uint8Array): void {
    const renewed = parseServerToken(bytes);
    if (live) this.#core.live.renew(live, renewed);
    else if (this.#core.verified.has(this.#token.bytes)) this.#core.verified.add(renewed.bytes);
    this.#token = renewed;
    this.#onRenewed(renewed);
  }
}

/**
 * Runs `work` on a borrowed socket and gives it back. Sent again once on another socket, within the same deadline,
 * when the request provably never left, or when it is idempotent and its socket died before the answer.
 */
async function borrowing<T>(
  core: PoolCore,
  deadlineAt: number,
  idempotent: boolean,
  work: (connection: OrientDBConnection) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const connection = await core.sockets.acquire(deadlineAt);
    try {
      return await work(connection);
    } catch (error) {
      const died = isSessionTokenError(error, 'UNAVAILABLE') && !connection.isOpen;
      const retry = attempt === 1 && Date.now() < deadlineAt && (wasNeverSent(error) || (idempotent && died));
      if (!retry) throw error;
    } finally {
      core.sockets.release(connection);
    }
  }
}
