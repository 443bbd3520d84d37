import { createHmac } from 'node:crypto';
import { SessionTokenError, encodeBase64Url } from '@sessiontoken/core';
import { describe, expect, it } from 'vitest';
import {
  encodeOrientDBTokenPayload,
  parseOrientDBToken,
  parseOrientDBTokenBytes,
  type OrientDBTokenPayload,
} from '../src/token/orientdb-token.js';
import { RecordId } from '../src/serializer/values.js';

const PAYLOAD: OrientDBTokenPayload = {
  database: 'shop',
  databaseType: 'plocal',
  userRid: new RecordId(6, 0),
  expiresAt: new Date(1_800_000_000_000),
  serverUser: false,
  userName: null,
  protocolVersion: 36,
  serializer: 'onet_ser_v0',
  driverName: 'sessiontoken-orientdb',
  driverVersion: '1+abc',
};

function sign(body: Uint8Array, key = Buffer.from('a test key of some bytes')): Uint8Array {
  return Buffer.concat([body, createHmac('sha256', key).update(body).digest()]);
}

function invalidToken(run: () => unknown): void {
  expect(run).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
}

describe('OrientDB binary tokens', () => {
  it('parse back what encodeOrientDBTokenPayload wrote, byte for byte', () => {
    const bytes = sign(encodeOrientDBTokenPayload(PAYLOAD));
    const parsed = parseOrientDBTokenBytes(bytes);
    expect(parsed.payload).toEqual(PAYLOAD);
    expect(parsed.signature).toHaveLength(32);
    expect(encodeOrientDBTokenPayload(parsed.payload)).toEqual(parsed.signedBytes);
  });

  it('carry a server user by name', () => {
    const root = { ...PAYLOAD, userRid: null, serverUser: true, userName: 'root' };
    expect(parseOrientDBTokenBytes(sign(encodeOrientDBTokenPayload(root))).payload).toEqual(root);
  });

  it('are handed out as base64url and parsed strictly', () => {
    const token = encodeBase64Url(sign(encodeOrientDBTokenPayload(PAYLOAD)));
    expect(token).toMatch(/^[\w-]+$/);
    expect(parseOrientDBToken(token).payload.database).toBe('shop');
    invalidToken(() => parseOrientDBToken(`${token}=`));
    invalidToken(() => parseOrientDBToken(`${token.slice(0, 10)}+${token.slice(11)}`));
  });

  it('refuse what the server would refuse to parse', () => {
    const body = encodeOrientDBTokenPayload(PAYLOAD);
    const variants: Uint8Array[] = [
      new Uint8Array(0),
      sign(body).subarray(0, 20),
      body, // no signature
      sign(body).subarray(0, body.length + 8), // 8-byte signature
      sign(Uint8Array.of(1, ...body.subarray(1))), // "node" payload type
      sign(Uint8Array.of(0, 1, ...body.subarray(2))), // unknown key index
      sign(Uint8Array.from(body, (b, i) => (i === 3 ? 0x7f : b))), // database name longer than the token
    ];
    for (const bytes of variants) invalidToken(() => parseOrientDBTokenBytes(bytes));
  });

  it('never put the token in an error message', () => {
    const token = encodeBase64Url(sign(encodeOrientDBTokenPayload(PAYLOAD)).subarray(0, 40));
    try {
      parseOrientDBToken(token);
      throw new Error('expected INVALID_TOKEN');
    } catch (error) {
      expect(error).toBeInstanceOf(SessionTokenError);
      expect((error as Error).message).not.toContain(token.slice(0, 12));
    }
  });
});
