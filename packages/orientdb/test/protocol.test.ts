import { SessionTokenError } from '@sessiontoken/core';
import { describe, expect, it } from 'vitest';
import { FrameReader, IncomingBytes, parseComplete, type Pull } from '../src/protocol/frame-reader.js';
import { DEFAULT_WIRE_LIMITS } from '../src/protocol/limits.js';
import { Opcode, databaseSizeRequest, queryRequest } from '../src/protocol/requests.js';
import { readDatabaseSize, readQueryResponse, readResponse, type QueryPage, type ResponseFrame } from '../src/protocol/responses.js';
import { OrientDBServerError } from '../src/protocol/server-error.js';
import { ByteWriter } from '../src/serializer/byte-writer.js';
import { decodeRecord } from '../src/serializer/record-decoder.js';
import { RecordId } from '../src/serializer/values.js';
import { errorFrame, okHeader, queryFrame } from '../src/testing/frames.js';

const parseQuery = (reader: FrameReader): Pull<ResponseFrame<QueryPage>> => readResponse(reader, 5, true, readQueryResponse);

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
        rows: [{ '@rid': new RecordId(12, 7), '@version': 3, '@class': 'Person', name: 'Ada', born: 1815 }, { total: 2 }],
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
    const { value } = parseComplete(errorFrame(5, 'com.orientechnologies.orient.core.exception.OSecurityAccessException', 'User or password not valid'), DEFAULT_WIRE_LIMITS, parseQuery);
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
    expectProtocolError(() => parseComplete(writer.toBytes(), { ...DEFAULT_WIRE_LIMITS, maxFrameBytes: 1 << 20 }, parseQuery));
  });

  it('reject an answer for another session, a push, and an unknown status', () => {
    expectProtocolError(() => parseComplete(queryFrame(6), DEFAULT_WIRE_LIMITS, parseQuery));
    expectProtocolError(() => parseComplete(Uint8Array.of(3, 0, 0, 0, 5), DEFAULT_WIRE_LIMITS, parseQuery));
    expectProtocolError(() => parseComplete(Uint8Array.of(9, 0, 0, 0, 5), DEFAULT_WIRE_LIMITS, parseQuery));
  });

  it('reject a truncated frame', () => {
    const frame = queryFrame(5);
    for (const cut of [1, 5, 9, frame.length - 1]) expectProtocolError(() => parseComplete(frame.subarray(0, cut), DEFAULT_WIRE_LIMITS, parseQuery));
  });

  it('read DB_SIZE', () => {
    const writer = new ByteWriter();
    okHeader(writer, -1);
    writer.int64(15_492n);
    expect(parseComplete(writer.toBytes(), DEFAULT_WIRE_LIMITS, (reader) => readResponse(reader, -1, true, readDatabaseSize)).value).toEqual({ ok: true, value: 15_492n, renewedToken: null });
  });

  it('read a long across its whole range (both halves, the sign)', () => {
    for (const value of [0n, 1n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 63n - 1n, -(2n ** 63n), -1_234_567_890_123n]) {
      const writer = new ByteWriter();
      okHeader(writer, -1);
      writer.int64(value);
      expect(parseComplete(writer.toBytes(), DEFAULT_WIRE_LIMITS, (reader) => readResponse(reader, -1, true, readDatabaseSize)).value).toEqual({ ok: true, value, renewedToken: null });
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
    const length = new DataView(frame.bytes.buffer).getInt32(start - 4);
    expect(decodeRecord(frame.bytes.subarray(start, start + length)).fields).toEqual({ params: { a: 'b' } });
  });
});
