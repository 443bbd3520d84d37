import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord, SessionStore } from '../../src/server/store/session-store.js';
import type { TestStoreLocation } from '../helpers/stores.js';
import { newSession, newUser } from './store-contract.js';

const MINUTE = 60_000;
const LIFETIME = 24 * 60 * MINUTE;

/**
 * `SessionStore.recordAccess`, for a store that has it: found by token (id and secret hash) or by session and user,
 * the access recorded only on a live session, and nothing written for a wrong secret, another user or an ended session.
 */
export function describeRecordAccess(location: TestStoreLocation): void {
  describe(`SessionStore.recordAccess: ${location.kind}`, () => {
    let store: SessionStore;
    let recordAccess: NonNullable<SessionStore['recordAccess']>;

    beforeAll(async () => {
      store = await location.open();
      const method = store.recordAccess?.bind(store);
      expect(method).toBeTypeOf('function');
      recordAccess = method!;
    });
    afterAll(async () => {
      await store?.close();
    });

    async function userWithSession(overrides: Partial<SessionRecord> = {}) {
      const user = newUser();
      await store.insertUser(user);
      const session = newSession(user.userId, overrides);
      await store.insertSession(session);
      return { user, session };
    }

    it('finds a session by token, records the access and answers it with its user', async () => {
      const { user, session } = await userWithSession();
      const at = new Date(session.lastAccessedAt.getTime() + 5 * MINUTE);
      const access = await recordAccess({ tokenId: session.tokenId, secretHash: session.secretHash }, at, LIFETIME);
      expect(access).toEqual({ session: { ...session, lastAccessedAt: at }, user, touched: true });
      expect(await store.findSessionById(session.sessionId)).toEqual({ ...session, lastAccessedAt: at });
    });

    it("finds a session by a JWT's session and user, the same way", async () => {
      const { user, session } = await userWithSession();
      const at = new Date(session.lastAccessedAt.getTime() + 7 * MINUTE);
      const access = await recordAccess({ sessionId: session.sessionId, userId: user.userId }, at, LIFETIME);
      expect(access).toEqual({ session: { ...session, lastAccessedAt: at }, user, touched: true });
      expect(await store.findSessionByTokenId(session.tokenId)).toEqual({ ...session, lastAccessedAt: at });
    });

    it('never moves the access time back', async () => {
      const { user, session } = await userWithSession();
      const earlier = new Date(session.lastAccessedAt.getTime() - MINUTE);
      const access = await recordAccess({ sessionId: session.sessionId, userId: user.userId }, earlier, LIFETIME);
      expect(access).toMatchObject({ session, touched: true });
      expect(await store.findSessionById(session.sessionId)).toEqual(session);
    });

    it('answers null and writes nothing for a wrong secret hash, an unknown token or a hash of another length', async () => {
      const { session } = await userWithSession();
      const at = new Date(session.lastAccessedAt.getTime() + MINUTE);
      const lastDigitOff = session.secretHash.slice(0, -1) + (session.secretHash.endsWith('0') ? '1' : '0');
      for (const secretHash of [lastDigitOff, randomBytes(32).toString('hex'), session.secretHash.slice(0, 32), '']) {
        expect(await recordAccess({ tokenId: session.tokenId, secretHash }, at, LIFETIME)).toBeNull();
      }
      const unknown = { tokenId: randomBytes(12).toString('base64url'), secretHash: session.secretHash };
      expect(await recordAccess(unknown, at, LIFETIME)).toBeNull();
      expect(await store.findSessionById(session.sessionId)).toEqual(session);
    });

    it("answers null and writes nothing for another user's session or an unknown one", async () => {
      const { session } = await userWithSession();
      const other = await userWithSession();
      const at = new Date(session.lastAccessedAt.getTime() + MINUTE);
      expect(await recordAccess({ sessionId: session.sessionId, userId: other.user.userId }, at, LIFETIME)).toBeNull();
      expect(await recordAccess({ sessionId: `session-test-x`, userId: session.userId }, at, LIFETIME)).toBeNull();
      expect(await store.findSessionById(session.sessionId)).toEqual(session);
    });

    it('answers an ended session untouched, writing nothing: expired, or past its absolute lifetime', async () => {
      const started = new Date(Date.now() - 2 * 60 * MINUTE);
      const expired = await userWithSession({
        startedAt: started,
        expiresAt: new Date(started.getTime() + 30 * MINUTE),
      });
      const at = new Date(Date.now());
      expect(
        await recordAccess({ tokenId: expired.session.tokenId, secretHash: expired.session.secretHash }, at, LIFETIME),
      ).toEqual({
        session: expired.session,
        user: expired.user,
        touched: false,
      });
      expect(await store.findSessionById(expired.session.sessionId)).toEqual(expired.session);
      // Alive by its expiry, but started longer ago than the absolute lifetime.
      const old = await userWithSession({ startedAt: started, expiresAt: new Date(Date.now() + 60 * MINUTE) });
      const lookup = { sessionId: old.session.sessionId, userId: old.user.userId };
      expect(await recordAccess(lookup, at, 60 * MINUTE)).toEqual({
        session: old.session,
        user: old.user,
        touched: false,
      });
      expect(await store.findSessionById(old.session.sessionId)).toEqual(old.session);
      // Exactly at the expiry counts as ended.
      const edge = await userWithSession();
      expect(
        await recordAccess(
          { sessionId: edge.session.sessionId, userId: edge.user.userId },
          edge.session.expiresAt,
          LIFETIME,
        ),
      ).toMatchObject({ touched: false });
    });

    it('answers the user as null when the user is gone', async () => {
      const session = newSession(newUser().userId);
      await store.insertSession(session);
      const at = new Date(session.lastAccessedAt.getTime() + MINUTE);
      const access = await recordAccess({ tokenId: session.tokenId, secretHash: session.secretHash }, at, LIFETIME);
      expect(access).toEqual({ session: { ...session, lastAccessedAt: at }, user: null, touched: true });
    });
  });
}
