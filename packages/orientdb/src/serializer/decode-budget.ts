import type { WireLimits } from '../limits.js';
import type { OrientDBValue } from './values.js';

/**
 * What the decoders charge for what they build, in bytes of V8 heap (64-bit, pointer compression off): an estimate
 * that errs high, so the budget bounds the real heap.
 */
export const DecodedCost = {
  /** A slot holding a value in an object or array (a pointer, or a small integer). */
  SLOT: 8,
  /** A heap number (double, or an integer beyond 31 bits) or a bigint. */
  NUMBER: 24,
  /** A string's header; its characters are charged at 2 bytes per UTF-8 byte, the worst case. */
  STRING: 24,
  /** A plain object's header and its first properties. */
  OBJECT: 56,
  /** An array's header and elements store. */
  ARRAY: 48,
  /** A Date (measured: about 62 bytes on Node 24). */
  DATE: 72,
  /** A Uint8Array with its ArrayBuffer. */
  BYTES: 160,
  /** A RecordId with its bigint position. */
  RECORD_ID: 64,
} as const;

/** Where a refusal is raised: a record's cursor names the byte, a frame names itself. */
export interface Failing {
  fail(reason: string): never;
}

/**
 * The budget of one answer (every record and projection in it): the nesting depth, and the heap its decoded values
 * may take. Shared by every decode of the answer, so many small records cannot add up past the limit either.
 */
export class DecodeBudget {
  readonly maxDepth: number;
  readonly limit: number;
  #left: number;

  constructor(limits: WireLimits) {
    this.maxDepth = limits.maxNestingDepth;
    this.limit = limits.maxDecodedBytes;
    this.#left = limits.maxDecodedBytes;
  }

  /** Heap charged so far. */
  get charged(): number {
    return this.limit - this.#left;
  }

  charge(cursor: Failing, bytes: number): void {
    this.#left -= bytes;
    if (this.#left < 0) cursor.fail(`decodes to more than ${this.limit} bytes of values (limits.maxDecodedBytes)`);
  }

  /** A value readScalar built: its slot plus what it points to. */
  chargeScalar(cursor: Failing, value: OrientDBValue): void {
    switch (typeof value) {
      case 'string':
        this.charge(cursor, DecodedCost.SLOT + DecodedCost.STRING + 2 * value.length);
        return;
      case 'number':
      case 'bigint':
        this.charge(cursor, DecodedCost.SLOT + DecodedCost.NUMBER);
        return;
      case 'object':
        if (value === null) break;
        if (value instanceof Uint8Array) this.charge(cursor, DecodedCost.SLOT + DecodedCost.BYTES + value.length);
        else if (value instanceof Date) this.charge(cursor, DecodedCost.SLOT + DecodedCost.DATE);
        // The only other object readScalar returns is a RecordId.
        else this.charge(cursor, DecodedCost.SLOT + DecodedCost.RECORD_ID);
        return;
      default:
        break;
    }
    this.charge(cursor, DecodedCost.SLOT);
  }

  enter(cursor: Failing, depth: number): number {
    if (depth >= this.maxDepth) cursor.fail(`values nest deeper than ${this.maxDepth}`);
    return depth + 1;
  }
}
