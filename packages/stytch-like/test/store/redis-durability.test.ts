// Durability on Redis: with the configuration the README asks for (AOF on, `appendfsync always`), a Redis killed with
// SIGKILL while sessions are being created and extended loses none that the service acknowledged. The test starts its
// own redis-server (the machine's binary) on a free loopback port with a fresh data directory, and a control run
// without persistence shows that the check does fail when acknowledged sessions are lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';

const REDIS_SERVER = process.env['SESSIONTOKEN_REDIS_SERVER'] ?? 'redis-server';

/** The durable configuration the README gives, and a control that keeps nothing. */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''];
const NOTHING_KEPT = ['--appendonly', 'no', '--save', ''];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface RedisProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

async function startRedis(dir: string, port: number, persistence: string[]): Promise<RedisProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...persistence],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
      client.on('error', () => {});
      try {
        await client.connect();
        // With AOF on, Redis answers LOADING until the file is read back.
        return (await client.ping()) === 'PONG';
      } finally {
        client.destroy();
      }
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `redis-server on port ${port}` },
  );
  return { url, child, exited };
}

/**
 * Creates users and sessions and extends them from `clients` concurrent callers until Redis is SIGKILLed once
 * `acknowledgedBeforeKill` sessions were acknowledged; then restarts Redis on the same directory and counts the
 * acknowledged sessions that no longer authenticate.
 */
async function killUnderLoad(persistence: string[], dir: string) {
  const port = await freePort();
  const project = testProject();
  let redis = await startRedis(dir, port, persistence);
  const store = await RedisSessionStore.open({ url: redis.url, commandTimeoutMs: 2000, connectTimeoutMs: 2000 });
  const service = new StytchLikeSessionService({
    store,
    projectId: project.projectId,
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
  });
  const acknowledged: { token: string; expiresAt: number }[] = [];
  let failed = 0;
  let killed = false;
  const clients = Array.from({ length: 8 }, async () => {
    while (!killed) {
      try {
        const created = await service.createPasswordUser({
          email: `user-${randomUUID()}@example.test`,
          password: 'a long enough password',
          sessionDurationMinutes: 60,
        });
        acknowledged.push({ token: created.sessionToken, expiresAt: Date.parse(created.session.expires_at) });
        // An extension acknowledged must be kept as well.
        const extended = await service.authenticateSession({
          sessionToken: created.sessionToken,
          sessionDurationMinutes: 120,
        });
        acknowledged.push({ token: created.sessionToken, expiresAt: Date.parse(extended.session.expires_at) });
      } catch {
        failed++;
        if (killed) return;
      }
    }
  });
  await waitFor(() => acknowledged.length >= 200, { timeoutMs: 30_000, what: '200 acknowledged writes' });
  redis.child.kill('SIGKILL');
  await redis.exited;
  killed = true;
  await Promise.all(clients);
  await service.close();
  await store.close();

  redis = await startRedis(dir, port, persistence);
  const reopened = await RedisSessionStore.open({ url: redis.url });
  const after = new StytchLikeSessionService({
    store: reopened,
    projectId: project.projectId,
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
  });
  let lost = 0;
  let shortened = 0;
  // The latest acknowledged expiry of each token is what must have survived.
  const latest = new Map<string, number>();
  for (const { token, expiresAt } of acknowledged) latest.set(token, Math.max(latest.get(token) ?? 0, expiresAt));
  for (const [token, expiresAt] of latest) {
    try {
      const result = await after.authenticateSession({ sessionToken: token });
      if (Date.parse(result.session.expires_at) < expiresAt) shortened++;
    } catch {
      lost++;
    }
  }
  await after.close();
  await reopened.close();
  redis.child.kill('SIGTERM');
  await redis.exited;
  return { acknowledged: latest.size, lost, shortened, failedInFlight: failed };
}

describe('Redis killed with SIGKILL under load', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stytch-like-redis-durable-'));
    dirs.push(dir);
    return dir;
  };

  it('loses no acknowledged session or extension with appendonly yes and appendfsync always', async () => {
    const figure = await killUnderLoad(DURABLE, dataDir());
    expect(figure.acknowledged).toBeGreaterThanOrEqual(100);
    expect(figure).toMatchObject({ lost: 0, shortened: 0 });
  }, 120_000);

  it('reports acknowledged sessions lost when Redis keeps nothing: the check can fail', async () => {
    const figure = await killUnderLoad(NOTHING_KEPT, dataDir());
    expect(figure.lost).toBe(figure.acknowledged);
  }, 120_000);
});
