import type { SessionTokenError } from '@sessiontoken/core';
import { StytchLikeApiError } from '../model/api-error.js';
import { readAuthenticationResponse } from './active-session.js';
import { toSessionTokenErrorFromApi } from './error-mapping.js';
import { StytchLikeHttpClient, type StytchLikeHttpClientOptions } from './http-client.js';
import { verifyWithJwks } from './jwt-verifier.js';
import {
  StytchLikeProviderBase,
  type StytchLikeAuthentication,
  type StytchLikeBackend,
  type StytchLikeCredentials,
  type StytchLikeProviderDefaults,
} from './provider-base.js';
import { RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';

const ADAPTER = 'stytch-like';

/** Options for {@link StytchLikeSessionProvider}. */
export interface StytchLikeSessionProviderOptions extends StytchLikeHttpClientOptions, StytchLikeProviderDefaults {
  /** The project secret (HTTP Basic password). */
  readonly secret: string;
  /** JWKS caching for local JWT verification. */
  readonly jwks?: RemoteJwksOptions;
}

/**
 * A `SessionTokenProvider` over the Stytch-like HTTP API (`baseUrl`, `projectId`, `secret`), using `node:http` with
 * its own keep-alive agent: `close()` destroys every socket it opened. Session JWTs are verified locally against the
 * server's JWKS (cached; refetched on an unknown `kid`).
 *
 * @example
 * const provider = new StytchLikeSessionProvider({ baseUrl: 'http://127.0.0.1:3300', projectId, secret });
 * await provider.open({ email, password });
 * provider.setSessionToken(true);
 * const { sessionToken, sessionJwt } = provider.getTokens()!;
 */
export class StytchLikeSessionProvider extends StytchLikeProviderBase {
  readonly name = ADAPTER;

  constructor(options: StytchLikeSessionProviderOptions) {
    super(new HttpBackend(options), options);
  }
}

class HttpBackend implements StytchLikeBackend {
  readonly #client: StytchLikeHttpClient;
  readonly #jwks: RemoteJwks;

  constructor(options: StytchLikeSessionProviderOptions) {
    this.#client = new StytchLikeHttpClient(options);
    this.#jwks = new RemoteJwks(this.#client, options.jwks);
  }

  async loginWithPassword(credentials: StytchLikeCredentials, durationMinutes: number, customClaims: Record<string, unknown> | undefined): Promise<StytchLikeAuthentication> {
    const body = {
      email: credentials.email,
      password: credentials.password,
      session_duration_minutes: durationMinutes,
      ...(customClaims === undefined ? {} : { session_custom_claims: customClaims }),
    };
    return readAuthenticationResponse(await this.#client.request('POST', '/v1/passwords/authenticate', { body }), ADAPTER);
  }

  async authenticateToken(sessionToken: string, durationMinutes: number | undefined): Promise<StytchLikeAuthentication> {
    const body = { session_token: sessionToken, ...(durationMinutes === undefined ? {} : { session_duration_minutes: durationMinutes }) };
    return readAuthenticationResponse(await this.#client.request('POST', '/v1/sessions/authenticate', { body }), ADAPTER);
  }

  async authenticateJwt(sessionJwt: string): Promise<StytchLikeAuthentication> {
    return readAuthenticationResponse(await this.#client.request('POST', '/v1/sessions/authenticate', { body: { session_jwt: sessionJwt } }), ADAPTER);
  }

  verifyJwtLocally(sessionJwt: string, options: { allowExpired: boolean; maxTokenAgeSeconds?: number }) {
    return verifyWithJwks(sessionJwt, this.#jwks, this.#client.projectId, options);
  }

  async revokeToken(sessionToken: string): Promise<void> {
    await this.#client.request('POST', '/v1/sessions/revoke', { body: { session_token: sessionToken } });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  mapError(error: unknown): SessionTokenError | undefined {
    // Over HTTP the cause is the server's error body.
    return error instanceof StytchLikeApiError ? toSessionTokenErrorFromApi(error, ADAPTER, error.cause ?? error) : undefined;
  }
}
