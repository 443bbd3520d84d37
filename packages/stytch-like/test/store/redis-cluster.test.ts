import { existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { StytchLikeApiError } from '../../src/model/api-error.js';
import { RedisKeyLayout } from '../../src/server/store/redis-layout.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import { SessionStoreError, type SessionRecord } from '../../src/server/store/session-store.js';
import { describeTwoServersSharingStore } from '../cli/shared-store.js';
import { waitFor } from '../helpers/poll.js';
import {
  clusterKeys,
  redisClusterStoreLocation,
  startTestRedisCluster,
  withClusterClient,
  type RedisCluster,
} from '../helpers/redis-cluster.js';
import { describeRecordAccess } from './record-access.js';
import { describeSessionStoreContract, newSession, newUser } from './store-contract.js';
import { newTestService } from '../helpers/servers.js';

const MINUTE = 60_000;

// One cluster for the file's healthy tests; the test that kills a master starts its own.
const cluster = await startTestRedisCluster();
afterAll(() => cluster.stop());
const location = redisClusterStoreLocation(cluster);
afterAll(() => location.cleanup());

describeSessionStoreContract(location);
describeRecordAccess(location);
describeTwoServersSharingStore('a Redis Cluster', location);

/** The hash slot of each key, as the cluster computes it. */
async function slotsOf(target: RedisCluster, keys: readonly string[]): Promise<number[]> {
  return withClusterClient(target, async (client) => {
    const node = await client.nodeClient(client.masters[0]!);
    return Promise.all(keys.map((key) => node.clusterKeySlot(key)));
  });
}

describe('RedisSessionStore on a Redis Cluster', () => {
  it('keeps every key of one user in one hash slot, and spreads users over every master', async () => {
    const store = await location.open();
    try {
      const users = Array.from({ length: 30 }, () => newUser());
      for (const user of users) {
        await store.insertUser(user);
        for (let i = 0; i < 3; i++) await store.insertSession(newSession(user.userId));
      }
      const keys = await clusterKeys(cluster, location.keyPrefix);
      const layout = new RedisKeyLayout(location.keyPrefix, true);
      for (const user of users) {
        const own = keys.filter((key) => key.includes(`{${user.userId}}`));
        // The user, the index and three sessions.
        expect(own).toHaveLength(5);
        expect(own).toContain(layout.user(user.userId));
        expect(new Set(await slotsOf(cluster, own)).size).toBe(1);
      }
      const userSlots = await slotsOf(
        cluster,
        users.map((user) => layout.user(user.userId)),
      );
      expect(new Set(userSlots.map((slot) => cluster.nodeOfSlot(slot).port)).size).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('sweeps expired sessions and their pointers on every master, in steps that continue across masters', async () => {
    const place = redisClusterStoreLocation(cluster);
    const stores = [
      await RedisSessionStore.open({ url: place.url, sweep: { scanPagesPerCall: 3, scanCount: 20 } }),
      await RedisSessionStore.open({ url: place.url, sweep: { scanPagesPerCall: 3, scanCount: 20 } }),
    ];
    try {
      const now = Date.now();
      const expired: SessionRecord[] = [];
      const live: SessionRecord[] = [];
      for (let i = 0; i < 150; i++) {
        const userId = newUser().userId;
        expired.push(newSession(userId, { expiresAt: new Date(now + 10 * MINUTE) }));
        live.push(newSession(userId, { expiresAt: new Date(now + 120 * MINUTE) }));
      }
      await Promise.all([...expired, ...live].map((session) => stores[0]!.insertSession(session)));
      const cutoff = new Date(now + 60 * MINUTE);
      const nodesVisited = new Set<string>();
      let deleted = 0;
      for (let i = 0; ; i++) {
        const step = await stores[i % 2]!.sweepExpiredSessionsStep(cutoff);
        expect(step).toMatchObject({ ran: true, lockLost: false });
        expect(step.scanPages).toBeLessThanOrEqual(3);
        nodesVisited.add(step.startCursor.split(':')[0]!);
        deleted += step.deleted;
        if (step.passComplete) break;
        expect(step.nextCursor).toMatch(/^[0-2]:\d+$/);
        expect(i).toBeLessThan(500);
      }
      expect(nodesVisited).toEqual(new Set(['0', '1', '2']));
      expect(deleted).toBe(expired.length);
      for (const session of expired) {
        expect(await stores[0]!.findSessionById(session.sessionId)).toBeNull();
        expect(await stores[0]!.findSessionByTokenId(session.tokenId)).toBeNull();
      }
      for (const session of live) expect(await stores[1]!.findSessionByTokenId(session.tokenId)).toEqual(session);
      // Nothing of an expired session is left: no document, index entry or pointer.
      const left = (await clusterKeys(cluster, place.keyPrefix)).join('\n');
      for (const session of expired) {
        expect(left).not.toContain(session.sessionId);
        expect(left).not.toContain(session.tokenId);
      }
    } finally {
      for (const store of stores) await store.close();
      await place.cleanup();
    }
  });
});

describe('RedisSessionStore on a Redis Cluster that loses a master under load', () => {
  it('answers UNAVAILABLE within the command deadline for the lost slots, keeps serving the others, and the cluster leaves nothing behind', async () => {
    const damaged = await startTestRedisCluster();
    const place = redisClusterStoreLocation(damaged);
    const commandTimeoutMs = 1000;
    const store = await RedisSessionStore.open({ url: place.url, commandTimeoutMs, connectTimeoutMs: 1000 });
    const service = newTestService(store);
    try {
      const layout = new RedisKeyLayout(place.keyPrefix, true);
      const sessions: SessionRecord[] = [];
      for (let i = 0; i < 60; i++) {
        const user = newUser();
        await store.insertUser(user);
        const session = newSession(user.userId);
        await store.insertSession(session);
        sessions.push(session);
      }
      const userSlots = await slotsOf(
        damaged,
        sessions.map((s) => layout.user(s.userId)),
      );
      const tokenSlots = await slotsOf(
        damaged,
        sessions.map((s) => layout.token(s.tokenId)),
      );
      const victim = damaged.nodeOfSlot(userSlots[0]!);
      const onVictim = (i: number) => damaged.nodeOfSlot(userSlots[i]!) === victim;
      const tokenOnVictim = (i: number) => onVictim(i) || damaged.nodeOfSlot(tokenSlots[i]!) === victim;

      type Outcome = {
        i: number;
        byToken: boolean;
        ms: number;
        afterKill: boolean;
        endedBeforeKill: boolean;
        error?: unknown;
      };
      const outcomes: Outcome[] = [];
      let killing = false;
      let killed = false;
      let stop = false;
      const worker = async (seed: number) => {
        for (let n = seed; !stop; n += 7) {
          const i = n % sessions.length;
          const byToken = n % 2 === 0;
          const session = sessions[i]!;
          const afterKill = killed;
          const started = Date.now();
          const lookup = byToken
            ? { tokenId: session.tokenId, secretHash: session.secretHash }
            : { sessionId: session.sessionId, userId: session.userId };
          try {
            const access = await store.recordAccess(lookup, new Date(), 24 * 60 * MINUTE);
            expect(access?.session.sessionId).toBe(session.sessionId);
            outcomes.push({ i, byToken, ms: Date.now() - started, afterKill, endedBeforeKill: !killing });
          } catch (error) {
            outcomes.push({ i, byToken, ms: Date.now() - started, afterKill, endedBeforeKill: !killing, error });
          }
        }
      };
      let settled = false;
      const workers = Promise.all(Array.from({ length: 8 }, (_, seed) => worker(seed))).then(() => {
        settled = true;
      });
      await waitFor(() => outcomes.length > 200, { what: 'load before the kill' });
      killing = true;
      await victim.kill('SIGKILL');
      killed = true;
      // Load goes on until the survivors have marked the master failed and both kinds of request ran after that.
      await waitFor(() => survivorsSeeFailure(damaged, victim.port), {
        timeoutMs: 20_000,
        what: 'the survivors to mark the killed master failed',
      });
      const markedAt = outcomes.length;
      await waitFor(() => outcomes.length > markedAt + 200, { what: 'load after the failure was marked' });
      stop = true;
      // Nothing hangs: every worker ends within a command deadline of being told to.
      await waitFor(() => settled, { timeoutMs: commandTimeoutMs + 2000, what: 'every request to settle' });
      await workers;

      const after = outcomes.filter((o) => o.afterKill);
      const lost = after.filter((o) => (o.byToken ? tokenOnVictim(o.i) : onVictim(o.i)));
      const kept = after.filter((o) => !(o.byToken ? tokenOnVictim(o.i) : onVictim(o.i)));
      expect(lost.length).toBeGreaterThan(20);
      expect(kept.length).toBeGreaterThan(100);
      for (const outcome of lost) {
        expect(outcome.error).toBeInstanceOf(SessionStoreError);
        expect(outcome.error).toMatchObject({ code: 'UNAVAILABLE' });
        expect(outcome.ms).toBeLessThan(commandTimeoutMs + 1000);
      }
      for (const outcome of kept) expect(outcome.error).toBeUndefined();
      // Before the kill, everything answered; what was in flight at the kill fails as UNAVAILABLE or succeeds.
      expect(outcomes.filter((o) => o.endedBeforeKill && o.error)).toEqual([]);
      for (const outcome of outcomes.filter((o) => !o.afterKill && o.error)) {
        expect(outcome.error).toMatchObject({ code: 'UNAVAILABLE' });
      }

      // Through the service: 503 for a session on the lost master, the rest authenticates.
      const lostIndex = sessions.findIndex((_, i) => onVictim(i));
      const keptIndex = sessions.findIndex((_, i) => !tokenOnVictim(i));
      await expect(store.findSessionById(sessions[lostIndex]!.sessionId)).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      const refused = await service
        .revokeSession({ sessionId: sessions[lostIndex]!.sessionId })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(StytchLikeApiError);
      expect(refused).toMatchObject({ statusCode: 503, errorType: 'service_unavailable' });
      expect(await store.findSessionByTokenId(sessions[keptIndex]!.tokenId)).toMatchObject({
        sessionId: sessions[keptIndex]!.sessionId,
      });
      await expect(store.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      await service.close();
      await store.close();
      await damaged.stop();
    }
    // Nothing is left: no process, no directory, no listening port.
    for (const node of damaged.nodes) {
      expect(node.alive()).toBe(false);
      expect(() => process.kill(node.pid, 0)).toThrow();
      expect(await accepts(node.port)).toBe(false);
    }
    expect(existsSync(damaged.dir)).toBe(false);
  }, 60_000);
});

/** Whether every surviving master flags the master on `port` as failed. */
async function survivorsSeeFailure(target: RedisCluster, port: number): Promise<boolean> {
  const { createClient } = await import('redis');
  for (const node of target.nodes.filter((n) => n.port !== port)) {
    const client = createClient({ url: `redis://127.0.0.1:${node.port}`, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      const nodes = await client.clusterNodes();
      const line = nodes.split('\n').find((l) => l.includes(`:${port}@`)) ?? '';
      if (!/\bfail\b/.test(line)) return false;
    } finally {
      client.destroy();
    }
  }
  return true;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
