// The client entry, safe in a browser: the provider over the frontend-SDK API (fetch), the Stytch model and its
// errors. It loads no `node:` module at all. The Node providers over the backend API (node:http) and the JWT verifier
// are in `@sessiontoken/stytch-like/node`; the service, stores, HTTP server, CLI and embedded provider in
// `@sessiontoken/stytch-like/server`.
export { StytchLikeBrowserSessionProvider, DEFAULT_REFRESH_INTERVAL_MS } from './provider/browser-provider.js';
export type { StytchLikeBrowserSessionProviderOptions } from './provider/browser-provider.js';
export type { FetchFunction, StytchLikeSdkClientOptions } from './provider/sdk-client.js';
export { STYTCH_LIKE_CAPABILITIES } from './provider/provider-options.js';
export type {
  StytchLikeCredentials,
  StytchLikeOpenOptions,
  StytchLikeProviderDefaults,
} from './provider/provider-options.js';
export type { StytchLikeSessionAttributes } from './provider/active-session.js';

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
