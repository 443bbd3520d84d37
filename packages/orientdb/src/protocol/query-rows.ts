import { SessionTokenError } from '@sessiontoken/core';
import { malformed } from '../adapter.js';
import type { OrientDBRow } from '../serializer/values.js';
import {
  NO_SESSION_ID,
  queryNextPageRequest,
  queryRequest,
  type QueryMode,
  type QueryParameters,
  type RequestFrame,
} from './requests.js';
import { OrientDBServerError } from './server-error.js';

/** Largest page the server accepts; a stateless request must get every row in its one answer. */
const ALL_ROWS = 2 ** 31 - 1;

/** A statement and how to page through its rows. */
export interface QueryStatement {
  readonly statement: string;
  readonly parameters: QueryParameters;
  readonly mode: QueryMode;
  /** Rows per page for a live session; a stateless request asks for every row at once. */
  readonly pageSize: number;
}

/** Where a query's requests go: a session id (or {@link NO_SESSION_ID}), its token bytes, and how a frame is sent. */
export interface QueryChannel {
  readonly sessionId: number;
  readonly token: Uint8Array;
  /** Sends one frame on one socket and resolves with the answer's value (the caller maps errors and renewals). */
  send<T>(frame: RequestFrame<T>): Promise<T>;
}

/**
 * True when the server no longer holds the cursor of a query it answered the first page of: the live session was
 * dropped on the server (its held token expired, or it was closed from another socket) while this socket stayed
 * open, so the server served that page statelessly and kept nothing.
 */
export function isLostCursor(error: unknown): boolean {
  const cause = error instanceof SessionTokenError ? error.cause : null;
  return (
    cause instanceof OrientDBServerError &&
    cause.simpleClassName === 'ODatabaseException' &&
    cause.serverMessage.startsWith('No query with id')
  );
}

/**
 * Runs a statement and returns every row. A live session pages on the one channel with the token bytes the query
 * started with (renewed bytes would make the server close the query's cursor); a stateless one gets every row in one
 * answer. When the server dropped the live session between pages, an idempotent query (`mode: 'query'`) runs once
 * more on `stateless()`, the caller never seeing it; a command, which may have written, is not run again.
 */
export async function queryAllRows(
  channel: QueryChannel,
  query: QueryStatement,
  stateless: () => QueryChannel,
): Promise<OrientDBRow[]> {
  if (channel.sessionId === NO_SESSION_ID) return allPages(channel, query);
  try {
    return await allPages(channel, query);
  } catch (error) {
    if (query.mode !== 'query' || !isLostCursor(error)) throw error;
    return allPages(stateless(), query);
  }
}

async function allPages(channel: QueryChannel, query: QueryStatement): Promise<OrientDBRow[]> {
  const { sessionId, token } = channel;
  const stateful = sessionId !== NO_SESSION_ID;
  let page = await channel.send(
    queryRequest(sessionId, token, query.statement, query.parameters, query.mode, stateful ? query.pageSize : ALL_ROWS),
  );
  const rows = page.rows;
  while (page.hasNextPage) {
    if (!stateful) throw malformed('QUERY answer: more pages on a stateless request');
    page = await channel.send(queryNextPageRequest(sessionId, token, page.queryId, query.pageSize));
    for (const row of page.rows) rows.push(row);
  }
  return rows;
}
