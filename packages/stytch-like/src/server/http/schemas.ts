import { MAX_SESSION_DURATION_MINUTES, MIN_SESSION_DURATION_MINUTES } from '../../model/session-duration.js';

/**
 * JSON Schemas of the request bodies, checked before a handler runs. Unknown fields are refused (not dropped) and
 * types are not coerced; the error handler turns a failure into a Stytch-shaped 400.
 */

const sessionDuration = {
  type: 'integer',
  minimum: MIN_SESSION_DURATION_MINUTES,
  maximum: MAX_SESSION_DURATION_MINUTES,
} as const;
const sessionToken = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const sessionJwt = { type: 'string', minLength: 1, maxLength: 8192 } as const;
const customClaims = { type: 'object' } as const;
const email = { type: 'string', maxLength: 254 } as const;
const password = { type: 'string', maxLength: 256 } as const;
const namePart = { type: 'string', maxLength: 256 } as const;

export const createPasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email,
    password,
    session_duration_minutes: sessionDuration,
    session_custom_claims: customClaims,
    name: {
      type: 'object',
      additionalProperties: false,
      properties: { first_name: namePart, middle_name: namePart, last_name: namePart },
    },
  },
} as const;

export const authenticatePasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: {
    email,
    password,
    session_token: sessionToken,
    session_jwt: sessionJwt,
    session_duration_minutes: sessionDuration,
    session_custom_claims: customClaims,
  },
} as const;

export const authenticateSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session_token: sessionToken,
    session_jwt: sessionJwt,
    session_duration_minutes: sessionDuration,
    session_custom_claims: customClaims,
  },
} as const;

export const resetByExistingPasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'existing_password', 'new_password'],
  properties: {
    email,
    existing_password: password,
    new_password: password,
    session_duration_minutes: sessionDuration,
    session_custom_claims: customClaims,
  },
} as const;

export const resetBySessionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['password'],
  properties: {
    password,
    session_token: sessionToken,
    session_jwt: sessionJwt,
    session_duration_minutes: sessionDuration,
    session_custom_claims: customClaims,
  },
} as const;

export const userParams = {
  type: 'object',
  required: ['user_id'],
  properties: { user_id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const revokeSessionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    user_id: { type: 'string', minLength: 1, maxLength: 200 },
    session_id: { type: 'string', minLength: 1, maxLength: 200 },
    session_token: sessionToken,
    session_jwt: sessionJwt,
  },
} as const;

export const listSessionsQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['user_id'],
  properties: { user_id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const jwksParams = {
  type: 'object',
  required: ['project_id'],
  properties: { project_id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

/** The `error_type` for a field that failed validation; anything else is `invalid_request_body`. */
export const FIELD_ERROR_TYPES: Readonly<Record<string, string>> = {
  session_duration_minutes: 'invalid_session_duration_minutes',
  session_token: 'invalid_session_token',
  session_jwt: 'unable_to_parse_session_jwt',
  session_id: 'invalid_session_id',
  session_custom_claims: 'invalid_session_custom_claims',
  email: 'invalid_email',
  user_id: 'invalid_user_id',
};

/**
 * Bodies of the frontend-SDK API (`/sdk/v1`). Unlike the backend API's, fields this server does not know are ignored
 * rather than refused: the official SDK may send fields of features this server does not have (captcha, fraud
 * detection), and the handlers read only the fields below.
 */
export const sdkCreatePasswordBody = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email, password, session_duration_minutes: sessionDuration },
} as const;

export const sdkAuthenticatePasswordBody = sdkCreatePasswordBody;

export const sdkAuthenticateSessionBody = {
  type: 'object',
  properties: { session_duration_minutes: sessionDuration, session_jwt: sessionJwt },
} as const;

export const sdkBootstrapParams = {
  type: 'object',
  required: ['public_token'],
  properties: { public_token: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;
