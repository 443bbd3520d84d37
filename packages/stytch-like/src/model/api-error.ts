/**
 * Every `error_type` this service answers with, its HTTP status and default message. Names are Stytch's where
 * Stytch has one; the body-validation ones are this service's own.
 */
export const STYTCH_ERROR_TYPES = {
  no_session_arguments: {
    status: 400,
    message: 'One of session_token or session_jwt (or session_id for revoke) is required.',
  },
  too_many_session_arguments: { status: 400, message: 'Pass only one of session_token, session_jwt or session_id.' },
  invalid_session_duration_minutes: {
    status: 400,
    message: 'session_duration_minutes must be an integer from 5 to 527040.',
  },
  invalid_session_token: { status: 400, message: 'session_token is not a session token issued by this service.' },
  invalid_session_id: { status: 400, message: 'session_id is not a session id issued by this service.' },
  unable_to_parse_session_jwt: { status: 400, message: 'session_jwt could not be parsed as a JWT.' },
  invalid_session_jwt: {
    status: 401,
    message: 'session_jwt failed verification (signature, key, issuer, audience or type).',
  },
  invalid_session_custom_claims: { status: 400, message: 'session_custom_claims must be a JSON object.' },
  custom_claims_too_large: {
    status: 400,
    message: 'The custom claims of a session may be at most 4096 bytes of JSON.',
  },
  session_not_found: { status: 404, message: 'Session could not be found.' },
  unauthorized_credentials: { status: 401, message: 'Unauthorized credentials.' },
  invalid_secret_authentication: {
    status: 401,
    message: 'The project ID and secret (HTTP Basic authentication) were missing or wrong.',
  },
  invalid_email: { status: 400, message: 'email is not a valid email address.' },
  weak_password: { status: 400, message: 'password must be 8 to 256 characters long.' },
  duplicate_email: { status: 400, message: 'A user with this email already exists.' },
  invalid_user_id: { status: 400, message: 'user_id is required and must be a user id issued by this service.' },
  user_not_found: { status: 404, message: 'User could not be found.' },
  session_too_old_to_reset_password: {
    status: 400,
    message: 'Changing the password by session needs a password login in the last 5 minutes; authenticate again.',
  },
  signing_key_unavailable: { status: 500, message: 'The JWT signing keys cannot be used (see the server log).' },
  project_not_found: { status: 404, message: 'Project could not be found.' },
  invalid_public_token: {
    status: 401,
    message: "The public token (the HTTP Basic user name) is missing or is not this project's.",
  },
  origin_not_allowed: { status: 403, message: "This origin is not one of the project's authorized origins." },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  request_too_large: { status: 400, message: 'The request body is larger than this server accepts.' },
  unknown_field: { status: 400, message: 'The request has a field this endpoint does not accept.' },
  invalid_request_body: { status: 400, message: 'The request body does not match what this endpoint accepts.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json.' },
  route_not_found: { status: 404, message: 'There is no such endpoint.' },
  internal_server_error: {
    status: 500,
    message: 'Something went wrong on the server; the request id identifies it in the logs.',
  },
  too_many_requests: {
    status: 429,
    message: 'Too many requests have been made; try again after the time in Retry-After.',
  },
  service_unavailable: { status: 503, message: 'The session store is unavailable; try again.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** One of {@link STYTCH_ERROR_TYPES}. */
export type StytchErrorType = keyof typeof STYTCH_ERROR_TYPES;

/** The JSON body of every error response. */
export interface StytchErrorBody {
  status_code: number;
  request_id: string;
  error_type: string;
  error_message: string;
  error_url: string;
  /** This service's addition: machine-readable detail, e.g. `{ reason: 'session_expired' }`. */
  error_details?: Record<string, string>;
}

/** Detail reason given with `session_not_found` when the token was right but the session has expired. */
export const SESSION_EXPIRED_REASON = 'session_expired';

/**
 * An error in Stytch's terms, raised by the session service and turned into an HTTP error response by the server
 * (or read back from one by the HTTP provider). Messages never contain tokens.
 */
export class StytchLikeApiError extends Error {
  override readonly name = 'StytchLikeApiError';
  readonly errorType: string;
  readonly statusCode: number;
  readonly details: Readonly<Record<string, string>> | undefined;
  /** The `request_id` of the response, when the error came over HTTP. */
  readonly requestId: string | undefined;
  /** For `too_many_requests`: seconds until a retry can succeed (the `Retry-After` header). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    errorType: StytchErrorType | (string & {}),
    options: {
      message?: string;
      statusCode?: number;
      details?: Record<string, string>;
      requestId?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    const known = (STYTCH_ERROR_TYPES as Record<string, { status: number; message: string }>)[errorType];
    super(options.message ?? known?.message ?? errorType, 'cause' in options ? { cause: options.cause } : undefined);
    this.errorType = errorType;
    this.statusCode = options.statusCode ?? known?.status ?? 500;
    this.details = options.details;
    this.requestId = options.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The response body for this error. */
  toBody(requestId: string): StytchErrorBody {
    return {
      status_code: this.statusCode,
      request_id: requestId,
      error_type: this.errorType,
      error_message: this.message,
      error_url: `https://stytch.com/docs/api/errors/${this.statusCode}`,
      ...(this.details ? { error_details: { ...this.details } } : {}),
    };
  }
}
