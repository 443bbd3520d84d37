import { SESSION_EXPIRED_REASON, StytchLikeApiError } from '../../model/api-error.js';
import { isPlainObject, type JsonObject } from '../../model/json.js';
import type {
  StytchAuthenticationFactor,
  StytchJwk,
  StytchSession,
  StytchUser,
  StytchUserName,
} from '../../model/stytch-types.js';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  SessionJwtError,
  signSessionJwt,
  verifySessionJwt,
  type SessionJwtAlgorithm,
  type VerifiedSessionJwt,
} from '../../jwt/session-jwt.js';
import { KeyEncryptionError, SigningKeyCipher, parseKeyEncryptionKeys } from '../keys/key-encryption.js';
import { SigningKeyRing, type KeyEncryptionReport, type KeyRotation } from '../keys/signing-key-ring.js';
import {
  EXPIRED_SESSION_RETENTION_MS,
  isSessionStoreError,
  sessionMatchesLookup,
  type CounterState,
  type SessionLookup,
  type SessionRecord,
  type SessionStore,
  type UserRecord,
} from '../store/session-store.js';
import { systemClock, type Clock } from '../../model/clock.js';
import { mergeCustomClaims } from '../../model/custom-claims.js';
import { isProjectId, newStytchId, projectEnvironment, type ProjectEnvironment } from '../../model/ids.js';
import {
  bruteForceLimits,
  emailFailureCounterKey,
  tooManyRequests,
  type BruteForceLimits,
} from './brute-force-limits.js';
import { PasswordHasher, PasswordHashingBusyError, type PasswordHashingOptions } from './password-hashing.js';
import { sessionResource, userResource } from './resources.js';
import {
  DEFAULT_EXPIRED_JWT_MAX_AGE_SECONDS,
  DEFAULT_MAX_SESSION_LIFETIME_MINUTES,
  DEFAULT_SESSION_DURATION_MINUTES,
  MIN_SESSION_DURATION_MINUTES,
  checkSessionDuration,
} from '../../model/session-duration.js';
import { hashTokenSecret, issueSessionToken, parseSessionToken } from './session-token.js';
import { SessionJwtCache, checkJwtReuseSeconds } from './session-jwt-cache.js';

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL_LENGTH = 254;
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 256;
const MAX_NAME_PART_LENGTH = 256;
const MAX_ATTRIBUTE_LENGTH = 512;

/** Options for {@link StytchLikeSessionService}. */
export interface StytchLikeSessionServiceOptions {
  /** Where users, sessions and signing keys live. The service does not close it. */
  readonly store: SessionStore;
  /** The project id: the Basic-auth user name, the JWT audience, part of the JWT issuer. */
  readonly projectId: string;
  /** Source of the current time. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * scrypt parameters for new password hashes (defaults in `DEFAULT_SCRYPT_PARAMETERS`; lower `cost` only in tests)
   * and the bounds of the hashing queue (a full queue answers `too_many_requests` at once).
   */
  readonly passwordHashing?: PasswordHashingOptions;
  /** Brute-force limits (defaults in `DEFAULT_BRUTE_FORCE_LIMITS`), counted in the store. */
  readonly bruteForce?: Partial<BruteForceLimits>;
  /**
   * How often expired sessions (and ended counters) are swept. Default 60 000 ms; 0 turns the sweep off. Each sweep
   * is scheduled after the previous one has finished, at a random delay between half and one and a half intervals,
   * so servers started together do not sweep a shared store at the same moment.
   */
  readonly sweepIntervalMs?: number;
  /** How often signing keys are re-read from the store (to see rotations by other processes). Default 60 000 ms. */
  readonly keyRefreshIntervalMs?: number;
  /** Receives errors of background work (the sweep). Default: a one-line warning on stderr. */
  readonly onBackgroundError?: (error: unknown) => void;
  /**
   * Key-encryption key(s) for the private signing keys at rest (AES-256-GCM): 32 bytes each, or the text form of
   * `STYTCH_LIKE_KEY_ENCRYPTION_KEY` (comma-separated base64 or hex). The first encrypts new keys; each decrypts.
   * Without it keys are stored plain, and a store whose keys are encrypted cannot sign.
   */
  readonly keyEncryptionKey?: string | readonly Uint8Array[];
  /**
   * Absolute session lifetime: no session lives longer than this after it started, however often it is extended.
   * Default 527 040 minutes (366 days); at least 5. Lowering it applies to existing sessions at once.
   */
  readonly maxSessionLifetimeMinutes?: number;
  /**
   * How long after its `exp` a session JWT is still accepted by `authenticateSession` and `revokeSession` (to get a
   * fresh JWT for a live session). Default 3600 s; 0 refuses every expired JWT.
   */
  readonly expiredJwtMaxAgeSeconds?: number;
  /**
   * The algorithm session JWTs are signed with: `RS256` (default, as Stytch), `ES256` (P-256) or `EdDSA` (Ed25519).
   * Keys of it are made, rotated and published in the JWKS with their `alg`; verification accepts what the JWKS
   * publishes. Changing it rotates to a key of the new algorithm on the next signature (the old key keeps verifying
   * through the rotation overlap). Every server sharing a store must use the same algorithm.
   */
  readonly jwtAlgorithm?: SessionJwtAlgorithm;
  /**
   * Answer `authenticateSession` with the session's current JWT, instead of signing a new one, while that JWT is
   * younger than this many seconds and says the same things (session expiry, factors, custom claims, signing key;
   * the user still exists). Its `iat` and its session's `last_accessed_at` are then older than the access (the
   * returned session's `last_accessed_at` is current). Kept per server, in memory, for at most
   * `jwtReuseMaxEntries` sessions. Default 0: a fresh JWT every time, as Stytch does. 0 to 240.
   */
  readonly jwtReuseSeconds?: number;
  /** Bound of the JWT reuse cache, in sessions. Default 10 000. */
  readonly jwtReuseMaxEntries?: number;
}

