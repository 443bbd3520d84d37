import { decodeProjection } from '../serializer/projection-decoder.js';
import { decodeRecordInto } from '../serializer/record-decoder.js';
import { DecodedCost, type Failing } from '../serializer/decode-budget.js';
import { RecordId, type OrientDBRow } from '../serializer/values.js';
import { malformed } from '../adapter.js';
import type { FrameReader, Pull } from './frame-reader.js';
import { OrientDBServerError } from './server-error.js';

const STATUS_OK = 0;
const STATUS_ERROR = 1;
const STATUS_PUSH = 3;
const RECORD_NULL = -2;
const RECORD_RID = -3;
const RECORD_TYPE_DOCUMENT = 0x64; // 'd'
const RECORD_TYPE_BLOB = 0x62; // 'b'
const RESULT_TYPE_PROJECTION = 4;
/** More exception entries than this in one error frame is not something a server sends. */
const MAX_ERROR_ENTRIES = 256;

/** A parsed response: the server's answer or its error, and a renewed token when the server sent one. */
export type ResponseFrame<T> =
  | { readonly ok: true; readonly value: T; readonly renewedToken: Uint8Array | null }
  | { readonly ok: false; readonly error: OrientDBServerError; readonly renewedToken: Uint8Array | null };

/**
 * Reads a response: status byte, echoed session id, the token slot (requests after CONNECT / DB_OPEN), then the body
 * or the error entries (exception class and message pairs, then a Java-serialized exception that is skipped).
 */
export function* readResponse<T>(
  reader: FrameReader,
  expectedSessionId: number,
  tokenInHeader: boolean,
  readBody: (reader: FrameReader) => Pull<T>,
): Pull<ResponseFrame<T>> {
  // Status and session id: every answer has them.
  if (!reader.has(5)) yield* reader.wait(5, 'an answer header');
  const status = reader.byteNow();
  if (status === STATUS_PUSH) throw malformed('frame: a push message although push was not requested');
  if (status !== STATUS_OK && status !== STATUS_ERROR) throw malformed(`frame: status ${status}`);
  const sessionId = reader.int32Now();
  if (sessionId !== expectedSessionId)
    throw malformed(`frame: answer for session ${sessionId}, expected ${expectedSessionId}`);
  let renewedToken: Uint8Array | null = null;
  if (tokenInHeader) {
    const token = yield* reader.bytes('renewed token');
    if (token !== null && token.length > 0) renewedToken = token;
  }
  if (status === STATUS_ERROR) return { ok: false, error: yield* readServerError(reader), renewedToken };
  return { ok: true, value: yield* readBody(reader), renewedToken };
}

function* readServerError(reader: FrameReader): Pull<OrientDBServerError> {
  const entries: { exceptionClass: string; message: string }[] = [];
  for (;;) {
    const more = yield* reader.uint8();
    if (more === 0) break;
    if (more !== 1) throw malformed(`frame: error entry marker ${more}`);
    if (entries.length >= MAX_ERROR_ENTRIES) throw malformed('frame: too many error entries');
    const exceptionClass = (yield* reader.string('exception class')) ?? '';
    const message = (yield* reader.string('exception message')) ?? '';
    entries.push({ exceptionClass, message });
  }
  yield* reader.skipBytes('serialized exception');
  const [first] = entries;
  return new OrientDBServerError(first?.exceptionClass ?? 'unknown', first?.message ?? '', entries);
}

export function* readEmpty(): Pull<void> {
  // Nothing follows the header.
}

export interface ConnectResponse {
  readonly sessionId: number;
  readonly token: Uint8Array | null;
}

export function* readConnectResponse(reader: FrameReader): Pull<ConnectResponse> {
  const sessionId = yield* reader.int32();
  const token = yield* reader.bytes('token');
  return { sessionId, token: token !== null && token.length > 0 ? token : null };
}

export interface OpenResponse extends ConnectResponse {
  readonly clusters: readonly { readonly name: string; readonly id: number }[];
  readonly serverVersion: string | null;
}

export function* readOpenResponse(reader: FrameReader): Pull<OpenResponse> {
  const { sessionId, token } = yield* readConnectResponse(reader);
  const count = yield* reader.int16();
  if (count < 0) throw malformed(`frame: cluster count ${count}`);
  const clusters: { name: string; id: number }[] = [];
  for (let i = 0; i < count; i++) {
    const name = (yield* reader.string('cluster name')) ?? '';
    const id = yield* reader.int16();
    clusters.push({ name, id });
  }
  yield* reader.skipBytes('cluster configuration');
  const serverVersion = yield* reader.string('server version');
  return { sessionId, token, clusters, serverVersion };
}

