import { timingSafeEqual } from 'node:crypto';
import type { JsonObject } from '../../model/json.js';
import type { StytchAuthenticationFactor, StytchSessionAttributes, StytchUserName } from '../../model/stytch-types.js';

/** A user as stored. `email` is already normalised (trimmed, lower case). */
export interface UserRecord {
  readonly userId: string;
  readonly email: string;
  readonly emailId: string;
  readonly passwordId: string;
  /** Self-describing scrypt hash (see `service/password-hashing.ts`). */
  readonly passwordHash: string;
  readonly name: StytchUserName;
  readonly createdAt: Date;
}

/** A session as stored. The token itself is never stored: only its id and the SHA-256 of its secret. */
export interface SessionRecord {
  readonly sessionId: string;
  readonly userId: string;
  /** The public half of the session token; unique. */
  readonly tokenId: string;
  /** Lower-case hex SHA-256 of the token's secret half. */
  readonly secretHash: string;
  readonly startedAt: Date;
  readonly lastAccessedAt: Date;
  readonly expiresAt: Date;
  readonly attributes: StytchSessionAttributes;
  readonly authenticationFactors: readonly StytchAuthenticationFactor[];
  readonly customClaims: JsonObject;
}

/** What an authentication may change on a session. */
export interface SessionUpdate {
  readonly lastAccessedAt: Date;
  readonly expiresAt: Date;
  readonly authenticationFactors: readonly StytchAuthenticationFactor[];
  readonly customClaims: JsonObject;
}

/** How a store may write an update. */
export interface SessionUpdateOptions {
  /**
   * The update only records an access: expiry, factors and claims are unchanged. A store may then skip waiting for
   * the disk (the SQLite store does): a power cut could lose the timestamp, never a session, an extension or a
   * revocation, and a crashed process loses nothing.
   */
  readonly lastAccessOnly?: boolean;
}

/** What an authentication presents to find its session: a token (its id and the SHA-256 of its secret) or a verified JWT's session and user. */
export type SessionLookup =
  { readonly tokenId: string; readonly secretHash: string } | { readonly sessionId: string; readonly userId: string };

/** What {@link SessionStore.recordAccess} found. */
export interface SessionAccess {
  readonly session: SessionRecord;
  /** The session's user; `null` when the user is gone. */
  readonly user: UserRecord | null;
  /** `false` when the session had ended at `at` (expired, or past `startedAt + maxLifetimeMs`): nothing was written. */
  readonly touched: boolean;
}

/** A JWT signing key pair as stored (JWKs as JSON). */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly publicJwk: JsonObject;
  /**
   * The private JWK, or its encrypted form `{ encrypted_jwk: <compact JWE> }` (see `jwt/key-encryption.ts`);
   * `null` once the key is retired and its private half erased.
   */
  readonly privateJwk: JsonObject | null;
  readonly createdAt: Date;
  /** When the key leaves the JWKS; `null` while it is (or may become) the signing key. */
  readonly retiresAt: Date | null;
}

/** A fixed-window counter (the brute-force limits): how many in the window, and when the window ends. */
export interface CounterState {
  readonly count: number;
  /** When the window ends; the next increment after it starts a new window at 1. */
  readonly resetAt: Date;
}

/** True when `session` is alive at `at`: before its expiry and less than `maxLifetimeMs` after its start. */
export function isSessionAliveAt(session: SessionRecord, at: Date, maxLifetimeMs: number): boolean {
  const now = at.getTime();
  return session.expiresAt.getTime() > now && session.startedAt.getTime() + maxLifetimeMs > now;
}

/**
 * True when `session` is the one `lookup` names: the token id with the same secret hash (compared in constant time),
 * or the session id of the same user. For the stores that compare in this process (memory, SQLite).
 */
export function sessionMatchesLookup(session: SessionRecord, lookup: SessionLookup): boolean {
  if ('tokenId' in lookup)
    return session.tokenId === lookup.tokenId && secretHashesMatch(session.secretHash, lookup.secretHash);
  return session.sessionId === lookup.sessionId && session.userId === lookup.userId;
}

const SECRET_HASH = /^[0-9a-f]{64}$/;

/** Compares two hex SHA-256 hashes of token secrets in constant time; `false` when either is not such a hash (lower-case hex). */
export function secretHashesMatch(storedHash: string, presentedHash: string): boolean {
  // Lower-case hex only, as stored and as SQL compares it: the same answer from every store.
  if (!SECRET_HASH.test(storedHash) || !SECRET_HASH.test(presentedHash)) return false;
  return timingSafeEqual(Buffer.from(storedHash, 'hex'), Buffer.from(presentedHash, 'hex'));
}

/** How long an expired session is kept, so that its token is answered with "expired" rather than "not found". */
export const EXPIRED_SESSION_RETENTION_MS = 60 * 60 * 1000;

/**
 * Where the session service keeps users, sessions and signing keys. Every store passes the same store contract
 * (test/store/store-contract.ts). Methods reject only with {@link SessionStoreError}.
 */
export interface SessionStore {
  /** `memory`, `sqlite`, `postgres` or `redis`. */
  readonly kind: string;
  /** Resolves when the backing database answers. */
  ping(): Promise<void>;

  /** Rejects with code `DUPLICATE` when a user with the same email exists. */
  insertUser(user: UserRecord): Promise<void>;
  findUserById(userId: string): Promise<UserRecord | null>;
  findUserByEmail(email: string): Promise<UserRecord | null>;

