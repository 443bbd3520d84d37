import { startRedisCluster, type RedisCluster } from '@sessiontoken/redis-cluster';
import { createCluster } from 'redis';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import { uniqueName } from './config.js';
import { withRedisClient, type TestStoreLocation } from './stores.js';

export type { RedisCluster };

/** Starts a three-master cluster on free loopback ports (see `@sessiontoken/redis-cluster`); stop it in `afterAll`. */
export function startTestRedisCluster(): Promise<RedisCluster> {
  return startRedisCluster({ timeoutMs: 30_000 });
}

/** A key prefix of its own on `cluster`, with the store URL that names it and a cleanup that deletes its keys. */
export function redisClusterStoreLocation(cluster: RedisCluster): TestStoreLocation & { readonly keyPrefix: string } {
  const keyPrefix = `${uniqueName('stytch-like-test')}:`;
  const url = `${cluster.url}?prefix=${encodeURIComponent(keyPrefix)}`;
  return {
    kind: 'redis',
    url,
    keyPrefix,
    open: () => RedisSessionStore.open({ url }),
    cleanup: () => deleteClusterKeys(cluster, keyPrefix),
  };
}

function newClusterClient(cluster: RedisCluster) {
  return createCluster({
    rootNodes: cluster.nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
    defaults: { socket: { connectTimeout: 5000, reconnectStrategy: false } },
  });
}

/** Runs commands directly against the cluster (bypassing the store under test). */
export function withClusterClient<T>(
  cluster: RedisCluster,
  run: (client: ReturnType<typeof newClusterClient>) => Promise<T>,
): Promise<T> {
  return withRedisClient(newClusterClient(cluster), run);
}

/** Every key under `prefix` on every live master, found by SCAN on each. */
export async function clusterKeys(cluster: RedisCluster, prefix: string): Promise<string[]> {
  return withClusterClient(cluster, async (client) => {
    const keys: string[] = [];
    for (const master of client.masters) {
      const node = await client.nodeClient(master);
      let cursor = '0';
      do {
        const page = await node.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
        cursor = String(page.cursor);
        keys.push(...page.keys);
      } while (cursor !== '0');
    }
    return keys;
  });
}

async function deleteClusterKeys(cluster: RedisCluster, prefix: string): Promise<void> {
  if (cluster.nodes.some((node) => !node.alive())) return;
  const keys = await clusterKeys(cluster, prefix);
  await withClusterClient(cluster, async (client) => {
    for (const key of keys) await client.del(key);
  });
}