/** Where a session was started from, recorded as `session.attributes`. */
export interface SessionAttributesInput {
  readonly ipAddress?: string;
  readonly userAgent?: string;
}

/** `POST /v1/passwords`. */
export interface CreatePasswordUserInput {
  readonly email: string;
  readonly password: string;
  readonly sessionDurationMinutes?: number;
  readonly sessionCustomClaims?: Record<string, unknown>;
  readonly name?: StytchUserName;
  readonly attributes?: SessionAttributesInput;
}

/** `POST /v1/passwords/authenticate`. With a session token or JWT, the password is added to that session. */
export interface AuthenticatePasswordInput {
  readonly email: string;
  readonly password: string;
  readonly sessionDurationMinutes?: number;
  readonly sessionCustomClaims?: Record<string, unknown>;
  readonly sessionToken?: string;
  readonly sessionJwt?: string;
  readonly attributes?: SessionAttributesInput;
}

/** `POST /v1/sessions/authenticate`: exactly one of `sessionToken`, `sessionJwt`. */
export interface AuthenticateSessionInput {
  readonly sessionToken?: string;
  readonly sessionJwt?: string;
  /** Extends the session to end this many minutes from now; without it the expiry is left as it is. */
  readonly sessionDurationMinutes?: number;
  readonly sessionCustomClaims?: Record<string, unknown>;
}

/** `POST /v1/passwords/existing_password/reset`: ends every session of the user, then starts a new one. */
export interface ResetPasswordByExistingPasswordInput {
  readonly email: string;
  readonly existingPassword: string;
  readonly newPassword: string;
  readonly sessionDurationMinutes?: number;
  readonly sessionCustomClaims?: Record<string, unknown>;
  readonly attributes?: SessionAttributesInput;
}

/** `POST /v1/passwords/session/reset`: exactly one of `sessionToken`, `sessionJwt`; ends the user's other sessions. */
export interface ResetPasswordBySessionInput {
  readonly password: string;
  readonly sessionToken?: string;
  readonly sessionJwt?: string;
  readonly sessionDurationMinutes?: number;
  readonly sessionCustomClaims?: Record<string, unknown>;
}

/** `POST /v1/sessions/revoke`: exactly one of the three. */
export interface RevokeSessionInput {
  readonly sessionId?: string;
  readonly sessionToken?: string;
  readonly sessionJwt?: string;
}

/** A user, their session and its tokens, as the password and session endpoints return them. */
export interface SessionAuthentication {
  readonly user: StytchUser;
  readonly session: StytchSession;
  /** The opaque token; `''` when the session was authenticated by JWT (only the token's hash is stored). */
  readonly sessionToken: string;
  /** A fresh five-minute session JWT. */
  readonly sessionJwt: string;
}

/** Fixed-window counters in the service's store, on the service's clock (the HTTP server's per-address limits use them). */
export interface LimitCounters {
  increment(key: string, windowMs: number): Promise<CounterState>;
  read(key: string): Promise<CounterState | null>;
}

/**
 * The session service in Stytch's model, as a library (the HTTP API and the embedded provider are thin layers over
 * it): users with email and password, sessions with an opaque revocable token and a short-lived JWT, custom claims,
 * signing keys with rotation. Every method rejects only with {@link StytchLikeApiError}.
 */
export class StytchLikeSessionService {
  readonly projectId: string;
  /** The brute-force limits in force. */
  readonly bruteForceLimits: BruteForceLimits;
  /** Store counters for limits kept outside the service (the HTTP server's per-address limits). */
  readonly limitCounters: LimitCounters;
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #environment: ProjectEnvironment;
  readonly #hasher: PasswordHasher;
  readonly #keys: SigningKeyRing;
  #sweepTimer: NodeJS.Timeout | undefined;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #maxLifetimeMs: number;
  readonly #expiredJwtMaxAgeMs: number;
  /** Recent session JWTs by session id, when `jwtReuseSeconds` is set. */
  readonly #jwtCache: SessionJwtCache | undefined;
  #publicToken: string | undefined;
  #closed = false;

