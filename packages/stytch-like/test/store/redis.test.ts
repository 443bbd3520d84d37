import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { RedisSessionStore, type RedisSweepOptions, type RedisSweepStep } from '../../src/server/store/redis.js';
import { EXPIRED_SESSION_RETENTION_MS, type SessionRecord } from '../../src/server/store/session-store.js';
import { FAST_PASSWORD_HASHING, REDIS_URL, testProject, uniqueName } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, withRedis } from '../helpers/stores.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { describeRecordAccess } from './record-access.js';
import { describeSessionStoreContract, newSession } from './store-contract.js';
import { newTestService } from '../helpers/servers.js';

const MINUTE = 60_000;

const location = testStoreLocation('redis');
afterAll(() => location.cleanup());

describeSessionStoreContract(location);
describeRecordAccess(location);

describe('RedisSessionStore, checked straight in Redis', () => {
  const prefix = new URL(location.url).searchParams.get('prefix')!;

  it('expires sessions by TTL (expiry plus the retention hour), keeps a per-user index, and stores no token', async () => {
    const store = await location.open();
    const service = newTestService(store);
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
    const service = newTestService(store);
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
    const stores = [(await location.open()) as RedisSessionStore, (await location.open()) as RedisSessionStore];
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
      expect(await stores[1]!.sweepExpiredSessionsStep(future)).toMatchObject({ ran: false, scanPages: 0 });
      expect(await stores[1]!.deleteSessionsExpiredBefore(future)).toBe(0);
      expect(await stores[1]!.findSessionById(session.session_id)).not.toBeNull();
      // Not its lock: the refused sweep left it alone.
      expect(await withRedis((client) => client.get(`${prefix}sweep-lock`))).toBe('another server');
      await withRedis((client) => client.del(`${prefix}sweep-lock`));
      await sweepToEndOfPass([stores[1]!], future);
      expect(await stores[0]!.findSessionById(session.session_id)).toBeNull();
      // Released after the sweep.
      expect(await withRedis((client) => client.exists(`${prefix}sweep-lock`))).toBe(0);
    } finally {
      await service.close();
      for (const store of stores) await store.close();
    }
  });
});

