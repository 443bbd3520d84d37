import { SessionTokenError } from '@sessiontoken/core';
import { OrientDBConnection, type ConnectionOptions } from '../protocol/connection.js';
import { toSessionTokenError, type RequestPurpose } from '../protocol/error-mapping.js';
import { ADAPTER_NAME, malformed } from '../adapter.js';
import { queryAllRows, type QueryChannel } from '../protocol/query-rows.js';
import {
  NO_SESSION_ID,
  closeRequest,
  databaseSizeRequest,
  openRequest,
  type QueryMode,
  type QueryParameters,
  type RequestFrame,
} from '../protocol/requests.js';
import type { OrientDBRow } from '../serializer/values.js';
import { parseServerToken, type HeldToken } from '../token/orientdb-token.js';

/** What a provider needs of the session it holds, whether it owns a socket or borrows one per request. */
export interface SessionTransport {
  readonly token: HeldToken;
  /** One round trip that proves the token to the server. */
  check(): Promise<void>;
  /** Runs a statement and returns every row. */
  query(statement: string, parameters: QueryParameters, mode: QueryMode, pageSize: number): Promise<OrientDBRow[]>;
  /** Releases what the transport holds; with `endSession`, ends the server-side session where it can. Idempotent. */
  close(options?: { endSession?: boolean }): Promise<void>;
}

/** Called with a token the server renewed in a response header. */
export type RenewalListener = (token: HeldToken) => void;

/**
 * One OrientDB token session: the token, and the socket it is used on.
 *
 * Opened with credentials, the session keeps the server-side connection DB_OPEN created (its session id): queries can
 * page. Reattached from a token alone, every request goes with session id -1 and the token, and the server rebuilds
 * the session for that request only (legacy protocol 36). A socket that dies is replaced by a stateless one.
 */
export class OrientDBTokenSession implements SessionTransport {
  readonly #endpoint: ConnectionOptions;
  readonly #onRenewed: (token: HeldToken) => void;
  #connection: OrientDBConnection | null;
  #connecting: Promise<OrientDBConnection> | null = null;
  #sessionId: number;
  #token: HeldToken;
  #closed = false;

  private constructor(
    endpoint: ConnectionOptions,
    connection: OrientDBConnection | null,
    sessionId: number,
    token: HeldToken,
    onRenewed: (token: HeldToken) => void,
  ) {
    this.#endpoint = endpoint;
    this.#connection = connection;
    this.#sessionId = sessionId;
    this.#token = token;
    this.#onRenewed = onRenewed;
  }

