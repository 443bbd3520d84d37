import { SessionTokenError, type SessionTokenErrorCode } from '@sessiontoken/core';
import { SESSION_EXPIRED_REASON, type StytchLikeApiError } from '../model/api-error.js';

const CODES: Readonly<Record<string, SessionTokenErrorCode>> = {
  session_not_found: 'INVALID_TOKEN',
  invalid_session_token: 'INVALID_TOKEN',
  invalid_session_id: 'INVALID_TOKEN',
  invalid_session_jwt: 'INVALID_TOKEN',
  unable_to_parse_session_jwt: 'INVALID_TOKEN',
  unauthorized_credentials: 'BAD_CREDENTIALS',
  email_not_found: 'BAD_CREDENTIALS',
  invalid_email: 'BAD_CREDENTIALS',
  invalid_session_duration_minutes: 'INVALID_ARGUMENT',
  invalid_session_custom_claims: 'INVALID_ARGUMENT',
  custom_claims_too_large: 'INVALID_ARGUMENT',
  too_many_session_arguments: 'INVALID_ARGUMENT',
  no_session_arguments: 'INVALID_ARGUMENT',
  service_unavailable: 'UNAVAILABLE',
  too_many_requests: 'UNAVAILABLE',
};

/**
 * Maps a Stytch-shaped error to the core vocabulary, with `cause` the backend's own error (the HTTP provider passes
 * the server's error body, the embedded provider the service's error): unknown or revoked sessions and bad tokens → `INVALID_TOKEN`, an expired session → `EXPIRED`,
 * refused password login → `BAD_CREDENTIALS`, an unreachable store → `UNAVAILABLE`; the rest → `BACKEND`.
 */
export function toSessionTokenErrorFromApi(
  error: StytchLikeApiError,
  adapter: string,
  cause: unknown = error,
): SessionTokenError {
  let code: SessionTokenErrorCode =
    CODES[error.errorType] ??
    (error.statusCode === 502 || error.statusCode === 503 || error.statusCode === 504 ? 'UNAVAILABLE' : 'BACKEND');
  if (error.errorType === 'session_not_found' && error.details?.['reason'] === SESSION_EXPIRED_REASON) code = 'EXPIRED';
  if (error.errorType === 'invalid_secret_authentication') {
    return new SessionTokenError(
      'BACKEND',
      'the server refused the project id or secret (HTTP 401 invalid_secret_authentication)',
      { adapter, cause },
    );
  }
  const requestId = error.requestId ? ` (request ${error.requestId})` : '';
  return new SessionTokenError(code, `${error.errorType}: ${error.message}${requestId}`, {
    adapter,
    cause,
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterMs: error.retryAfterSeconds * 1000 }),
  });
}
