import { SessionTokenError } from '@sessiontoken/core';
import { describe, expect, it } from 'vitest';
import { FrameReader, IncomingBytes, parseComplete, type Pull } from '../src/protocol/frame-reader.js';
import { DEFAULT_WIRE_LIMITS } from '../src/limits.js';
import { Opcode, databaseSizeRequest, queryRequest } from '../src/protocol/requests.js';
import {
  readDatabaseSize,
  readQueryResponse,
  readResponse,
  type QueryPage,
  type ResponseFrame,
} from '../src/protocol/responses.js';
import { OrientDBServerError } from '../src/protocol/server-error.js';
import { ByteWriter } from '../src/serializer/byte-writer.js';
import { decodeRecord } from '../src/serializer/record-decoder.js';
import { encodeRecord } from '../src/serializer/record-encoder.js';
import { RecordId } from '../src/serializer/values.js';
import { datesRecord, queryFrameOf } from '../src/testing/amplification.js';
import { errorFrame, okHeader, queryFrame } from '../src/testing/frames.js';

const parseQuery = (reader: FrameReader): Pull<ResponseFrame<QueryPage>> =>
  readResponse(reader, 5, true, readQueryResponse);

function expectProtocolError(run: () => unknown): SessionTokenError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionTokenError);
    expect((error as SessionTokenError).code).toBe('PROTOCOL');
    return error as SessionTokenError;
  }
  throw new Error('expected PROTOCOL');
}

describe('response frames', () => {
  it('parse the same whether the bytes arrive at once or one at a time', () => {
    const frame = queryFrame(5);
    const whole = parseComplete(frame, DEFAULT_WIRE_LIMITS, parseQuery);
    expect(whole.consumed).toBe(frame.length);
    expect(whole.value).toEqual({
      ok: true,
      renewedToken: null,
      value: {
        queryId: '42_1',
        hasNextPage: false,
        rows: [
          { '@rid': new RecordId(12, 7), '@version': 3, '@class': 'Person', name: 'Ada', born: 1815 },
          { total: 2 },
        ],
      },
    });

    const input = new IncomingBytes();
    const parser = parseQuery(new FrameReader(input, DEFAULT_WIRE_LIMITS));
    let step = parser.next();
    let resumptions = 0;
    for (const byte of frame) {
      expect(step.done).toBe(false);
      input.push(Uint8Array.of(byte));
      while (!step.done && input.available >= step.value) {
        step = parser.next();
        resumptions++;
      }
    }
    expect(step.done).toBe(true);
    expect(step.value).toEqual(whole.value);
    expect(resumptions).toBeGreaterThan(10);
  });

  it('hand over a renewed token from the header', () => {
    const token = new Uint8Array([1, 2, 3, 4]);
    const { value } = parseComplete(queryFrame(5, { renewedToken: token }), DEFAULT_WIRE_LIMITS, parseQuery);
    expect(value.renewedToken).toEqual(token);
  });

  it('turn an error frame into the server exception class and message', () => {
    const { value } = parseComplete(
      errorFrame(
        5,
        'com.orientechnologies.orient.core.exception.OSecurityAccessException',
        'User or password not valid',
      ),
      DEFAULT_WIRE_LIMITS,
      parseQuery,
    );
    expect(value.ok).toBe(false);
    const error = (value as { error: OrientDBServerError }).error;
    expect(error).toBeInstanceOf(OrientDBServerError);
    expect(error.simpleClassName).toBe('OSecurityAccessException');
    expect(error.serverMessage).toBe('User or password not valid');
  });

  it('reject a claimed length beyond the frame limit before waiting for the bytes', () => {
    const writer = new ByteWriter();
    okHeader(writer, 5);
    writer.int32(2 ** 31 - 1); // query id "length"
    const input = new IncomingBytes();
    input.push(writer.toBytes());
    const parser = parseQuery(new FrameReader(input, DEFAULT_WIRE_LIMITS));
    expect(expectProtocolError(() => parser.next()).message).toMatch(/exceeds the frame limit/);
  });

  it('reject a result count the frame cannot hold', () => {
    const writer = new ByteWriter();
    okHeader(writer, 5);
    writer.string('q');
    writer.bool(false);
    writer.bool(false);
    writer.int32(0);
    writer.int32(2 ** 30);
    expectProtocolError(() =>
      parseComplete(writer.toBytes(), { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: 1 << 20 }, parseQuery),
    );
  });

  it('reject an answer for another session, a push, and an unknown status', () => {
    expectProtocolError(() => parseComplete(queryFrame(6), DEFAULT_WIRE_LIMITS, parseQuery));
    expectProtocolError(() => parseComplete(Uint8Array.of(3, 0, 0, 0, 5), DEFAULT_WIRE_LIMITS, parseQuery));
    expectProtocolError(() => parseComplete(Uint8Array.of(9, 0, 0, 0, 5), DEFAULT_WIRE_LIMITS, parseQuery));
  });

  it('share one decoded-bytes budget among all the rows of an answer', () => {
    const limits = { ...DEFAULT_WIRE_LIMITS, maxDecodedBytes: 1024 * 1024 };
    // One record of 2 000 dates fits; twenty of them in one answer do not.
    const one = parseComplete(queryFrameOf(5, [datesRecord(2000)]), limits, parseQuery).value;
    expect(one.ok && one.value.rows).toHaveLength(1);
    const frame = queryFrameOf(5, new Array<Uint8Array>(20).fill(datesRecord(2000)));
    expect(frame.length).toBeLessThan(100 * 1024);
    expect(expectProtocolError(() => parseComplete(frame, limits, parseQuery)).message).toMatch(
      /limits\.maxDecodedBytes/,
    );
  });

  it('refuse an answer of more rows than the budget holds, before decoding them', () => {
    const limits = { ...DEFAULT_WIRE_LIMITS, maxDecodedBytes: 64 * 1024 };
    const frame = queryFrameOf(5, new Array<Uint8Array>(2000).fill(new Uint8Array(0)));
    expect(expectProtocolError(() => parseComplete(frame, limits, parseQuery)).message).toMatch(
      /frame: decodes to more than/,
    );
  });

  it('reject a truncated frame', () => {
    const frame = queryFrame(5);
    for (const cut of [1, 5, 9, frame.length - 1])
      expectProtocolError(() => parseComplete(frame.subarray(0, cut), DEFAULT_WIRE_LIMITS, parseQuery));
  });

  it('read DB_SIZE', () => {
    const writer = new ByteWriter();
    okHeader(writer, -1);
    writer.int64(15_492n);
    expect(
      parseComplete(writer.toBytes(), DEFAULT_WIRE_LIMITS, (reader) => readResponse(reader, -1, true, readDatabaseSize))
        .value,
    ).toEqual({ ok: true, value: 15_492n, renewedToken: null });
  });

  it('read a long across its whole range (both halves, the sign)', () => {
    for (const value of [
      0n,
      1n,
      -1n,
      2n ** 32n - 1n,
      2n ** 32n,
      -(2n ** 32n),
      2n ** 63n - 1n,
      -(2n ** 63n),
      -1_234_567_890_123n,
    ]) {
      const writer = new ByteWriter();
      okHeader(writer, -1);
      writer.int64(value);
      expect(
        parseComplete(writer.toBytes(), DEFAULT_WIRE_LIMITS, (reader) =>
          readResponse(reader, -1, true, readDatabaseSize),
        ).value,
      ).toEqual({ ok: true, value, renewedToken: null });
    }
  });
});

