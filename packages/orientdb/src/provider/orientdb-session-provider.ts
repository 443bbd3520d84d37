import type { ConnectionOptions } from '../protocol/connection.js';
import {
  checkDatabaseName,
  resolveOptions,
  type OrientDBCredentials,
  type OrientDBOpenOptions,
  type OrientDBSessionProviderOptions,
  type ResolvedOptions,
} from './options.js';
import type { HeldToken } from '../token/orientdb-token.js';
import { OrientDBTokenSession, type RenewalListener, type SessionTransport } from './token-session.js';
import { OrientDBTokenProvider } from './token-provider.js';

export { ORIENTDB_CAPABILITIES } from './token-provider.js';

/**
 * PyOrient-style token sessions against OrientDB 3.2 over a socket of the provider's own, behind the
 * `SessionTokenProvider` interface: for scripts and CLIs. A web server serving many users' tokens uses
 * `OrientDBSessionPool` instead, whose providers borrow sockets per request.
 *
 * `open()` is PyOrient's `db_open` (a DB_OPEN in the legacy binary protocol with the token-session flag);
 * `setSessionToken(token)` reattaches from any process with the token alone; `query()` / `command()` run SQL in the
 * session. The token is the OrientDB binary token, base64url-encoded.
 *
 * What `setSessionToken(token)` checks: locally, that the token parses and names this provider's `database`
 * (`INVALID_TOKEN`, no round trip); then the server checks its signature, expiry and user with one DB_SIZE round trip
 * on a new socket (`INVALID_TOKEN` / `EXPIRED`).
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
export class OrientDBSessionProvider extends OrientDBTokenProvider {
  readonly #options: ResolvedOptions;

  constructor(options: OrientDBSessionProviderOptions) {
    super();
    this.#options = resolveOptions(options);
  }

  protected get database(): string {
    return this.#options.database;
  }

  protected get pageSize(): number {
    return this.#options.pageSize;
  }

  protected databaseFor(options: OrientDBOpenOptions | undefined): string {
    return options?.database === undefined ? this.#options.database : checkDatabaseName(options.database);
  }

  protected openTransport(
    database: string,
    credentials: OrientDBCredentials,
    onRenewed: RenewalListener,
  ): Promise<SessionTransport> {
    return OrientDBTokenSession.open(this.#endpoint(), database, credentials.username, credentials.password, onRenewed);
  }

  protected reattachTransport(token: HeldToken, onRenewed: RenewalListener): Promise<SessionTransport> {
    return OrientDBTokenSession.reattach(this.#endpoint(), token, onRenewed);
  }

  #endpoint(): ConnectionOptions {
    const { host, port, timeoutMs, limits, tls } = this.#options;
    return { host, port, timeoutMs, limits, tls };
  }
}
