export { StytchLikeSessionProvider } from './provider/http-provider.js';
export type { StytchLikeSessionProviderOptions } from './provider/http-provider.js';
export { EmbeddedStytchLikeSessionProvider, DEFAULT_EMBEDDED_STORE_URL } from './server/provider/embedded-provider.js';
export type { EmbeddedStytchLikeSessionProviderOptions } from './server/provider/embedded-provider.js';
export { StytchLikeProviderBase } from './provider/provider-base.js';
export type { StytchLikeCredentials, StytchLikeOpenOptions, StytchLikeProviderDefaults } from './provider/provider-base.js';
export type { StytchLikeSessionAttributes } from './provider/active-session.js';
export { StytchLikeJwtVerifier } from './provider/jwt-verifier.js';
export type { StytchLikeJwtVerifierOptions, VerifySessionJwtOptions } from './provider/jwt-verifier.js';
export type { RemoteJwksOptions } from './provider/remote-jwks.js';
export type { StytchLikeHttpClientOptions } from './provider/http-client.js';

export { StytchLikeSessionService } from './server/service/session-service.js';
export type {
  AuthenticatePasswordInput,
  AuthenticateSessionInput,
  CreatePasswordUserInput,
  RevokeSessionInput,
  SessionAttributesInput,
  SessionAuthentication,
  StytchLikeSessionServiceOptions,
} from './server/service/session-service.js';
export type { Clock } from './model/clock.js';
export { DEFAULT_SCRYPT_PARAMETERS } from './server/service/password-hashing.js';
export type { ScryptParameters } from './server/service/password-hashing.js';
export { MAX_CUSTOM_CLAIMS_BYTES, RESERVED_CLAIMS } from './model/custom-claims.js';
export {
  DEFAULT_SESSION_DURATION_MINUTES,
  MAX_SESSION_DURATION_MINUTES,
  MIN_SESSION_DURATION_MINUTES,
} from './model/session-duration.js';

export { SESSION_JWT_LIFETIME_SECONDS, sessionJwtIssuer } from './jwt/session-jwt.js';
export type { VerifiedSessionJwt } from './jwt/session-jwt.js';
export { DEFAULT_KEY_ROTATION_OVERLAP_MS } from './server/keys/signing-key-ring.js';
export type { KeyRotation } from './server/keys/signing-key-ring.js';

export { createStytchLikeServer, DEFAULT_BODY_LIMIT_BYTES } from './server/http/server.js';
export type { StytchLikeServer, StytchLikeServerOptions } from './server/http/server.js';
export type { LogLevel, ServerLogOptions } from './server/http/logging.js';

export { openStore, parseStoreUrl } from './server/store/open-store.js';
export type { StoreLocation } from './server/store/open-store.js';
export { EXPIRED_SESSION_RETENTION_MS, SessionStoreError, isSessionStoreError } from './server/store/session-store.js';
export type {
  SessionRecord,
  SessionStore,
  SessionStoreErrorCode,
  SessionUpdate,
  SessionUpdateOptions,
  SigningKeyRecord,
  UserRecord,
} from './server/store/session-store.js';
export { MemorySessionStore } from './server/store/memory.js';
export { SqliteSessionStore } from './server/store/sqlite.js';
export type { SqliteSessionStoreOptions } from './server/store/sqlite.js';
export { PostgresSessionStore } from './server/store/postgres.js';
export type { PostgresSessionStoreOptions } from './server/store/postgres.js';
export { RedisSessionStore } from './server/store/redis.js';
export type { RedisSessionStoreOptions } from './server/store/redis.js';

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