describe('requests', () => {
  it('carry the session id and token, and positional parameters under keys "0", "1", …', () => {
    const token = new Uint8Array([7, 7, 7]);
    const frame = queryRequest(-1, token, 'SELECT FROM V WHERE a = ? AND b = ?', ['x', 2], 'query', 100);
    expect(frame.opcode).toBe(Opcode.QUERY);
    expect(Array.from(frame.bytes.subarray(0, 12))).toEqual([45, 255, 255, 255, 255, 0, 0, 0, 3, 7, 7, 7]);
    // The params document is the last bytes field before the named-parameters flag.
    expect(frame.bytes[frame.bytes.length - 1]).toBe(0);
    const size = databaseSizeRequest(4, token);
    expect(Array.from(size.bytes)).toEqual([8, 0, 0, 0, 4, 0, 0, 0, 3, 7, 7, 7]);
  });

  it('encode named parameters as a params map', () => {
    const frame = queryRequest(1, new Uint8Array(1), 'SELECT :a', { a: 'b' }, 'command', 10);
    expect(frame.bytes[frame.bytes.length - 1]).toBe(1);
    // Find the params document: it starts with the serializer version 0 and decodes back.
    const text = Buffer.from(frame.bytes).indexOf(Buffer.from('params'));
    expect(text).toBeGreaterThan(0);
    const start = text - 3; // version byte, empty class name, field name length
    const length = Buffer.from(frame.bytes).readInt32BE(start - 4);
    expect(decodeRecord(frame.bytes.subarray(start, start + length)).fields).toEqual({ params: { a: 'b' } });
  });

  it('are built in one reused buffer without carrying bytes from one request to the next', () => {
    const token = new Uint8Array(40).fill(9);
    // A long request first leaves its bytes in the shared buffer; the next one has null parameters (unwritten slots).
    const first = queryRequest(
      3,
      token,
      'SELECT FROM V WHERE a = :a',
      { a: 'z'.repeat(5000), b: [1, 2, 3] },
      'query',
      10,
    );
    const second = queryRequest(3, token, 'SELECT 1', { a: null, b: undefined, c: 'x' }, 'query', 10);
    expect(paramsOf(second)).toEqual(
      encodeRecord({
        params: new Map<string, unknown>([
          ['a', null],
          ['b', undefined],
          ['c', 'x'],
        ]),
      }),
    );
    expect(decodeRecord(paramsOf(second)).fields).toEqual({ params: { a: null, b: null, c: 'x' } });
    // The first request's bytes are its own copy, untouched by building the second.
    expect(decodeRecord(paramsOf(first)).fields).toEqual({ params: { a: 'z'.repeat(5000), b: [1, 2, 3] } });
    expect(
      Array.from(queryRequest(3, token, 'SELECT 1', { a: null, b: undefined, c: 'x' }, 'query', 10).bytes),
    ).toEqual(Array.from(second.bytes));
  });
});

/** The params record of a QUERY request: the bytes field just before the trailing named-parameters flag. */
function paramsOf(frame: { readonly bytes: Uint8Array }): Uint8Array {
  const bytes = Buffer.from(frame.bytes);
  // Walk the fixed layout: opcode, session, token, language, statement, mode, page size, fetch plan (-1), params.
  let at = 5;
  const skip = (): void => {
    const length = bytes.readInt32BE(at);
    at += 4 + Math.max(0, length);
  };
  skip(); // token
  skip(); // language
  skip(); // statement
  at += 1 + 4; // mode, page size
  skip(); // fetch plan
  const length = bytes.readInt32BE(at);
  return new Uint8Array(bytes.subarray(at + 4, at + 4 + length));
}