  constructor(options: StytchLikeSessionServiceOptions) {
    if (!isProjectId(options.projectId)) {
      throw new TypeError('projectId must be 1 to 128 characters from A-Z a-z 0-9 _ -');
    }
    this.projectId = options.projectId;
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#environment = projectEnvironment(options.projectId);
    this.#hasher = new PasswordHasher(options.passwordHashing);
    this.bruteForceLimits = bruteForceLimits(options.bruteForce);
    this.limitCounters = {
      increment: (key, windowMs) => this.#guard(() => this.#store.incrementCounter(key, windowMs, this.#clock())),
      read: (key) => this.#guard(() => this.#store.readCounter(key, this.#clock())),
    };
    const maxLifetimeMinutes = options.maxSessionLifetimeMinutes ?? DEFAULT_MAX_SESSION_LIFETIME_MINUTES;
    if (!Number.isInteger(maxLifetimeMinutes) || maxLifetimeMinutes < MIN_SESSION_DURATION_MINUTES) {
      throw new TypeError(`maxSessionLifetimeMinutes must be an integer of at least ${MIN_SESSION_DURATION_MINUTES}`);
    }
    this.#maxLifetimeMs = maxLifetimeMinutes * 60_000;
    const expiredJwtMaxAgeSeconds = options.expiredJwtMaxAgeSeconds ?? DEFAULT_EXPIRED_JWT_MAX_AGE_SECONDS;
    if (!Number.isFinite(expiredJwtMaxAgeSeconds) || expiredJwtMaxAgeSeconds < 0) {
      throw new TypeError('expiredJwtMaxAgeSeconds must be 0 or more');
    }
    this.#expiredJwtMaxAgeMs = expiredJwtMaxAgeSeconds * 1000;
    const jwtReuseSeconds = checkJwtReuseSeconds(options.jwtReuseSeconds ?? 0);
    this.#jwtCache =
      jwtReuseSeconds === 0 ? undefined : new SessionJwtCache(jwtReuseSeconds * 1000, options.jwtReuseMaxEntries);
    const kek = options.keyEncryptionKey;
    this.#keys = new SigningKeyRing({
      store: options.store,
      clock: this.#clock,
      environment: this.#environment,
      ...(options.keyRefreshIntervalMs === undefined ? {} : { refreshIntervalMs: options.keyRefreshIntervalMs }),
      ...(options.jwtAlgorithm === undefined ? {} : { algorithm: options.jwtAlgorithm }),
      ...(kek === undefined
        ? {}
        : { cipher: new SigningKeyCipher(typeof kek === 'string' ? parseKeyEncryptionKeys(kek) : kek) }),
    });
    this.#onBackgroundError =
      options.onBackgroundError ??
      ((error) =>
        console.warn(
          `stytch-like: expired-session sweep failed: ${error instanceof Error ? error.message : String(error)}`,
        ));
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
      throw new TypeError('sweepIntervalMs must be 0 (no sweep) or more');
    }
    if (sweepIntervalMs > 0) this.#scheduleSweep(sweepIntervalMs);
  }

  /** Runs the next sweep after a jittered delay, and schedules the one after it once this one has finished. */
  #scheduleSweep(intervalMs: number): void {
    this.#sweepTimer = setTimeout(
      () => {
        void Promise.all([
          this.sweepExpiredSessions().catch(this.#onBackgroundError),
          this.sweepExpiredCounters().catch(this.#onBackgroundError),
        ]).finally(() => {
          if (!this.#closed) this.#scheduleSweep(intervalMs);
        });
      },
      sweepDelayMs(intervalMs, Math.random()),
    );
    this.#sweepTimer.unref();
  }

  /**
   * The project's public token (`public-token-test-…`, `public-token-live-…`), the user name of the frontend-SDK API's
   * Basic authentication. Made with the project the first time it is asked for and kept in the store, so that it
   * survives restarts and every server sharing the store answers to the same one. Not a secret: pages carry it.
   */
  publicToken(): Promise<string> {
    return this.#guard(async () => {
      this.#publicToken ??= await this.#store.ensureSetting(
        PUBLIC_TOKEN_SETTING,
        newStytchId('public-token', this.#environment),
      );
      return this.#publicToken;
    });
  }

  /** True while password hashing is at capacity: a login or sign-up now would be refused with `too_many_requests`. */
  get passwordHashingSaturated(): boolean {
    return this.#hasher.saturated;
  }

  /** Creates a user with a password and starts their first session. */
  createPasswordUser(input: CreatePasswordUserInput): Promise<SessionAuthentication> {
    return this.#guard(async () => {
      const email = normalizeEmail(input.email);
      const password = checkNewPassword(input.password);
      const durationMinutes =
        input.sessionDurationMinutes === undefined
          ? DEFAULT_SESSION_DURATION_MINUTES
          : checkSessionDuration(input.sessionDurationMinutes);
      const customClaims = mergeCustomClaims({}, input.sessionCustomClaims);
      const name = checkName(input.name);
      const attributes = checkAttributes(input.attributes);
      const passwordHash = await this.#hasher.hash(password);
      const now = this.#clock();
      const user: UserRecord = {
        userId: newStytchId('user', this.#environment),
        email,
        emailId: newStytchId('email', this.#environment),
        passwordId: newStytchId('password', this.#environment),
        passwordHash,
        name,
        createdAt: now,
      };
      try {
        await this.#store.insertUser(user);
      } catch (error) {
        if (isSessionStoreError(error, 'DUPLICATE')) throw new StytchLikeApiError('duplicate_email', { cause: error });
        throw error;
      }
      const { record, token } = await this.#startSession(user, now, durationMinutes, customClaims, attributes);
      return this.#authenticated(record, token, now, user);
    });
  }

  /**
   * Checks an email and password and starts a session, or, with `sessionToken` / `sessionJwt`, adds the password
   * factor to that (live, same user's) session. Wrong email and wrong password fail alike, in alike time.
   */
  authenticatePassword(input: AuthenticatePasswordInput): Promise<SessionAuthentication> {
    return this.#guard(async () => {
      const email = normalizeEmail(input.email);
      if (typeof input.password !== 'string')
        throw new StytchLikeApiError('invalid_request_body', { message: 'password must be a string.' });
      const durationMinutes =
        input.sessionDurationMinutes === undefined ? undefined : checkSessionDuration(input.sessionDurationMinutes);
      const withSession = countPresent(input.sessionToken, input.sessionJwt);
      if (withSession > 1) throw new StytchLikeApiError('too_many_session_arguments');
      // Known and unknown emails take the same steps (count read, user read, one hash, count write on failure).
      const failureKey = emailFailureCounterKey(email);
      const failures = await this.#store.readCounter(failureKey, this.#clock());
      if (failures && failures.count >= this.bruteForceLimits.maxFailuresPerEmail) {
        throw tooManyRequests('email_locked', failures.resetAt.getTime() - this.#clock().getTime());
      }
      const user = await this.#store.findUserByEmail(email);
      const matches = user
        ? await this.#hasher.verify(input.password, user.passwordHash)
        : await this.#hasher.verifyAgainstNothing(input.password);
      if (!user || !matches) {
        await this.#store.incrementCounter(failureKey, this.bruteForceLimits.emailWindowMs, this.#clock());
        throw new StytchLikeApiError('unauthorized_credentials', { message: 'The email or password is wrong.' });
      }
      // Only the owner gets here, so clearing their count cannot help an attacker.
      if (failures) await this.#store.deleteCounter(failureKey);
      await this.#upgradePasswordHash(user, input.password);
      const now = this.#clock();
      if (withSession === 0) {
        const customClaims = mergeCustomClaims({}, input.sessionCustomClaims);
        const attributes = checkAttributes(input.attributes);
        const { record, token } = await this.#startSession(
          user,
          now,
          durationMinutes ?? DEFAULT_SESSION_DURATION_MINUTES,
          customClaims,
          attributes,
        );
        return this.#authenticated(record, token, now, user);
      }
      const { record, token } = await this.#findPresentedSession(input.sessionToken, input.sessionJwt, now);
      if (record.userId !== user.userId) {
        throw new StytchLikeApiError('unauthorized_credentials', { message: 'The session belongs to another user.' });
      }
      const updated = await this.#touch(record, now, durationMinutes, input.sessionCustomClaims, true);
      return this.#authenticated(updated, token, now, user);
    });
  }

  /**
   * Checks a session by token or JWT and returns it with a fresh JWT. With `sessionDurationMinutes` the session is
   * extended to end that many minutes from now; without, its expiry is unchanged. An expired JWT is accepted when its
   * signature is good and its session is alive (that is how a client gets a fresh JWT).
   */
  authenticateSession(input: AuthenticateSessionInput): Promise<SessionAuthentication> {
    return this.#guard(async () => {
      const present = countPresent(input.sessionToken, input.sessionJwt);
      if (present === 0) throw new StytchLikeApiError('no_session_arguments');
      if (present > 1) throw new StytchLikeApiError('too_many_session_arguments');
      const durationMinutes =
        input.sessionDurationMinutes === undefined ? undefined : checkSessionDuration(input.sessionDurationMinutes);
      const now = this.#clock();
      const recordAccess = this.#store.recordAccess?.bind(this.#store);
      if (recordAccess && durationMinutes === undefined && input.sessionCustomClaims === undefined) {
        // The common check: one store call finds the session, records the access and reads the user.
        const { lookup, token } = await this.#presentedLookup(input.sessionToken, input.sessionJwt, now);
        const access = await recordAccess(lookup, now, this.#maxLifetimeMs);
        if (!access) throw new StytchLikeApiError('session_not_found');
        this.#refuseEnded(access.session, now);
        // Alive, yet not written: revoked between the store's read and its write.
        if (!access.touched) throw new StytchLikeApiError('session_not_found');
        return this.#authenticated(access.session, token, now, access.user, true);
      }
      const { record, token } = await this.#findPresentedSession(input.sessionToken, input.sessionJwt, now);
      const updated = await this.#touch(record, now, durationMinutes, input.sessionCustomClaims, false);
      return this.#authenticated(updated, token, now, undefined, true);
    });
  }

  /** Ends a session at once, found by id, token or JWT (an expired JWT with a good signature is enough). */
  revokeSession(input: RevokeSessionInput): Promise<void> {
    return this.#guard(async () => {
      const present = countPresent(input.sessionId, input.sessionToken, input.sessionJwt);
      if (present === 0) throw new StytchLikeApiError('no_session_arguments');
      if (present > 1) throw new StytchLikeApiError('too_many_session_arguments');
      let sessionId: string;
      if (input.sessionId !== undefined) {
        if (typeof input.sessionId !== 'string' || input.sessionId === '' || input.sessionId.length > 200)
          throw new StytchLikeApiError('invalid_session_id');
        sessionId = input.sessionId;
      } else {
        sessionId = (await this.#findSession(input.sessionToken, input.sessionJwt, this.#clock())).record.sessionId;
      }
      this.#jwtCache?.deleteSession(sessionId);
      if (!(await this.#store.deleteSession(sessionId))) throw new StytchLikeApiError('session_not_found');
    });
  }

  /** Ends every session of a user at once ("sign out everywhere"); resolves with how many there were. */
  revokeAllSessions(userId: string): Promise<number> {
    return this.#guard(async () => {
      await this.#existingUser(userId);
      this.#jwtCache?.deleteUser(userId);
      return this.#store.deleteUserSessions(userId);
    });
  }

  /** Deletes a user and every session of theirs; their email can sign up again. */
  deleteUser(userId: string): Promise<void> {
    return this.#guard(async () => {
      checkUserId(userId);
      this.#jwtCache?.deleteUser(userId);
      if (!(await this.#store.deleteUser(userId))) throw new StytchLikeApiError('user_not_found');
    });
  }

  /**
   * Changes a password given the current one. As in Stytch, every session of the user ends; a new one is started
   * and returned. A wrong email or password fails as `authenticatePassword` does.
   */
  resetPasswordByExistingPassword(input: ResetPasswordByExistingPasswordInput): Promise<SessionAuthentication> {
    return this.#guard(async () => {
      const email = normalizeEmail(input.email);
      if (typeof input.existingPassword !== 'string') {
        throw new StytchLikeApiError('invalid_request_body', { message: 'existing_password must be a string.' });
      }
      const newPassword = checkNewPassword(input.newPassword);
      const durationMinutes =
        input.sessionDurationMinutes === undefined
          ? DEFAULT_SESSION_DURATION_MINUTES
          : checkSessionDuration(input.sessionDurationMinutes);
      const customClaims = mergeCustomClaims({}, input.sessionCustomClaims);
      const attributes = checkAttributes(input.attributes);
      const user = await this.#store.findUserByEmail(email);
      const matches = user
        ? await this.#hasher.verify(input.existingPassword, user.passwordHash)
        : await this.#hasher.verifyAgainstNothing(input.existingPassword);
      if (!user || !matches) {
        throw new StytchLikeApiError('unauthorized_credentials', { message: 'The email or password is wrong.' });
      }
      const passwordHash = await this.#hasher.hash(newPassword);
      if (!(await this.#store.updateUserPassword(user.userId, passwordHash))) {
        throw new StytchLikeApiError('user_not_found');
      }
      this.#jwtCache?.deleteUser(user.userId);
      await this.#store.deleteUserSessions(user.userId);
      const now = this.#clock();
      const changed = { ...user, passwordHash };
      const { record, token } = await this.#startSession(changed, now, durationMinutes, customClaims, attributes);
      return this.#authenticated(record, token, now, changed);
    });
  }

  /**
   * Changes the password of the user of a live session whose password factor is at most five minutes old. As in
   * Stytch, every other session of the user ends; the presented one continues (extended with a duration).
   */
  resetPasswordBySession(input: ResetPasswordBySessionInput): Promise<SessionAuthentication> {
    return this.#guard(async () => {
      const present = countPresent(input.sessionToken, input.sessionJwt);
      if (present === 0) throw new StytchLikeApiError('no_session_arguments');
      if (present > 1) throw new StytchLikeApiError('too_many_session_arguments');
      const newPassword = checkNewPassword(input.password);
      const durationMinutes =
        input.sessionDurationMinutes === undefined ? undefined : checkSessionDuration(input.sessionDurationMinutes);
      const now = this.#clock();
      const { record, token } = await this.#findPresentedSession(input.sessionToken, input.sessionJwt, now);
      const recent = record.authenticationFactors.some(
        (factor) =>
          factor.type === 'password' && now.getTime() - Date.parse(factor.last_authenticated_at) <= RECENT_FACTOR_MS,
      );
      if (!recent) throw new StytchLikeApiError('session_too_old_to_reset_password');
      const passwordHash = await this.#hasher.hash(newPassword);
      if (!(await this.#store.updateUserPassword(record.userId, passwordHash))) {
        throw new StytchLikeApiError('user_not_found');
      }
      this.#jwtCache?.deleteUser(record.userId);
      for (const other of await this.#store.listActiveSessions(record.userId, new Date(0))) {
        if (other.sessionId !== record.sessionId) await this.#store.deleteSession(other.sessionId);
      }
      const updated = await this.#touch(record, now, durationMinutes, input.sessionCustomClaims, false);
      return this.#authenticated(updated, token, now);
    });
  }

  /** The user's active sessions, oldest first. */
  listSessions(userId: string): Promise<StytchSession[]> {
    return this.#guard(async () => {
      await this.#existingUser(userId);
      const now = this.#clock();
      const sessions = await this.#store.listActiveSessions(userId, now);
      return sessions
        .filter((session) => this.#endOf(session) > now.getTime())
        .map((session) => sessionResource(this.#capped(session)));
    });
  }

  /** The public keys that verify this project's session JWTs. */
  getJwks(): Promise<{ keys: StytchJwk[] }> {
    return this.#guard(async () => ({ keys: await this.#keys.publicJwks() }));
  }

  /**
   * Verifies a session JWT locally (signature, key, issuer, audience, type, expiry) without looking up its session.
   * With `allowExpired`, an expired but otherwise valid JWT is returned with `expired: true`.
   */
  verifySessionJwt(jwt: string, options: { allowExpired?: boolean } = {}): Promise<VerifiedSessionJwt> {
    return this.#guard(() => this.#verifyJwt(jwt, options.allowExpired ?? false));
  }

  /**
   * Starts signing with a new key; the previous one stays in the JWKS for `overlapMs` (default 30 days, at least
   * 5 minutes). Other servers sharing the store pick the new key up within their key refresh interval.
   */
  rotateSigningKeys(options: { overlapMs?: number; dropPrevious?: boolean } = {}): Promise<KeyRotation> {
    return this.#guard(async () => {
      this.#jwtCache?.clear();
      try {
        return await this.#keys.rotate(options.overlapMs, { dropPrevious: options.dropPrevious ?? false });
      } catch (error) {
        if (error instanceof RangeError)
          throw new StytchLikeApiError('invalid_request_body', { message: error.message });
        throw error;
      }
    });
  }

  /**
   * Loads the stored signing keys now, so that a server refuses to start rather than fail its first requests.
   * Rejects with `signing_key_unavailable` when the stored private keys are encrypted and no key-encryption key, or
   * a wrong one, was given; its message says which.
   */
  checkSigningKeys(): Promise<void> {
    return this.#guard(() => this.#keys.check());
  }

  /**
   * Encrypts the private signing keys stored plain (or under an older key-encryption key) under the first
   * key-encryption key, and erases the private half of retired keys.
   */
  encryptSigningKeys(): Promise<KeyEncryptionReport> {
    return this.#guard(() => this.#keys.encryptStoredKeys());
  }

  /**
   * Deletes sessions that expired more than an hour ago (until then their token is answered with "expired"). With
   * the Redis store one call does a bounded part of a pass (see `RedisSessionStore.sweepExpiredSessionsStep`).
   */
  sweepExpiredSessions(): Promise<number> {
    return this.#guard(() =>
      this.#store.deleteSessionsExpiredBefore(new Date(this.#clock().getTime() - EXPIRED_SESSION_RETENTION_MS)),
    );
  }

  /** Deletes brute-force counters whose window has ended. */
  sweepExpiredCounters(): Promise<number> {
    return this.#guard(() => this.#store.deleteCountersExpiredBefore(this.#clock()));
  }

  /** Resolves when the store answers. */
  ping(): Promise<void> {
    return this.#guard(() => this.#store.ping());
  }

  /**
   * Stops the sweep timer and ends the password-hashing worker threads; later calls reject with `service_unavailable`.
   * Does not close the store.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#sweepTimer);
    await this.#hasher.close();
  }

  /** Re-hashes a password checked against a hash with weaker parameters; skipped (until next time) when hashing is busy. */
  async #upgradePasswordHash(user: UserRecord, password: string): Promise<void> {
    if (!this.#hasher.needsUpgrade(user.passwordHash)) return;
    let stronger: string;
    try {
      stronger = await this.#hasher.hash(password);
    } catch (error) {
      if (error instanceof PasswordHashingBusyError) return;
      throw error;
    }
    await this.#store.upgradePasswordHash(user.userId, user.passwordHash, stronger);
  }

  async #startSession(
    user: UserRecord,
    now: Date,
    durationMinutes: number,
    customClaims: JsonObject,
    attributes: { ip_address: string; user_agent: string },
  ): Promise<{ record: SessionRecord; token: string }> {
    const issued = issueSessionToken();
    const record: SessionRecord = {
      sessionId: newStytchId('session', this.#environment),
      userId: user.userId,
      tokenId: issued.tokenId,
      secretHash: issued.secretHash,
      startedAt: now,
      lastAccessedAt: now,
      expiresAt: new Date(now.getTime() + Math.min(durationMinutes * 60_000, this.#maxLifetimeMs)),
      attributes,
      authenticationFactors: [passwordFactor(now)],
      customClaims,
    };
    await this.#store.insertSession(record);
    return { record, token: issued.token };
  }

  /** Finds the session a token or JWT names and checks that it is alive. */
  async #findPresentedSession(
    sessionToken: unknown,
    sessionJwt: unknown,
    now: Date,
  ): Promise<{ record: SessionRecord; token: string }> {
    const found = await this.#findSession(sessionToken, sessionJwt, now);
    this.#refuseEnded(found.record, now);
    return found;
  }

  /** Refuses a session that has ended at `now` (expired, or past its absolute lifetime). */
  #refuseEnded(record: SessionRecord, now: Date): void {
    if (this.#endOf(record) <= now.getTime()) {
      throw new StytchLikeApiError('session_not_found', {
        message: 'The session has expired.',
        details: { reason: SESSION_EXPIRED_REASON },
      });
    }
  }

  /** When a session ends: its expiry, or its absolute lifetime if that comes first. */
  #endOf(record: SessionRecord): number {
    return Math.min(record.expiresAt.getTime(), record.startedAt.getTime() + this.#maxLifetimeMs);
  }

  /** The session with its expiry capped by the absolute lifetime. */
  #capped(record: SessionRecord): SessionRecord {
    const end = this.#endOf(record);
    return end === record.expiresAt.getTime() ? record : { ...record, expiresAt: new Date(end) };
  }

  async #existingUser(userId: string): Promise<UserRecord> {
    checkUserId(userId);
    const user = await this.#store.findUserById(userId);
    if (!user) throw new StytchLikeApiError('user_not_found');
    return user;
  }

  /** Finds the session a token or JWT names, alive or not (a JWT expired longer ago than allowed is refused). */
  async #findSession(
    sessionToken: unknown,
    sessionJwt: unknown,
    now: Date,
  ): Promise<{ record: SessionRecord; token: string }> {
    const { lookup, token } = await this.#presentedLookup(sessionToken, sessionJwt, now);
    const record =
      'tokenId' in lookup
        ? await this.#store.findSessionByTokenId(lookup.tokenId)
        : await this.#store.findSessionById(lookup.sessionId);
    if (!record || !sessionMatchesLookup(record, lookup)) throw new StytchLikeApiError('session_not_found');
    return { record, token };
  }

  /**
   * What a token or JWT presents to find its session: a well-formed token's id and secret hash, or a verified JWT's
   * session and user (a JWT expired longer ago than allowed is refused), with the token to answer with.
   */
  async #presentedLookup(
    sessionToken: unknown,
    sessionJwt: unknown,
    now: Date,
  ): Promise<{ lookup: SessionLookup; token: string }> {
    if (sessionToken !== undefined) {
      const parsed = parseSessionToken(sessionToken);
      if (!parsed) throw new StytchLikeApiError('invalid_session_token');
      return {
        lookup: { tokenId: parsed.tokenId, secretHash: hashTokenSecret(parsed.secret) },
        token: parsed.tokenId + parsed.secret,
      };
    }
    const verified = await this.#verifyJwt(sessionJwt, true);
    if (verified.expired && now.getTime() - verified.expiresAt.getTime() > this.#expiredJwtMaxAgeMs) {
      throw new StytchLikeApiError('invalid_session_jwt', {
        message: `session_jwt expired more than ${this.#expiredJwtMaxAgeMs / 1000} s ago; authenticate with the session_token.`,
        details: { reason: 'jwt_too_old' },
      });
    }
    return { lookup: { sessionId: verified.session.id, userId: verified.userId }, token: '' };
  }

  /** Records an access: extends (with a duration), merges custom claims, refreshes the password factor when asked. */
  async #touch(
    record: SessionRecord,
    now: Date,
    durationMinutes: number | undefined,
    claimChanges: unknown,
    passwordUsed: boolean,
  ): Promise<SessionRecord> {
    const customClaims = mergeCustomClaims(record.customClaims, claimChanges);
    const authenticationFactors = passwordUsed
      ? withPasswordFactor(record.authenticationFactors, now)
      : record.authenticationFactors;
    const lastAccessOnly = durationMinutes === undefined && claimChanges === undefined && !passwordUsed;
    const updated = await this.#store.updateSession(
      record.sessionId,
      {
        lastAccessedAt: now,
        // An extension never passes the absolute lifetime.
        expiresAt:
          durationMinutes === undefined
            ? record.expiresAt
            : new Date(
                Math.min(now.getTime() + durationMinutes * 60_000, record.startedAt.getTime() + this.#maxLifetimeMs),
              ),
        authenticationFactors,
        customClaims,
      },
      { lastAccessOnly },
    );
    // Revoked between the read and the write.
    if (!updated) throw new StytchLikeApiError('session_not_found');
    return updated;
  }

  /** The answer to an authentication: the user, the session and a session JWT (reused when asked and allowed). */
  async #authenticated(
    record: SessionRecord,
    token: string,
    now: Date,
    knownUser?: UserRecord | null,
    reuseJwt = false,
  ): Promise<SessionAuthentication> {
    // `null`: the store already said the user is gone.
    const user = knownUser === undefined ? await this.#store.findUserById(record.userId) : knownUser;
    if (!user)
      throw new StytchLikeApiError('session_not_found', {
        message: 'The session belongs to a user that no longer exists.',
      });
    const session = sessionResource(this.#capped(record));
    const key = await this.#keys.signingKey();
    const cache = reuseJwt ? this.#jwtCache : undefined;
    // What the JWT says but its times: a JWT is reused only while all of it is still true.
    const fingerprint = cache ? `${key.kid}\n${JSON.stringify({ ...session, last_accessed_at: null })}` : '';
    let sessionJwt = cache?.get(session.session_id, fingerprint, now);
    if (sessionJwt === undefined) {
      sessionJwt = signSessionJwt({ session, projectId: this.projectId, key, now });
      cache?.set(session.session_id, session.user_id, sessionJwt, fingerprint, now);
    }
    return { user: userResource(user), session, sessionToken: token, sessionJwt };
  }

  async #verifyJwt(jwt: unknown, allowExpired: boolean): Promise<VerifiedSessionJwt> {
    try {
      return await verifySessionJwt(jwt as string, (kid) => this.#keys.verificationKey(kid), {
        projectId: this.projectId,
        now: this.#clock(),
        allowExpired,
        // Several servers share the keys: a JWT from one whose clock runs ahead must not be "not yet valid" here.
        clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
      });
    } catch (error) {
      if (!(error instanceof SessionJwtError)) throw error;
      if (error.failure === 'malformed') throw new StytchLikeApiError('unable_to_parse_session_jwt', { cause: error });
      throw new StytchLikeApiError('invalid_session_jwt', {
        message: `session_jwt failed verification: ${error.message}.`,
        details: { reason: error.failure },
        cause: error,
      });
    }
  }

  async #guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed)
      throw new StytchLikeApiError('service_unavailable', { message: 'The session service was closed.' });
    try {
      return await operation();
    } catch (error) {
      if (error instanceof StytchLikeApiError) throw error;
      if (error instanceof PasswordHashingBusyError) throw tooManyRequests('password_hashing_busy', 1000);
      if (error instanceof KeyEncryptionError) {
        throw new StytchLikeApiError('signing_key_unavailable', { message: error.message, cause: error });
      }
      if (isSessionStoreError(error, 'UNAVAILABLE', 'CLOSED'))
        throw new StytchLikeApiError('service_unavailable', { cause: error });
      throw new StytchLikeApiError('internal_server_error', { cause: error });
    }
  }
}

