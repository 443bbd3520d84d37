import { SessionTokenError } from '@sessiontoken/core';
import { SessionJwtError, type VerifiedSessionJwt } from '../../jwt/session-jwt.js';
import { StytchLikeApiError } from '../../model/api-error.js';
import type { ScryptParameters } from '../service/password-hashing.js';
import { StytchLikeSessionService, type SessionAuthentication } from '../service/session-service.js';
import { openStore } from '../store/open-store.js';
import { isSessionStoreError, type SessionStore } from '../store/session-store.js';
import { toSessionTokenErrorFromApi } from '../../provider/error-mapping.js';
import {
  StytchLikeProviderBase,
  type StytchLikeAuthentication,
  type StytchLikeBackend,
  type StytchLikeCredentials,
  type StytchLikeProviderDefaults,
} from '../../provider/provider-base.js';

const ADAPTER = 'stytch-like-embedded';

/** The store the embedded provider opens when given neither a service nor a store: a SQLite file in the working directory. */
export const DEFAULT_EMBEDDED_STORE_URL = 'sqlite:stytch-like.sqlite';

/** Options for {@link EmbeddedStytchLikeSessionProvider}. */
export type EmbeddedStytchLikeSessionProviderOptions = StytchLikeProviderDefaults &
  (
    | {
        /** A service shared by several providers (and perhaps an HTTP server); the provider does not close it. */
        readonly service: StytchLikeSessionService;
      }
    | {
        readonly service?: undefined;
        /** A store URL (default {@link DEFAULT_EMBEDDED_STORE_URL}) or an open store; the provider closes a store it opened. */
        readonly store?: string | SessionStore;
        readonly projectId: string;
        /** scrypt parameters (see `DEFAULT_SCRYPT_PARAMETERS`). */
        readonly passwordHashing?: Partial<ScryptParameters>;
      }
  );

/**
 * A `SessionTokenProvider` over the session service in this process: no HTTP, the same sessions, tokens and JWTs.
 * By default it opens its own service over a SQLite file; pass `service` to share one.
 */
export class EmbeddedStytchLikeSessionProvider extends StytchLikeProviderBase {
  readonly name = ADAPTER;

  constructor(options: EmbeddedStytchLikeSessionProviderOptions) {
    super(new ServiceBackend(options), options);
  }
}

class ServiceBackend implements StytchLikeBackend {
  readonly #options: EmbeddedStytchLikeSessionProviderOptions;
  #opened: Promise<{ service: StytchLikeSessionService; ownedStore: SessionStore | undefined }> | undefined;

  constructor(options: EmbeddedStytchLikeSessionProviderOptions) {
    this.#options = options;
  }

  async loginWithPassword(credentials: StytchLikeCredentials, durationMinutes: number, customClaims: Record<string, unknown> | undefined): Promise<StytchLikeAuthentication> {
    const service = await this.#service();
    return fromService(
      await service.authenticatePassword({
        email: credentials.email,
        password: credentials.password,
        sessionDurationMinutes: durationMinutes,
        ...(customClaims === undefined ? {} : { sessionCustomClaims: customClaims }),
      }),
    );
  }

  async authenticateToken(sessionToken: string, durationMinutes: number | undefined): Promise<StytchLikeAuthentication> {
    const service = await this.#service();
    return fromService(await service.authenticateSession({ sessionToken, ...(durationMinutes === undefined ? {} : { sessionDurationMinutes: durationMinutes }) }));
  }

  async authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication> {
    return fromService(await (await this.#service()).authenticateSession({ sessionJwt }));
  }

  async verifyJwtLocally(sessionJwt: string, options: { allowExpired: boolean; maxTokenAgeSeconds?: number }): Promise<VerifiedSessionJwt> {
    const service = await this.#service();
    let verified: VerifiedSessionJwt;
    try {
      verified = await service.verifySessionJwt(sessionJwt, { allowExpired: options.allowExpired });
    } catch (error) {
      if (error instanceof StytchLikeApiError && error.cause instanceof SessionJwtError) {
        throw new SessionTokenError(error.cause.failure === 'expired' ? 'EXPIRED' : 'INVALID_TOKEN', error.cause.message, { adapter: ADAPTER, cause: error.cause });
      }
      throw error;
    }
    if (options.maxTokenAgeSeconds !== undefined && Date.now() - verified.issuedAt.getTime() >= options.maxTokenAgeSeconds * 1000) {
      throw new SessionTokenError('EXPIRED', `the session JWT is older than ${options.maxTokenAgeSeconds} seconds`, { adapter: ADAPTER });
    }
    return verified;
  }

  async revokeToken(sessionToken: string): Promise<void> {
    await (await this.#service()).revokeSession({ sessionToken });
  }

  async close(): Promise<void> {
    const opened = this.#opened;
    if (!opened) return;
    const { service, ownedStore } = await opened.catch(() => ({ service: undefined, ownedStore: undefined }));
    if (this.#options.service) return;
    await service?.close();
    await ownedStore?.close();
  }

  mapError(error: unknown): SessionTokenError | undefined {
    if (error instanceof StytchLikeApiError) return toSessionTokenErrorFromApi(error, ADAPTER);
    if (isSessionStoreError(error)) {
      const code = error.code === 'INVALID_URL' || error.code === 'DRIVER_MISSING' ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
      return new SessionTokenError(code, error.message, { adapter: ADAPTER, cause: error });
    }
    return undefined;
  }

  #service(): Promise<StytchLikeSessionService> {
    this.#opened ??= (async () => {
      const options = this.#options;
      if (options.service) return { service: options.service, ownedStore: undefined };
      const store = typeof options.store === 'object' ? options.store : await openStore(options.store ?? DEFAULT_EMBEDDED_STORE_URL);
      const ownedStore = typeof options.store === 'object' ? undefined : store;
      try {
        const service = new StytchLikeSessionService({
          store,
          projectId: options.projectId,
          ...(options.passwordHashing === undefined ? {} : { passwordHashing: options.passwordHashing }),
        });
        return { service, ownedStore };
      } catch (error) {
        await ownedStore?.close();
        throw new SessionTokenError('INVALID_ARGUMENT', error instanceof Error ? error.message : 'invalid options', { adapter: ADAPTER, cause: error });
      }
    })();
    // A store that could not be opened is tried again by the next operation.
    const opened = this.#opened;
    opened.catch(() => {
      if (this.#opened === opened) this.#opened = undefined;
    });
    return opened.then(({ service }) => service);
  }
}

function fromService(result: SessionAuthentication): StytchLikeAuthentication {
  return { session: result.session, sessionToken: result.sessionToken, sessionJwt: result.sessionJwt };
}
