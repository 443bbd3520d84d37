import { encodeUtf8, shortAsciiLength } from './utf8.js';

/** An append-only, growable byte buffer with the big-endian and varint writes OrientDB uses. */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Bytes written so far; positions returned by the writes are offsets into this. */
  get length(): number {
    return this.#length;
  }

  /** Empties the writer for reuse; a buffer grown past `keepBytes` is let go rather than kept for ever. */
  reset(keepBytes = 64 * 1024): void {
    // alloc() promises zero bytes (a record header slot left unwritten means null).
    this.#bytes.fill(0, 0, this.#length);
    this.#length = 0;
    if (this.#bytes.length > keepBytes) {
      this.#bytes = new Uint8Array(256);
      this.#view = new DataView(this.#bytes.buffer);
    }
  }

  /** Reserves `count` zero bytes and returns where they start. */
  alloc(count: number): number {
    const start = this.#length;
    const needed = start + count;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = needed;
    return start;
  }

  uint8(value: number): number {
    const at = this.alloc(1);
    this.#bytes[at] = value & 0xff;
    return at;
  }

  int16(value: number): number {
    const at = this.alloc(2);
    this.#view.setInt16(at, value);
    return at;
  }

  int32(value: number): number {
    const at = this.alloc(4);
    this.#view.setInt32(at, value);
    return at;
  }

  /** Overwrites an int32 reserved earlier (a record header pointer). */
  int32At(position: number, value: number): void {
    this.#view.setInt32(position, value);
  }

  uint8At(position: number, value: number): void {
    this.#bytes[position] = value & 0xff;
  }

  int64(value: bigint): number {
    const at = this.alloc(8);
    this.#view.setBigInt64(at, value);
    return at;
  }

  float32(value: number): number {
    const at = this.alloc(4);
    this.#view.setFloat32(at, value);
    return at;
  }

  float64(value: number): number {
    const at = this.alloc(8);
    this.#view.setFloat64(at, value);
    return at;
  }

  raw(bytes: Uint8Array): number {
    const at = this.alloc(bytes.length);
    this.#bytes.set(bytes, at);
    return at;
  }

  /** OrientDB's signed varint: zig-zag, then unsigned LEB128. */
  varint(value: number | bigint): number {
    const start = this.#length;
    let zigzag =
      typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) < 2 ** 51
        ? value >= 0
          ? value * 2
          : -value * 2 - 1
        : null;
    if (zigzag !== null) {
      while (zigzag >= 0x80) {
        this.uint8((zigzag % 0x80) | 0x80);
        zigzag = Math.floor(zigzag / 0x80);
      }
      this.uint8(zigzag);
      return start;
    }
    const big = BigInt.asIntN(64, BigInt(value));
    let unsigned = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
    while (unsigned >= 0x80n) {
      this.uint8(Number(unsigned & 0x7fn) | 0x80);
      unsigned >>= 7n;
    }
    this.uint8(Number(unsigned));
    return start;
  }

  /** Network string: int32 byte length then UTF-8, or -1 for null. */
  string(value: string | null): number {
    if (value === null) return this.int32(-1);
    const ascii = shortAsciiLength(value);
    if (ascii >= 0) {
      const at = this.int32(ascii);
      this.#ascii(value);
      return at;
    }
    const encoded = encodeUtf8(value);
    const at = this.int32(encoded.length);
    this.raw(encoded);
    return at;
  }

  /** Network bytes: int32 length then the bytes, or -1 for null. */
  bytes(value: Uint8Array | null): number {
    if (value === null) return this.int32(-1);
    const at = this.int32(value.length);
    this.raw(value);
    return at;
  }

  bool(value: boolean): number {
    return this.uint8(value ? 1 : 0);
  }

  /** Record string: varint byte length then UTF-8. */
  varString(value: string): number {
    const ascii = shortAsciiLength(value);
    if (ascii >= 0) {
      const at = this.varint(ascii);
      this.#ascii(value);
      return at;
    }
    const encoded = encodeUtf8(value);
    const at = this.varint(encoded.length);
    this.raw(encoded);
    return at;
  }

  /** Writes a string the caller checked is ASCII: its char codes are its UTF-8 bytes. */
  #ascii(value: string): void {
    const at = this.alloc(value.length);
    const bytes = this.#bytes;
    for (let i = 0; i < value.length; i++) bytes[at + i] = value.charCodeAt(i);
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  /**
   * A copy of the bytes written, from Node's pool of small buffers: no ArrayBuffer of its own for a request of a few
   * hundred bytes.
   */
  takeBytes(): Uint8Array {
    const out = Buffer.allocUnsafe(this.#length);
    out.set(this.#bytes.subarray(0, this.#length));
    return out;
  }
}
