import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import { REDIS_URL, testProject } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, withRedis, type StoreKind } from '../helpers/stores.js';

const PASSWORD = 'an old but good password';

describe.each<StoreKind>(['sqlite', 'postgres', 'redis'])('password hashes upgraded on login (%s)', (kind) => {
  const location = testStoreLocation(kind);
  afterAll(() => location.cleanup());

  it('re-hashes a weaker stored hash with the current parameters on the next successful login, never on a failed one', async () => {
    const store = await location.open();
    const { projectId } = testProject();
    const before = new StytchLikeSessionService({
      store,
      projectId,
      passwordHashing: { cost: 2 ** 10 },
      sweepIntervalMs: 0,
    });
    const after = new StytchLikeSessionService({
      store,
      projectId,
      passwordHashing: { cost: 2 ** 11 },
      sweepIntervalMs: 0,
    });
    try {
      const email = `upgrade-${randomUUID()}@example.test`;
      const { user } = await before.createPasswordUser({ email, password: PASSWORD });
      const weak = (await store.findUserById(user.user_id))!.passwordHash;
      expect(weak).toMatch(/^\$scrypt\$ln=10,r=8,p=5\$/);
      await expect(after.authenticatePassword({ email, password: 'not the password' })).rejects.toMatchObject({
        errorType: 'unauthorized_credentials',
      });
      expect((await store.findUserById(user.user_id))!.passwordHash).toBe(weak);
      await after.authenticatePassword({ email, password: PASSWORD });
      const upgraded = (await store.findUserById(user.user_id))!.passwordHash;
      expect(upgraded).toMatch(/^\$scrypt\$ln=11,r=8,p=5\$/);
      // The upgraded hash still lets the owner in, through either server, and nobody else.
      await after.authenticatePassword({ email, password: PASSWORD });
      await before.authenticatePassword({ email, password: PASSWORD });
      expect((await store.findUserById(user.user_id))!.passwordHash).toBe(upgraded);
      await expect(before.authenticatePassword({ email, password: `${PASSWORD}!` })).rejects.toMatchObject({
        errorType: 'unauthorized_credentials',
      });
    } finally {
      await before.close();
      await after.close();
      await store.close();
    }
  });
});

describe('Redis: a known and an unknown email cost the same store work', () => {
  const location = testStoreLocation('redis');
  afterAll(() => location.cleanup());

  it('sends the same commands for both (counted with MONITOR)', async () => {
    const prefix = `${new URL(location.url).searchParams.get('prefix')!}`;
    const store = await RedisSessionStore.open({ url: REDIS_URL, keyPrefix: prefix });
    const service = new StytchLikeSessionService({
      store,
      ...testProject(),
      passwordHashing: { cost: 2 ** 10 },
      sweepIntervalMs: 0,
    });
    try {
      const known = `known-${randomUUID()}@example.test`;
      await service.createPasswordUser({ email: known, password: PASSWORD });
      const commandsFor = async (email: string): Promise<string[]> =>
        withRedis(async (client) => {
          const lines: string[] = [];
          const monitor = client.duplicate();
          monitor.on('error', () => {});
          await monitor.connect();
          await monitor.monitor((line: string) => {
            if (line.includes(prefix)) lines.push(line);
          });
          try {
            await expect(
              service.authenticatePassword({ email, password: 'wrong password here' }),
            ).rejects.toMatchObject({ errorType: 'unauthorized_credentials' });
            // MONITOR lines can trail the replies: wait for a marker command sent after the login.
            const marker = `${prefix}marker:${randomUUID()}`;
            await client.get(marker);
            await waitFor(() => lines.some((line) => line.includes(marker)), {
              timeoutMs: 5000,
              what: 'the marker in MONITOR',
            });
            return lines
              .filter((line) => !line.includes(marker))
              .map((line) => /\] "([a-zA-Z]+)"/.exec(line)?.[1]?.toUpperCase() ?? '?');
          } finally {
            monitor.destroy();
          }
        });
      const forKnown = await commandsFor(known);
      const forUnknown = await commandsFor(`unknown-${randomUUID()}@example.test`);
      expect(forKnown.filter((c) => c === 'GET').length).toBe(forUnknown.filter((c) => c === 'GET').length);
      expect(forKnown).toEqual(forUnknown);
    } finally {
      await service.close();
      await store.close();
    }
  });
});
