import {
  BaseSessionTokenProvider,
  SessionTokenError,
  isSessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionTokens,
} from '@sessiontoken/core';
import { ADAPTER_NAME } from '../adapter.js';
import type { QueryMode, QueryParameters } from '../protocol/requests.js';
import type { OrientDBRow } from '../serializer/values.js';
import { parseOrientDBToken } from '../token/orientdb-token.js';
import {
  checkPageSize,
  type OrientDBCredentials,
  type OrientDBOpenOptions,
  type OrientDBQueryOptions,
} from './options.js';
import { activeSessionFromToken } from './session-info.js';
import type { HeldToken } from '../token/orientdb-token.js';
import type { RenewalListener, SessionTransport } from './token-session.js';

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
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What both OrientDB providers share: the session state, SQL, renewal and the token's binding to one database.
 * Subclasses say how a session gets its transport: a socket of its own, or sockets borrowed from a pool.
 */
export abstract class OrientDBTokenProvider extends BaseSessionTokenProvider<OrientDBCredentials, OrientDBOpenOptions> {
  readonly name = ADAPTER_NAME;
  readonly capabilities = ORIENTDB_CAPABILITIES;
  #transport: SessionTransport | null = null;
  /** Transports being closed, awaited by `close()` so no socket outlives the provider. */
  readonly #closing = new Set<Promise<void>>();

  /** The database this provider's sessions belong to: a token of another database is refused. */
  protected abstract readonly database: string;
  protected abstract readonly pageSize: number;
  /** Opens a session with credentials (DB_OPEN). */
  protected abstract openTransport(
    database: string,
    credentials: OrientDBCredentials,
    onRenewed: RenewalListener,
  ): Promise<SessionTransport>;
  /** A transport for a well-formed token of this database; proves it with the server unless it may skip that. */
  protected abstract reattachTransport(token: HeldToken, onRenewed: RenewalListener): Promise<SessionTransport>;
  /** The database `open()` uses for `options`. */
  protected abstract databaseFor(options: OrientDBOpenOptions | undefined): string;

  /** Runs an idempotent SQL statement (PyOrient `query`) in the session and returns every row. */
  query(sql: string, params: QueryParameters = [], options: OrientDBQueryOptions = {}): Promise<OrientDBRow[]> {
    return this.#statement('query', sql, params, options);
  }

  /** Runs any SQL statement, writes included (PyOrient `command`), in the session and returns every row. */
  command(sql: string, params: QueryParameters = [], options: OrientDBQueryOptions = {}): Promise<OrientDBRow[]> {
    return this.#statement('command', sql, params, options);
  }

  #statement(
    mode: QueryMode,
    sql: string,
    params: QueryParameters,
    options: OrientDBQueryOptions,
  ): Promise<OrientDBRow[]> {
    return this.run(async () => {
      if (typeof sql !== 'string' || sql.trim().length === 0) {
        throw new SessionTokenError('INVALID_ARGUMENT', 'the statement must be a non-empty string', {
          adapter: ADAPTER_NAME,
        });
      }
      if (typeof params !== 'object' || params === null) {
        throw new SessionTokenError(
          'INVALID_ARGUMENT',
          'parameters must be an array (positional) or an object (named)',
          { adapter: ADAPTER_NAME },
        );
      }
      const pageSize = checkPageSize(options.pageSize, this.pageSize);
      this.requireSession();
      const transport = this.#requireTransport();
      return this.#endingSessionOnRejection(transport, () => transport.query(sql, params, mode, pageSize));
    });
  }

  protected async openSession(
    credentials: OrientDBCredentials,
    options: OrientDBOpenOptions | undefined,
  ): Promise<ActiveSession> {
    if (
      typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.username !== 'string' ||
      typeof credentials.password !== 'string'
    ) {
      throw new SessionTokenError('INVALID_ARGUMENT', 'credentials must be { username: string, password: string }', {
        adapter: ADAPTER_NAME,
      });
    }
    const database = this.databaseFor(options);
    let transport: SessionTransport | null = null;
    transport = await this.openTransport(database, credentials, (token) => this.#onRenewed(transport, token));
    return this.#install(transport, new Date());
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    const parsed = parseOrientDBToken(tokens.sessionToken);
    // Bound to one database: the same record id in another database is another user.
    if (parsed.payload.database !== this.database) {
      throw new SessionTokenError(
        'INVALID_TOKEN',
        "the session token belongs to another database than this provider's",
        { adapter: ADAPTER_NAME },
      );
    }
    let transport: SessionTransport | null = null;
    transport = await this.reattachTransport(parsed, (token) => this.#onRenewed(transport, token));
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
    if (transport) void this.#track(transport.close({ endSession: this.endSessionOnClose }));
    await Promise.all([...this.#closing]);
  }

  /** Whether `close()` ends the server-side session it holds (a pool keeps it for the next request with the token). */
  protected get endSessionOnClose(): boolean {
    return true;
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    if (error instanceof SessionTokenError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) {
      return new SessionTokenError('UNAVAILABLE', `the OrientDB server cannot be reached (${code})`, {
        adapter: ADAPTER_NAME,
        cause: error,
      });
    }
    return super.toSessionTokenError(error);
  }

  #requireTransport(): SessionTransport {
    const transport = this.#transport;
    if (!transport)
      throw new SessionTokenError(
        'NO_SESSION',
        'there is no active session: call open() or setSessionToken(token) first',
        { adapter: ADAPTER_NAME },
      );
    return transport;
  }

  /** Makes `transport` the provider's, releasing the one it replaces; refuses when the provider closed meanwhile. */
  async #install(transport: SessionTransport, startedAt: Date | null): Promise<ActiveSession> {
    if (this.closed) {
      await transport.close({ endSession: this.endSessionOnClose });
      throw new SessionTokenError('CLOSED', 'this provider was closed; create a new one', { adapter: ADAPTER_NAME });
    }
    const previous = this.#transport;
    this.#transport = transport;
    if (previous) void this.#track(previous.close({ endSession: this.endSessionOnClose }));
    return activeSessionFromToken(transport.token, startedAt);
  }

  /** A token the server renewed replaces the held one and is reported through `onChange` as `renewed`. */
  #onRenewed(transport: SessionTransport | null, token: HeldToken): void {
    const current = this.currentSession;
    if (transport === null || transport !== this.#transport || current === null) return;
    this.updateSession(activeSessionFromToken(token, current.info.startedAt), 'renewed');
  }

  /** When the server says the token is dead, the transport that carried it goes too (the base class forgets the session). */
  async #endingSessionOnRejection<T>(transport: SessionTransport, work: () => Promise<T>): Promise<T> {
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
