import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { OrientDBConnection } from '../protocol/connection.js';
import { toSessionTokenError } from '../protocol/error-mapping.js';
import { malformed, orientdbError } from '../adapter.js';
import { DEFAULT_WIRE_LIMITS } from '../limits.js';
import { checkTls } from '../provider/options.js';
import { parseServerToken } from '../token/orientdb-token.js';
import {
  connectRequest,
  createDatabaseRequest,
  databaseExistsRequest,
  type RequestFrame,
} from '../protocol/requests.js';

/** A server user from `orientdb-server-config.xml` (such as `root`) and where the server is. */
export interface OrientDBServerAdminOptions {
  readonly host?: string;
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly username: string;
  readonly password: string;
  /** TLS to the server's SSL binary listener, as in `OrientDBSessionProviderOptions.tls`. Default off. */
  readonly tls?: boolean | TlsConnectionOptions;
}

/**
 * Server-level requests with a server user (PyOrient `connect`, `db_exists`, `db_create`): what a test harness or a
 * deployment script needs before any database session exists. Always one socket; `close()` releases it.
 */
export class OrientDBServerAdmin {
  readonly #connection: OrientDBConnection;
  readonly #sessionId: number;
  readonly #token: Uint8Array;
  readonly #tokenExpiresAt: Date;

  private constructor(connection: OrientDBConnection, sessionId: number, token: Uint8Array) {
    this.#connection = connection;
    this.#sessionId = sessionId;
    this.#token = token;
    this.#tokenExpiresAt = parseServerToken(token).payload.expiresAt;
  }

  /** CONNECT as a server user; rejects with `BAD_CREDENTIALS` when the server refuses. */
  static async connect(options: OrientDBServerAdminOptions): Promise<OrientDBServerAdmin> {
    const connection = await OrientDBConnection.open({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 2424,
      timeoutMs: options.timeoutMs ?? 10_000,
      limits: DEFAULT_WIRE_LIMITS,
      tls: checkTls(options.tls),
    });
    try {
      const response = await connection.send(connectRequest(options.username, options.password));
      if (!response.ok) throw toSessionTokenError(response.error, { kind: 'credentials' });
      if (response.value.token === null)
        throw malformed('CONNECT answer: no token although a token session was requested');
      return new OrientDBServerAdmin(connection, response.value.sessionId, response.value.token);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** DB_EXIST. */
  databaseExists(name: string, storage: 'plocal' | 'memory' = 'plocal'): Promise<boolean> {
    return this.#send(databaseExistsRequest(this.#sessionId, this.#token, checkName(name), storage));
  }

  /** DB_CREATE; rejects with `BACKEND` when the database exists. */
  createDatabase(
    name: string,
    { type = 'graph', storage = 'plocal' }: { type?: 'graph' | 'document'; storage?: 'plocal' | 'memory' } = {},
  ): Promise<void> {
    return this.#send(createDatabaseRequest(this.#sessionId, this.#token, checkName(name), type, storage));
  }

  /** Releases the socket. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  async #send<T>(frame: RequestFrame<T>): Promise<T> {
    const response = await this.#connection.send(frame);
    if (!response.ok) throw toSessionTokenError(response.error, { kind: 'work', tokenExpiresAt: this.#tokenExpiresAt });
    return response.value;
  }
}

function checkName(name: string): string {
  if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) {
    throw orientdbError('INVALID_ARGUMENT', 'a database name must be letters, digits, _ . or -');
  }
  return name;
}