export function* readDatabaseExists(reader: FrameReader): Pull<boolean> {
  return yield* reader.bool('database exists');
}

export function* readDatabaseSize(reader: FrameReader): Pull<bigint> {
  return yield* reader.int64();
}

/** One page of a QUERY / QUERY_NEXT_PAGE answer. */
export interface QueryPage {
  readonly queryId: string;
  readonly rows: OrientDBRow[];
  readonly hasNextPage: boolean;
}

/** A row object with `@rid` and `@version`, and its slot in the rows array. */
const ROW_COST = DecodedCost.SLOT + DecodedCost.OBJECT + 2 * DecodedCost.SLOT + DecodedCost.RECORD_ID;

const FRAME: Failing = {
  fail(reason: string): never {
    throw malformed(`frame: ${reason}`);
  },
};

/** A record result after its type and marker: record type, cluster, position, version, content length. */
const RECORD_HEAD_BYTES = 1 + 2 + 8 + 4 + 4;

function* readResult(reader: FrameReader): Pull<OrientDBRow> {
  // The type, then a projection's length or a record's marker: at least three bytes.
  if (!reader.has(3)) yield* reader.wait(3, 'a result');
  const type = reader.byteNow();
  if (type === RESULT_TYPE_PROJECTION) {
    // Decoded before the next yield, while the view into the receive buffer is valid.
    const bytes = yield* reader.view('projection');
    if (bytes === null) throw malformed('frame: null projection');
    return decodeProjection(bytes, reader.limits, reader.decoded);
  }
  if (type > RESULT_TYPE_PROJECTION) throw malformed(`frame: result type ${type}`);
  const marker = reader.int16Now();
  if (marker === RECORD_NULL) return {};
  if (marker === RECORD_RID) {
    if (!reader.has(10)) yield* reader.wait(10, 'a record id');
    const cluster = reader.int16Now();
    const position = reader.int64Now();
    return { '@rid': new RecordId(cluster, position) };
  }
  if (marker !== 0) throw malformed(`frame: record marker ${marker}`);
  if (!reader.has(RECORD_HEAD_BYTES)) yield* reader.wait(RECORD_HEAD_BYTES, 'a record header');
  const recordType = reader.byteNow();
  const cluster = reader.int16Now();
  const position = reader.int64Now();
  const version = reader.int32Now();
  const length = reader.int32Now();
  if (length < -1) throw malformed(`frame: record content has length ${length}`);
  if (length > 0 && !reader.has(length)) yield* reader.wait(length, 'record content');
  // Decoded before the next yield, while the view into the receive buffer is valid; a blob is copied out.
  const content = length === -1 ? null : reader.takeNow(length, 'record content');
  const rid = new RecordId(cluster, position);
  if (recordType === RECORD_TYPE_DOCUMENT) {
    const row: OrientDBRow = { '@rid': rid, '@version': version };
    if (content !== null && content.length > 0) decodeRecordInto(row, content, reader.limits, reader.decoded);
    return row;
  }
  if (recordType === RECORD_TYPE_BLOB)
    return { '@rid': rid, '@version': version, '@bytes': content === null ? new Uint8Array(0) : content.slice() };
  throw malformed(`frame: record type ${recordType}`);
}

export function* readQueryResponse(reader: FrameReader): Pull<QueryPage> {
  const queryId = (yield* reader.string('query id')) ?? '';
  if (!reader.has(2)) yield* reader.wait(2, 'query flags');
  reader.boolNow('transaction changes');
  if (reader.boolNow('has execution plan')) yield* readResult(reader);
  // Prefetched records (always 0) and the result count.
  if (!reader.has(8)) yield* reader.wait(8, 'result count');
  reader.int32Now();
  const count = reader.countNow('result count', 1);
  const rows: OrientDBRow[] = [];
  for (let i = 0; i < count; i++) {
    reader.decoded.charge(FRAME, ROW_COST);
    rows.push(yield* readResult(reader));
  }
  if (!reader.has(5)) yield* reader.wait(5, 'query trailer');
  const hasNextPage = reader.boolNow('has next page');
  const stats = reader.countNow('query statistics count', 12);
  for (let i = 0; i < stats; i++) {
    yield* reader.string('statistic name');
    yield* reader.int64();
  }
  yield* reader.bool('reload metadata');
  return { queryId, rows, hasNextPage };
}