/** The store setting that holds the project's public token. */
const PUBLIC_TOKEN_SETTING = 'public_token';

/**
 * The delay before the next background sweep: `intervalMs` scaled by a factor from 0.5 to 1.5 taken from `random`
 * (in [0, 1)), so that on average sweeps come once an interval and servers started together drift apart.
 */
export function sweepDelayMs(intervalMs: number, random: number): number {
  const factor = 0.5 + Math.min(Math.max(random, 0), 1);
  return Math.max(1, Math.round(intervalMs * factor));
}

/** How recent a password factor must be to change the password by session, as in Stytch. */
const RECENT_FACTOR_MS = 5 * 60_000;

function checkUserId(userId: unknown): void {
  if (typeof userId !== 'string' || userId === '' || userId.length > 200) {
    throw new StytchLikeApiError('invalid_user_id');
  }
}

function countPresent(...values: unknown[]): number {
  return values.filter((value) => value !== undefined).length;
}

function normalizeEmail(email: unknown): string {
  if (typeof email !== 'string') throw new StytchLikeApiError('invalid_email');
  const normalized = email.trim().toLowerCase();
  if (normalized.length > MAX_EMAIL_LENGTH || !EMAIL.test(normalized)) throw new StytchLikeApiError('invalid_email');
  return normalized;
}

