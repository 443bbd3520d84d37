// The client entry: providers over HTTP, the JWT verifier and the Stytch model. It loads no Fastify, no store and no
// `node:sqlite`; the service, stores, HTTP server, CLI and embedded provider are in `@sessiontoken/stytch-like/server`.
export { StytchLikeSessionProvider } from './provider/http-provider.js';
export type { StytchLikeSessionProviderOptions } from './provider/http-provider.js';
export { STYTCH_LIKE_CAPABILITIES } from './provider/session-operations.js';
export type {
  StytchLikeCredentials,
  StytchLikeOpenOptions,
  StytchLikeProviderDefaults,
} from './provider/session-operations.js';
export type { StytchLikeSessionAttributes } from './provider/active-session.js';
export { StytchLikeJwtVerifier } from './provider/jwt-verifier.js';
export type { StytchLikeJwtVerifierOptions, VerifySessionJwtOptions } from './provider/jwt-verifier.js';
export type { RemoteJwksOptions } from './provider/remote-jwks.js';
export type { StytchLikeHttpClientOptions } from './provider/http-client.js';

export {
  DEFAULT_SESSION_JWT_ALGORITHM,
  isSessionJwtAlgorithm,
  SESSION_JWT_ALGORITHMS,
  SESSION_JWT_LIFETIME_SECONDS,
  sessionJwtIssuer,
} from './jwt/session-jwt.js';
export type { SessionJwtAlgorithm, VerifiedSessionJwt } from './jwt/session-jwt.js';

export { MAX_CUSTOM_CLAIMS_BYTES, RESERVED_CLAIMS } from './model/custom-claims.js';
export {
  DEFAULT_EXPIRED_JWT_MAX_AGE_SECONDS,
  DEFAULT_MAX_SESSION_LIFETIME_MINUTES,
  DEFAULT_SESSION_DURATION_MINUTES,
  MAX_SESSION_DURATION_MINUTES,
  MIN_SESSION_DURATION_MINUTES,
} from './model/session-duration.js';
export { StytchLikeApiError, STYTCH_ERROR_TYPES, SESSION_EXPIRED_REASON } from './model/api-error.js';
export type { StytchErrorBody, StytchErrorType } from './model/api-error.js';
export type {
  StytchAuthenticationFactor,
  StytchJwk,
  StytchSession,
  StytchSessionAttributes,
  StytchSessionClaim,
  StytchUser,
  StytchUserName,
} from './model/stytch-types.js';
export { SESSION_CLAIM } from './model/stytch-types.js';
export type { JsonObject, JsonValue } from './model/json.js';
