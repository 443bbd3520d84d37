import fc from 'fast-check';
import { SessionTokenError } from '@sessiontoken/core';
import { FrameReader, IncomingBytes, parseComplete, type Pull } from '../protocol/frame-reader.js';
import type { WireLimits } from '../limits.js';
import { readOpenResponse, readQueryResponse, readResponse } from '../protocol/responses.js';
import { decodeProjection } from '../serializer/projection-decoder.js';
import { decodeRecord } from '../serializer/record-decoder.js';
import { encodeRecord } from '../serializer/record-encoder.js';
import { ByteWriter } from '../serializer/byte-writer.js';
import { OrientDBType, RecordId, orientdbTypes, type OrientDBValue } from '../serializer/values.js';
import { encodeOrientDBTokenPayload, parseOrientDBTokenBytes } from '../token/orientdb-token.js';
import { datesRecord, queryFrameOf } from './amplification.js';
import { GOLDEN_PROJECTION_BASE64, GOLDEN_RECORD_BASE64 } from './golden-bytes.js';
import { errorFrame, openFrame, queryFrame } from './frames.js';

/** Small limits make "a length beyond the limit" reachable by random bytes. */
export const FUZZ_LIMITS: WireLimits = { maxFrameBytes: 64 * 1024, maxDecodedBytes: 1024 * 1024, maxNestingDepth: 16 };

/** How the cases of one target ended. */
export interface FuzzCounts {
  target: string;
  runs: number;
  decoded: number;
  rejected: number;
}

