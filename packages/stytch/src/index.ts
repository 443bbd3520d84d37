export { StytchSessionProvider, STYTCH_CAPABILITIES } from './provider/stytch-session-provider.js';
export { MAX_SESSION_DURATION_MINUTES, MIN_SESSION_DURATION_MINUTES } from './provider/options.js';
export type { StytchCredentials, StytchOpenOptions, StytchSessionProviderOptions } from './provider/options.js';
export type { StytchSessionAttributes } from './provider/session-info.js';
export { StytchApiError } from './provider/error-mapping.js';
