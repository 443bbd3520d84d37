import { SessionTokenError } from '@sessiontoken/core';
import { ADAPTER_NAME } from '../adapter.js';
import type { OrientDBCredentials, OrientDBOpenOptions, ResolvedOptions } from '../provider/options.js';
import { OrientDBTokenProvider } from '../provider/token-provider.js';
import type { HeldToken } from '../token/orientdb-token.js';
import type { RenewalListener, SessionTransport } from '../provider/token-session.js';
import { PooledTokenSession, type PoolCore } from './pooled-token-session.js';

/**
 * A provider from an `OrientDBSessionPool`: the same API as `OrientDBSessionProvider`, with every call on a borrowed
 * socket. Made by `pool.createProvider()`, one per request; `close()` keeps the session live in the pool.
 *
 * What `setSessionToken(token)` checks, and when:
 * - always, locally: the token parses and names the pool's database (`INVALID_TOKEN`);
 * - an unexpired token whose exact bytes the server issued to this pool for a session still live: nothing more, no
 *   round trip (a tampered token cannot match those bytes);
 * - an unexpired token whose exact bytes the server accepted for this pool within `verifiedTokenTtlMs`: nothing more;
 * - any other token, expired ones included: one stateless DB_SIZE round trip in which the server checks the
 *   signature, expiry and user (`INVALID_TOKEN` for a forged one, `EXPIRED` for an expired genuine one).
 * Later requests are checked by the server as always: a token it stops accepting (another secret key after a restart,
 * a deleted user) rejects that request with `INVALID_TOKEN` and ends the session.
 */
export class OrientDBPooledSessionProvider extends OrientDBTokenProvider {
  readonly #core: PoolCore;
  readonly #options: ResolvedOptions;

  /** @internal Use `pool.createProvider()`. */
  constructor(core: PoolCore, options: ResolvedOptions) {
    super();
    this.#core = core;
    this.#options = options;
  }

  protected get database(): string {
    return this.#options.database;
  }

  protected get pageSize(): number {
    return this.#options.pageSize;
  }

  protected override get endSessionOnClose(): boolean {
    return false;
  }

  protected databaseFor(options: OrientDBOpenOptions | undefined): string {
    if (options?.database !== undefined && options.database !== this.#options.database) {
      throw new SessionTokenError('INVALID_ARGUMENT', "a pooled provider opens sessions of its pool's database only", {
        adapter: ADAPTER_NAME,
      });
    }
    return this.#options.database;
  }

  protected openTransport(
    database: string,
    credentials: OrientDBCredentials,
    onRenewed: RenewalListener,
  ): Promise<SessionTransport> {
    return PooledTokenSession.open(this.#core, database, credentials.username, credentials.password, onRenewed);
  }

  protected reattachTransport(token: HeldToken, onRenewed: RenewalListener): Promise<SessionTransport> {
    return PooledTokenSession.reattach(this.#core, token, onRenewed);
  }
}
