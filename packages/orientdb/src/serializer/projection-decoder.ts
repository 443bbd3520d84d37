import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../protocol/limits.js';
import { ByteCursor } from './byte-cursor.js';
import { defineField, readDecimal } from './record-decoder.js';
import { OrientDBType, RecordId, type OrientDBRow, type OrientDBValue } from './values.js';

const MS_PER_DAY = 86_400_000;
const MAX_DATE_MS = 8.64e15;
/** The type byte of a null value in a projection. */
const NULL_TYPE = 0xff;

/**
 * Decodes a projection row (`OResultSerializerNetwork`: a count, then name / type / value in sequence, then
 * metadata in the same shape, which is read and dropped). Malformed bytes throw `PROTOCOL`.
 */
export function decodeProjection(bytes: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): OrientDBRow {
  const cursor = new ByteCursor(bytes, 'projection');
  const reader = new ProjectionReader(cursor, bytes.length, limits.maxNestingDepth);
  const row = reader.result(0);
  if (cursor.remaining !== 0) cursor.fail(`${cursor.remaining} bytes after the projection`);
  return row;
}

class ProjectionReader {
  readonly #cursor: ByteCursor;
  #valuesLeft: number;
  readonly #maxDepth: number;

  constructor(cursor: ByteCursor, byteLength: number, maxDepth: number) {
    this.#cursor = cursor;
    this.#valuesLeft = byteLength + 1;
    this.#maxDepth = maxDepth;
  }

  #string(what: string): string {
    const cursor = this.#cursor;
    return cursor.utf8(cursor.varLength(`${what} length`, cursor.remaining), what);
  }

  #enter(depth: number): number {
    if (depth >= this.#maxDepth) this.#cursor.fail(`values nest deeper than ${this.#maxDepth}`);
    return depth + 1;
  }

  #properties(target: OrientDBRow, depth: number): void {
    const cursor = this.#cursor;
    const count = cursor.varLength('property count', cursor.remaining);
    for (let i = 0; i < count; i++) {
      const name = this.#string('property name');
      defineField(target, name, this.#typed(depth));
    }
  }

  result(depth: number): OrientDBRow {
    const row: OrientDBRow = {};
    this.#properties(row, depth);
    this.#properties({}, depth);
    return row;
  }

  #typed(depth: number): OrientDBValue {
    const type = this.#cursor.uint8();
    return type === NULL_TYPE ? null : this.#value(type, depth);
  }

  #link(): RecordId | null {
    const cursor = this.#cursor;
    const cluster = cursor.varInt(32, 'link cluster');
    const position = cursor.varLong();
    if (cluster === -2 && position === -1) return null;
    if (cluster < -32768 || cluster > 32767) cursor.fail(`link cluster ${cluster} is out of range`);
    return new RecordId(cluster, position);
  }

  #date(milliseconds: number | bigint, what: string): Date {
    if (typeof milliseconds !== 'number' || Math.abs(milliseconds) > MAX_DATE_MS) this.#cursor.fail(`${what} is outside the JavaScript Date range`);
    return new Date(milliseconds);
  }

  #value(type: number, depth: number): OrientDBValue {
    const cursor = this.#cursor;
    if (--this.#valuesLeft < 0) cursor.fail('more values than bytes');
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
        return this.#string('string');
      case OrientDBType.DATETIME:
        return this.#date(cursor.varLong(), 'datetime');
      case OrientDBType.DATE: {
        const days = cursor.varLong();
        return this.#date(typeof days === 'number' ? days * MS_PER_DAY : days, 'date');
      }
      case OrientDBType.BINARY:
        return cursor.take(cursor.varLength('binary length', cursor.remaining), 'binary');
      case OrientDBType.DECIMAL: {
        const start = cursor.offset;
        try {
          return readDecimal(cursor);
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          cursor.offset = start;
          return cursor.fail('decimal scale is out of range');
        }
      }
      case OrientDBType.LINK:
        return this.#link();
      case OrientDBType.EMBEDDED:
        return this.result(this.#enter(depth));
      case OrientDBType.EMBEDDEDLIST:
      case OrientDBType.EMBEDDEDSET: {
        const inner = this.#enter(depth);
        const count = cursor.varLength('collection size', cursor.remaining);
        const items: OrientDBValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.#typed(inner));
        return items;
      }
      case OrientDBType.LINKLIST:
      case OrientDBType.LINKSET: {
        const count = cursor.varLength('link collection size', cursor.remaining);
        const links: OrientDBValue[] = [];
        for (let i = 0; i < count; i++) links.push(this.#link());
        return links;
      }
      case OrientDBType.LINKMAP: {
        const inner = this.#enter(depth);
        const count = cursor.varLength('link map size', cursor.remaining);
        const map: OrientDBRow = {};
        for (let i = 0; i < count; i++) {
          const key = this.#value(cursor.uint8(), inner);
          defineField(map, typeof key === 'string' ? key : cursor.fail('a link map key is not a string'), this.#link());
        }
        return map;
      }
      case OrientDBType.EMBEDDEDMAP: {
        const inner = this.#enter(depth);
        const map: OrientDBRow = {};
        this.#properties(map, inner);
        return map;
      }
      case OrientDBType.CUSTOM:
        this.#string('custom class name');
        return cursor.take(cursor.varLength('custom value length', cursor.remaining), 'custom value');
      case OrientDBType.TRANSIENT:
      case OrientDBType.ANY:
        return null;
      default:
        // LINKBAG never appears in a projection (the server refuses to write one).
        return cursor.fail(`unexpected value type ${type} in a projection`);
    }
  }
}
