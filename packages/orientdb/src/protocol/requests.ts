import { randomBytes } from 'node:crypto';
import { writeRecordBytes } from '../serializer/record-encoder.js';
import { ByteWriter } from '../serializer/byte-writer.js';
import type { FrameReader, Pull } from './frame-reader.js';
import {
  readDatabaseExists,
  readDatabaseSize,
  readEmpty,
  readOpenResponse,
  readConnectResponse,
  readQueryResponse,
  type ConnectResponse,
  type OpenResponse,
  type QueryPage,
} from './responses.js';

/** Request codes of the binary protocol used here. */
export const Opcode = {
  CONNECT: 2,
  DB_OPEN: 3,
  DB_CREATE: 4,
  DB_CLOSE: 5,
  DB_EXIST: 6,
  DB_SIZE: 8,
  QUERY: 45,
  CLOSE_QUERY: 46,
  QUERY_NEXT_PAGE: 47,
} as const;

/**
 * The protocol declared in CONNECT / DB_OPEN. 36 is the last legacy version: no HANDSHAKE, so the server validates
 * a token sent on any socket by itself (stateless reattach). 37+ ties a token to the connection that opened it.
 */
export const CLIENT_PROTOCOL_VERSION = 36;
/** Oldest server protocol that still accepts the legacy requests this client sends. */
export const MIN_SERVER_PROTOCOL_VERSION = 36;
export const DRIVER_NAME = 'sessiontoken-orientdb';
export const DRIVER_VERSION = '1';
/** Asks for `onet_ser_v0` records. */
export const RECORD_FORMAT = 'ORecordSerializerBinary';
/** Session id of a request that carries no server-side session: the token alone identifies it. */
export const NO_SESSION_ID = -1;

/** A request ready to write, with the parse step of its response. */
export interface RequestFrame<T> {
  readonly opcode: number;
  readonly sessionId: number;
  readonly bytes: Uint8Array;
  /** CONNECT and DB_OPEN answer without a token in the header; everything else carries one (renewed or empty). */
  readonly tokenInResponseHeader: boolean;
  /** `null` for DB_CLOSE, which the server never answers. */
  readonly readBody: ((reader: FrameReader) => Pull<T>) | null;
}

/** One writer for every request: requests are built synchronously, one at a time, and copied out when done. */
const scratch = new ByteWriter(1024);

function requestWriter(): ByteWriter {
  scratch.reset();
  return scratch;
}

function header(writer: ByteWriter, opcode: number, sessionId: number, token: Uint8Array | null): void {
  writer.uint8(opcode);
  writer.int32(sessionId);
  if (token !== null) writer.bytes(token);
}

/**
 * The driver version sent with CONNECT / DB_OPEN, with a random nonce as build metadata. The server copies it into
 * the token it signs, and a token has no other per-session field: without the nonce, two sessions of one user opened
 * in the same millisecond would get the very same token.
 */
function driverVersionWithNonce(): string {
  return `${DRIVER_VERSION}+${randomBytes(12).toString('base64url')}`;
}

function handshakeFields(writer: ByteWriter): void {
  writer.string(DRIVER_NAME);
  writer.string(driverVersionWithNonce());
  writer.int16(CLIENT_PROTOCOL_VERSION);
  writer.string(null); // client id
  writer.string(RECORD_FORMAT);
  writer.bool(true); // token session: the only mode 3.x allows
  writer.bool(false); // no push messages
  writer.bool(false); // no statistics
}

/** Server credentials, for the server-level requests (DB_EXIST, DB_CREATE). */
export function connectRequest(user: string, password: string): RequestFrame<ConnectResponse> {
  const writer = requestWriter();
  header(writer, Opcode.CONNECT, NO_SESSION_ID, null);
  handshakeFields(writer);
  writer.string(user);
  writer.string(password);
  return {
    opcode: Opcode.CONNECT,
    sessionId: NO_SESSION_ID,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: false,
    readBody: readConnectResponse,
  };
}

