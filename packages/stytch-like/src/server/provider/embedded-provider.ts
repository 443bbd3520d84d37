import {
  BaseSessionTokenProvider,
  type ActiveSession,
  type AuthenticateOptions,
  type SessionInfo,
  type SessionTokenError,
  type SessionTokens,
} from '@sessiontoken/core';
import type { VerifiedSessionJwt } from '../../jwt/session-jwt.js';
import { EMBEDDED_ADAPTER, invalidArgument, stytchLikeError } from '../../model/adapter.js';
import { StytchLikeApiError } from '../../model/api-error.js';
import { isProjectId } from '../../model/ids.js';
import { toSessionTokenErrorFromApi } from '../../provider/error-mapping.js';
import { checkSessionJwt, type VerifySessionJwtOptions } from '../../provider/jwt-verifier.js';
import {
  STYTCH_LIKE_CAPABILITIES,
  StytchLikeSessionOperations,
  checkProviderDefaults,
  type StytchLikeAuthentication,
  type StytchLikeBackend,
  type StytchLikeCredentials,
  type StytchLikeOpenOptions,
  type StytchLikeProviderDefaults,
} from '../../provider/session-operations.js';
import type { ScryptParameters } from '../service/password-hashing.js';
import { StytchLikeSessionService, type SessionAuthentication } from '../service/session-service.js';
import { openStore, parseStoreUrl } from '../store/open-store.js';
import { isSessionStoreError, type SessionStore } from '../store/session-store.js';

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
export class EmbeddedStytchLikeSessionProvider extends BaseSessionTokenProvider<
  StytchLikeCredentials,
  StytchLikeOpenOptions
> {
  readonly name = EMBEDDED_ADAPTER;
  readonly capabilities = STYTCH_LIKE_CAPABILITIES;
  readonly #sessions: StytchLikeSessionOperations;

  /**
   * Checks the options here: a bad `service`, store URL, `projectId` or duration throws `INVALID_ARGUMENT` at once. The
   * store is opened, and `passwordHashing` checked by the service, on first use.
   */
  constructor(options: EmbeddedStytchLikeSessionProviderOptions) {
    super();
    checkEmbeddedOptions(options);
    const sessionDurationMinutes = checkProviderDefaults(options, EMBEDDED_ADAPTER);
    this.#sessions = new StytchLikeSessionOperations(
      new ServiceBackend(options),
      EMBEDDED_ADAPTER,
      sessionDurationMinutes,
    );
  }

  /**
   * Stytch's `authenticateJwt`: verifies the held session JWT with the service's keys (no store round trip for the
   * session) and, when it is valid and younger than `maxTokenAgeSeconds`, refreshes `getSession()` from its claims;
   * otherwise falls back to `authenticate()`.
   */
  authenticateJwt(options: { maxTokenAgeSeconds?: number } = {}): Promise<SessionInfo> {
    return this.run(async () => {
      const refreshed = await this.#sessions.refreshFromHeldJwt(this.requireSession(), options);
      if (!refreshed) return this.authenticate();
      this.updateSession(refreshed, 'authenticated');
      return refreshed.info;
    });
  }

  protected openSession(
    credentials: StytchLikeCredentials,
    options: StytchLikeOpenOptions | undefined,
  ): Promise<ActiveSession> {
    return this.#sessions.open(credentials, options);
  }

  protected reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    return this.#sessions.reattach(tokens);
  }

  protected authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    return this.#sessions.authenticate(session, options);
  }

  protected revokeSession(session: ActiveSession): Promise<void> {
    return this.#sessions.revoke(session);
  }

  protected releaseResources(): Promise<void> {
    return this.#sessions.close();
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    return this.#sessions.mapError(error) ?? super.toSessionTokenError(error);
  }
}

function checkEmbeddedOptions(options: EmbeddedStytchLikeSessionProviderOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw invalidArgument('options must be an object', EMBEDDED_ADAPTER);
  }
  if (options.service !== undefined) {
    const service: unknown = options.service;
    const methods = service as Partial<StytchLikeSessionService> | null;
    if (typeof service !== 'object' || typeof methods?.verifySessionJwt !== 'function') {
      throw invalidArgument('service must be a StytchLikeSessionService', EMBEDDED_ADAPTER);
    }
    return;
  }
  if (!isProjectId(options.projectId)) {
    throw invalidArgument('projectId must be 1 to 128 characters from A-Z a-z 0-9 _ -', EMBEDDED_ADAPTER);
  }
  if (typeof options.store === 'string') {
    try {
      parseStoreUrl(options.store);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'the store URL is not valid';
      throw invalidArgument(message, EMBEDDED_ADAPTER, error);
    }
  } else if (options.store !== undefined && (typeof options.store !== 'object' || options.store === null)) {
    throw invalidArgument('store must be a store URL or an open SessionStore', EMBEDDED_ADAPTER);
  }
}

class ServiceBackend implements StytchLikeBackend {
  readonly #options: EmbeddedStytchLikeSessionProviderOptions;
  #opened: Promise<{ service: StytchLikeSessionService; ownedStore: SessionStore | undefined }> | undefined;

  constructor(options: EmbeddedStytchLikeSessionProviderOptions) {
    this.#options = options;
  }

  async loginWithPassword(
    credentials: StytchLikeCredentials,
    durationMinutes: number,
    customClaims: Record<string, unknown> | undefined,
  ): Promise<StytchLikeAuthentication> {
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

  async authenticateToken(
    sessionToken: string,
    durationMinutes: number | undefined,
  ): Promise<StytchLikeAuthentication> {
    const service = await this.#service();
    return fromService(
      await service.authenticateSession({
        sessionToken,
        ...(durationMinutes === undefined ? {} : { sessionDurationMinutes: durationMinutes }),
      }),
    );
  }

  async authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication> {
    return fromService(await (await this.#service()).authenticateSession({ sessionJwt }));
  }

  async verifyJwtLocally(sessionJwt: string, options: VerifySessionJwtOptions): Promise<VerifiedSessionJwt> {
    const service = await this.#service();
    const verify = (allowExpired: boolean) => service.verifySessionJwt(sessionJwt, { allowExpired });
    return checkSessionJwt(verify, options, EMBEDDED_ADAPTER);
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
    if (error instanceof StytchLikeApiError) return toSessionTokenErrorFromApi(error, EMBEDDED_ADAPTER);
    if (isSessionStoreError(error)) {
      const code = error.code === 'INVALID_URL' || error.code === 'DRIVER_MISSING' ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
      return stytchLikeError(code, error.message, { adapter: EMBEDDED_ADAPTER, cause: error });
    }
    return undefined;
  }

  #service(): Promise<StytchLikeSessionService> {
    this.#opened ??= (async () => {
      const options = this.#options;
      if (options.service) return { service: options.service, ownedStore: undefined };
      const store =
        typeof options.store === 'object'
          ? options.store
          : await openStore(options.store ?? DEFAULT_EMBEDDED_STORE_URL);
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
        throw invalidArgument(error instanceof Error ? error.message : 'invalid options', EMBEDDED_ADAPTER, error);
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
