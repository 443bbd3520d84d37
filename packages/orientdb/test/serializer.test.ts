import { SessionTokenError } from '@sessiontoken/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WIRE_LIMITS } from '../src/limits.js';
import { ByteWriter } from '../src/serializer/byte-writer.js';
import { decodeProjection } from '../src/serializer/projection-decoder.js';
import { decodeRecord } from '../src/serializer/record-decoder.js';
import { encodeRecord } from '../src/serializer/record-encoder.js';
import { OrientDBType, RecordId, orientdbTypes } from '../src/serializer/values.js';
import { DecodeBudget } from '../src/serializer/decode-budget.js';
import { aliasedMapRecord, aliasedStringRecord, datesRecord } from '../src/testing/amplification.js';
import { GOLDEN_PROJECTION_BASE64, GOLDEN_RECORD_BASE64 } from '../src/testing/golden-bytes.js';

function protocolError(run: () => unknown): SessionTokenError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionTokenError);
    expect((error as SessionTokenError).code).toBe('PROTOCOL');
    return error as SessionTokenError;
  }
  throw new Error('expected a PROTOCOL error');
}

describe('decodeRecord', () => {
  it('reads every common type from bytes the OrientDB server serializer wrote', () => {
    const { className, fields } = decodeRecord(Buffer.from(GOLDEN_RECORD_BASE64, 'base64'));
    expect(className).toBe('Product');
    expect(fields).toEqual({
      name: 'Café ☕',
      count: 42,
      negative: -7,
      big: 9007199254740993n,
      small: -300,
      tiny: -5,
      ratio: 1.5,
      pi: 3.141592653589793,
      price: '-1234.5600',
      active: true,
      born: new Date(Date.UTC(2022, 0, 8)),
      seen: new Date(1700000000123),
      blob: new Uint8Array([0, 1, 2, 255]),
      address: { city: 'Lisbon', zip: 1000 },
      tags: ['a', null, 3],
      unique: ['x', 'y'],
      attrs: { k1: 'v1', k2: 2, k3: null },
      owner: new RecordId(12, 34),
      friends: [new RecordId(5, 0), new RecordId(5, 1)],
      nothing: null,
    });
  });

  it('rejects a serializer version it does not know', () => {
    protocolError(() => decodeRecord(new Uint8Array([1, 0, 0])));
  });

  it('rejects a value pointer outside the record', () => {
    const writer = new ByteWriter();
    writer.uint8(0);
    writer.varString('');
    writer.varString('f');
    writer.int32(10_000);
    writer.uint8(OrientDBType.STRING);
    writer.varint(0);
    protocolError(() => decodeRecord(writer.toBytes()));
  });

  it('checks a claimed string length against the bytes left before allocating', () => {
    const writer = new ByteWriter();
    writer.uint8(0);
    writer.varint(2 ** 31 - 1); // class name "length"
    expect(protocolError(() => decodeRecord(writer.toBytes())).message).toMatch(/out of bounds/);
  });

  it('stops pointer aliasing that would cost exponential time', () => {
    // Every field of the embedded document points back at the document itself.
    const writer = new ByteWriter();
    writer.uint8(0);
    const documentStart = writer.length;
    writer.varString('');
    for (let i = 0; i < 8; i++) {
      writer.varString(`f${i}`);
      writer.int32(documentStart);
      writer.uint8(OrientDBType.EMBEDDED);
    }
    writer.varint(0);
    const started = Date.now();
    protocolError(() => decodeRecord(writer.toBytes()));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses nesting deeper than the limit', () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 10; i++) value = [value];
    const bytes = encodeRecord({ deep: value });
    expect(decodeRecord(bytes).fields).toEqual({ deep: value });
    protocolError(() => decodeRecord(bytes, { ...DEFAULT_WIRE_LIMITS, maxNestingDepth: 5 }));
  });
});

