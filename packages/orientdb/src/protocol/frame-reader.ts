import { decodeUtf8 } from '../serializer/utf8.js';
import { malformed } from '../adapter.js';
import type { WireLimits } from '../limits.js';
import { DecodeBudget } from '../serializer/decode-budget.js';

/**
 * An incremental parse step. A response has no length prefix, so it is parsed as the bytes arrive: a step yields
 * how many unread bytes it needs before it can go on, and is resumed once that many are buffered.
 */
export type Pull<T> = Generator<number, T, void>;

/** Bytes received from a socket and not yet parsed. Grows with what actually arrived, never with a claimed length. */
export class IncomingBytes {
  #buffer = new Uint8Array(0);
  #start = 0;
  #end = 0;

  get available(): number {
    return this.#end - this.#start;
  }

  push(chunk: Uint8Array): void {
    const live = this.available;
    if (this.#end + chunk.length > this.#buffer.length) {
      if (live + chunk.length <= this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(4096, this.#buffer.length * 2, live + chunk.length));
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** The next byte; the caller checked `available`. */
  byte(): number {
    return this.#buffer[this.#start++]!;
  }

  /** The next big-endian int16; the caller checked `available`. */
  int16(): number {
    const bytes = this.#buffer;
    const at = this.#start;
    this.#start = at + 2;
    return ((bytes[at]! << 24) | (bytes[at + 1]! << 16)) >> 16;
  }

  /** The next big-endian int32; the caller checked `available`. */
  int32(): number {
    const bytes = this.#buffer;
    const at = this.#start;
    this.#start = at + 4;
    return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }

  /** The next big-endian int64; the caller checked `available`. */
  int64(): bigint {
    // Two 32-bit halves: one BigInt shift instead of eight (this runs for every record id in a result).
    const high = this.int32();
    const low = this.int32() >>> 0;
    return (BigInt(high) << 32n) + BigInt(low);
  }

  /** The next `count` bytes as a view that stays valid until the next `push`; the caller checked `available`. */
  take(count: number): Uint8Array {
    const view = this.#buffer.subarray(this.#start, this.#start + count);
    this.#start += count;
    return view;
  }

  /** Drops everything (after the connection failed). */
  clear(): void {
    this.#buffer = new Uint8Array(0);
    this.#start = 0;
    this.#end = 0;
  }
}

/**
 * Reads the big-endian primitives of OrientDB's binary protocol from {@link IncomingBytes}, one response frame at a
 * time. Every length is checked against the frame budget (`maxFrameBytes` minus what this frame already used) before
 * the reader waits for or copies those bytes.
 */
export class FrameReader {
  readonly #input: IncomingBytes;
  readonly #limits: WireLimits;
  #consumed = 0;
  /** What the records and projections of this frame may build, shared by all of them. */
  readonly decoded: DecodeBudget;

  constructor(input: IncomingBytes, limits: WireLimits) {
    this.#input = input;
    this.#limits = limits;
    this.decoded = new DecodeBudget(limits);
  }

  get limits(): WireLimits {
    return this.#limits;
  }

  /** Bytes of this frame read so far. */
  get consumed(): number {
    return this.#consumed;
  }

  /** What the frame may still use. */
  get budget(): number {
    return this.#limits.maxFrameBytes - this.#consumed;
  }

  /** Charges `count` bytes to the frame, refusing past its limit before anything waits for them. */
  #charge(count: number, what: string): void {
    if (count > this.budget)
      throw malformed(
        `frame: ${what} of ${count} bytes exceeds the frame limit of ${this.#limits.maxFrameBytes} bytes`,
      );
    this.#consumed += count;
  }

  *#take(count: number, what: string): Pull<Uint8Array> {
    this.#charge(count, what);
    while (this.#input.available < count) yield count;
    return this.#input.take(count);
  }

  /** Whether `count` more bytes are buffered, so that the synchronous reads below may take them. */
  has(count: number): boolean {
    return this.#input.available >= count;
  }

  /**
   * Waits until `count` more bytes are buffered, reading none: the caller then reads them with the synchronous reads
   * (one generator for a run of fixed-size fields instead of one per field). Refuses a count past the frame limit
   * before it waits.
   */
  *wait(count: number, what: string): Pull<void> {
    if (count > this.budget)
      throw malformed(
        `frame: ${what} of ${count} bytes exceeds the frame limit of ${this.#limits.maxFrameBytes} bytes`,
      );
    while (this.#input.available < count) yield count;
  }

  // Synchronous reads of bytes the caller made sure are buffered (has / wait), each charged to the frame.

  byteNow(): number {
    this.#charge(1, 'a byte');
    return this.#input.byte();
  }

  boolNow(what: string): boolean {
    const value = this.byteNow();
    if (value > 1) throw malformed(`frame: ${what} is ${value}, not a boolean`);
    return value === 1;
  }

  int16Now(): number {
    this.#charge(2, 'a short');
    return this.#input.int16();
  }

  int32Now(): number {
    this.#charge(4, 'an int');
    return this.#input.int32();
  }

  int64Now(): bigint {
    this.#charge(8, 'a long');
    return this.#input.int64();
  }

  /** A count that must be non-negative and small enough for each item to take at least `minItemBytes`. */
  countNow(what: string, minItemBytes: number): number {
    const value = this.int32Now();
    if (value < 0 || value * minItemBytes > this.budget) throw malformed(`frame: ${what} ${value} is out of bounds`);
    return value;
  }

  /** `count` bytes as a view into the receive buffer (see {@link view}). */
  takeNow(count: number, what: string): Uint8Array {
    this.#charge(count, what);
    return this.#input.take(count);
  }

  // The primitives wait in place rather than through #take: one generator per read instead of two (the parse is hot).
  *uint8(): Pull<number> {
    this.#charge(1, 'a byte');
    while (this.#input.available < 1) yield 1;
    return this.#input.byte();
  }

  *bool(what: string): Pull<boolean> {
    const value = yield* this.uint8();
    if (value > 1) throw malformed(`frame: ${what} is ${value}, not a boolean`);
    return value === 1;
  }

  *int16(): Pull<number> {
    this.#charge(2, 'a short');
    while (this.#input.available < 2) yield 2;
    return this.#input.int16();
  }

  *int32(): Pull<number> {
    this.#charge(4, 'an int');
    while (this.#input.available < 4) yield 4;
    return this.#input.int32();
  }

  *int64(): Pull<bigint> {
    this.#charge(8, 'a long');
    while (this.#input.available < 8) yield 8;
    return this.#input.int64();
  }

  /** Network bytes: int32 length (-1 for null) then the bytes, copied out. */
  *bytes(what: string): Pull<Uint8Array | null> {
    const length = yield* this.int32();
    if (length === -1) return null;
    if (length < 0) throw malformed(`frame: ${what} has length ${length}`);
    const view = yield* this.#take(length, what);
    return view.slice();
  }

  /**
   * Network bytes as a view into the receive buffer, without a copy: valid only until the parse step next yields
   * (the buffer moves on the next push), so the caller decodes them at once.
   */
  *view(what: string): Pull<Uint8Array | null> {
    const length = yield* this.int32();
    if (length === -1) return null;
    if (length < 0) throw malformed(`frame: ${what} has length ${length}`);
    return yield* this.#take(length, what);
  }

  /** Like {@link bytes} without keeping them (a Java-serialized exception nobody reads). */
  *skipBytes(what: string): Pull<void> {
    const length = yield* this.int32();
    if (length === -1) return;
    if (length < 0) throw malformed(`frame: ${what} has length ${length}`);
    yield* this.#take(length, what);
  }

  /** Network string: int32 length (-1 for null) then UTF-8. */
  *string(what: string): Pull<string | null> {
    const length = yield* this.int32();
    if (length === -1) return null;
    if (length < 0) throw malformed(`frame: ${what} has length ${length}`);
    const view = yield* this.#take(length, what);
    return decodeUtf8(view, 0, view.length);
  }

  /** A count that must be non-negative and small enough for each item to take at least `minItemBytes`. */
  *count(what: string, minItemBytes: number): Pull<number> {
    while (this.#input.available < 4) yield 4;
    return this.countNow(what, minItemBytes);
  }
}

/**
 * Runs a parse step over bytes that are already complete (tests, fuzzing): returns the value, or throws
 * `PROTOCOL` when the bytes end before the step does.
 */
export function parseComplete<T>(
  bytes: Uint8Array,
  limits: WireLimits,
  step: (reader: FrameReader) => Pull<T>,
): { value: T; consumed: number } {
  const input = new IncomingBytes();
  input.push(bytes);
  const reader = new FrameReader(input, limits);
  const parser = step(reader);
  const result = parser.next();
  if (!result.done) throw malformed(`frame: truncated (needs ${result.value} more bytes, has ${input.available})`);
  return { value: result.value, consumed: reader.consumed };
}
