// The server entry, `@sessiontoken/stytch-like/server`: the session service, its stores, the HTTP server, the CLI's
// pieces and the embedded provider. Client names (providers over HTTP, the JWT verifier, the model) are in the root.
export { EmbeddedStytchLikeSessionProvider, DEFAULT_EMBEDDED_STORE_URL } from './provider/embedded-provider.js';
export type { EmbeddedStytchLikeSessionProviderOptions } from './provider/embedded-provider.js';

export { StytchLikeSessionService } from './service/session-service.js';
export type {
  AuthenticatePasswordInput,
  AuthenticateSessionInput,
  CreatePasswordUserInput,
  ResetPasswordByExistingPasswordInput,
  ResetPasswordBySessionInput,
  RevokeSessionInput,
  SessionAttributesInput,
  SessionAuthentication,
  LimitCounters,
  StytchLikeSessionServiceOptions,
} from './service/session-service.js';
export type { Clock } from '../model/clock.js';
export { DEFAULT_SCRYPT_PARAMETERS } from './service/password-hashing.js';
export type {
  PasswordHashingOptions,
  PasswordHashingQueueOptions,
  ScryptParameters,
} from './service/password-hashing.js';
export { DEFAULT_BRUTE_FORCE_LIMITS } from './service/brute-force-limits.js';
export type { BruteForceLimits } from './service/brute-force-limits.js';
export { DEFAULT_KEY_ROTATION_OVERLAP_MS } from './keys/signing-key-ring.js';
export type { KeyEncryptionReport, KeyRotation } from './keys/signing-key-ring.js';
export { KEY_ENCRYPTION_KEY_ENV, KeyEncryptionError, parseKeyEncryptionKeys } from './keys/key-encryption.js';
export type { KeyEncryptionErrorCode } from './keys/key-encryption.js';

export {
  createStytchLikeServer,
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_MAX_HELD_REFUSALS,
  DEFAULT_REFUSAL_DELAY_MS,
} from './http/server.js';
export type { StytchLikeServer, StytchLikeServerOptions } from './http/server.js';
export { MIN_SECRET_LENGTH } from './http/basic-auth.js';
export { SDK_API_PREFIX, SESSION_COOKIE, SESSION_JWT_COOKIE } from './http/sdk-api.js';
export { SESSION_COOKIE_MODES } from './http/sdk-origins.js';
export type { SessionCookieMode } from './http/sdk-origins.js';
export { LOG_LEVELS } from './http/logging.js';
export type { LogLevel, ServerLogOptions } from './http/logging.js';

export { openStore, parseStoreUrl } from './store/open-store.js';
export type { StoreLocation } from './store/open-store.js';
export { EXPIRED_SESSION_RETENTION_MS, SessionStoreError, isSessionStoreError } from './store/session-store.js';
export type {
  CounterState,
  SessionAccess,
  SessionLookup,
  SessionRecord,
  SessionStore,
  SessionStoreErrorCode,
  SessionUpdate,
  SessionUpdateOptions,
  SigningKeyRecord,
  UserRecord,
} from './store/session-store.js';
export { MemorySessionStore } from './store/memory.js';
export { SQLITE_DIRECTORY_MODE, SQLITE_FILE_MODE, SqliteSessionStore } from './store/sqlite.js';
export type { SqliteSessionStoreOptions } from './store/sqlite.js';
export { PostgresSessionStore } from './store/postgres.js';
export type { PostgresSessionStoreOptions } from './store/postgres.js';
export { RedisSessionStore } from './store/redis.js';
export type { RedisSessionStoreOptions, RedisSweepOptions, RedisSweepStep } from './store/redis.js';
