import type { SessionTokenError } from '@sessiontoken/core';
import { orientdbError } from '../adapter.js';
import type { OrientDBServerError } from './server-error.js';

/** What the failed request was doing, which decides what a server exception means. */
export type RequestPurpose =
  /** DB_OPEN / CONNECT with a user name and password. */
  | { readonly kind: 'credentials' }
  /** A request whose only job is to prove the token (reattach, authenticate). */
  | { readonly kind: 'token-check'; readonly tokenExpiresAt: Date }
  /** Work done with a token (a query). */
  | { readonly kind: 'work'; readonly tokenExpiresAt: Date };

const TOKEN_PARSE_FAILURE = /^(Error on token pars|Cannot deserialize binary token|Token data too short)/;

function tokenRejected(error: OrientDBServerError, tokenExpiresAt: Date): SessionTokenError {
  // OrientDB 3.2 answers "signature does not match" for expired and forged tokens alike; the token's own expiry tells them apart.
  if (tokenExpiresAt.getTime() <= Date.now()) {
    return orientdbError('EXPIRED', 'the server rejected the session token: it has expired', error);
  }
  return orientdbError('INVALID_TOKEN', 'the server rejected the session token', error);
}

/** Maps an OrientDB error frame to a `SessionTokenError`; the server's class and message stay in `cause`. */
export function toSessionTokenError(error: OrientDBServerError, purpose: RequestPurpose): SessionTokenError {
  const simple = error.simpleClassName;
  if (simple === 'OOfflineNodeException') {
    return orientdbError('UNAVAILABLE', 'the OrientDB server is shutting down', error);
  }
  if (purpose.kind === 'credentials') {
    if (
      simple === 'OSecurityAccessException' ||
      simple === 'OSecurityException' ||
      simple === 'OSecurityAuthenticationException'
    ) {
      return orientdbError('BAD_CREDENTIALS', 'the server refused the user name or password', error);
    }
    return orientdbError('BACKEND', `the server refused to open the session (${simple})`, error);
  }
  if (simple === 'OTokenSecurityException') return tokenRejected(error, purpose.tokenExpiresAt);
  if (simple === 'OSystemException' && TOKEN_PARSE_FAILURE.test(error.serverMessage))
    return tokenRejected(error, purpose.tokenExpiresAt);
  // While only proving a token, a security refusal means the token's user can no longer open the database.
  if (purpose.kind === 'token-check' && (simple === 'OSecurityAccessException' || simple === 'OSecurityException')) {
    return tokenRejected(error, purpose.tokenExpiresAt);
  }
  return orientdbError('BACKEND', `the server refused the request (${simple})`, error);
}
