import type { ByteCursor } from './byte-cursor.js';
import { OrientDBType, RecordId, type OrientDBValue } from './values.js';

const MS_PER_DAY = 86_400_000;
const MAX_DATE_MS = 8.64e15;

/** What {@link readScalar} returns for a type it does not own (documents, collections, maps, link bags). */
export const NOT_SCALAR: unique symbol = Symbol('not a scalar');

/**
 * Reads a value whose encoding is the same in records (`onet_ser_v0`) and in query results (`OResultSerializerNetwork`):
 * numbers, strings, dates, binary, decimal, links, custom and the empty types. Containers differ between the two
 * formats and are left to their decoders.
 */
export function readScalar(cursor: ByteCursor, type: number): OrientDBValue | typeof NOT_SCALAR {
  switch (type) {
    case OrientDBType.BOOLEAN:
      return cursor.uint8() === 1;
    case OrientDBType.INTEGER:
      return cursor.varInt(32, 'integer');
    case OrientDBType.SHORT:
      return cursor.varInt(16, 'short');
    case OrientDBType.LONG:
      return cursor.varLong();
    case OrientDBType.FLOAT:
      return cursor.float32();
    case OrientDBType.DOUBLE:
      return cursor.float64();
    case OrientDBType.BYTE:
      return cursor.int8();
    case OrientDBType.STRING:
      return readString(cursor, 'string');
    case OrientDBType.DATETIME:
      return toDate(cursor, cursor.varLong(), 'datetime');
    case OrientDBType.DATE: {
      const days = cursor.varLong();
      return toDate(cursor, typeof days === 'number' ? days * MS_PER_DAY : days, 'date');
    }
    case OrientDBType.BINARY:
      return cursor.take(cursor.varLength('binary length', cursor.remaining), 'binary');
    case OrientDBType.DECIMAL:
      return readDecimalChecked(cursor);
    case OrientDBType.LINK:
      return readLink(cursor);
    case OrientDBType.CUSTOM:
      readString(cursor, 'custom class name');
      // A Java-serialized object: kept as its bytes.
      return cursor.take(cursor.varLength('custom value length', cursor.remaining), 'custom value');
    case OrientDBType.TRANSIENT:
    case OrientDBType.ANY:
      return null;
    default:
      return NOT_SCALAR;
  }
}

export function readString(cursor: ByteCursor, what: string): string {
  const length = cursor.varLength(`${what} length`, cursor.remaining);
  return cursor.utf8(length, what);
}

export function readLink(cursor: ByteCursor): RecordId | null {
  const cluster = cursor.varInt(32, 'link cluster');
  const position = cursor.varLong();
  if (cluster === -2 && position === -1) return null;
  if (cluster < -32768 || cluster > 32767) cursor.fail(`link cluster ${cluster} is out of range`);
  return new RecordId(cluster, position);
}

function toDate(cursor: ByteCursor, milliseconds: number | bigint, what: string): Date {
  if (typeof milliseconds !== 'number' || Math.abs(milliseconds) > MAX_DATE_MS)
    cursor.fail(`${what} is outside the JavaScript Date range`);
  return new Date(milliseconds);
}

/** Reads a decimal as OrientDB writes it (int32 scale, int32 length, two's-complement big-endian unscaled value). */
function readDecimal(cursor: ByteCursor): string {
  const scale = cursor.int32();
  const length = cursor.int32();
  if (length < 1) cursor.fail(`decimal length ${length}`);
  const digits = cursor.take(length, 'decimal digits');
  let unscaled = 0n;
  for (const byte of digits) unscaled = (unscaled << 8n) | BigInt(byte);
  if ((digits[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(8 * length);
  return formatDecimal(unscaled, scale);
}

/** `unscaled × 10^-scale` as exact decimal text. */
function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const magnitude = (negative ? -unscaled : unscaled).toString();
  let text: string;
  if (scale <= 0) {
    text = magnitude === '0' ? '0' : magnitude + '0'.repeat(Math.min(-scale, 10_000));
    if (-scale > 10_000) throw new RangeError('decimal exponent out of range');
  } else if (scale > 10_000) {
    throw new RangeError('decimal scale out of range');
  } else {
    const padded = magnitude.padStart(scale + 1, '0');
    text = `${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  return negative ? `-${text}` : text;
}

function readDecimalChecked(cursor: ByteCursor): string {
  const start = cursor.offset;
  try {
    return readDecimal(cursor);
  } catch (error) {
    if (error instanceof RangeError) {
      cursor.offset = start;
      cursor.fail('decimal scale is out of range');
    }
    throw error;
  }
}