export function openRequest(database: string, user: string, password: string): RequestFrame<OpenResponse> {
  const writer = requestWriter();
  header(writer, Opcode.DB_OPEN, NO_SESSION_ID, null);
  handshakeFields(writer);
  writer.string(database);
  writer.string(user);
  writer.string(password);
  return {
    opcode: Opcode.DB_OPEN,
    sessionId: NO_SESSION_ID,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: false,
    readBody: readOpenResponse,
  };
}

export function closeRequest(sessionId: number, token: Uint8Array): RequestFrame<void> {
  const writer = requestWriter();
  header(writer, Opcode.DB_CLOSE, sessionId, token);
  return { opcode: Opcode.DB_CLOSE, sessionId, bytes: writer.takeBytes(), tokenInResponseHeader: true, readBody: null };
}

export function databaseExistsRequest(
  sessionId: number,
  token: Uint8Array,
  database: string,
  storage = 'plocal',
): RequestFrame<boolean> {
  const writer = requestWriter();
  header(writer, Opcode.DB_EXIST, sessionId, token);
  writer.string(database);
  writer.string(storage);
  return {
    opcode: Opcode.DB_EXIST,
    sessionId,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: true,
    readBody: readDatabaseExists,
  };
}

export function createDatabaseRequest(
  sessionId: number,
  token: Uint8Array,
  database: string,
  type: 'document' | 'graph' = 'graph',
  storage = 'plocal',
): RequestFrame<void> {
  const writer = requestWriter();
  header(writer, Opcode.DB_CREATE, sessionId, token);
  writer.string(database);
  writer.string(type);
  writer.string(storage);
  writer.string(null); // no backup to restore
  return {
    opcode: Opcode.DB_CREATE,
    sessionId,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: true,
    readBody: readEmpty,
  };
}

/** The cheapest request that needs an open database: the server validates the token and opens the session for it. */
export function databaseSizeRequest(sessionId: number, token: Uint8Array): RequestFrame<bigint> {
  const writer = requestWriter();
  header(writer, Opcode.DB_SIZE, sessionId, token);
  return {
    opcode: Opcode.DB_SIZE,
    sessionId,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: true,
    readBody: readDatabaseSize,
  };
}

/** How the server runs a statement: `command` allows writes, `query` only idempotent statements. */
export type QueryMode = 'command' | 'query';

/** Positional (`?`) or named (`:name`) parameters of a statement. */
export type QueryParameters = readonly unknown[] | Readonly<Record<string, unknown>>;

export function queryRequest(
  sessionId: number,
  token: Uint8Array,
  statement: string,
  parameters: QueryParameters,
  mode: QueryMode,
  pageSize: number,
): RequestFrame<QueryPage> {
  const named = !Array.isArray(parameters);
  // A Map, so that a parameter called __proto__ stays a parameter.
  const params = new Map<string, unknown>(
    named
      ? Object.entries(parameters)
      : (parameters as readonly unknown[]).map((value, index) => [String(index), value]),
  );
  const writer = requestWriter();
  header(writer, Opcode.QUERY, sessionId, token);
  writer.string('sql');
  writer.string(statement);
  writer.uint8(mode === 'command' ? 0 : 1);
  writer.int32(pageSize);
  writer.string(null); // fetch plan
  writeRecordBytes(writer, { params });
  writer.bool(named);
  return {
    opcode: Opcode.QUERY,
    sessionId,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: true,
    readBody: readQueryResponse,
  };
}

export function queryNextPageRequest(
  sessionId: number,
  token: Uint8Array,
  queryId: string,
  pageSize: number,
): RequestFrame<QueryPage> {
  const writer = requestWriter();
  header(writer, Opcode.QUERY_NEXT_PAGE, sessionId, token);
  writer.string(queryId);
  writer.int32(pageSize);
  return {
    opcode: Opcode.QUERY_NEXT_PAGE,
    sessionId,
    bytes: writer.takeBytes(),
    tokenInResponseHeader: true,
    readBody: readQueryResponse,
  };
}