  /** DB_OPEN with a user name and password; rejects with `BAD_CREDENTIALS` when the server refuses them. */
  static async open(
    endpoint: ConnectionOptions,
    database: string,
    username: string,
    password: string,
    onRenewed: (token: HeldToken) => void,
  ): Promise<OrientDBTokenSession> {
    const deadlineAt = Date.now() + endpoint.timeoutMs;
    const connection = await OrientDBConnection.open(endpoint, deadlineAt);
    try {
      const response = await connection.send(openRequest(database, username, password), deadlineAt);
      if (!response.ok) throw toSessionTokenError(response.error, { kind: 'credentials' });
      if (response.value.token === null)
        throw malformed('DB_OPEN answer: no token although a token session was requested');
      return new OrientDBTokenSession(
        endpoint,
        connection,
        response.value.sessionId,
        parseServerToken(response.value.token),
        onRenewed,
      );
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** A session from a token alone, proven with one round trip; rejects with `INVALID_TOKEN` or `EXPIRED`. */
  static async reattach(
    endpoint: ConnectionOptions,
    token: HeldToken,
    onRenewed: (token: HeldToken) => void,
  ): Promise<OrientDBTokenSession> {
    const session = new OrientDBTokenSession(endpoint, null, NO_SESSION_ID, token, onRenewed);
    try {
      await session.check();
      return session;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  get token(): HeldToken {
    return this.#token;
  }

  /** One round trip that needs an open database: the server validates the token and opens the session for it. */
  async check(): Promise<void> {
    const deadlineAt = Date.now() + this.#endpoint.timeoutMs;
    const connection = await this.#usableConnection(deadlineAt);
    const purpose: RequestPurpose = { kind: 'token-check', tokenExpiresAt: this.#token.payload.expiresAt };
    await this.#send(connection, databaseSizeRequest(this.#sessionId, this.#token.bytes), purpose, deadlineAt);
  }

  /** Runs a statement and returns every row, fetching further pages on the same connection while the server has them. */
  async query(
    statement: string,
    parameters: QueryParameters,
    mode: QueryMode,
    pageSize: number,
  ): Promise<OrientDBRow[]> {
    // One deadline for the whole call: reconnecting and every page share it.
    const deadlineAt = Date.now() + this.#endpoint.timeoutMs;
    const open = this.#closed ? null : this.#connection;
    const connection = open?.isOpen ? open : await this.#usableConnection(deadlineAt);
    const purpose: RequestPurpose = { kind: 'work', tokenExpiresAt: this.#token.payload.expiresAt };
    const channel = (sessionId: number, token: HeldToken): QueryChannel => ({
      sessionId,
      token: token.bytes,
      send: (frame) => this.#send(connection, frame, purpose, deadlineAt),
    });
    return queryAllRows(channel(this.#sessionId, this.#token), { statement, parameters, mode, pageSize }, () => {
      // The server dropped the session while the socket stayed: the token alone carries on, as after a reconnect.
      this.#sessionId = NO_SESSION_ID;
      return channel(NO_SESSION_ID, this.#token);
    });
  }

  /**
   * Releases the socket. With `endSession`, a stateful session is closed on the server first (DB_CLOSE, which the
   * server does not answer and which does not revoke the token). Idempotent.
   */
  async close({ endSession = false }: { endSession?: boolean } = {}): Promise<void> {
    this.#closed = true;
    const connection = this.#connection ?? (await this.#connecting?.catch(() => null)) ?? null;
    this.#connection = null;
    if (!connection) return;
    if (endSession && this.#sessionId !== NO_SESSION_ID && connection.isOpen) {
      await connection.closeWith(closeRequest(this.#sessionId, this.#token.bytes));
      return;
    }
    await connection.close();
  }

  async #send<T>(
    connection: OrientDBConnection,
    frame: RequestFrame<T>,
    purpose: RequestPurpose,
    deadlineAt: number,
  ): Promise<T> {
    const response = await connection.send(frame, deadlineAt);
    if (response.renewedToken) this.#renew(response.renewedToken);
    if (!response.ok) throw toSessionTokenError(response.error, purpose);
    return response.value;
  }

  #renew(bytes: Uint8Array): void {
    const renewed = parseServerToken(bytes);
    this.#token = renewed;
    this.#onRenewed(renewed);
  }

  async #usableConnection(deadlineAt: number): Promise<OrientDBConnection> {
    if (this.#closed) throw new SessionTokenError('CLOSED', 'this session was closed', { adapter: ADAPTER_NAME });
    if (this.#connection?.isOpen) return this.#connection;
    if (!this.#connecting) {
      // The socket that knew our session id is gone: go on statelessly, the token alone identifies the session.
      this.#sessionId = NO_SESSION_ID;
      const stale = this.#connection;
      this.#connection = null;
      this.#connecting = (async () => {
        await stale?.close();
        return OrientDBConnection.open(this.#endpoint, deadlineAt);
      })().then(
        async (connection) => {
          this.#connecting = null;
          if (this.#closed) {
            await connection.close();
            throw new SessionTokenError('CLOSED', 'this session was closed', { adapter: ADAPTER_NAME });
          }
          this.#connection = connection;
          return connection;
        },
        (error: unknown) => {
          this.#connecting = null;
          throw error;
        },
      );
    }
    return this.#connecting;
  }
}
