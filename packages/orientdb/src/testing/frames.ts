import { ByteWriter } from '../serializer/byte-writer.js';
import { encodeRecord } from '../serializer/record-encoder.js';

/** Builds response frames in the server's layout, for parser tests that need exact bytes. */
export function okHeader(
  writer: ByteWriter,
  sessionId: number,
  renewedToken: Uint8Array | null = new Uint8Array(0),
): void {
  writer.uint8(0);
  writer.int32(sessionId);
  if (renewedToken !== null) writer.bytes(renewedToken);
}

export function errorFrame(sessionId: number, exceptionClass: string, message: string, withToken = true): Uint8Array {
  const writer = new ByteWriter();
  writer.uint8(1);
  writer.int32(sessionId);
  if (withToken) writer.bytes(new Uint8Array(0));
  writer.uint8(1);
  writer.string(exceptionClass);
  writer.string(message);
  writer.uint8(0);
  writer.bytes(new Uint8Array(300).fill(0xac));
  return writer.toBytes();
}

/** A QUERY answer with one record row and one projection row. */
export function queryFrame(
  sessionId: number,
  { hasNextPage = false, renewedToken = new Uint8Array(0) } = {},
): Uint8Array {
  const writer = new ByteWriter();
  okHeader(writer, sessionId, renewedToken);
  writer.string('42_1');
  writer.bool(false); // tx changes
  writer.bool(false); // no plan
  writer.int32(0);
  writer.int32(2);
  // An element: type 3, marker 0, record type 'd', rid #12:7, version 3, content.
  writer.uint8(3);
  writer.int16(0);
  writer.uint8(0x64);
  writer.int16(12);
  writer.int64(7n);
  writer.int32(3);
  writer.bytes(encodeRecord({ name: 'Ada', born: 1815 }, 'Person'));
  // A projection: type 4, then its bytes.
  const projection = new ByteWriter();
  projection.varint(1);
  projection.varString('total');
  projection.uint8(3); // LONG
  projection.varint(2); // the LONG value 2
  projection.varint(0);
  writer.uint8(4);
  writer.bytes(projection.toBytes());
  writer.bool(hasNextPage);
  writer.int32(1);
  writer.string('elapsed');
  writer.int64(12n);
  writer.bool(false);
  return writer.toBytes();
}

/** A DB_OPEN answer: new session id, token, clusters, no cluster configuration, server version. */
export function openFrame(token: Uint8Array): Uint8Array {
  const writer = new ByteWriter();
  writer.uint8(0);
  writer.int32(-1);
  writer.int32(17);
  writer.bytes(token);
  writer.int16(2);
  writer.string('internal');
  writer.int16(0);
  writer.string('v');
  writer.int16(9);
  writer.bytes(null);
  writer.string('3.2.25');
  return writer.toBytes();
}
