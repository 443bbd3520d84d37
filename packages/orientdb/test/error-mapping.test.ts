import { describe, expect, it } from 'vitest';
import { toSessionTokenError, type RequestPurpose } from '../src/protocol/error-mapping.js';
import { OrientDBServerError } from '../src/protocol/server-error.js';

const CORE = 'com.orientechnologies.orient.core.exception.';
const CHANNEL = 'com.orientechnologies.orient.enterprise.channel.binary.';
const future = new Date(Date.now() + 3_600_000);
const past = new Date(Date.now() - 1_000);

// Exception classes and messages as a real OrientDB 3.2.25 server sent them (see /tmp/orientdb-notes.md of the harness work).
const cases: [string, string, string, RequestPurpose, string][] = [
  [
    'DB_OPEN, wrong password',
    `${CORE}OSecurityAccessException`,
    "User or password not valid for username: x, database: 'db'",
    { kind: 'credentials' },
    'BAD_CREDENTIALS',
  ],
  [
    'DB_OPEN, missing database',
    `${CORE}OStorageDoesNotExistException`,
    "Cannot open the storage 'nope'",
    { kind: 'credentials' },
    'BACKEND',
  ],
  [
    'reattach, forged or other key',
    `${CHANNEL}OTokenSecurityException`,
    'The token provided is not a valid token, signature does not match',
    { kind: 'token-check', tokenExpiresAt: future },
    'INVALID_TOKEN',
  ],
  [
    'reattach, expired',
    `${CHANNEL}OTokenSecurityException`,
    'The token provided is not a valid token, signature does not match',
    { kind: 'token-check', tokenExpiresAt: past },
    'EXPIRED',
  ],
  [
    'reattach, unparsable token',
    'com.orientechnologies.common.exception.OSystemException',
    'Error on token parse',
    { kind: 'token-check', tokenExpiresAt: future },
    'INVALID_TOKEN',
  ],
  [
    'reattach, user gone',
    `${CORE}OSecurityAccessException`,
    'Invalid authentication info for access to the database',
    { kind: 'token-check', tokenExpiresAt: future },
    'INVALID_TOKEN',
  ],
  [
    'query, expired',
    `${CHANNEL}OTokenSecurityException`,
    'The token provided is not a valid token, signature does not match',
    { kind: 'work', tokenExpiresAt: past },
    'EXPIRED',
  ],
  [
    'query, permission denied',
    `${CORE}OSecurityAccessException`,
    'User does not have permission',
    { kind: 'work', tokenExpiresAt: future },
    'BACKEND',
  ],
  [
    'query, syntax error',
    'com.orientechnologies.orient.core.sql.OCommandSQLParsingException',
    'Error parsing query',
    { kind: 'work', tokenExpiresAt: future },
    'BACKEND',
  ],
  [
    'server going down',
    `${CORE}OOfflineNodeException`,
    'Node shutting down',
    { kind: 'work', tokenExpiresAt: future },
    'UNAVAILABLE',
  ],
];

describe('server errors map to SessionTokenError codes', () => {
  for (const [name, exceptionClass, message, purpose, code] of cases) {
    it(`${name} → ${code}, keeping the server's class and message as cause`, () => {
      const cause = new OrientDBServerError(exceptionClass, message);
      const error = toSessionTokenError(cause, purpose);
      expect(error.code).toBe(code);
      expect(error.adapter).toBe('orientdb');
      expect(error.cause).toBe(cause);
      expect((error.cause as OrientDBServerError).exceptionClass).toBe(exceptionClass);
      expect((error.cause as OrientDBServerError).serverMessage).toBe(message);
    });
  }
});
