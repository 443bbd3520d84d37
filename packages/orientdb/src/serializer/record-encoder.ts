import type { SessionTokenError } from '@sessiontoken/core';
import { orientdbError } from '../adapter.js';
import { DEFAULT_WIRE_LIMITS } from '../limits.js';
import { ByteWriter } from './byte-writer.js';
import { OrientDBType, RecordId, isTypedValue, type TypedValue } from './values.js';

const MS_PER_DAY = 86_400_000;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Fields of a document to encode; values are JavaScript values (see {@link encodeRecord}). */
export type EncodableDocument = Readonly<Record<string, unknown>>;

function invalid(message: string): SessionTokenError {
  return orientdbError('INVALID_ARGUMENT', message);
}

/**
 * Encodes a document in `onet_ser_v0`, the format a `ORecordSerializerBinary` client sends (query parameters,
 * records). JavaScript values map to OrientDB types as follows: string → STRING; boolean → BOOLEAN; an integer
 * number → INTEGER (LONG beyond 32 bits); any other number → DOUBLE; bigint → LONG; Date → DATETIME; Uint8Array →
 * BINARY; RecordId → LINK; array → EMBEDDEDLIST; Set → EMBEDDEDSET; Map and plain object → EMBEDDEDMAP;
 * null / undefined → null; `orientdbTypes.*` values → the type they name. Anything else throws `INVALID_ARGUMENT`.
 */
export function encodeRecord(
  fields: EncodableDocument,
  className: string | null = null,
  maxDepth = DEFAULT_WIRE_LIMITS.maxNestingDepth,
): Uint8Array {
  const writer = new ByteWriter();
  writer.uint8(0);
  new RecordEncoder(writer, 0, maxDepth).document(entriesOf(fields), className, 0);
  return writer.toBytes();
}

/**
 * Appends `fields` to `writer` as network bytes (int32 length, then the record as {@link encodeRecord} makes it),
 * without an intermediate buffer: what a request embeds (query parameters).
 */
export function writeRecordBytes(
  writer: ByteWriter,
  fields: EncodableDocument,
  maxDepth = DEFAULT_WIRE_LIMITS.maxNestingDepth,
): void {
  const lengthAt = writer.int32(0);
  const start = writer.uint8(0);
  new RecordEncoder(writer, start, maxDepth).document(entriesOf(fields), null, 0);
  writer.int32At(lengthAt, writer.length - start);
}

function entriesOf(value: object): [string, unknown][] {
  if (value instanceof Map) {
    return [...(value as Map<unknown, unknown>)].map(([key, item]) => {
      if (typeof key !== 'string') throw invalid('map keys must be strings');
      return [key, item];
    });
  }
  return Object.entries(value);
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

class RecordEncoder {
  readonly #writer: ByteWriter;
  /** Where the record starts in the writer: header pointers count from there. */
  readonly #base: number;
  readonly #maxDepth: number;

  constructor(writer: ByteWriter, base: number, maxDepth: number) {
    this.#writer = writer;
    this.#base = base;
    this.#maxDepth = maxDepth;
  }

  #enter(depth: number): number {
    if (depth >= this.#maxDepth) throw invalid(`values nest deeper than ${this.#maxDepth} (or contain a cycle)`);
    return depth + 1;
  }

  document(entries: [string, unknown][], className: string | null, depth: number): number {
    const writer = this.#writer;
    const start = writer.varString(className ?? '');
    const slots: { at: number; value: unknown }[] = [];
    for (const [name, value] of entries) {
      if (name.length === 0) throw invalid('field names must not be empty');
      writer.varString(name);
      slots.push({ at: writer.alloc(5), value });
    }
    writer.varint(0);
    for (const slot of slots) this.#pointed(slot.at, slot.value, depth);
    return start;
  }

  /** Writes a value after the header and points the reserved header slot at it. */
  #pointed(slot: number, value: unknown, depth: number): void {
    if (value === null || value === undefined) return;
    const type = typeOf(value);
    const pointer = this.#value(value, type, depth);
    this.#writer.int32At(slot, pointer - this.#base);
    this.#writer.uint8At(slot + 4, type);
  }

  #value(value: unknown, type: number, depth: number): number {
    const writer = this.#writer;
    const raw = isTypedValue(value) ? value.value : value;
    switch (type) {
      case OrientDBType.STRING:
        return writer.varString(raw as string);
      case OrientDBType.BOOLEAN:
        return writer.bool(raw as boolean);
      case OrientDBType.INTEGER:
        return writer.varint(checkedInteger(raw, 32));
      case OrientDBType.SHORT:
        return writer.varint(checkedInteger(raw, 16));
      case OrientDBType.BYTE:
        return writer.uint8(checkedInteger(raw, 8));
      case OrientDBType.LONG:
        return writer.varint(checkedLong(raw));
      case OrientDBType.FLOAT:
        return writer.float32(checkedNumber(raw));
      case OrientDBType.DOUBLE:
        return writer.float64(checkedNumber(raw));
      case OrientDBType.DATETIME:
        return writer.varint(checkedDate(raw).getTime());
      case OrientDBType.DATE:
        return writer.varint(Math.floor(checkedDate(raw).getTime() / MS_PER_DAY));
      case OrientDBType.BINARY: {
        const bytes = raw as Uint8Array;
        const at = writer.varint(bytes.length);
        writer.raw(bytes);
        return at;
      }
      case OrientDBType.DECIMAL:
        return this.#decimal(raw);
      case OrientDBType.LINK: {
        const rid = raw as RecordId;
        const at = writer.varint(rid.cluster);
        writer.varint(rid.position);
        return at;
      }
      case OrientDBType.EMBEDDED: {
        if (typeof raw !== 'object' || raw === null) throw invalid('an embedded document must be an object');
        const className = isTypedValue(value) ? (value.className ?? null) : null;
        return this.document(entriesOf(raw), className, this.#enter(depth));
      }
      case OrientDBType.EMBEDDEDLIST:
      case OrientDBType.EMBEDDEDSET: {
        const inner = this.#enter(depth);
        const items = [...(raw as Iterable<unknown>)];
        const at = writer.varint(items.length);
        writer.uint8(OrientDBType.ANY);
        for (const item of items) {
          if (item === null || item === undefined) {
            writer.uint8(OrientDBType.ANY);
            continue;
          }
          const itemType = typeOf(item);
          writer.uint8(itemType);
          this.#value(item, itemType, inner);
        }
        return at;
      }
      case OrientDBType.EMBEDDEDMAP: {
        const inner = this.#enter(depth);
        const entries = entriesOf(raw as object);
        const at = writer.varint(entries.length);
        const slots: { at: number; value: unknown }[] = [];
        for (const [key, item] of entries) {
          writer.uint8(OrientDBType.STRING);
          writer.varString(key);
          slots.push({ at: writer.alloc(5), value: item });
        }
        for (const slot of slots) this.#pointed(slot.at, slot.value, inner);
        return at;
      }
      default:
        throw invalid(`cannot encode OrientDB type ${type}`);
    }
  }

  #decimal(raw: unknown): number {
    if (typeof raw !== 'string') throw invalid('a decimal must be given as text, e.g. "12.50"');
    const match = DECIMAL_TEXT.exec(raw.trim());
    if (!match) throw invalid(`not a decimal: ${JSON.stringify(raw.slice(0, 40))}`);
    const fraction = match[3] ?? '';
    let unscaled = BigInt(`${match[2]}${fraction}`);
    if (match[1] === '-') unscaled = -unscaled;
    const bytes = twosComplement(unscaled);
    const writer = this.#writer;
    const at = writer.int32(fraction.length);
    writer.int32(bytes.length);
    writer.raw(bytes);
    return at;
  }
}

