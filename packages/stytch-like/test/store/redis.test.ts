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
    const service = new StytchLikeSessionService({ store, ...testProject(), passwordHashing: FAST_PASSWORD_HASHING, sweepIntervalMs: 0 });
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
        expect(await client.pTTL(`${prefix}session-by-token:${sessionToken.slice(0, 16)}`)).toBeGreaterThan(expected - 10_000);
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
    const connected = () => withRedis(async (client) => (await client.clientList()).some((entry) => entry.name === clientName));
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
});
