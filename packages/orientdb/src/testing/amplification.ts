import { ByteWriter } from '../serializer/byte-writer.js';
import { encodeRecord } from '../serializer/record-encoder.js';
import { OrientDBType } from '../serializer/values.js';
import { okHeader } from './frames.js';

/**
 * Records a hostile server could send to make a small answer decode to a large heap. Each is valid `onet_ser_v0` except
 * for where its pointers point.
 */

/** `fields` header entries that all point at one string of `stringBytes` bytes: ×`fields` on a naive decoder. */
export function aliasedStringRecord(fields: number, stringBytes: number): Uint8Array {
  const writer = new ByteWriter();
  writer.uint8(0);
  writer.varString('');
  const slots: number[] = [];
  for (let i = 0; i < fields; i++) {
    writer.varString(`f${i}`);
    slots.push(writer.int32(0));
    writer.uint8(OrientDBType.STRING);
  }
  writer.varint(0);
  const value = writer.varString('x'.repeat(stringBytes));
  for (const slot of slots) writer.int32At(slot, value);
  return writer.toBytes();
}

/** An embedded map whose `keys` values all point at one string of `stringBytes` bytes. */
export function aliasedMapRecord(keys: number, stringBytes: number): Uint8Array {
  const writer = new ByteWriter();
  writer.uint8(0);
  writer.varString('');
  writer.varString('map');
  const mapPointer = writer.int32(0);
  writer.uint8(OrientDBType.EMBEDDEDMAP);
  writer.varint(0);
  writer.int32At(mapPointer, writer.length);
  writer.varint(keys);
  const slots: number[] = [];
  for (let i = 0; i < keys; i++) {
    writer.uint8(OrientDBType.STRING);
    writer.varString(`k${i}`);
    slots.push(writer.int32(0));
    writer.uint8(OrientDBType.STRING);
  }
  const value = writer.varString('y'.repeat(stringBytes));
  for (const slot of slots) writer.int32At(slot, value);
  return writer.toBytes();
}

/** Honest bytes with the most heap per byte: a list of `count` dates, two bytes each, an object of ~50 bytes each. */
export function datesRecord(count: number): Uint8Array {
  return encodeRecord({ dates: new Array<Date>(count).fill(new Date(0)) });
}

/** A QUERY answer for session `sessionId` whose rows are the given document records. */
export function queryFrameOf(sessionId: number, records: readonly Uint8Array[]): Uint8Array {
  const writer = new ByteWriter();
  okHeader(writer, sessionId);
  writer.string('1_1');
  writer.bool(false);
  writer.bool(false);
  writer.int32(0);
  writer.int32(records.length);
  records.forEach((record, index) => {
    writer.uint8(3);
    writer.int16(0);
    writer.uint8(0x64);
    writer.int16(12);
    writer.int64(BigInt(index));
    writer.int32(1);
    writer.bytes(record);
  });
  writer.bool(false);
  writer.int32(0);
  writer.bool(false);
  return writer.toBytes();
}
