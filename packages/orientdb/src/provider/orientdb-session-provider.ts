import {
  BaseSessionTokenProvider,
  SessionTokenError,
  isSessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionTokens,
} from '@sessiontoken/core';
import type { ConnectionOptions } from '../protocol/connection.js';
import { ADAPTER_NAME } from '../adapter.js';
import type { QueryMode, QueryParameters } from '../protocol/requests.js';
import type { OrientDBRow } from '../serializer/values.js';
import { parseOrientDBToken, type HeldToken } from '../token/orientdb-token.js';
import {
  checkDatabaseName,
  checkPageSize,
  resolveOptions,
  type OrientDBCredentials,
  type OrientDBOpenOptions,
  type OrientDBQueryOptions,
  type OrientDBSessionProviderOptions,
  type ResolvedOptions,
} from './options.js';
import { activeSessionFromToken } from './session-info.js';
import { OrientDBTokenSession } from './token-session.js';

/** What OrientDB token sessions can honestly do. */
export const ORIENTDB_CAPABILITIES: ProviderCapabilities = Object.freeze({
  jwt: false,
  // DB_CLOSE does not revoke a token and the server keeps no revocation list.
  serverRevocation: false,
  // The expiry is fixed by the server (network.token.expireTimeout).
  slidingExpiry: false,
  statelessReattach: true,
  // The server sends a renewed token in a response header once less than half of the token's life is left.
  tokenRenewal: true,
});

/** Node's socket error codes that mean "the server is not there". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PyOrient-style token sessions against OrientDB 3.2, behind the `SessionTokenProvider` interface.
 *
 * `open()` is PyOrient's `db_open` (a DB_OPEN in the legacy binary protocol with the token-session flag);
 * `setSessionToken(token)` reattaches from any process with the token alone; `query()` / `command()` run SQL in the
 * session. The token is the OrientDB binary token, base64url-encoded.
 *
 * @example
 * const db = new OrientDBSessionProvider({ host: '127.0.0.1', port: 2424, database: 'shop' });
 * db.setSessionToken(true);
 * await db.open({ username: 'reader', password: 'secret' });
 * const token = db.getSessionToken();
 * // elsewhere, later:
 * const other = new OrientDBSessionProvider({ database: 'shop' });
 * await other.setSessionToken(token);
 * const rows = await other.query('SELECT FROM Product WHERE price < ?', [10]);
 */
export class OrientDBSessionProvider extends BaseSessionTokenProvider<OrientDBCredentials, OrientDBOpenOptions> {
  readonly name = ADAPTER_NAME;
  readonly capabilities = ORIENTDB_CAPABILITIES;
  readonly #options: ResolvedOptions;
  #transport: OrientDBTokenSession | null = null;
  /** Transports being closed, awaited by `close()` so no socket outlives the provider. */
  readonly #closing = new Set<Promise<void>>();

  constructor(options: OrientDBSessionProviderOptions) {
    super();
    this.#options = resolveOptions(options);
  }

  /** Runs an idempotent SQL statement (PyOrient `query`) in the session and returns every row. */
  query(sql: string, params: QueryParameters = [], options: OrientDBQueryOptions = {}): Promise<OrientDBRow[]> {
    return this.#statement('query', sql, params, options);
  }

  /** Runs any SQL statement, writes included (PyOrient `command`), in the session and returns every row. */
  command(sql: string, params: QueryParameters = [], options: OrientDBQueryOptions = {}): Promise<OrientDBRow[]> {
    return this.#statement('command', sql, params, options);
  }

  #statement(mode: QueryMode, sql: string, params: QueryParameters, options: OrientDBQueryOptions): Promise<OrientDBRow[]> {
    return this.run(async () => {
      if (typeof sql !== 'string' || sql.trim().length === 0) {
        throw new SessionTokenError('INVALID_ARGUMENT', 'the statement must be a non-empty string', { adapter: ADAPTER_NAME });
      }
      if (typeof params !== 'object' || params === null) {
        throw new SessionTokenError('INVALID_ARGUMENT', 'parameters must be an array (positional) or an object (named)', { adapter: ADAPTER_NAME });
      }
      const pageSize = checkPageSize(options.pageSize, this.#options.pageSize);
      this.requireSession();
      const transport = this.#requireTransport();
      return this.#endingSessionOnRejection(transport, () => transport.query(sql, params, mode, pageSize));
    });
  }

