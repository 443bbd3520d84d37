// The Node entry, `@sessiontoken/stytch-like/node`: the provider over the backend API (`node:http`, project id and
// secret, for servers), the session-JWT verifier (`node:crypto`) and the JWT's constants. The model, errors and the
// browser provider are in the root entry; the service and its HTTP server in `@sessiontoken/stytch-like/server`.
export { StytchLikeSessionProvider } from './provider/http-provider.js';
export type { StytchLikeSessionProviderOptions } from './provider/http-provider.js';
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