describe('RedisSessionStore expired-session sweep, in steps shared by every server', () => {
  it('does bounded work per call; calls from two stores continue one pass until every expired session of 500 users is gone and every live one kept', async () => {
    await withSweepFixture(async ({ prefix, open }) => {
      const sweep = { scanPagesPerCall: 4, scanCount: 50 };
      // Store a reaches Redis through a proxy that counts the commands it sends.
      const proxy = await startTcpProxy(REDIS_URL);
      onTestFinished(() => proxy.close());
      const [a, b] = [await open(sweep, proxy.url), await open(sweep)];
      const now = Date.now();
      const { users, expired, live } = await populate(a, { users: 500, expiredEach: 2, liveEach: 2, now });
      // An entry whose session already went (by TTL): the sweep removes the entry too.
      const vanished = newSession(users[0]!, { expiresAt: new Date(now + 10 * MINUTE) });
      await a.insertSession(vanished);
      await withRedis((client) => client.del(`${prefix}session:${vanished.sessionId}`));
      const cutoff = new Date(now + 60 * MINUTE);

      const sent = proxy.redisCommands();
      const first = await a.sweepExpiredSessionsStep(cutoff);
      const commands = proxy.redisCommands() - sent;
      expect(first).toMatchObject({ ran: true, startCursor: '0', passComplete: false, lockLost: false, scanPages: 4 });
      // SCAN's COUNT is a hint; twice it bounds what one page returns.
      expect(first.indexesVisited).toBeLessThanOrEqual(4 * 50 * 2);
      expect(first.deleted).toBeLessThanOrEqual(first.indexesVisited * 2);
      // Counted on the wire: the lock, a SCAN and a checkpoint per page, one script per index, the release.
      expect(commands).toBe(2 + 2 * first.scanPages + first.indexesVisited);
      expect(commands).toBeLessThanOrEqual(2 + 2 * 4 + 4 * 50 * 2);
      // In Redis itself: only what the step reports is gone, and the cursor waits for whichever server is next.
      expect(await countKeys(prefix, 'session', expired)).toBe(expired.length - first.deleted);
      expect(await withRedis((client) => client.get(`${prefix}sweep-cursor`))).toBe(first.nextCursor);
      expect(await withRedis((client) => client.exists(`${prefix}sweep-lock`))).toBe(0);

      const steps = await sweepToEndOfPass([b, a], cutoff);
      let cursor = first.nextCursor;
      for (const step of steps) {
        expect(step).toMatchObject({ ran: true, startCursor: cursor, lockLost: false });
        expect(step.scanPages).toBeLessThanOrEqual(4);
        cursor = step.nextCursor;
      }
      expect(cursor).toBe('0');
      const all = [first, ...steps];
      expect(all.reduce((sum, step) => sum + step.deleted, 0)).toBe(expired.length);
      expect(all.reduce((sum, step) => sum + step.staleEntriesRemoved, 0)).toBe(1);
      expect(await countKeys(prefix, 'session', expired)).toBe(0);
      expect(await countKeys(prefix, 'session-by-token', expired)).toBe(0);
      expect(await countKeys(prefix, 'session', live)).toBe(live.length);
      expect(await countKeys(prefix, 'session-by-token', live)).toBe(live.length);
      expect(await countIndexEntries(prefix, users)).toBe(live.length);
      // After the pass: the lock is released, the cursor dropped, and the next call starts a new pass.
      expect(await withRedis((client) => client.exists([`${prefix}sweep-lock`, `${prefix}sweep-cursor`]))).toBe(0);
      expect(await a.sweepExpiredSessionsStep(cutoff)).toMatchObject({ ran: true, startCursor: '0', deleted: 0 });
    });
  }, 90_000);

  it('lets one server walk at a time: a call made while another walks returns at once, and concurrent calls never start from the same cursor', async () => {
    await withSweepFixture(async ({ prefix, open }) => {
      // One key per SCAN page: this walk takes thousands of round trips.
      const slow = await open({ scanPagesPerCall: 3000, scanCount: 1 });
      const a = await open({ scanPagesPerCall: 1, scanCount: 20 });
      const b = await open({ scanPagesPerCall: 1, scanCount: 20 });
      const now = Date.now();
      const { users, expired, live } = await populate(a, { users: 500, expiredEach: 1, liveEach: 1, now });
      const cutoff = new Date(now + 60 * MINUTE);

      let slowSettled = false;
      const walking = slow.sweepExpiredSessionsStep(cutoff).finally(() => {
        slowSettled = true;
      });
      await waitFor(() => withRedis((client) => client.exists(`${prefix}sweep-lock`)), {
        what: 'the slow sweep to take the lock',
      });
      const refused = await a.sweepExpiredSessionsStep(cutoff);
      const stillWalking = !slowSettled;
      expect(refused).toMatchObject({ ran: false, deleted: 0, scanPages: 0, indexesVisited: 0 });
      expect(stillWalking).toBe(true);
      const walked = await walking;
      expect(walked.ran).toBe(true);
      expect(walked.scanPages).toBeGreaterThan(1);

      // Ten calls at once from two stores, round after round: the lock lets one walk, and no two that walked started
      // from the same saved cursor (two walking at once would both read it).
      for (let round = 0; round < 10; round++) {
        const steps = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).sweepExpiredSessionsStep(cutoff)),
        );
        const walkedSteps = steps.filter((step) => step.ran);
        expect(walkedSteps.length).toBeGreaterThanOrEqual(1);
        const starts = walkedSteps.map((step) => step.startCursor);
        expect(new Set(starts).size).toBe(starts.length);
      }
      await sweepToEndOfPass([a, b], cutoff);
      await sweepToEndOfPass([b, a], cutoff);
      expect(await countKeys(prefix, 'session', expired)).toBe(0);
      expect(await countKeys(prefix, 'session', live)).toBe(live.length);
      expect(await countIndexEntries(prefix, users)).toBe(live.length);
    });
  }, 90_000);

  it('never deletes a session extended while the sweep runs', async () => {
    await withSweepFixture(async ({ prefix, open }) => {
      const sweeper = await open({ scanPagesPerCall: 5, scanCount: 50 });
      const extender = await open();
      for (let round = 1; ; round++) {
        const now = Date.now();
        const { expired: sessions } = await populate(extender, { users: 300, expiredEach: 1, liveEach: 0, now });
        const cutoff = new Date(now + 60 * MINUTE);
        const extendedTo = new Date(now + 120 * MINUTE);
        const extended = new Map<string, boolean>();
        // Another server extends every session, one after another, while this one sweeps a full pass.
        const extendAll = async () => {
          for (const session of [...sessions].sort(() => Math.random() - 0.5)) {
            const result = await extender.updateSession(session.sessionId, { ...session, expiresAt: extendedTo });
            extended.set(session.sessionId, result !== null);
          }
        };
        await Promise.all([extendAll(), sweepToEndOfPass([sweeper], cutoff)]);
        // A session is either extended and kept (its index entry scored by the new expiry), or swept: never
        // extended and then deleted.
        for (const session of sessions) {
          const stored = await extender.findSessionById(session.sessionId);
          if (extended.get(session.sessionId)) {
            expect(stored?.expiresAt.toISOString()).toBe(extendedTo.toISOString());
            const score = await withRedis((client) =>
              client.zScore(`${prefix}user-sessions:${session.userId}`, session.sessionId),
            );
            expect(score).toBe(extendedTo.getTime());
          } else {
            expect(stored).toBeNull();
          }
        }
        const kept = [...extended.values()].filter(Boolean).length;
        // The race happened when some were swept and some extended; try again when one side won every session.
        if ((kept > 0 && kept < sessions.length) || round === 5) {
          expect(kept).toBeGreaterThan(0);
          expect(kept).toBeLessThan(sessions.length);
          break;
        }
      }
    });
  }, 90_000);

  it('continues from the last saved page after a server died mid-step holding the lock, once the lock expires', async () => {
    await withSweepFixture(async ({ prefix, open }) => {
      const proxy = await startTcpProxy(REDIS_URL);
      try {
        const dying = await open({ scanPagesPerCall: 2, scanCount: 50, lockMs: 1000 }, proxy.url);
        const survivor = await open({ scanPagesPerCall: 2, scanCount: 50 });
        const now = Date.now();
        const { users, expired, live } = await populate(survivor, { users: 200, expiredEach: 1, liveEach: 1, now });
        const cutoff = new Date(now + 60 * MINUTE);
        const first = await dying.sweepExpiredSessionsStep(cutoff);
        expect(first).toMatchObject({ ran: true, passComplete: false });

        // Its next step takes the lock, then its connection dies before the first page (and stays dead).
        proxy.refuse(true);
        proxy.cutWhen('SCAN');
        await expect(dying.sweepExpiredSessionsStep(cutoff)).rejects.toMatchObject({
          name: 'SessionStoreError',
          code: 'UNAVAILABLE',
        });
        expect(proxy.cuts()).toBe(1);
        expect(await withRedis((client) => client.pTTL(`${prefix}sweep-lock`))).toBeGreaterThan(0);
        expect(await survivor.sweepExpiredSessionsStep(cutoff)).toMatchObject({ ran: false });

        const resumed = await waitFor(
          async () => {
            const step = await survivor.sweepExpiredSessionsStep(cutoff);
            return step.ran ? step : null;
          },
          { timeoutMs: 10_000, what: "the dead server's sweep lock to expire" },
        );
        expect(resumed.startCursor).toBe(first.nextCursor);
        if (!resumed.passComplete) await sweepToEndOfPass([survivor], cutoff);
        expect(await countKeys(prefix, 'session', expired)).toBe(0);
        expect(await countKeys(prefix, 'session', live)).toBe(live.length);
        expect(await countIndexEntries(prefix, users)).toBe(live.length);
      } finally {
        await proxy.close();
      }
    });
  }, 90_000);

  it("stops a step whose lock another server took over, without moving that server's cursor", async () => {
    await withSweepFixture(async ({ prefix, open }) => {
      // One key per SCAN page: a long walk, with a lock long enough that it does not expire on its own.
      const walker = await open({ scanPagesPerCall: 3000, scanCount: 1, lockMs: 60_000 });
      const now = Date.now();
      await populate(walker, { users: 500, expiredEach: 1, liveEach: 1, now });
      let settled = false;
      const walking = walker.sweepExpiredSessionsStep(new Date(now + 60 * MINUTE)).finally(() => {
        settled = true;
      });
      await waitFor(() => withRedis((client) => client.exists(`${prefix}sweep-lock`)), {
        what: 'the walk to take the lock',
      });
      // As if the lock had expired and another server had taken it and saved its own cursor.
      await withRedis(async (client) => {
        await client.set(`${prefix}sweep-lock`, 'another server', { PX: 60_000 });
        await client.set(`${prefix}sweep-cursor`, '12345');
      });
      const tookOverMidWalk = !settled;
      const step = await walking;
      expect(tookOverMidWalk).toBe(true);
      expect(step).toMatchObject({ ran: true, lockLost: true, passComplete: false });
      expect(step.scanPages).toBeLessThan(3000);
      expect(await withRedis((client) => client.get(`${prefix}sweep-cursor`))).toBe('12345');
      expect(await withRedis((client) => client.get(`${prefix}sweep-lock`))).toBe('another server');
    });
  }, 90_000);

  it('refuses sweep options out of range with a TypeError', async () => {
    for (const sweep of [{ scanCount: 0 }, { scanPagesPerCall: 1.5 }, { lockMs: 10 }, { scanCount: Number.NaN }]) {
      await expect(RedisSessionStore.open({ url: REDIS_URL, sweep })).rejects.toBeInstanceOf(TypeError);
    }
  });
});

