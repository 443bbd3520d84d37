import { SessionJwtError, verifySessionJwt, type VerifiedSessionJwt } from '../jwt/session-jwt.js';
import { ADAPTER, stytchLikeError, type StytchLikeAdapterName } from '../model/adapter.js';
import { StytchLikeApiError } from '../model/api-error.js';
import { StytchLikeHttpClient } from './http-client.js';
import { RemoteJwks, type RemoteJwksOptions } from './remote-jwks.js';

/** Options for {@link StytchLikeJwtVerifier}. */
export interface StytchLikeJwtVerifierOptions extends RemoteJwksOptions {
  /** Origin of the Stytch-like server whose JWKS to use. */
  readonly baseUrl: string;
  readonly projectId: string;
  /** Longest time a JWKS fetch may take. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

/** Options for one verification. */
export interface VerifySessionJwtOptions {
  /** Accept a JWT whose `exp` has passed (returned with `expired: true`). Default false. */
  readonly allowExpired?: boolean;
  /** Also refuse a JWT issued longer ago than this (as the Stytch SDK's `max_token_age_seconds`). */
  readonly maxTokenAgeSeconds?: number;
}

/**
 * Verifies session JWTs locally against the server's JWKS (cached, refetched on an unknown `kid`, kept in use while
 * the endpoint fails), allowing 30 s of clock skew by default, for backend services that want to check a session
 * without a round trip per request. A JWT can stay valid for up to five
 * minutes after its session was revoked; call the server (`sessions/authenticate`) where that matters.
 */
export class StytchLikeJwtVerifier {
  readonly #client: StytchLikeHttpClient;
  readonly #jwks: RemoteJwks;
  readonly #projectId: string;

  constructor(options: StytchLikeJwtVerifierOptions) {
    this.#client = new StytchLikeHttpClient({
      baseUrl: options.baseUrl,
      projectId: options.projectId,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    this.#jwks = new RemoteJwks(this.#client, options);
    this.#projectId = options.projectId;
  }

  /**
   * Resolves with what the JWT says, or rejects with `SessionTokenError`: `INVALID_TOKEN` (malformed, bad signature,
   * unknown key, wrong issuer / audience / type / algorithm), `EXPIRED`, or `UNAVAILABLE` (JWKS unreachable).
   */
  verify(jwt: string, options: VerifySessionJwtOptions = {}): Promise<VerifiedSessionJwt> {
    return verifyWithJwks(jwt, this.#jwks, this.#projectId, options);
  }

  /** Closes the sockets used to fetch the JWKS. */
  close(): void {
    this.#client.close();
  }
}

/** Verifies `jwt` with keys from `jwks`, mapping failures to `SessionTokenError`. */
export function verifyWithJwks(
  jwt: string,
  jwks: RemoteJwks,
  projectId: string,
  options: VerifySessionJwtOptions = {},
): Promise<VerifiedSessionJwt> {
  return checkSessionJwt(
    (allowExpired) =>
      verifySessionJwt(jwt, (kid) => jwks.key(kid), {
        projectId,
        now: new Date(),
        allowExpired,
        clockToleranceSeconds: jwks.clockToleranceSeconds,
      }),
    options,
    ADAPTER,
  );
}

/**
 * The local JWT check of every provider: `verify` checks signature, key, issuer, audience, type and expiry (with the
 * JWKS over HTTP, or the service's own keys in process); this adds `maxTokenAgeSeconds` and maps a failed check to
 * `SessionTokenError` `EXPIRED` or `INVALID_TOKEN`, with the `SessionJwtError` as cause. Other errors pass through.
 */
export async function checkSessionJwt(
  verify: (allowExpired: boolean) => Promise<VerifiedSessionJwt>,
  options: VerifySessionJwtOptions,
  adapter: StytchLikeAdapterName,
): Promise<VerifiedSessionJwt> {
  let verified: VerifiedSessionJwt;
  try {
    verified = await verify(options.allowExpired ?? false);
  } catch (error) {
    // The service wraps a failed check in its API error; the JWT layer throws it bare.
    const failure = error instanceof StytchLikeApiError && error.cause instanceof SessionJwtError ? error.cause : error;
    if (failure instanceof SessionJwtError) {
      throw stytchLikeError(failure.failure === 'expired' ? 'EXPIRED' : 'INVALID_TOKEN', failure.message, {
        adapter,
        cause: failure,
      });
    }
    throw error;
  }
  if (
    options.maxTokenAgeSeconds !== undefined &&
    Date.now() - verified.issuedAt.getTime() >= options.maxTokenAgeSeconds * 1000
  ) {
    throw stytchLikeError('EXPIRED', `the session JWT is older than ${options.maxTokenAgeSeconds} seconds`, {
      adapter,
    });
  }
  return verified;
}