  insertSession(session: SessionRecord): Promise<void>;
  findSessionById(sessionId: string): Promise<SessionRecord | null>;
  findSessionByTokenId(tokenId: string): Promise<SessionRecord | null>;
  /** Applies `update` to an existing session; returns `null` (and writes nothing) when the session is gone. */
  updateSession(
    sessionId: string,
    update: SessionUpdate,
    options?: SessionUpdateOptions,
  ): Promise<SessionRecord | null>;
  /**
   * The common authentication in one step where the store can (one round trip, one statement): finds the session
   * `lookup` names; `null` when there is none, the secret hash differs or the session is another user's. When the
   * session is alive at `at` (`expiresAt > at` and `startedAt + maxLifetimeMs > at`) it records the access as
   * `updateSession(…, { lastAccessOnly: true })` would, setting `lastAccessedAt` to `at`; it returns the session as
   * stored after that, with its user. Optional: without it the service finds, updates and reads the user in turn.
   */
  recordAccess?(lookup: SessionLookup, at: Date, maxLifetimeMs: number): Promise<SessionAccess | null>;
  /** Deletes a session; `false` when there was none. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** The user's sessions with `expiresAt` after `activeAt`, oldest first. */
  listActiveSessions(userId: string, activeAt: Date): Promise<SessionRecord[]>;
  /**
   * Deletes sessions with `expiresAt` at or before `cutoff` (never one extended past it meanwhile); returns how many.
   * A store may do this in bounded steps, a part per call (the Redis store does), and one that expires sessions by
   * TTL may return 0; the service calls it every sweep interval.
   */
  deleteSessionsExpiredBefore(cutoff: Date): Promise<number>;

  /** Updates a user's password hash; `false` when the user is gone. */
  updateUserPassword(userId: string, passwordHash: string): Promise<boolean>;
  /** Deletes a user (the email is free again) and every session of theirs; `false` when there was no such user. */
  deleteUser(userId: string): Promise<boolean>;
  /** Deletes every session of a user, live or expired; returns how many. */
  deleteUserSessions(userId: string): Promise<number>;

  /** Every key, oldest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  insertSigningKey(key: SigningKeyRecord): Promise<void>;
  /** Sets `retiresAt` of a key (no-op when the key is gone). */
  retireSigningKey(kid: string, retiresAt: Date): Promise<void>;
  deleteSigningKey(kid: string): Promise<void>;
  /** Replaces a key's private JWK (encrypting it, or `null` to erase it); no-op when the key is gone. */
  setSigningKeyPrivateJwk(kid: string, privateJwk: JsonObject | null): Promise<void>;

  /**
   * Adds one to the counter `key`, starting a window of `windowMs` at `now` when none is running, in one atomic
   * step, so that every server sharing the store counts together. Redis measures the window with its own TTL.
   */
  incrementCounter(key: string, windowMs: number, now: Date): Promise<CounterState>;
  /** The counter's state, or `null` when no window is running at `now`. */
  readCounter(key: string, now: Date): Promise<CounterState | null>;
  /** Ends the counter's window (no-op when there is none). */
  deleteCounter(key: string): Promise<void>;
  /** Deletes counters whose window ended at or before `now`; returns how many (stores that expire by TTL may return 0). */
  deleteCountersExpiredBefore(now: Date): Promise<number>;
  /**
   * Replaces a user's password hash with a stronger one, only while it is still `currentHash` (so an upgrade racing
   * a password change cannot undo it); `false` when it was not.
   */
  upgradePasswordHash(userId: string, currentHash: string, newHash: string): Promise<boolean>;

  /**
   * A project setting (the project's public token): stores `value` under `name` unless a value is stored there
   * already, in one atomic step, and resolves with the stored value, so that servers sharing the store agree.
   */
  ensureSetting(name: string, value: string): Promise<string>;

  /** Releases every connection. Idempotent; later calls reject with code `CLOSED`. */
  close(): Promise<void>;
}

/** Why a store operation failed. */
export type SessionStoreErrorCode =
  /** The store URL cannot be used. */
  | 'INVALID_URL'
  /** The optional driver package this store needs is not installed. */
  | 'DRIVER_MISSING'
  /** The database could not be reached or did not answer in time. */
  | 'UNAVAILABLE'
  /** A unique value (a user's email) already exists. */
  | 'DUPLICATE'
  /** The store was closed. */
  | 'CLOSED'
  /** Stored data could not be read back (corrupt or written by something else). */
  | 'CORRUPT'
  /** The database refused the operation for another reason (kept in `cause`). */
  | 'FAILED';

/** The one error type stores reject with; its message starts with the store kind, e.g. `[postgres]`. */
export class SessionStoreError extends Error {
  override readonly name = 'SessionStoreError';
  readonly code: SessionStoreErrorCode;
  readonly store: string;

  constructor(store: string, code: SessionStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`[${store}] ${message}`, 'cause' in options ? { cause: options.cause } : undefined);
    this.store = store;
    this.code = code;
  }
}

/** True when `error` is a {@link SessionStoreError}, optionally with one of `codes`. */
export function isSessionStoreError(error: unknown, ...codes: SessionStoreErrorCode[]): error is SessionStoreError {
  return error instanceof SessionStoreError && (codes.length === 0 || codes.includes(error.code));
}
