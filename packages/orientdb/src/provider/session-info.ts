import { createHash } from 'node:crypto';
import { encodeBase64Url, type ActiveSession } from '@sessiontoken/core';
import type { HeldToken } from '../token/orientdb-token.js';

/**
 * What the provider reports about a session, read from the token itself (OrientDB keeps no session record a client
 * could ask for): database, user and expiry. `subject` is `<database>/<user record id>` (`shop/#5:0`), or
 * `<database>/<name>` for a server user, which has no record id. The session id is a digest of the token, so the same token always
 * gives the same id, and a token the server renewed gives a new one.
 */
export function activeSessionFromToken(token: HeldToken, startedAt: Date | null): ActiveSession {
  const { payload } = token;
  const userRid = payload.userRid?.toString() ?? null;
  return {
    tokens: { sessionToken: encodeBase64Url(token.bytes), sessionJwt: null },
    info: {
      sessionId: encodeBase64Url(createHash('sha256').update(token.bytes).digest().subarray(0, 16)),
      // The database is part of the subject: #5:0 of two databases are two users.
      subject: `${payload.database ?? ''}/${userRid ?? payload.userName ?? ''}`,
      startedAt,
      expiresAt: payload.expiresAt,
      lastAccessedAt: new Date(),
      attributes: {
        database: payload.database,
        databaseType: payload.databaseType,
        userRid,
        serverUser: payload.serverUser,
        userName: payload.userName,
        protocolVersion: payload.protocolVersion,
        driverName: payload.driverName,
        driverVersion: payload.driverVersion,
      },
    },
  };
}