describe('memory proportional to input', () => {
  it('refuses fields that point back at a value already read (the 260 KiB record that decoded to 100 MiB)', () => {
    const bytes = aliasedStringRecord(400, 256 * 1024);
    expect(bytes.length).toBeLessThan(270 * 1024);
    expect(protocolError(() => decodeRecord(bytes)).message).toMatch(/field "f1" points back at bytes already read/);
    // One field pointing at the string is an ordinary record.
    expect(decodeRecord(aliasedStringRecord(1, 1024)).fields['f0']).toHaveLength(1024);
  });

  it('refuses map values that point back at a value already read', () => {
    expect(protocolError(() => decodeRecord(aliasedMapRecord(100, 4096))).message).toMatch(
      /map value points back at bytes already read/,
    );
    expect(decodeRecord(aliasedMapRecord(1, 10)).fields).toEqual({ map: { k0: 'y'.repeat(10) } });
  });

  it('refuses a field pointing into the header it belongs to', () => {
    const writer = new ByteWriter();
    writer.uint8(0);
    writer.varString('');
    writer.varString('a');
    writer.int32(3); // inside the header: the bytes of the entry itself
    writer.uint8(OrientDBType.STRING);
    writer.varint(0);
    expect(protocolError(() => decodeRecord(writer.toBytes())).message).toMatch(/points back at bytes already read/);
  });

  it('charges what it builds to the budget and refuses past maxDecodedBytes', () => {
    const bytes = datesRecord(10_000);
    const budget = new DecodeBudget(DEFAULT_WIRE_LIMITS);
    expect(decodeRecord(bytes, DEFAULT_WIRE_LIMITS, budget).fields['dates']).toHaveLength(10_000);
    // Each 2-byte date is charged as a Date object and its slot.
    expect(budget.charged).toBeGreaterThan(10_000 * 72);
    expect(budget.charged / bytes.length).toBeLessThan(48);
    const tight = { ...DEFAULT_WIRE_LIMITS, maxDecodedBytes: 256 * 1024 };
    expect(protocolError(() => decodeRecord(bytes, tight)).message).toMatch(
      /more than 262144 bytes of values \(limits\.maxDecodedBytes\)/,
    );
  });

  it('charges projections too', () => {
    const writer = new ByteWriter();
    writer.varint(1);
    writer.varString('dates');
    writer.uint8(OrientDBType.EMBEDDEDLIST);
    writer.varint(5000);
    for (let i = 0; i < 5000; i++) {
      writer.uint8(OrientDBType.DATETIME);
      writer.varint(0);
    }
    writer.varint(0);
    const bytes = writer.toBytes();
    expect(decodeProjection(bytes)['dates']).toHaveLength(5000);
    const tight = { ...DEFAULT_WIRE_LIMITS, maxDecodedBytes: 64 * 1024 };
    expect(protocolError(() => decodeProjection(bytes, tight)).message).toMatch(/limits\.maxDecodedBytes/);
  });
});

describe('decodeProjection', () => {
  it('reads a projection the server serializer wrote', () => {
    expect(decodeProjection(Buffer.from(GOLDEN_PROJECTION_BASE64, 'base64'))).toEqual({
      name: 'x',
      n: 5,
      when: new Date(1700000000123),
      list: [1, 'two', null],
      map: { a: 1 },
      nested: { deep: true },
      link: new RecordId(3, 4),
      none: null,
    });
  });

  it('rejects trailing bytes and truncation', () => {
    const bytes = Buffer.from(GOLDEN_PROJECTION_BASE64, 'base64');
    protocolError(() => decodeProjection(Buffer.concat([bytes, Buffer.from([0])])));
    protocolError(() => decodeProjection(bytes.subarray(0, bytes.length - 3)));
  });
});

describe('encodeRecord', () => {
  it('round-trips every type it writes', () => {
    const fields = {
      text: 'hello ✓',
      int: -123456,
      long: 2 ** 40,
      bigLong: -(2n ** 62n),
      double: 0.1,
      bool: false,
      when: new Date(1_700_000_000_000),
      day: orientdbTypes.date(new Date(Date.UTC(2024, 1, 29, 23, 59))),
      short: orientdbTypes.short(-32768),
      byte: orientdbTypes.byte(127),
      float: orientdbTypes.float(0.5),
      decimal: orientdbTypes.decimal('-0.0012'),
      bigDecimal: orientdbTypes.decimal('123456789012345678901234567890.5'),
      bytes: new Uint8Array([9, 8, 7]),
      link: RecordId.parse('#9:12'),
      list: [1, 'two', null, [3], { four: 4 }],
      set: new Set(['a', 'b']),
      map: new Map<string, unknown>([
        ['x', 1],
        ['y', null],
      ]),
      object: { nested: { deeper: [true] } },
      document: orientdbTypes.embedded({ street: 'Main' }, 'Address'),
      missing: null,
    };
    const { className, fields: decoded } = decodeRecord(encodeRecord(fields, 'Thing'));
    expect(className).toBe('Thing');
    expect(decoded).toEqual({
      text: 'hello ✓',
      int: -123456,
      long: 2 ** 40,
      bigLong: -(2n ** 62n),
      double: 0.1,
      bool: false,
      when: new Date(1_700_000_000_000),
      day: new Date(Date.UTC(2024, 1, 29)),
      short: -32768,
      byte: 127,
      float: 0.5,
      decimal: '-0.0012',
      bigDecimal: '123456789012345678901234567890.5',
      bytes: new Uint8Array([9, 8, 7]),
      link: new RecordId(9, 12),
      list: [1, 'two', null, [3], { four: 4 }],
      set: ['a', 'b'],
      map: { x: 1, y: null },
      object: { nested: { deeper: [true] } },
      document: { '@class': 'Address', street: 'Main' },
      missing: null,
    });
  });

  it('refuses values OrientDB has no type for', () => {
    for (const value of [
      Symbol('s'),
      () => 1,
      new (class Custom {})(),
      new Date(Number.NaN),
      orientdbTypes.short(40_000),
      orientdbTypes.decimal('1e5'),
    ]) {
      expect(() => encodeRecord({ value })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('refuses a cycle instead of recursing forever', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => encodeRecord({ cyclic })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('keeps a field called __proto__ a field', () => {
    const decoded = decodeRecord(
      encodeRecord(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>),
    ).fields;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
