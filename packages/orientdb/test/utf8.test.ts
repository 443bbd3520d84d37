import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../src/serializer/byte-writer.js';
import { decodeUtf8 } from '../src/serializer/utf8.js';

const DECODER = new TextDecoder('utf-8');
const ENCODER = new TextEncoder();

/** The ASCII fast paths must be invisible: same text, same bytes as the platform codecs, for any input. */
describe('UTF-8 fast paths', () => {
  it('decode any bytes exactly as TextDecoder does (ASCII, multi-byte, invalid, BOM, around the 64-byte cut)', () => {
    const fixed = [
      [],
      [0],
      [0x41, 0x00, 0x7f],
      [0xef, 0xbb, 0xbf, 0x41],
      [0xc3, 0xa9],
      [0xff, 0xfe],
      [0xe2, 0x82],
      Array.from({ length: 64 }, () => 0x61),
      Array.from({ length: 65 }, () => 0x61),
      [...Array.from({ length: 63 }, () => 0x61), 0xc3, 0xa9],
    ];
    for (const bytes of fixed)
      expect(decodeUtf8(Uint8Array.from(bytes), 0, bytes.length)).toBe(DECODER.decode(Uint8Array.from(bytes)));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(100), fc.nat(100), (bytes, a, b) => {
        const start = Math.min(a, b, bytes.length);
        const end = Math.min(Math.max(a, b), bytes.length);
        expect(decodeUtf8(bytes, start, end)).toBe(DECODER.decode(bytes.subarray(start, end)));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        const bytes = ENCODER.encode(text);
        expect(decodeUtf8(bytes, 0, bytes.length)).toBe(DECODER.decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('encode strings exactly as TextEncoder does, behind the same length prefix', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme-ascii', maxLength: 80 })),
        (text) => {
          const expected = ENCODER.encode(text);
          const network = new ByteWriter();
          network.string(text);
          const bytes = network.toBytes();
          expect(new DataView(bytes.buffer).getInt32(0)).toBe(expected.length);
          expect(bytes.subarray(4)).toEqual(expected);
          const record = new ByteWriter();
          record.varString(text);
          expect(record.toBytes().subarray(record.length - expected.length)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
