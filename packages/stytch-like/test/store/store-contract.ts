import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SessionStoreError,
  type SessionRecord,
  type SessionStore,
  type SigningKeyRecord,
  type UserRecord,
} from '../../src/server/store/session-store.js';
import { waitFor } from '../helpers/poll.js';
import type { TestStoreLocation } from '../helpers/stores.js';

const MINUTE = 60_000;

/**
 * The behaviour every `SessionStore` must have. Each test makes its own users, sessions and keys (random ids), so
 * tests do not depend on each other; the file's store is opened once and closed at the end (the test file removes
 * the location's data with `location.cleanup()`).
 */
export function describeSessionStoreContract(location: TestStoreLocation): void {
  describe(`SessionStore contract: ${location.kind}`, () => {
    let store: SessionStore;

    beforeAll(async () => {
      store = await location.open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('stores a user and finds it by id and by email, every field intact', async () => {
      const user = newUser({ name: { first_name: 'Ada', last_name: 'Lovelace ✓' } });
      await store.insertUser(user);
      expect(await store.findUserById(user.userId)).toEqual(user);
      expect(await store.findUserByEmail(user.email)).toEqual(user);
      expect(await store.findUserById(`user-test-${randomUUID()}`)).toBeNull();
      expect(await store.findUserByEmail(`nobody-${randomUUID()}@example.test`)).toBeNull();
    });

    it('refuses a second user with the same email with DUPLICATE, keeping the first', async () => {
      const user = newUser();
      await store.insertUser(user);
      const error = await store.insertUser({ ...newUser(), email: user.email }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ code: 'DUPLICATE', store: location.kind });
      expect((await store.findUserByEmail(user.email))?.userId).toBe(user.userId);
    });

    it('stores a session and finds it by id and by token id, every field intact', async () => {
      const session = newSession(`user-test-${randomUUID()}`, {
        customClaims: { plan: 'pro', nested: { list: [1, 'two', null, true], unicode: 'żółw 🐢' } },
      });
      await store.insertSession(session);
      expect(await store.findSessionById(session.sessionId)).toEqual(session);
      expect(await store.findSessionByTokenId(session.tokenId)).toEqual(session);
      expect(await store.findSessionById(`session-test-${randomUUID()}`)).toBeNull();
      expect(await store.findSessionByTokenId(randomBytes(12).toString('base64url'))).toBeNull();
    });

    it('updates a session and returns the updated record', async () => {
      const session = newSession(`user-test-${randomUUID()}`);
      await store.insertSession(session);
      const later = new Date(session.startedAt.getTime() + 5 * MINUTE);
      const update = {
        lastAccessedAt: later,
        expiresAt: new Date(later.getTime() + 120 * MINUTE),
        authenticationFactors: [
          ...session.authenticationFactors,
          { ...session.authenticationFactors[0]!, updated_at: later.toISOString() },
        ],
        customClaims: { role: 'admin' },
      };
      const updated = await store.updateSession(session.sessionId, update);
      expect(updated).toEqual({ ...session, ...update });
      expect(await store.findSessionByTokenId(session.tokenId)).toEqual({ ...session, ...update });
    });

    it('does not bring back a deleted session when it is updated afterwards', async () => {
      const session = newSession(`user-test-${randomUUID()}`);
      await store.insertSession(session);
      expect(await store.deleteSession(session.sessionId)).toBe(true);
      const updated = await store.updateSession(session.sessionId, {
        lastAccessedAt: new Date(),
        expiresAt: new Date(Date.now() + 60 * MINUTE),
        authenticationFactors: [],
        customClaims: {},
      });
      expect(updated).toBeNull();
      expect(await store.findSessionById(session.sessionId)).toBeNull();
      expect(await store.findSessionByTokenId(session.tokenId)).toBeNull();
      expect(await store.listActiveSessions(session.userId, new Date())).toEqual([]);
    });

    describe('recordAccess (optional: skipped for a store without it)', () => {
      const HOUR = 60 * MINUTE;
      /** The store's recordAccess, or a skip of the test when the store has none. */
      const recordAccessOf = (skip: () => void) => {
        if (!store.recordAccess) skip();
        return store.recordAccess!.bind(store);
      };
      /** A time in the middle of a second, so that a test can move within it or past it. */
      const midSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 400);

      it('finds a session by token or by session and user, records the access and returns it with its user', async ({
        skip,
      }) => {
        const recordAccess = recordAccessOf(skip);
        const user = newUser();
        await store.insertUser(user);
        const session = newSession(user.userId);
        await store.insertSession(session);
        const at = midSecond();
        const byToken = await recordAccess({ tokenId: session.tokenId, secretHash: session.secretHash }, at, HOUR * 24);
        expect(byToken).toEqual({ session: { ...session, lastAccessedAt: at }, user, touched: true });
        expect(await store.findSessionById(session.sessionId)).toEqual({ ...session, lastAccessedAt: at });
        const later = new Date(at.getTime() + 5000);
        const bySession = await recordAccess({ sessionId: session.sessionId, userId: user.userId }, later, HOUR * 24);
        expect(bySession).toEqual({ session: { ...session, lastAccessedAt: later }, user, touched: true });
        expect(await store.findSessionByTokenId(session.tokenId)).toEqual({ ...session, lastAccessedAt: later });
      });

      it('answers null for a wrong secret hash, an unknown token or another user, and writes nothing', async ({
        skip,
      }) => {
        const recordAccess = recordAccessOf(skip);
        const user = newUser();
        await store.insertUser(user);
        const session = newSession(user.userId);
        const other = newSession(`user-test-${randomUUID()}`);
        await store.insertSession(session);
        await store.insertSession(other);
        const at = midSecond();
        const { tokenId, secretHash } = session;
        const flipped = `${secretHash.slice(0, -1)}${secretHash.endsWith('0') ? '1' : '0'}`;
        for (const lookup of [
          { tokenId, secretHash: flipped },
          { tokenId, secretHash: secretHash.toUpperCase() },
          { tokenId, secretHash: secretHash.slice(0, 32) },
          { tokenId, secretHash: '' },
          { tokenId, secretHash: other.secretHash },
          { tokenId: other.tokenId, secretHash },
          { tokenId: randomBytes(12).toString('base64url'), secretHash },
          { sessionId: session.sessionId, userId: other.userId },
          { sessionId: other.sessionId, userId: user.userId },
          { sessionId: `session-test-${randomUUID()}`, userId: user.userId },
        ]) {
          expect(await recordAccess(lookup, at, HOUR * 24), JSON.stringify(lookup)).toBeNull();
        }
        expect(await store.findSessionById(session.sessionId)).toEqual(session);
        expect(await store.findSessionById(other.sessionId)).toEqual(other);
      });

      it('reports a session that has ended (expired, or past the lifetime) untouched, and writes nothing', async ({
        skip,
      }) => {
        const recordAccess = recordAccessOf(skip);
        const user = newUser();
        await store.insertUser(user);
        const at = midSecond();
        const expired = newSession(user.userId, { startedAt: new Date(at.getTime() - HOUR), expiresAt: at });
        const tooOld = newSession(user.userId, {
          startedAt: new Date(at.getTime() - 2 * HOUR),
          expiresAt: new Date(at.getTime() + HOUR),
        });
        for (const session of [expired, tooOld]) {
          await store.insertSession(session);
          const lookup = { tokenId: session.tokenId, secretHash: session.secretHash };
          // The lifetime ends exactly at `at` for tooOld: ended too.
          expect(await recordAccess(lookup, at, 2 * HOUR)).toEqual({ session, user, touched: false });
          expect(await store.findSessionById(session.sessionId)).toEqual(session);
        }
        // One millisecond more of lifetime and tooOld is alive.
        const lookup = { sessionId: tooOld.sessionId, userId: user.userId };
        expect((await recordAccess(lookup, at, 2 * HOUR + 1))?.touched).toBe(true);
      });

      it("answers user null when the session's user is gone", async ({ skip }) => {
        const recordAccess = recordAccessOf(skip);
        const session = newSession(`user-test-${randomUUID()}`);
        await store.insertSession(session);
        const at = midSecond();
        const found = await recordAccess({ tokenId: session.tokenId, secretHash: session.secretHash }, at, HOUR * 24);
        expect(found).toEqual({ session: { ...session, lastAccessedAt: at }, user: null, touched: true });
      });

      it('keeps the access time to the second at least, and answers with what it stored', async ({ skip }) => {
        const recordAccess = recordAccessOf(skip);
        const session = newSession(`user-test-${randomUUID()}`);
        await store.insertSession(session);
        const lookup = { sessionId: session.sessionId, userId: session.userId };
        const at = midSecond();
        await recordAccess(lookup, at, HOUR * 24);
        // Later in the same second a store may leave the recorded time (README: SQL stores do).
        const sameSecond = (await recordAccess(lookup, new Date(at.getTime() + 500), HOUR * 24))!;
        expect([at.getTime(), at.getTime() + 500]).toContain(sameSecond.session.lastAccessedAt.getTime());
        expect(await store.findSessionById(session.sessionId)).toEqual(sameSecond.session);
        const nextSecond = new Date(at.getTime() + 700);
        expect((await recordAccess(lookup, nextSecond, HOUR * 24))?.session.lastAccessedAt).toEqual(nextSecond);
        expect((await store.findSessionById(session.sessionId))?.lastAccessedAt).toEqual(nextSecond);
      });

      it('answers every one of many concurrent accesses to one session, and is not undone by them', async ({
        skip,
      }) => {
        const recordAccess = recordAccessOf(skip);
        const session = newSession(`user-test-${randomUUID()}`);
        await store.insertSession(session);
        const lookup = { tokenId: session.tokenId, secretHash: session.secretHash };
        const start = midSecond().getTime();
        const answers = await Promise.all(
          Array.from({ length: 30 }, (_, i) => recordAccess(lookup, new Date(start + i * 250), HOUR * 24)),
        );
        expect(answers.map((answer) => answer?.touched)).toEqual(answers.map(() => true));
        // An extension made meanwhile stays: recording an access writes the access time only.
        const extended = new Date(start + 5 * HOUR);
        await store.updateSession(session.sessionId, {
          lastAccessedAt: new Date(start),
          expiresAt: extended,
          authenticationFactors: session.authenticationFactors,
          customClaims: { plan: 'pro' },
        });
        const after = await recordAccess(lookup, new Date(start + 20_000), HOUR * 24);
        expect(after?.session).toMatchObject({ expiresAt: extended, customClaims: { plan: 'pro' } });
      });
    });

    it('deletes a session once: true, then false; its token id no longer finds it', async () => {
      const session = newSession(`user-test-${randomUUID()}`);
      await store.insertSession(session);
      expect(await store.deleteSession(session.sessionId)).toBe(true);
      expect(await store.deleteSession(session.sessionId)).toBe(false);
      expect(await store.findSessionByTokenId(session.tokenId)).toBeNull();
    });

    it("lists only one user's active sessions, oldest first", async () => {
      const userId = `user-test-${randomUUID()}`;
      const now = Date.now();
      const older = newSession(userId, { startedAt: new Date(now - 10 * MINUTE) });
      const newer = newSession(userId, { startedAt: new Date(now - 5 * MINUTE) });
      const expired = newSession(userId, { startedAt: new Date(now - 20 * MINUTE), expiresAt: new Date(now - MINUTE) });
      const someoneElse = newSession(`user-test-${randomUUID()}`);
      for (const session of [newer, expired, older, someoneElse]) await store.insertSession(session);
      const listed = await store.listActiveSessions(userId, new Date(now));
      expect(listed.map((s) => s.sessionId)).toEqual([older.sessionId, newer.sessionId]);
      expect(listed[0]).toEqual(older);
    });

    it('deletes sessions expired at or before a cutoff and keeps the others', async () => {
      const userId = `user-test-${randomUUID()}`;
      const now = Date.now();
      const expired = newSession(userId, {
        startedAt: new Date(now - 30 * MINUTE),
        expiresAt: new Date(now - 2 * MINUTE),
      });
      const alive = newSession(userId, { expiresAt: new Date(now + 30 * MINUTE) });
      await store.insertSession(expired);
      await store.insertSession(alive);
      // A store may sweep in steps (Redis: a bounded part of a pass per call); call until the expired one is gone.
      let deleted = 0;
      await waitFor(
        async () => {
          deleted += await store.deleteSessionsExpiredBefore(new Date(now - MINUTE));
          return (await store.findSessionById(expired.sessionId)) === null;
        },
        { timeoutMs: 20_000, intervalMs: 1, what: 'the sweep to delete the expired session' },
      );
      expect(deleted).toBeGreaterThanOrEqual(1);
      expect(await store.findSessionByTokenId(expired.tokenId)).toBeNull();
      expect(await store.findSessionById(alive.sessionId)).toEqual(alive);
    });

    it('keeps signing keys: insert, list oldest first, retire, delete; a duplicate kid is refused', async () => {
      const first = newKey(new Date(Date.now() - 2 * MINUTE));
      const second = newKey(new Date(Date.now() - MINUTE));
      await store.insertSigningKey(second);
      await store.insertSigningKey(first);
      const mine = (keys: SigningKeyRecord[]) => keys.filter((k) => k.kid === first.kid || k.kid === second.kid);
      expect(mine(await store.listSigningKeys())).toEqual([first, second]);
      await expect(store.insertSigningKey({ ...first })).rejects.toMatchObject({ code: 'DUPLICATE' });
      const retiresAt = new Date(Date.now() + 60 * MINUTE);
      await store.retireSigningKey(first.kid, retiresAt);
      await store.retireSigningKey(`jwk-test-${randomUUID()}`, retiresAt);
      expect(mine(await store.listSigningKeys())).toEqual([{ ...first, retiresAt }, second]);
      await store.deleteSigningKey(first.kid);
      expect(mine(await store.listSigningKeys())).toEqual([second]);
      // These keys are not real; leave none behind for other users of the store.
      await store.deleteSigningKey(second.kid);
      expect(mine(await store.listSigningKeys())).toEqual([]);
    });

    it('updates a password hash; false for a user who is gone', async () => {
      const user = newUser();
      await store.insertUser(user);
      expect(await store.updateUserPassword(user.userId, 'new-hash')).toBe(true);
      expect(await store.findUserByEmail(user.email)).toEqual({ ...user, passwordHash: 'new-hash' });
      expect(await store.updateUserPassword(`user-test-${randomUUID()}`, 'new-hash')).toBe(false);
    });

    it("deletes every session of one user, live and expired, and no one else's", async () => {
      const userId = `user-test-${randomUUID()}`;
      const now = Date.now();
      const live = [newSession(userId), newSession(userId)];
      const expired = newSession(userId, { startedAt: new Date(now - 20 * MINUTE), expiresAt: new Date(now - MINUTE) });
      const someoneElse = newSession(`user-test-${randomUUID()}`);
      for (const session of [...live, expired, someoneElse]) await store.insertSession(session);
      expect(await store.deleteUserSessions(userId)).toBe(3);
      for (const session of [...live, expired]) {
        expect(await store.findSessionById(session.sessionId)).toBeNull();
        expect(await store.findSessionByTokenId(session.tokenId)).toBeNull();
      }
      expect(await store.listActiveSessions(userId, new Date(0))).toEqual([]);
      expect(await store.findSessionById(someoneElse.sessionId)).toEqual(someoneElse);
      expect(await store.deleteUserSessions(userId)).toBe(0);
    });

    it('deletes a user with their sessions; the email is free again', async () => {
      const user = newUser();
      await store.insertUser(user);
      const session = newSession(user.userId);
      await store.insertSession(session);
      expect(await store.deleteUser(user.userId)).toBe(true);
      expect(await store.findUserById(user.userId)).toBeNull();
      expect(await store.findUserByEmail(user.email)).toBeNull();
      expect(await store.findSessionByTokenId(session.tokenId)).toBeNull();
      expect(await store.deleteUser(user.userId)).toBe(false);
      await expect(store.insertUser({ ...newUser(), email: user.email })).resolves.toBeUndefined();
    });

    it("replaces and erases a key's private JWK, leaving the rest of the key intact", async () => {
      const key = newKey(new Date(Date.now() - MINUTE));
      await store.insertSigningKey(key);
      const mine = async () => (await store.listSigningKeys()).find((k) => k.kid === key.kid);
      await store.setSigningKeyPrivateJwk(key.kid, { encrypted_jwk: 'a.b.c.d.e' });
      expect(await mine()).toEqual({ ...key, privateJwk: { encrypted_jwk: 'a.b.c.d.e' } });
      await store.setSigningKeyPrivateJwk(key.kid, null);
      expect(await mine()).toEqual({ ...key, privateJwk: null });
      await store.setSigningKeyPrivateJwk(`jwk-test-${randomUUID()}`, null);
      await store.deleteSigningKey(key.kid);
    });

    it('serves many operations at once', async () => {
      const userId = `user-test-${randomUUID()}`;
      const sessions = Array.from({ length: 25 }, () => newSession(userId));
      await Promise.all(sessions.map((s) => store.insertSession(s)));
      const found = await Promise.all(sessions.map((s) => store.findSessionByTokenId(s.tokenId)));
      expect(found.map((s) => s?.sessionId)).toEqual(sessions.map((s) => s.sessionId));
      expect(await store.listActiveSessions(userId, new Date())).toHaveLength(25);
    });

    it('counts in one atomic step per increment, shared by a second handle on the same store', async () => {
      const key = `test:${randomUUID()}`;
      const started = new Date();
      const counts = await Promise.all(
        Array.from({ length: 40 }, () => store.incrementCounter(key, 60 * MINUTE, new Date())),
      );
      // No lost update: every increment saw a different count.
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const other = location.kind === 'memory' ? store : await location.open();
      try {
        const read = await other.readCounter(key, new Date());
        expect(read?.count).toBe(40);
        expect(read!.resetAt.getTime()).toBeGreaterThan(started.getTime() + 59 * MINUTE);
        expect(read!.resetAt.getTime()).toBeLessThanOrEqual(Date.now() + 60 * MINUTE + 1000);
        expect((await other.incrementCounter(key, 60 * MINUTE, new Date())).count).toBe(41);
      } finally {
        if (other !== store) await other.close();
      }
      expect(await store.readCounter(`test:${randomUUID()}`, new Date())).toBeNull();
      await store.deleteCounter(key);
      expect(await store.readCounter(key, new Date())).toBeNull();
      expect((await store.incrementCounter(key, 60 * MINUTE, new Date())).count).toBe(1);
    });

    it('starts a new window at 1 once the old one has ended, and sweeps ended counters', async () => {
      const key = `test:${randomUUID()}`;
      await store.incrementCounter(key, 200, new Date());
      expect((await store.incrementCounter(key, 200, new Date())).count).toBe(2);
      await waitFor(async () => (await store.readCounter(key, new Date())) === null, {
        timeoutMs: 5000,
        what: 'the counter window to end',
      });
      await store.deleteCountersExpiredBefore(new Date());
      expect((await store.incrementCounter(key, 60 * MINUTE, new Date())).count).toBe(1);
    });

    it('upgrades a password hash only while it is still the hash that was read', async () => {
      const user = newUser();
      await store.insertUser(user);
      expect(await store.upgradePasswordHash(user.userId, '$scrypt$not-the-current-one', '$scrypt$stronger')).toBe(
        false,
      );
      expect(await store.findUserById(user.userId)).toEqual(user);
      expect(await store.upgradePasswordHash(user.userId, user.passwordHash, '$scrypt$stronger')).toBe(true);
      expect(await store.findUserByEmail(user.email)).toEqual({ ...user, passwordHash: '$scrypt$stronger' });
      expect(await store.upgradePasswordHash(`user-test-${randomUUID()}`, user.passwordHash, '$scrypt$x')).toBe(false);
    });

    it('keeps the first value of a setting, also when writers race, and answers every writer with it', async () => {
      const name = `test-setting-${randomUUID()}`;
      const candidates = Array.from({ length: 8 }, (_, index) => `value-${index}-${randomUUID()}`);
      const answers = await Promise.all(candidates.map((value) => store.ensureSetting(name, value)));
      expect(new Set(answers).size).toBe(1);
      expect(candidates).toContain(answers[0]);
      expect(await store.ensureSetting(name, 'a later value')).toBe(answers[0]);
      expect(await store.ensureSetting(`test-setting-${randomUUID()}`, 'its own value')).toBe('its own value');
    });

    it('closes idempotently; afterwards every operation rejects with CLOSED', async () => {
      const own = await location.open();
      await own.close();
      await own.close();
      await expect(own.ping()).rejects.toMatchObject({ name: 'SessionStoreError', code: 'CLOSED' });
      await expect(own.findUserById('user-test-x')).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(own.insertSession(newSession('user-test-x'))).rejects.toMatchObject({ code: 'CLOSED' });
    });
  });
}