/** Runs `test` with a key prefix of its own and a way to open stores on it; closes them and deletes its keys. */
async function withSweepFixture(
  test: (fixture: {
    prefix: string;
    open: (sweep?: RedisSweepOptions, url?: string) => Promise<RedisSessionStore>;
  }) => Promise<void>,
): Promise<void> {
  const place = testStoreLocation('redis');
  const prefix = new URL(place.url).searchParams.get('prefix')!;
  const stores: RedisSessionStore[] = [];
  try {
    await test({
      prefix,
      open: async (sweep, url = REDIS_URL) => {
        const store = await RedisSessionStore.open({ url, keyPrefix: prefix, ...(sweep ? { sweep } : {}) });
        stores.push(store);
        return store;
      },
    });
  } finally {
    for (const store of stores) await store.close();
    await place.cleanup();
  }
}

/**
 * Gives each of `users` new users sessions that the sweep's cutoff (`now` + 60 minutes) finds expired (ending at
 * `now` + 10 minutes) and live (`now` + 120 minutes). Real expiries are in the future, so no TTL interferes.
 */
async function populate(
  store: RedisSessionStore,
  options: { users: number; expiredEach: number; liveEach: number; now: number },
): Promise<{ users: string[]; expired: SessionRecord[]; live: SessionRecord[] }> {
  const users = Array.from({ length: options.users }, () => `user-test-${randomUUID()}`);
  const expired = users.flatMap((userId) =>
    Array.from({ length: options.expiredEach }, () =>
      newSession(userId, { expiresAt: new Date(options.now + 10 * MINUTE) }),
    ),
  );
  const live = users.flatMap((userId) =>
    Array.from({ length: options.liveEach }, () =>
      newSession(userId, { expiresAt: new Date(options.now + 120 * MINUTE) }),
    ),
  );
  const all = [...expired, ...live];
  for (let i = 0; i < all.length; i += 250) {
    await Promise.all(all.slice(i, i + 250).map((session) => store.insertSession(session)));
  }
  return { users, expired, live };
}