/** Minimal two's-complement big-endian bytes of `value`, as Java's `BigInteger.toByteArray()`. */
function twosComplement(value: bigint): Uint8Array {
  let length = 1;
  while (BigInt.asIntN(length * 8, value) !== value) length++;
  let unsigned = BigInt.asUintN(length * 8, value);
  const bytes = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
  return bytes;
}

function checkedNumber(value: unknown): number {
  if (typeof value !== 'number') throw invalid(`expected a number, got ${typeof value}`);
  return value;
}

function checkedInteger(value: unknown, bits: 8 | 16 | 32): number {
  const limit = 2 ** (bits - 1);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -limit || value >= limit) {
    throw invalid(`expected a ${bits}-bit integer, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

function checkedLong(value: unknown): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) return value;
  throw invalid('expected a 64-bit integer (a safe integer number or a bigint)');
}

function checkedDate(value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid('expected a valid Date');
  return value;
}

function typeOfTyped(value: TypedValue): number {
  switch (value.orientdbType) {
    case 'short':
      return OrientDBType.SHORT;
    case 'byte':
      return OrientDBType.BYTE;
    case 'integer':
      return OrientDBType.INTEGER;
    case 'long':
      return OrientDBType.LONG;
    case 'float':
      return OrientDBType.FLOAT;
    case 'double':
      return OrientDBType.DOUBLE;
    case 'decimal':
      return OrientDBType.DECIMAL;
    case 'date':
      return OrientDBType.DATE;
    case 'embedded':
      return OrientDBType.EMBEDDED;
    default:
      throw invalid(
        `unknown OrientDB type ${JSON.stringify(String((value as { orientdbType: unknown }).orientdbType))}`,
      );
  }
}

/** The OrientDB type a JavaScript value is encoded as; throws `INVALID_ARGUMENT` for values with none. */
export function typeOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return OrientDBType.STRING;
    case 'boolean':
      return OrientDBType.BOOLEAN;
    case 'number':
      if (Number.isInteger(value))
        return value >= INT32_MIN && value <= INT32_MAX
          ? OrientDBType.INTEGER
          : Number.isSafeInteger(value)
            ? OrientDBType.LONG
            : OrientDBType.DOUBLE;
      return OrientDBType.DOUBLE;
    case 'bigint':
      return OrientDBType.LONG;
    case 'object': {
      if (value === null) break;
      if (isTypedValue(value)) return typeOfTyped(value);
      if (value instanceof RecordId) return OrientDBType.LINK;
      if (value instanceof Date) return OrientDBType.DATETIME;
      if (value instanceof Uint8Array) return OrientDBType.BINARY;
      if (Array.isArray(value)) return OrientDBType.EMBEDDEDLIST;
      if (value instanceof Set) return OrientDBType.EMBEDDEDSET;
      if (value instanceof Map || isPlainObject(value)) return OrientDBType.EMBEDDEDMAP;
      break;
    }
    default:
      break;
  }
  const name = typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'object') : typeof value;
  throw invalid(`cannot encode a value of type ${name} as an OrientDB value`);
}