  protected async openSession(credentials: OrientDBCredentials, options: OrientDBOpenOptions | undefined): Promise<ActiveSession> {
    if (typeof credentials !== 'object' || credentials === null || typeof credentials.username !== 'string' || typeof credentials.password !== 'string') {
      throw new SessionTokenError('INVALID_ARGUMENT', 'credentials must be { username: string, password: string }', { adapter: ADAPTER_NAME });
    }
    const database = options?.database === undefined ? this.#options.database : checkDatabaseName(options.database);
    let transport: OrientDBTokenSession | null = null;
    transport = await OrientDBTokenSession.open(this.#endpoint(), database, credentials.username, credentials.password, (token) =>
      this.#onRenewed(transport, token),
    );
    return this.#install(transport, new Date());
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    const parsed = parseOrientDBToken(tokens.sessionToken);
    let transport: OrientDBTokenSession | null = null;
    transport = await OrientDBTokenSession.reattach(this.#endpoint(), parsed, (token) => this.#onRenewed(transport, token));
    return this.#install(transport, null);
  }

  protected async authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    void options; // durationMinutes is refused by the base class: the expiry is the server's.
    const transport = this.#requireTransport();
    await this.#endingSessionOnRejection(transport, () => transport.check());
    return activeSessionFromToken(transport.token, session.info.startedAt);
  }

  protected async revokeSession(session: ActiveSession): Promise<void> {
    void session;
    const transport = this.#transport;
    this.#transport = null;
    // OrientDB cannot revoke a token: close the server-side session and forget the token here.
    if (transport) await this.#track(transport.close({ endSession: true }));
  }

  protected async releaseResources(): Promise<void> {
    const transport = this.#transport;
    this.#transport = null;
    if (transport) void this.#track(transport.close({ endSession: true }));
    await Promise.all([...this.#closing]);
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    if (error instanceof SessionTokenError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) {
      return new SessionTokenError('UNAVAILABLE', `the OrientDB server cannot be reached (${code})`, { adapter: ADAPTER_NAME, cause: error });
    }
    return super.toSessionTokenError(error);
  }

  #endpoint(): ConnectionOptions {
    const { host, port, timeoutMs, limits, tls } = this.#options;
    return { host, port, timeoutMs, limits, tls };
  }

  #requireTransport(): OrientDBTokenSession {
    const transport = this.#transport;
    if (!transport) throw new SessionTokenError('NO_SESSION', 'there is no active session: call open() or setSessionToken(token) first', { adapter: ADAPTER_NAME });
    return transport;
  }

  /** Makes `transport` the provider's, releasing the one it replaces; refuses when the provider closed meanwhile. */
  async #install(transport: OrientDBTokenSession, startedAt: Date | null): Promise<ActiveSession> {
    if (this.closed) {
      await transport.close({ endSession: true });
      throw new SessionTokenError('CLOSED', 'this provider was closed; create a new one', { adapter: ADAPTER_NAME });
    }
    const previous = this.#transport;
    this.#transport = transport;
    if (previous) void this.#track(previous.close({ endSession: true }));
    return activeSessionFromToken(transport.token, startedAt);
  }

  /** A token the server renewed replaces the held one and is reported through `onChange` as `renewed`. */
  #onRenewed(transport: OrientDBTokenSession | null, token: HeldToken): void {
    const current = this.currentSession;
    if (transport === null || transport !== this.#transport || current === null) return;
    this.updateSession(activeSessionFromToken(token, current.info.startedAt), 'renewed');
  }

  /** When the server says the token is dead, the socket that carried it goes too (the base class forgets the session). */
  async #endingSessionOnRejection<T>(transport: OrientDBTokenSession, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN', 'REVOKED') && this.#transport === transport) {
        this.#transport = null;
        void this.#track(transport.close());
      }
      throw error;
    }
  }

  #track(closing: Promise<void>): Promise<void> {
    const tracked = closing.catch(() => undefined).finally(() => this.#closing.delete(tracked));
    this.#closing.add(tracked);
    return tracked;
  }
}
