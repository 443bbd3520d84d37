import { isPlainObject, toJsonValue, type JsonObject } from '../../model/json.js';
import type { StytchAuthenticationFactor, StytchSessionAttributes, StytchUserName } from '../../model/stytch-types.js';
import { SessionStoreError, type SessionRecord, type SigningKeyRecord, type UserRecord } from './session-store.js';

/**
 * Turns records into plain JSON documents and back, checking every field on the way back: what a database
 * returns is input like any other, and a row written by something else must fail as `CORRUPT`, not later.
 */

export function corrupt(store: string, what: string): SessionStoreError {
  return new SessionStoreError(store, 'CORRUPT', `stored ${what} could not be read back`);
}

export function parseJsonText(store: string, text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw corrupt(store, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new SessionStoreError(store, 'CORRUPT', `stored ${what} is not JSON`, { cause });
  }
}

export function readString(store: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw corrupt(store, what);
  return value;
}

/** Reads a timestamp stored as epoch milliseconds (number, bigint or numeric string) or as a Date. */
export function readDate(store: string, value: unknown, what: string): Date {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'bigint') ms = Number(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value)) ms = Number(value);
  else throw corrupt(store, what);
  if (!Number.isFinite(ms)) throw corrupt(store, what);
  return new Date(ms);
}

export function readJsonObject(store: string, value: unknown, what: string): JsonObject {
  const json = toJsonValue(value);
  if (json === undefined || !isPlainObject(json)) throw corrupt(store, what);
  return json;
}

/** A private JWK (plain or encrypted), or `null` when it was erased. */
export function readPrivateJwk(store: string, value: unknown): JsonObject | null {
  return value === null ? null : readJsonObject(store, value, 'private key');
}

export function readAttributes(store: string, value: unknown): StytchSessionAttributes {
  if (!isPlainObject(value) || typeof value['ip_address'] !== 'string' || typeof value['user_agent'] !== 'string') {
    throw corrupt(store, 'session attributes');
  }
  return { ip_address: value['ip_address'], user_agent: value['user_agent'] };
}

export function readFactors(store: string, value: unknown): StytchAuthenticationFactor[] {
  if (!Array.isArray(value)) throw corrupt(store, 'authentication factors');
  return value.map((factor: unknown) => {
    if (!isPlainObject(factor)) throw corrupt(store, 'authentication factor');
    const fields = ['type', 'delivery_method', 'last_authenticated_at', 'created_at', 'updated_at'] as const;
    for (const field of fields) if (typeof factor[field] !== 'string') throw corrupt(store, 'authentication factor');
    return { ...(readJsonObject(store, factor, 'authentication factor') as unknown as StytchAuthenticationFactor) };
  });
}

export function readUserName(store: string, value: unknown): StytchUserName {
  if (!isPlainObject(value)) throw corrupt(store, 'user name');
  const name: StytchUserName = {};
  for (const part of ['first_name', 'middle_name', 'last_name'] as const) {
    const item = value[part];
    if (item === undefined) continue;
    if (typeof item !== 'string') throw corrupt(store, 'user name');
    name[part] = item;
  }
  return name;
}

/** A session as one JSON document, timestamps as epoch milliseconds. */
export function sessionToDocument(session: SessionRecord): JsonObject {
  return {
    session_id: session.sessionId,
    user_id: session.userId,
    token_id: session.tokenId,
    secret_hash: session.secretHash,
    started_at: session.startedAt.getTime(),
    last_accessed_at: session.lastAccessedAt.getTime(),
    expires_at: session.expiresAt.getTime(),
    attributes: { ...session.attributes },
    authentication_factors: session.authenticationFactors.map((f) => ({ ...f })),
    custom_claims: structuredClone(session.customClaims),
  };
}

export function sessionFromDocument(store: string, document: unknown): SessionRecord {
  if (!isPlainObject(document)) throw corrupt(store, 'session');
  return {
    sessionId: readString(store, document['session_id'], 'session id'),
    userId: readString(store, document['user_id'], 'session user id'),
    tokenId: readString(store, document['token_id'], 'session token id'),
    secretHash: readString(store, document['secret_hash'], 'session secret hash'),
    startedAt: readDate(store, document['started_at'], 'session start'),
    lastAccessedAt: readDate(store, document['last_accessed_at'], 'session last access'),
    expiresAt: readDate(store, document['expires_at'], 'session expiry'),
    attributes: readAttributes(store, document['attributes']),
    authenticationFactors: readFactors(store, document['authentication_factors']),
    customClaims: readJsonObject(store, document['custom_claims'], 'custom claims'),
  };
}

export function userToDocument(user: UserRecord): JsonObject {
  return {
    user_id: user.userId,
    email: user.email,
    email_id: user.emailId,
    password_id: user.passwordId,
    password_hash: user.passwordHash,
    name: { ...user.name },
    created_at: user.createdAt.getTime(),
  };
}

