import { SessionTokenError, decodeBase64Url } from '@sessiontoken/core';
import { ADAPTER_NAME, malformed, orientdbError } from '../adapter.js';
import { ByteCursor } from '../serializer/byte-cursor.js';
import { ByteWriter } from '../serializer/byte-writer.js';
import { RecordId } from '../serializer/values.js';

/** The storage types a token's database type byte indexes (`OBinaryTokenSerializer`). */
const DATABASE_TYPES = ['plocal', 'memory'] as const;
/** Shortest and longest signature any `javax.crypto.Mac` the server may be configured with produces (MD5 … SHA-512). */
const MIN_SIGNATURE_BYTES = 16;
const MAX_SIGNATURE_BYTES = 64;

/** What an OrientDB binary session token says about its session (OrientDB's `OBinaryTokenPayload`). */
export interface OrientDBTokenPayload {
  /** Database the session is bound to, or `null` for a server-level token. */
  readonly database: string | null;
  readonly databaseType: 'plocal' | 'memory' | null;
  /** The database user's record id, or `null` (server users have none). */
  readonly userRid: RecordId | null;
  /** When the server stops accepting the token (server clock). */
  readonly expiresAt: Date;
  /** Whether the user is a server user (from the server configuration) rather than a database user. */
  readonly serverUser: boolean;
  /** The server user's name; `null` for database users. */
  readonly userName: string | null;
  readonly protocolVersion: number;
  readonly serializer: string | null;
  readonly driverName: string | null;
  readonly driverVersion: string | null;
}

/** A token split into the signed bytes, the signature, and the parsed payload. */
export interface ParsedOrientDBToken {
  readonly payload: OrientDBTokenPayload;
  /** The header and payload bytes the HMAC covers. */
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
}

function invalidToken(reason: string): SessionTokenError {
  return orientdbError('INVALID_TOKEN', `not an OrientDB session token: ${reason}`);
}

function readShortString(cursor: ByteCursor, what: string): string | null {
  const length = cursor.int16();
  if (length === -1) return null;
  if (length < 0) cursor.fail(`${what} length ${length}`);
  return cursor.utf8(length, what);
}

/**
 * Parses the bytes of an OrientDB binary token (header: type / key / algorithm indexes; payload: database,
 * database type, user record id, expiry, server user, protocol, serializer, driver; then the HMAC).
 * Anything the server itself would refuse to parse throws `INVALID_TOKEN`; nothing here checks the signature.
 */
export function parseOrientDBTokenBytes(bytes: Uint8Array): ParsedOrientDBToken {
  const cursor = new ByteCursor(bytes, 'token');
  try {
    // Header indexes: only the "OrientDB" payload type, the single configured key and algorithm exist.
    const type = cursor.uint8();
    const key = cursor.uint8();
    const algorithm = cursor.uint8();
    if (type !== 0) throw invalidToken(`payload type ${type}`);
    if (key !== 0 || algorithm !== 0) throw invalidToken('unknown key or algorithm');
    const database = readShortString(cursor, 'database');
    const databaseTypeIndex = cursor.int8();
    if (databaseTypeIndex < -1 || databaseTypeIndex >= DATABASE_TYPES.length)
      throw invalidToken(`database type ${databaseTypeIndex}`);
    const cluster = cursor.int16();
    const position = cursor.int64();
    const expiry = cursor.safeInt64('expiry');
    const serverUserByte = cursor.uint8();
    if (serverUserByte > 1) throw invalidToken('server user flag');
    const serverUser = serverUserByte === 1;
    const userName = serverUser ? readShortString(cursor, 'user name') : null;
    const protocolVersion = cursor.int16();
    const serializer = readShortString(cursor, 'serializer');
    const driverName = readShortString(cursor, 'driver name');
    const driverVersion = readShortString(cursor, 'driver version');
    const signatureLength = cursor.remaining;
    if (signatureLength < MIN_SIGNATURE_BYTES || signatureLength > MAX_SIGNATURE_BYTES)
      throw invalidToken(`signature of ${signatureLength} bytes`);
    if (Math.abs(expiry) > 8.64e15) throw invalidToken('expiry out of range');
    const signedBytes = new Uint8Array(bytes.subarray(0, cursor.offset));
    const signature = new Uint8Array(bytes.subarray(cursor.offset));
    return {
      signedBytes,
      signature,
      payload: {
        database,
        databaseType: databaseTypeIndex === -1 ? null : DATABASE_TYPES[databaseTypeIndex]!,
        userRid: cluster === -1 || position === -1n ? null : new RecordId(cluster, position),
        expiresAt: new Date(expiry),
        serverUser,
        userName,
        protocolVersion,
        serializer,
        driverName,
        driverVersion,
      },
    };
  } catch (error) {
    if (error instanceof SessionTokenError && error.code === 'PROTOCOL')
      throw invalidToken('truncated or malformed payload');
    throw error;
  }
}

/** A token with its bytes and what it says. */
export interface HeldToken extends ParsedOrientDBToken {
  readonly bytes: Uint8Array;
}

/** Parses a token the server just sent (DB_OPEN, CONNECT, a renewal): one it cannot parse is a `PROTOCOL` error, not the caller's. */
export function parseServerToken(bytes: Uint8Array): HeldToken {
  try {
    return { ...parseOrientDBTokenBytes(bytes), bytes };
  } catch (error) {
    throw malformed('token sent by the server', error);
  }
}

/** Parses a token as handed out by this adapter (base64url of the token bytes); throws `INVALID_TOKEN`. */
export function parseOrientDBToken(token: string): HeldToken {
  const bytes = decodeBase64Url(token, ADAPTER_NAME);
  return { ...parseOrientDBTokenBytes(bytes), bytes };
}

function writeShortString(writer: ByteWriter, value: string | null): void {
  if (value === null) {
    writer.int16(-1);
    return;
  }
  const encoded = new TextEncoder().encode(value);
  writer.int16(encoded.length);
  writer.raw(encoded);
}

/**
 * The bytes the server signs for `payload` (header and payload, no signature), in the server's own layout.
 * With the server's secret key, `HMAC(key, bytes)` appended makes a token the server accepts.
 */
export function encodeOrientDBTokenPayload(payload: OrientDBTokenPayload): Uint8Array {
  const writer = new ByteWriter(128);
  writer.uint8(0);
  writer.uint8(0);
  writer.uint8(0);
  writeShortString(writer, payload.database);
  writer.uint8(payload.databaseType === null ? 0xff : DATABASE_TYPES.indexOf(payload.databaseType));
  writer.int16(payload.userRid?.cluster ?? -1);
  writer.int64(payload.userRid?.position ?? -1n);
  writer.int64(BigInt(payload.expiresAt.getTime()));
  writer.bool(payload.serverUser);
  if (payload.serverUser) writeShortString(writer, payload.userName);
  writer.int16(payload.protocolVersion);
  writeShortString(writer, payload.serializer);
  writeShortString(writer, payload.driverName);
  writeShortString(writer, payload.driverVersion);
  return writer.toBytes();
}
