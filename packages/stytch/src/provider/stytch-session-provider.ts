import {
  BaseSessionTokenProvider,
  SessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionTokens,
} from '@sessiontoken/core';
import { Client } from 'stytch';
import { Agent } from 'undici';
import { ADAPTER_NAME } from '../adapter-name.js';
import { toSessionTokenErrorFromSdk } from './error-mapping.js';
import {
  checkSessionDuration,
  resolveOptions,
  type ResolvedOptions,
  type StytchCredentials,
  type StytchOpenOptions,
  type StytchSessionProviderOptions,
} from './options.js';
import { activeSession, readAuthentication, type StytchAuthentication } from './session-info.js';

/** What sessions on the Stytch API can honestly do. */
export const STYTCH_CAPABILITIES: ProviderCapabilities = Object.freeze({
  jwt: true,
  serverRevocation: true,
  // sessions.authenticate with session_duration_minutes sets a new expiry.
  slidingExpiry: true,
  statelessReattach: true,
  // The session token never changes; a fresh JWT with each authenticate is not a token renewal.
  tokenRenewal: false,
});

/**
 * A `SessionTokenProvider` over the official `stytch` Node SDK, for sessions on the hosted Stytch service (or any
 * Stytch-compatible API). `open()` logs in with `passwords.authenticate`; `setSessionToken(token)` reattaches from any
 * process with `sessions.authenticate`; `authenticate({ durationMinutes })` extends; `revoke()` ends the session for
 * everyone. Requests go through the provider's own keep-alive agent with time limits: `close()` destroys its sockets.
 *
 * @example
 * const stytch = new StytchSessionProvider({ projectId: process.env.STYTCH_PROJECT_ID!, secret: process.env.STYTCH_SECRET! });
 * stytch.setSessionToken(true);
 * await stytch.open({ email, password });
 * const { sessionToken, sessionJwt } = stytch.getTokens()!;
 */
export class StytchSessionProvider extends BaseSessionTokenProvider<StytchCredentials, StytchOpenOptions> {
  readonly name = ADAPTER_NAME;
  readonly capabilities = STYTCH_CAPABILITIES;
  readonly #options: ResolvedOptions;
  readonly #agent: Agent;
  readonly #client: Client;

  constructor(options: StytchSessionProviderOptions) {
    super();
    this.#options = resolveOptions(options);
    const timeout = this.#options.timeoutMs;
    this.#agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout });
    const endpoint = this.#options.endpoint;
    this.#client = new Client({
      project_id: this.#options.projectId,
      secret: this.#options.secret,
      timeout,
      // The SDK types its dispatcher with its own undici; both implement the same Dispatcher interface.
      dispatcher: this.#agent as unknown as NonNullable<ConstructorParameters<typeof Client>[0]['dispatcher']>,
      ...(endpoint === null
        ? {}
        : 'env' in endpoint
          ? { env: endpoint.env }
          : { custom_base_url: endpoint.customBaseUrl }),
    });
  }

  protected async openSession(
    credentials: StytchCredentials,
    options: StytchOpenOptions | undefined,
  ): Promise<ActiveSession> {
    if (
      typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.email !== 'string' ||
      typeof credentials.password !== 'string'
    ) {
      throw new SessionTokenError('INVALID_ARGUMENT', 'credentials must be { email: string, password: string }', {
        adapter: ADAPTER_NAME,
      });
    }
    const duration =
      options?.sessionDurationMinutes === undefined
        ? this.#options.sessionDurationMinutes
        : checkSessionDuration(options.sessionDurationMinutes, 'sessionDurationMinutes');
    const claims = options?.sessionCustomClaims;
    if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims))) {
      throw new SessionTokenError('INVALID_ARGUMENT', 'sessionCustomClaims must be an object', {
        adapter: ADAPTER_NAME,
      });
    }
    const opened = await this.#call([credentials.password], () =>
      this.#client.passwords.authenticate({
        email: credentials.email,
        password: credentials.password,
        session_duration_minutes: duration,
        ...(claims === undefined ? {} : { session_custom_claims: claims }),
      }),
    );
    if (opened.sessionToken.length === 0) throw this.#protocol('the login response has an empty session_token');
    return activeSession(opened.sessionToken, opened);
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    const secrets = [tokens.sessionToken, tokens.sessionJwt ?? ''];
    const byToken = await this.#call(secrets, () =>
      this.#client.sessions.authenticate({ session_token: tokens.sessionToken }),
    );
    if (tokens.sessionJwt !== null) {
      const jwt = tokens.sessionJwt;
      // Stytch accepts an expired JWT of a live session here, as a client may hold one; a JWT of another session is refused.
      const byJwt = await this.#call(secrets, () => this.#client.sessions.authenticate({ session_jwt: jwt }));
      if (byJwt.sessionId !== byToken.sessionId || byJwt.userId !== byToken.userId) {
        throw new SessionTokenError(
          'INVALID_TOKEN',
          'the session JWT belongs to another session than the session token',
          { adapter: ADAPTER_NAME },
        );
      }
    }
    return activeSession(tokens.sessionToken, byToken);
  }

  protected async authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    const duration =
      options.durationMinutes === undefined
        ? undefined
        : checkSessionDuration(options.durationMinutes, 'durationMinutes');
    const token = session.tokens.sessionToken;
    const result = await this.#call([token, session.tokens.sessionJwt ?? ''], () =>
      this.#client.sessions.authenticate({
        session_token: token,
        ...(duration === undefined ? {} : { session_duration_minutes: duration }),
      }),
    );
    if (result.sessionId !== session.info.sessionId)
      throw this.#protocol('the API answered for another session than the one held');
    return activeSession(token, result);
  }

  protected async revokeSession(session: ActiveSession): Promise<void> {
    const token = session.tokens.sessionToken;
    try {
      await this.#client.sessions.revoke({ session_token: token });
    } catch (error) {
      throw toSessionTokenErrorFromSdk(error, [token, session.tokens.sessionJwt ?? '', this.#options.secret]);
    }
  }

  protected async releaseResources(): Promise<void> {
    // destroy, not close: a request still waiting must not hold close() past its own time limit.
    await this.#agent.destroy();
  }

  protected override toSessionTokenError(error: unknown): SessionTokenError {
    return toSessionTokenErrorFromSdk(error, [this.#options.secret]);
  }

  /** Runs one SDK request that authenticates a session, mapping its failure with `secrets` cut from what is kept. */
  async #call(secrets: readonly string[], request: () => Promise<unknown>): Promise<StytchAuthentication> {
    let response: unknown;
    try {
      response = await request();
    } catch (error) {
      throw toSessionTokenErrorFromSdk(error, [...secrets, this.#options.secret]);
    }
    return readAuthentication(response);
  }

  #protocol(message: string): SessionTokenError {
    return new SessionTokenError('PROTOCOL', message, { adapter: ADAPTER_NAME });
  }
}