export function userFromDocument(store: string, document: unknown): UserRecord {
  if (!isPlainObject(document)) throw corrupt(store, 'user');
  return {
    userId: readString(store, document['user_id'], 'user id'),
    email: readString(store, document['email'], 'user email'),
    emailId: readString(store, document['email_id'], 'user email id'),
    passwordId: readString(store, document['password_id'], 'user password id'),
    passwordHash: readString(store, document['password_hash'], 'user password hash'),
    name: readUserName(store, document['name']),
    createdAt: readDate(store, document['created_at'], 'user creation time'),
  };
}

export function signingKeyToDocument(key: SigningKeyRecord): JsonObject {
  return {
    kid: key.kid,
    public_jwk: structuredClone(key.publicJwk),
    private_jwk: key.privateJwk === null ? null : structuredClone(key.privateJwk),
    created_at: key.createdAt.getTime(),
    retires_at: key.retiresAt === null ? null : key.retiresAt.getTime(),
  };
}

export function signingKeyFromDocument(store: string, document: unknown): SigningKeyRecord {
  if (!isPlainObject(document)) throw corrupt(store, 'signing key');
  const retiresAt = document['retires_at'];
  return {
    kid: readString(store, document['kid'], 'signing key id'),
    publicJwk: readJsonObject(store, document['public_jwk'], 'public key'),
    privateJwk: readPrivateJwk(store, document['private_jwk']),
    createdAt: readDate(store, document['created_at'], 'signing key creation time'),
    retiresAt:
      retiresAt === null || retiresAt === undefined ? null : readDate(store, retiresAt, 'signing key retirement time'),
  };
}

/** A row as a SQL driver returns it. */
export type SqlRow = Readonly<Record<string, unknown>>;

/** How a SQL store's JSON columns arrive: already parsed (PostgreSQL `jsonb`) or as text (SQLite). */
export type JsonColumnReader = (store: string, value: unknown, what: string) => unknown;

/** PostgreSQL `jsonb`: the driver has parsed it. */
export const parsedJsonColumn: JsonColumnReader = (_store, value) => value;

/** SQLite `TEXT` holding JSON. */
export const textJsonColumn: JsonColumnReader = parseJsonText;

/** A user row; `prefix` names joined columns (`u_` for {@link JOINED_USER_COLUMNS}). */
export function userFromRow(store: string, row: SqlRow, json: JsonColumnReader, prefix = ''): UserRecord {
  return {
    userId: readString(store, row[`${prefix}user_id`], 'user id'),
    email: readString(store, row[`${prefix}email`], 'user email'),
    emailId: readString(store, row[`${prefix}email_id`], 'user email id'),
    passwordId: readString(store, row[`${prefix}password_id`], 'user password id'),
    passwordHash: readString(store, row[`${prefix}password_hash`], 'user password hash'),
    name: readUserName(store, json(store, row[`${prefix}name`], 'user name')),
    createdAt: readDate(store, row[`${prefix}created_at`], 'user creation time'),
  };
}

export function sessionFromRow(store: string, row: SqlRow, json: JsonColumnReader): SessionRecord {
  return {
    sessionId: readString(store, row['session_id'], 'session id'),
    userId: readString(store, row['user_id'], 'session user id'),
    tokenId: readString(store, row['token_id'], 'session token id'),
    secretHash: readString(store, row['secret_hash'], 'session secret hash'),
    startedAt: readDate(store, row['started_at'], 'session start'),
    lastAccessedAt: readDate(store, row['last_accessed_at'], 'session last access'),
    expiresAt: readDate(store, row['expires_at'], 'session expiry'),
    attributes: readAttributes(store, json(store, row['attributes'], 'session attributes')),
    authenticationFactors: readFactors(store, json(store, row['authentication_factors'], 'authentication factors')),
    customClaims: readJsonObject(store, json(store, row['custom_claims'], 'custom claims'), 'custom claims'),
  };
}

/** The user columns a SQL store joins to a session row (as `u_<column>`), to read both in one statement. */
export const JOINED_USER_COLUMNS = [
  'user_id',
  'email',
  'email_id',
  'password_id',
  'password_hash',
  'name',
  'created_at',
]
  .map((column) => `u.${column} AS u_${column}`)
  .join(', ');

/** The user of a session row joined with {@link JOINED_USER_COLUMNS}; `null` when the join found no user. */
export function joinedUserFromRow(store: string, row: SqlRow, json: JsonColumnReader): UserRecord | null {
  return row['u_user_id'] === null || row['u_user_id'] === undefined ? null : userFromRow(store, row, json, 'u_');
}

export function signingKeyFromRow(store: string, row: SqlRow, json: JsonColumnReader): SigningKeyRecord {
  const retiresAt = row['retires_at'];
  return {
    kid: readString(store, row['kid'], 'signing key id'),
    publicJwk: readJsonObject(store, json(store, row['public_jwk'], 'public key'), 'public key'),
    privateJwk: readPrivateJwk(store, json(store, row['private_jwk'], 'private key')),
    createdAt: readDate(store, row['created_at'], 'signing key creation time'),
    retiresAt:
      retiresAt === null || retiresAt === undefined ? null : readDate(store, retiresAt, 'signing key retirement time'),
  };
}