/** Calls the stores in turn until one finishes a pass; the steps they took. */
async function sweepToEndOfPass(stores: readonly RedisSessionStore[], cutoff: Date): Promise<RedisSweepStep[]> {
  const steps: RedisSweepStep[] = [];
  const deadline = Date.now() + 60_000;
  for (let i = 0; ; i++) {
    const step = await stores[i % stores.length]!.sweepExpiredSessionsStep(cutoff);
    steps.push(step);
    if (step.passComplete) return steps;
    if (Date.now() > deadline) throw new Error(`no end of the sweep pass after ${steps.length} steps`);
  }
}

/** How many of the sessions' `session:<id>` or `session-by-token:<token id>` keys exist, read straight from Redis. */
async function countKeys(
  prefix: string,
  kind: 'session' | 'session-by-token',
  sessions: readonly SessionRecord[],
): Promise<number> {
  const keys = sessions.map((s) => `${prefix}${kind}:${kind === 'session' ? s.sessionId : s.tokenId}`);
  return withRedis(async (client) => {
    let count = 0;
    for (let i = 0; i < keys.length; i += 500) count += await client.exists(keys.slice(i, i + 500));
    return count;
  });
}

/** The entries of the users' session indexes, read straight from Redis. */
async function countIndexEntries(prefix: string, users: readonly string[]): Promise<number> {
  return withRedis(async (client) => {
    const counts = await Promise.all(users.map((userId) => client.zCard(`${prefix}user-sessions:${userId}`)));
    return counts.reduce((sum, n) => sum + n, 0);
  });
}
