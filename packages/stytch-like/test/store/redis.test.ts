import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import { EXPIRED_SESSION_RETENTION_MS } from '../../src/server/store/session-store.js';
import { FAST_PASSWORD_HASHING, REDIS_URL, testProject, uniqueName } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, withRedis } from '../helpers/stores.js';
import { describeSessionStoreContract } from './store-contract.js';

const location = testStoreLocation('redis');
afterAll(() => location.cleanup());

describeSessionStoreContract(location);

describe('RedisSessionStore, checked straight in Redis', () => {
  const prefix = new URL(location.url).searchParams.get('prefix')!;

  it('expires sessions by TTL (expiry plus the retention hour), keeps a per-user index, and stores no token', async () => {
    const store = await location.open();
    const service = new StytchLikeSessionService({
      store,
      ...testProject(),
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
    try {
      const { sessionToken, session } = await service.createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: 'a long password here',
        sessionDurationMinutes: 10,
      });
      await withRedis(async (client) => {
        const key = `${prefix}session:${session.session_id}`;
        const ttl = await client.pTTL(key);
        const expected = 10 * 60_000 + EXPIRED_SESSION_RETENTION_MS;
        expect(ttl).toBeGreaterThan(expected - 10_000);
        expect(ttl).toBeLessThanOrEqual(expected);
        expect(await client.pTTL(`${prefix}session-by-token:${sessionToken.slice(0, 16)}`)).toBeGreaterThan(
          expected - 10_000,
        );
        expect(await client.zRange(`${prefix}user-sessions:${session.user_id}`, 0, -1)).toEqual([session.session_id]);
        const raw = (await client.get(key)) ?? '';
        expect(raw).toContain(session.session_id);
        expect(raw).not.toContain(sessionToken.slice(16));
      });
    } finally {
      await service.close();
      await store.close();
    }
  });

  it('closes its connection: its client leaves CLIENT LIST', async () => {
    const clientName = uniqueName('stytch-like-close-test');
    const connected = () =>
      withRedis(async (client) => (await client.clientList()).some((entry) => entry.name === clientName));
    const store = await RedisSessionStore.open({ url: REDIS_URL, keyPrefix: prefix, clientName });
    expect(await connected()).toBe(true);
    await store.close();
    await waitFor(async () => !(await connected()), { what: 'the Redis connection to close' });
  });

  it('reports an unreachable server as UNAVAILABLE within the connect timeout', async () => {
    const started = Date.now();
    await expect(RedisSessionStore.open({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 1000 })).rejects.toMatchObject({
      name: 'SessionStoreError',
      code: 'UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('updates atomically: session checks racing an extension and a claims change never write the old values back', async () => {
    const store = await location.open();
    const service = new StytchLikeSessionService({
      store,
      ...testProject(),
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
    try {
      const { session } = await service.createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: 'a long password here',
        sessionDurationMinutes: 10,
      });
      const stale = (await store.findSessionById(session.session_id))!;
      const extendedTo = new Date(stale.expiresAt.getTime() + 24 * 60 * 60_000);
      for (let round = 0; round < 5; round++) {
        // Every check read the session before the extension; all land on Redis's one connection interleaved with it.
        const check = (i: number) =>
          store.updateSession(
            stale.sessionId,
            { ...stale, lastAccessedAt: new Date(stale.lastAccessedAt.getTime() + i) },
            { lastAccessOnly: true },
          );
        const before = Array.from({ length: 20 }, (_, i) => check(i));
        const extension = store.updateSession(stale.sessionId, {
          ...stale,
          expiresAt: extendedTo,
          customClaims: { round },
        });
        const after = Array.from({ length: 20 }, (_, i) => check(20 + i));
        await Promise.all([...before, extension, ...after]);
        const now = (await store.findSessionById(stale.sessionId))!;
        expect(now.expiresAt.toISOString()).toBe(extendedTo.toISOString());
        expect(now.customClaims).toEqual({ round });
        expect(now.lastAccessedAt.getTime()).toBeGreaterThanOrEqual(stale.lastAccessedAt.getTime() + 39);
      }
      // A session deleted meanwhile is not written back.
      await store.deleteSession(stale.sessionId);
      expect(await store.updateSession(stale.sessionId, { ...stale })).toBeNull();
      expect(await store.findSessionById(stale.sessionId)).toBeNull();
    } finally {
      await service.close();
      await store.close();
    }
  });

  it('sweeps from one server at a time: a held sweep lock makes the others return at once', async () => {
    const stores = [await location.open(), await location.open()];
    const service = new StytchLikeSessionService({
      store: stores[0]!,
      ...testProject(),
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
    try {
      const { session } = await service.createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: 'a long password here',
        sessionDurationMinutes: 5,
      });
      const future = new Date(Date.now() + 60 * 60_000);
      await withRedis((client) => client.set(`${prefix}sweep-lock`, 'another server', { PX: 60_000 }));
      expect(await stores[1]!.deleteSessionsExpiredBefore(future)).toBe(0);
      expect(await stores[1]!.findSessionById(session.session_id)).not.toBeNull();
      await withRedis((client) => client.del(`${prefix}sweep-lock`));
      expect(await stores[1]!.deleteSessionsExpiredBefore(future)).toBeGreaterThanOrEqual(1);
      expect(await stores[0]!.findSessionById(session.session_id)).toBeNull();
      // Released after the sweep: the lock is gone, and a sweep that finds it taken does not delete another's lock.
      expect(await withRedis((client) => client.exists(`${prefix}sweep-lock`))).toBe(0);
    } finally {
      await service.close();
      for (const store of stores) await store.close();
    }
  });
});