function checkNewPassword(password: unknown): string {
  if (
    typeof password !== 'string' ||
    [...password].length < MIN_PASSWORD_LENGTH ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new StytchLikeApiError('weak_password');
  }
  return password;
}

function checkName(name: unknown): StytchUserName {
  if (name === undefined) return {};
  if (!isPlainObject(name))
    throw new StytchLikeApiError('invalid_request_body', { message: 'name must be an object.' });
  const result: StytchUserName = {};
  for (const [part, value] of Object.entries(name)) {
    if (
      (part !== 'first_name' && part !== 'middle_name' && part !== 'last_name') ||
      typeof value !== 'string' ||
      value.length > MAX_NAME_PART_LENGTH
    ) {
      throw new StytchLikeApiError('invalid_request_body', {
        message: 'name may have first_name, middle_name and last_name, each a string.',
      });
    }
    result[part] = value;
  }
  return result;
}

function checkAttributes(attributes: SessionAttributesInput | undefined): { ip_address: string; user_agent: string } {
  const clip = (value: unknown) => (typeof value === 'string' ? value.slice(0, MAX_ATTRIBUTE_LENGTH) : '');
  return { ip_address: clip(attributes?.ipAddress), user_agent: clip(attributes?.userAgent) };
}

function passwordFactor(now: Date): StytchAuthenticationFactor {
  const at = now.toISOString();
  return { type: 'password', delivery_method: 'knowledge', last_authenticated_at: at, created_at: at, updated_at: at };
}

function withPasswordFactor(factors: readonly StytchAuthenticationFactor[], now: Date): StytchAuthenticationFactor[] {
  const at = now.toISOString();
  const existing = factors.some((factor) => factor.type === 'password');
  if (!existing) return [...factors, passwordFactor(now)];
  return factors.map((factor) =>
    factor.type === 'password' ? { ...factor, last_authenticated_at: at, updated_at: at } : { ...factor },
  );
}
