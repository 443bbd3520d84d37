import { orientdbError } from '../adapter.js';

/** OrientDB's property type ids (`OType`), as they appear on the wire. */
export const OrientDBType = {
  BOOLEAN: 0,
  INTEGER: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  DATETIME: 6,
  STRING: 7,
  BINARY: 8,
  EMBEDDED: 9,
  EMBEDDEDLIST: 10,
  EMBEDDEDSET: 11,
  EMBEDDEDMAP: 12,
  LINK: 13,
  LINKLIST: 14,
  LINKSET: 15,
  LINKMAP: 16,
  BYTE: 17,
  TRANSIENT: 18,
  DATE: 19,
  CUSTOM: 20,
  DECIMAL: 21,
  LINKBAG: 22,
  ANY: 23,
} as const;

export type OrientDBTypeId = (typeof OrientDBType)[keyof typeof OrientDBType];

const RID_TEXT = /^#(-?\d+):(-?\d+)$/;

/** A link to a record, `#cluster:position`. */
export class RecordId {
  readonly cluster: number;
  readonly position: bigint;

  constructor(cluster: number, position: number | bigint) {
    if (!Number.isInteger(cluster) || cluster < -32768 || cluster > 32767) {
      throw orientdbError('INVALID_ARGUMENT', `a record id's cluster must be a 16-bit integer, got ${String(cluster)}`);
    }
    if (typeof position === 'number' && !Number.isSafeInteger(position)) {
      throw orientdbError('INVALID_ARGUMENT', `a record id's position must be an integer, got ${String(position)}`);
    }
    const big = BigInt(position);
    if (big !== BigInt.asIntN(64, big)) {
      throw orientdbError('INVALID_ARGUMENT', 'a record id position must fit in 64 bits');
    }
    this.cluster = cluster;
    this.position = big;
  }

  /** Parses `#cluster:position`; throws `INVALID_ARGUMENT` for anything else. */
  static parse(text: string): RecordId {
    const match = RID_TEXT.exec(text);
    if (!match) throw orientdbError('INVALID_ARGUMENT', `not a record id: ${JSON.stringify(text.slice(0, 40))}`);
    return new RecordId(Number(match[1]), BigInt(match[2]!));
  }

  equals(other: unknown): boolean {
    return other instanceof RecordId && other.cluster === this.cluster && other.position === this.position;
  }

  toString(): string {
    return `#${this.cluster}:${this.position}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/**
 * A value with an explicit OrientDB type, for parameters whose JavaScript type alone would pick another
 * (`short`, `byte`, `float`, `decimal`, `date`, `long`, `embedded` with a class).
 */
export interface TypedValue {
  readonly orientdbType: 'short' | 'byte' | 'float' | 'decimal' | 'date' | 'long' | 'integer' | 'double' | 'embedded';
  readonly value: unknown;
  readonly className?: string;
}

/** Marks a value with an explicit OrientDB type; see {@link TypedValue}. */
export const orientdbTypes = {
  short: (value: number): TypedValue => ({ orientdbType: 'short', value }),
  byte: (value: number): TypedValue => ({ orientdbType: 'byte', value }),
  integer: (value: number): TypedValue => ({ orientdbType: 'integer', value }),
  long: (value: number | bigint): TypedValue => ({ orientdbType: 'long', value }),
  float: (value: number): TypedValue => ({ orientdbType: 'float', value }),
  double: (value: number): TypedValue => ({ orientdbType: 'double', value }),
  /** A decimal from its exact text, e.g. `'-12.50'`. */
  decimal: (value: string): TypedValue => ({ orientdbType: 'decimal', value }),
  /** A calendar day; the time of day is dropped (OrientDB stores days). */
  date: (value: Date): TypedValue => ({ orientdbType: 'date', value }),
  /** An embedded document, optionally of a class. */
  embedded: (value: Readonly<Record<string, unknown>>, className?: string): TypedValue =>
    className === undefined ? { orientdbType: 'embedded', value } : { orientdbType: 'embedded', value, className },
} as const;

export function isTypedValue(value: unknown): value is TypedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { orientdbType?: unknown }).orientdbType === 'string' &&
    'value' in value
  );
}

/**
 * What a decoded OrientDB value becomes in JavaScript:
 * string; integer, short, byte, float, double → number; long → number, or bigint beyond 2^53; decimal → exact string;
 * boolean; date (midnight UTC) and datetime → Date; binary → Uint8Array; link → RecordId; embedded document and map → plain
 * object (an embedded document of a class carries `@class`); list and set → array; null → null.
 */
export type OrientDBValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Uint8Array
  | RecordId
  | null
  | OrientDBValue[]
  | { [field: string]: OrientDBValue };

/** One row of a query: a record's fields plus `@rid`, `@version` and `@class`, or a projection's fields. */
export type OrientDBRow = { [field: string]: OrientDBValue };
