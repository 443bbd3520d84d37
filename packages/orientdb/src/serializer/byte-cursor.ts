import { malformed } from '../adapter.js';
import { decodeUtf8 } from './utf8.js';

const TWO_POW_32 = 2 ** 32;

/**
 * A bounds-checked read position over a complete byte array (a record, a projection, a token payload).
 * Every read checks that the bytes exist first; a read past the end throws `PROTOCOL`.
 */
export class ByteCursor {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  offset: number;

  constructor(bytes: Uint8Array, what: string, offset = 0) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throws `PROTOCOL` naming the value being read. */
  fail(reason: string): never {
    throw malformed(`${this.#what}: ${reason} at byte ${this.offset}`);
  }

  require(count: number, what: string): void {
    if (!Number.isInteger(count) || count < 0 || count > this.remaining) {
      this.fail(`${what} needs ${count} bytes, ${this.remaining} left`);
    }
  }

  /** True when `position` is inside the bytes, where {@link seek} may move. */
  contains(position: number): boolean {
    return Number.isInteger(position) && position >= 0 && position < this.bytes.length;
  }

  /** Moves to an absolute position inside the bytes (a pointer from a record header). */
  seek(position: number, what: string): void {
    if (!this.contains(position)) this.fail(`${what} points outside the record (${position})`);
    this.offset = position;
  }

  uint8(): number {
    this.require(1, 'a byte');
    return this.bytes[this.offset++]!;
  }

  int8(): number {
    this.require(1, 'a byte');
    return this.#view.getInt8(this.offset++);
  }

  int16(): number {
    this.require(2, 'a short');
    const value = this.#view.getInt16(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.require(4, 'an int');
    const value = this.#view.getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): bigint {
    this.require(8, 'a long');
    const value = this.#view.getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  /** A big-endian int64 as a number; throws when it is not a safe integer. */
  safeInt64(what: string): number {
    this.require(8, what);
    const high = this.#view.getInt32(this.offset);
    const low = this.#view.getUint32(this.offset + 4);
    const value = high * TWO_POW_32 + low;
    if (!Number.isSafeInteger(value)) this.fail(`${what} is out of range`);
    this.offset += 8;
    return value;
  }

  float32(): number {
    this.require(4, 'a float');
    const value = this.#view.getFloat32(this.offset);
    this.offset += 4;
    return value;
  }

  float64(): number {
    this.require(8, 'a double');
    const value = this.#view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Moves past `count` bytes nobody keeps. */
  skip(count: number, what: string): void {
    this.require(count, what);
    this.offset += count;
  }

  /** A copy of the next `count` bytes. */
  take(count: number, what: string): Uint8Array {
    this.require(count, what);
    // A plain copy even when the source is a Buffer (whose slice() would be a view).
    const out = new Uint8Array(this.bytes.subarray(this.offset, this.offset + count));
    this.offset += count;
    return out;
  }

  utf8(count: number, what: string): string {
    this.require(count, what);
    const text = decodeUtf8(this.bytes, this.offset, this.offset + count);
    this.offset += count;
    return text;
  }

  /** Unsigned LEB128 as OrientDB writes it: at most 10 bytes; returns a number when safe, else a bigint. */
  #unsignedVarint(): number | bigint {
    let value = 0;
    let multiplier = 1;
    for (let index = 0; index < 7; index++) {
      const byte = this.uint8();
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return value;
      multiplier *= 128;
    }
    // Past 49 bits: finish in bigint arithmetic (rare; only longs near the int64 limits).
    let big = BigInt(value);
    let shift = 49n;
    for (let index = 7; index < 10; index++) {
      const byte = this.uint8();
      if (index === 9 && byte > 1) this.fail('a varint overflows 64 bits');
      big |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return big;
      shift += 7n;
    }
    return this.fail('a varint is longer than 10 bytes');
  }

  /** A zig-zag varint (OrientDB's signed varint) as a number when safe, else a bigint. */
  varLong(): number | bigint {
    const raw = this.#unsignedVarint();
    if (typeof raw === 'number') return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    const value = (raw >> 1n) ^ -(raw & 1n);
    const asNumber = Number(value);
    return Number.isSafeInteger(asNumber) ? asNumber : BigInt.asIntN(64, value);
  }

  /** A zig-zag varint that must fit in `bits` signed bits (32 for int, 16 for short). */
  varInt(bits: 8 | 16 | 32, what: string): number {
    const value = this.varLong();
    const limit = 2 ** (bits - 1);
    if (typeof value !== 'number' || value < -limit || value >= limit)
      this.fail(`${what} does not fit in ${bits} bits`);
    return value;
  }

  /** A zig-zag varint length or count: non-negative and at most `max`. */
  varLength(what: string, max: number): number {
    const value = this.varLong();
    if (typeof value !== 'number' || value < 0 || value > max)
      this.fail(`${what} ${String(value)} is out of bounds (max ${max})`);
    return value;
  }
}
