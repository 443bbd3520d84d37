import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../limits.js';
import { ByteCursor } from './byte-cursor.js';
import { DecodeBudget, DecodedCost } from './decode-budget.js';
import { defineField } from './record-decoder.js';
import { NOT_SCALAR, readLink, readScalar, readString } from './scalar-decoder.js';
import { OrientDBType, type OrientDBRow, type OrientDBValue } from './values.js';

/** The type byte of a null value in a projection. */
const NULL_TYPE = 0xff;

/**
 * Decodes a projection row (`OResultSerializerNetwork`: a count, then name / type / value in sequence, then
 * metadata in the same shape, which is read and dropped). Malformed bytes throw `PROTOCOL`. What is built is charged
 * to `budget` (one per answer; a fresh one from `limits` when none is given).
 */
export function decodeProjection(
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
  budget = new DecodeBudget(limits),
): OrientDBRow {
  const cursor = new ByteCursor(bytes, 'projection');
  const reader = new ProjectionReader(cursor, budget);
  const row = reader.result(0);
  if (cursor.remaining !== 0) cursor.fail(`${cursor.remaining} bytes after the projection`);
  return row;
}

class ProjectionReader {
  readonly #cursor: ByteCursor;
  readonly #budget: DecodeBudget;

  constructor(cursor: ByteCursor, budget: DecodeBudget) {
    this.#cursor = cursor;
    this.#budget = budget;
  }

  #enter(depth: number): number {
    return this.#budget.enter(this.#cursor, depth);
  }

  #properties(target: OrientDBRow, depth: number): void {
    const cursor = this.#cursor;
    const count = cursor.varLength('property count', cursor.remaining);
    for (let i = 0; i < count; i++) {
      const name = readString(cursor, 'property name');
      this.#budget.charge(cursor, DecodedCost.SLOT + DecodedCost.STRING + 2 * name.length);
      defineField(target, name, this.#typed(depth));
    }
  }

  result(depth: number): OrientDBRow {
    this.#budget.charge(this.#cursor, DecodedCost.OBJECT);
    const row: OrientDBRow = {};
    this.#properties(row, depth);
    this.#properties({}, depth);
    return row;
  }

  #typed(depth: number): OrientDBValue {
    const type = this.#cursor.uint8();
    return type === NULL_TYPE ? null : this.#value(type, depth);
  }

  #value(type: number, depth: number): OrientDBValue {
    const cursor = this.#cursor;
    const scalar = readScalar(cursor, type);
    if (scalar !== NOT_SCALAR) {
      this.#budget.chargeScalar(cursor, scalar);
      return scalar;
    }
    switch (type) {
      case OrientDBType.EMBEDDED:
        return this.result(this.#enter(depth));
      case OrientDBType.EMBEDDEDLIST:
      case OrientDBType.EMBEDDEDSET: {
        const inner = this.#enter(depth);
        const count = cursor.varLength('collection size', cursor.remaining);
        this.#budget.charge(cursor, DecodedCost.ARRAY + count * DecodedCost.SLOT);
        const items: OrientDBValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.#typed(inner));
        return items;
      }
      case OrientDBType.LINKLIST:
      case OrientDBType.LINKSET: {
        const count = cursor.varLength('link collection size', cursor.remaining);
        this.#budget.charge(cursor, DecodedCost.ARRAY + count * (DecodedCost.SLOT + DecodedCost.RECORD_ID));
        const links: OrientDBValue[] = [];
        for (let i = 0; i < count; i++) links.push(readLink(cursor));
        return links;
      }
      case OrientDBType.LINKMAP: {
        const inner = this.#enter(depth);
        const count = cursor.varLength('link map size', cursor.remaining);
        this.#budget.charge(cursor, DecodedCost.OBJECT + count * (DecodedCost.SLOT + DecodedCost.RECORD_ID));
        const map: OrientDBRow = {};
        for (let i = 0; i < count; i++) {
          const key = this.#value(cursor.uint8(), inner);
          defineField(
            map,
            typeof key === 'string' ? key : cursor.fail('a link map key is not a string'),
            readLink(cursor),
          );
        }
        return map;
      }
      case OrientDBType.EMBEDDEDMAP: {
        const inner = this.#enter(depth);
        this.#budget.charge(cursor, DecodedCost.OBJECT);
        const map: OrientDBRow = {};
        this.#properties(map, inner);
        return map;
      }
      default:
        // LINKBAG never appears in a projection (the server refuses to write one).
        return cursor.fail(`unexpected value type ${type} in a projection`);
    }
  }
}