/** The one acceptable failure: a `SessionTokenError` with the expected code. Anything else is a bug. */
function outcome(run: () => unknown, code: 'PROTOCOL' | 'INVALID_TOKEN'): 'decoded' | 'rejected' {
  try {
    run();
    return 'decoded';
  } catch (error) {
    if (error instanceof SessionTokenError && error.code === code) return 'rejected';
    throw new Error(
      `expected a ${code} SessionTokenError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Feeds `bytes` to a response parser in random chunks and checks it never asks to buffer more than the frame limit:
 * a claimed length is refused before the client waits for (or allocates) that much.
 */
function streamed(bytes: Uint8Array, chunkSizes: number[], step: (reader: FrameReader) => Pull<unknown>): void {
  const input = new IncomingBytes();
  const parser = step(new FrameReader(input, FUZZ_LIMITS));
  let result = parser.next();
  let offset = 0;
  let chunk = 0;
  while (!result.done) {
    if (result.value > FUZZ_LIMITS.maxFrameBytes)
      throw new Error(`the parser asked for ${result.value} bytes, beyond the frame limit`);
    if (offset >= bytes.length) throw new SessionTokenError('PROTOCOL', 'truncated');
    const size = Math.max(1, chunkSizes[chunk++ % Math.max(1, chunkSizes.length)] ?? 1);
    input.push(bytes.subarray(offset, offset + size));
    offset += size;
    while (!result.done && input.available >= result.value) result = parser.next();
  }
}

const record = (): Uint8Array =>
  encodeRecord({
    name: 'Ada',
    born: orientdbTypes.date(new Date(Date.UTC(1815, 11, 10))),
    tags: ['math', null, 1.5, [true]],
    address: orientdbTypes.embedded({ city: 'London', zip: orientdbTypes.short(1) }, 'Address'),
    meta: { seen: new Date(0), price: orientdbTypes.decimal('-3.25'), link: new RecordId(9, 2n ** 40n) },
    bytes: new Uint8Array([1, 2, 3]),
  });

const token = Uint8Array.from([
  ...encodeOrientDBTokenPayload({
    database: 'shop',
    databaseType: 'plocal',
    userRid: new RecordId(6, 0),
    expiresAt: new Date(1_800_000_000_000),
    serverUser: false,
    userName: null,
    protocolVersion: 36,
    serializer: 'onet_ser_v0',
    driverName: 'sessiontoken-orientdb',
    driverVersion: '1+nonce',
  }),
  ...new Uint8Array(32).fill(7),
]);

const SEEDS = {
  record: [Buffer.from(GOLDEN_RECORD_BASE64, 'base64'), record()],
  projection: [Buffer.from(GOLDEN_PROJECTION_BASE64, 'base64')],
  frame: [
    queryFrame(5),
    queryFrame(5, { hasNextPage: true, renewedToken: new Uint8Array(40) }),
    errorFrame(5, 'com.example.OSomething', 'message'),
  ],
  open: [openFrame(token), errorFrame(-1, 'com.example.OSecurityAccessException', 'no', false)],
  token: [token],
};

/** Bytes mutated the way corruption looks: flipped bits, overwritten bytes, cuts, and inserted runs. */
function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'xor', 'cut', 'insert')), {
        minLength: 1,
        maxLength: 6,
      }),
    )
    .map(([seed, edits]) => {
      let bytes = Uint8Array.from(seed);
      for (const [position, value, kind] of edits) {
        const at = bytes.length === 0 ? 0 : position % bytes.length;
        if (kind === 'set') bytes[at] = value;
        else if (kind === 'xor') bytes[at] = bytes[at]! ^ (1 << (value % 8));
        else if (kind === 'cut') bytes = bytes.subarray(0, at);
        else
          bytes = Uint8Array.from([
            ...bytes.subarray(0, at),
            ...new Array<number>(1 + (value % 5)).fill(value),
            ...bytes.subarray(at),
          ]);
      }
      return bytes;
    });
}

function bytesLike(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(seeds));
}

/** Where a crafted field's pointer goes: its own value, the first value again, the document start, or into the header. */
type PointerMode = 'fresh' | 'alias' | 'document' | 'header';
const CRAFTED_TYPES = [
  OrientDBType.STRING,
  OrientDBType.BINARY,
  OrientDBType.EMBEDDED,
  OrientDBType.EMBEDDEDLIST,
] as const;

/** A record whose header pointers a hostile server chose: aliases, loops back to the document, pointers into the header. */
const craftedRecord: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.constantFrom<PointerMode>('fresh', 'fresh', 'alias', 'document', 'header'),
        fc.constantFrom(...CRAFTED_TYPES),
        fc.nat(4000),
      ),
      {
        minLength: 1,
        maxLength: 40,
      },
    ),
    fc.nat(),
  )
  .map(([fields, headerSeed]) => {
    const writer = new ByteWriter();
    writer.uint8(0);
    writer.varString('');
    const slots = fields.map(([, type], i) => {
      writer.varString(`f${i}`);
      const slot = writer.int32(0);
      writer.uint8(type);
      return slot;
    });
    writer.varint(0);
    const headerEnd = writer.length;
    let first = -1;
    fields.forEach(([mode, type, size], i) => {
      let pointer: number;
      if (mode === 'fresh' || first === -1) {
        pointer = writer.length;
        if (type === OrientDBType.STRING) writer.varString('s'.repeat(size));
        else if (type === OrientDBType.BINARY) {
          writer.varint(size);
          writer.raw(new Uint8Array(size));
        } else if (type === OrientDBType.EMBEDDED) {
          writer.varString('');
          writer.varint(0);
        } else {
          writer.varint(size);
          writer.uint8(OrientDBType.ANY);
          for (let item = 0; item < size; item++) {
            writer.uint8(OrientDBType.DATETIME);
            writer.varint(0);
          }
        }
        if (first === -1) first = pointer;
      } else if (mode === 'alias') pointer = first;
      else if (mode === 'document') pointer = 1;
      else pointer = 1 + (headerSeed % (headerEnd - 1));
      writer.int32At(slots[i]!, pointer);
    });
    return writer.toBytes();
  });

/** UTF-8 / binary bytes in a decoded value: never more than the input held, whatever its pointers said. */
function payloadBytes(value: OrientDBValue): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + payloadBytes(item), 0);
  if (typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof RecordId)) {
    return Object.entries(value).reduce((sum, [key, item]) => sum + Buffer.byteLength(key) + payloadBytes(item), 0);
  }
  return 0;
}

/** Decodes a crafted record and checks what it built is bounded by what it read. */
function decodeCrafted(bytes: Uint8Array): void {
  const { fields } = decodeRecord(bytes, FUZZ_LIMITS);
  const built = payloadBytes(fields);
  if (built > bytes.length)
    throw new Error(`a ${bytes.length}-byte record decoded to ${built} bytes of strings and binaries`);
}

const denseAnswer: fc.Arbitrary<Uint8Array> = fc.array(fc.nat(2000), { minLength: 1, maxLength: 6 }).map((counts) =>
  queryFrameOf(
    5,
    counts.map((count) => datesRecord(count)),
  ),
);

const parseQuery = (reader: FrameReader): Pull<unknown> => readResponse(reader, 5, true, readQueryResponse);
const parseOpen = (reader: FrameReader): Pull<unknown> => readResponse(reader, -1, false, readOpenResponse);

interface Target {
  readonly name: string;
  readonly input: fc.Arbitrary<[Uint8Array, number[]]>;
  readonly run: (bytes: Uint8Array, chunks: number[]) => unknown;
  readonly code: 'PROTOCOL' | 'INVALID_TOKEN';
}

const chunks = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

const TARGETS: readonly Target[] = [
  {
    name: 'query response frame (whole)',
    input: fc.tuple(bytesLike(SEEDS.frame), chunks),
    run: (bytes) => parseComplete(bytes, FUZZ_LIMITS, parseQuery),
    code: 'PROTOCOL',
  },
  {
    name: 'query response frame (in random chunks)',
    input: fc.tuple(bytesLike(SEEDS.frame), chunks),
    run: (bytes, sizes) => streamed(bytes, sizes, parseQuery),
    code: 'PROTOCOL',
  },
  {
    name: 'DB_OPEN response frame',
    input: fc.tuple(bytesLike(SEEDS.open), chunks),
    run: (bytes) => parseComplete(bytes, FUZZ_LIMITS, parseOpen),
    code: 'PROTOCOL',
  },
  {
    name: 'record (onet_ser_v0)',
    input: fc.tuple(bytesLike(SEEDS.record), chunks),
    run: (bytes) => decodeRecord(bytes, FUZZ_LIMITS),
    code: 'PROTOCOL',
  },
  {
    name: 'projection',
    input: fc.tuple(bytesLike(SEEDS.projection), chunks),
    run: (bytes) => decodeProjection(bytes, FUZZ_LIMITS),
    code: 'PROTOCOL',
  },
  {
    name: 'amplification: crafted record pointers',
    input: fc.tuple(craftedRecord, chunks),
    run: (bytes) => decodeCrafted(bytes),
    code: 'PROTOCOL',
  },
  {
    name: 'amplification: dense answers against the decoded-bytes budget',
    input: fc.tuple(denseAnswer, chunks),
    // About 4 500 dates fit in 256 KiB of decoded values: some answers fit, some do not.
    run: (bytes) => parseComplete(bytes, { ...FUZZ_LIMITS, maxDecodedBytes: 256 * 1024 }, parseQuery),
    code: 'PROTOCOL',
  },
  {
    name: 'token',
    input: fc.tuple(bytesLike(SEEDS.token), chunks),
    run: (bytes) => parseOrientDBTokenBytes(bytes),
    code: 'INVALID_TOKEN',
  },
];

/** Runs every target `runs` times; throws (with fast-check's shrunk counterexample) on the first non-conforming case. */
export function fuzzDecoders(runs: number, seed?: number): FuzzCounts[] {
  return TARGETS.map((target) => {
    const counts: FuzzCounts = { target: target.name, runs: 0, decoded: 0, rejected: 0 };
    fc.assert(
      fc.property(target.input, ([bytes, sizes]) => {
        const started = performance.now();
        const result = outcome(() => target.run(bytes, sizes), target.code);
        const elapsed = performance.now() - started;
        if (elapsed > 250) throw new Error(`one ${bytes.length}-byte case took ${Math.round(elapsed)} ms`);
        counts.runs++;
        counts[result]++;
      }),
      seed === undefined ? { numRuns: runs } : { numRuns: runs, seed },
    );
    return counts;
  });
}
