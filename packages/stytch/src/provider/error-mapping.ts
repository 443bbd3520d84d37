import { SessionTokenError, type SessionTokenErrorCode } from '@sessiontoken/core';
import { RequestError, StytchError } from 'stytch';
import { ADAPTER_NAME } from '../adapter-name.js';

const CODES: Readonly<Record<string, SessionTokenErrorCode>> = {
  session_not_found: 'INVALID_TOKEN',
  invalid_session_token: 'INVALID_TOKEN',
  invalid_session_id: 'INVALID_TOKEN',
  invalid_session_jwt: 'INVALID_TOKEN',
  unable_to_parse_session_jwt: 'INVALID_TOKEN',
  jwt_invalid_signature: 'INVALID_TOKEN',
  unauthorized_credentials: 'BAD_CREDENTIALS',
  email_not_found: 'BAD_CREDENTIALS',
  invalid_email: 'BAD_CREDENTIALS',
  user_not_found: 'BAD_CREDENTIALS',
  reset_password: 'BAD_CREDENTIALS',
  invalid_session_duration_minutes: 'INVALID_ARGUMENT',
  invalid_session_custom_claims: 'INVALID_ARGUMENT',
  custom_claims_too_large: 'INVALID_ARGUMENT',
  too_many_session_arguments: 'INVALID_ARGUMENT',
  no_session_arguments: 'INVALID_ARGUMENT',
  too_many_requests: 'UNAVAILABLE',
  service_unavailable: 'UNAVAILABLE',
};

/** The detail a Stytch-compatible server may give with `session_not_found` when the session has expired. */
const SESSION_EXPIRED_REASON = 'session_expired';

/**
 * What the Stytch API answered, kept as the `cause` of a `SessionTokenError`: the documented fields of its error body
 * with any token of the failed request cut out. (The SDK's `StytchError` message is the whole body, and its
 * `RequestError` holds the request, tokens included, so neither is kept.)
 */
export class StytchApiError extends Error {
  override readonly name = 'StytchApiError';
  readonly statusCode: number;
  readonly errorType: string;
  readonly requestId: string | undefined;
  readonly errorUrl: string | undefined;

  constructor(fields: {
    statusCode: number;
    errorType: string;
    errorMessage: string;
    requestId?: string;
    errorUrl?: string;
  }) {
    super(fields.errorMessage);
    this.statusCode = fields.statusCode;
    this.errorType = fields.errorType;
    this.requestId = fields.requestId;
    this.errorUrl = fields.errorUrl;
  }
}

function text(value: unknown, secrets: readonly string[], max = 500): string {
  let result = typeof value === 'string' ? value.slice(0, 4096) : '';
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join('[redacted]');
  return result.slice(0, max);
}

function optionalText(value: unknown, secrets: readonly string[]): string | undefined {
  return typeof value === 'string' && value.length > 0 ? text(value, secrets, 200) : undefined;
}

function fromApi(error: StytchError, secrets: readonly string[]): SessionTokenError {
  const statusCode = Number.isInteger(error.status_code) ? error.status_code : 0;
  const errorType = text(error.error_type, secrets, 100) || 'unknown_error';
  const requestId = optionalText(error.request_id, secrets);
  const errorUrl = optionalText(error.error_url, secrets);
  const cause = new StytchApiError({
    statusCode,
    errorType,
    errorMessage: text(error.error_message, secrets),
    ...(requestId === undefined ? {} : { requestId }),
    ...(errorUrl === undefined ? {} : { errorUrl }),
  });
  if (errorType === 'invalid_secret_authentication') {
    return new SessionTokenError(
      'BACKEND',
      `Stytch refused the project id or secret (HTTP ${statusCode} ${errorType})`,
      { adapter: ADAPTER_NAME, cause },
    );
  }
  const details: unknown = error.error_details;
  const expired =
    errorType === 'session_not_found' &&
    typeof details === 'object' &&
    details !== null &&
    (details as Record<string, unknown>)['reason'] === SESSION_EXPIRED_REASON;
  const code: SessionTokenErrorCode = expired
    ? 'EXPIRED'
    : (CODES[errorType] ??
      (statusCode === 429 || statusCode === 502 || statusCode === 503 || statusCode === 504
        ? 'UNAVAILABLE'
        : 'BACKEND'));
  const request = requestId ? ` (request ${requestId})` : '';
  return new SessionTokenError(code, `Stytch answered HTTP ${statusCode} ${errorType}${request}`, {
    adapter: ADAPTER_NAME,
    cause,
  });
}

/**
 * Maps whatever an SDK call rejected with to a `SessionTokenError`: the API's error types to the core codes (an expired
 * session to `EXPIRED` where the server says so, else `INVALID_TOKEN` as hosted Stytch cannot tell them apart), a
 * failed request to `UNAVAILABLE`, an answer that is not JSON to `PROTOCOL`. `secrets` are the tokens the request
 * carried: they are cut out of anything the server echoed.
 */
export function toSessionTokenErrorFromSdk(error: unknown, secrets: readonly string[]): SessionTokenError {
  if (error instanceof SessionTokenError) return error;
  if (error instanceof StytchError) return fromApi(error, secrets);
  if (error instanceof RequestError) {
    // The SDK's message for a body that is not JSON quotes the body; for a failed fetch it says only "fetch failed".
    if (error.message.startsWith('Unable to parse JSON')) {
      return new SessionTokenError('PROTOCOL', 'the Stytch API answered with a body that is not JSON', {
        adapter: ADAPTER_NAME,
      });
    }
    return new SessionTokenError('UNAVAILABLE', 'the Stytch API could not be reached or did not answer in time', {
      adapter: ADAPTER_NAME,
      cause: new Error(text(error.message, secrets, 200)),
    });
  }
  // The SDK reads any answer of status >= 400 as an error body; a body that is not an object makes it throw a TypeError.
  const name = error instanceof Error ? error.name : typeof error;
  return new SessionTokenError('PROTOCOL', `the Stytch API answered with something the SDK could not read (${name})`, {
    adapter: ADAPTER_NAME,
  });
}