/** A user record with random ids and email. */
export function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    userId: `user-test-${randomUUID()}`,
    email: `u-${randomUUID()}@example.test`,
    emailId: `email-test-${randomUUID()}`,
    passwordId: `password-test-${randomUUID()}`,
    passwordHash: `$scrypt$ln=10,r=8,p=1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`,
    name: {},
    createdAt: new Date(Math.floor(Date.now() / 1000) * 1000 + 123),
    ...overrides,
  };
}

/** A session record with random ids, started a minute ago and expiring in an hour unless `overrides` say otherwise. */
export function newSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  const startedAt = overrides.startedAt ?? new Date(Date.now() - MINUTE);
  const at = startedAt.toISOString();
  return {
    sessionId: `session-test-${randomUUID()}`,
    userId,
    tokenId: randomBytes(12).toString('base64url'),
    secretHash: randomBytes(32).toString('hex'),
    startedAt,
    lastAccessedAt: startedAt,
    expiresAt: new Date(startedAt.getTime() + 60 * MINUTE),
    attributes: { ip_address: '203.0.113.7', user_agent: 'vitest' },
    authenticationFactors: [
      { type: 'password', delivery_method: 'knowledge', last_authenticated_at: at, created_at: at, updated_at: at },
    ],
    customClaims: {},
    ...overrides,
  };
}

function newKey(createdAt: Date): SigningKeyRecord {
  const kid = `jwk-test-${randomUUID()}`;
  return {
    kid,
    publicJwk: { kty: 'RSA', n: randomBytes(64).toString('base64url'), e: 'AQAB', kid },
    privateJwk: { kty: 'RSA', n: 'n', e: 'AQAB', d: randomBytes(64).toString('base64url'), kid },
    createdAt,
    retiresAt: null,
  };
}
