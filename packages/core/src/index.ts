export { SESSION_TOKEN_ERROR_CODES, SessionTokenError, isSessionTokenError } from './errors.js';
export type { SessionTokenErrorCode, SessionTokenErrorOptions } from './errors.js';
export type {
  AuthenticateOptions,
  ProviderCapabilities,
  SessionChangeEvent,
  SessionChangeListener,
  SessionChangeReason,
  SessionInfo,
  SessionTokens,
} from './types.js';
export type { SessionTokenProvider } from './provider.js';
export {
  MAX_TOKEN_LENGTH,
  assertCookieSafeToken,
  decodeBase64Url,
  encodeBase64Url,
  isCookieSafeToken,
  parseSessionTokensInput,
} from './tokens.js';
export { SessionChangeListeners } from './listeners.js';
export { BaseSessionTokenProvider } from './base-provider.js';
export type { ActiveSession } from './base-provider.js';
