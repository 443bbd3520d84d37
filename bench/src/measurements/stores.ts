// Where the bench keeps its data in each store (a temp SQLite directory, its own PostgreSQL schema, its own Redis key
// prefix), how to open a store there, and how to remove every trace of it afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PostgresSessionStore,
  RedisSessionStore,
  SqliteSessionStore,
  type SessionStore,
} from '@sessiontoken/stytch-like/server';
import pg from 'pg';
import { createClient, createCluster } from 'redis';
import type { RedisCluster } from '@sessiontoken/redis-cluster';
import { POSTGRES_URL, REDIS_URL, RUN_ID } from './config.ts';

export type StoreKind = 'sqlite' | 'redis' | 'redis-cluster' | 'postgres';

export interface BenchStoreLocation {
  readonly kind: StoreKind;
  /** The SQLite file, the Redis key prefix (on one Redis or a cluster) or the PostgreSQL schema. */
  readonly where: string;
  open(): Promise<SessionStore>;
  /** Removes the file, keys or schema. */
  remove(): Promise<void>;
}

/** A fresh location named after this run and `label`; `redis-cluster` needs the cluster it is on. */
export function benchStoreLocation(kind: StoreKind, label: string, cluster?: RedisCluster): BenchStoreLocation {
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), `sessiontoken-${RUN_ID}-${label}-`));
      const path = join(dir, 'sessions.sqlite');
      return {
        kind,
        where: path,
        open: () => SqliteSessionStore.open({ path }),
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case 'redis': {
      const keyPrefix = `sessiontoken-${RUN_ID}-${label}:`;
      return {
        kind,
        where: keyPrefix,
        open: () => RedisSessionStore.open({ url: REDIS_URL, keyPrefix }),
        remove: async () => void (await deleteRedisKeys(keyPrefix)),
      };
    }
    case 'redis-cluster': {
      if (!cluster) throw new Error('a redis-cluster location needs the cluster it lives on');
      const keyPrefix = `sessiontoken-${RUN_ID}-${label}:`;
      return {
        kind,
        where: keyPrefix,
        open: () => RedisSessionStore.open({ url: cluster.url, keyPrefix }),
        // The whole cluster is thrown away at the end; its keys need no removal of their own.
        remove: async () => {},
      };
    }
    case 'postgres': {
      const schema = `${RUN_ID}_${label}`.toLowerCase().replaceAll('-', '_');
      return {
        kind,
        where: schema,
        open: () => PostgresSessionStore.open({ connectionString: POSTGRES_URL, schema }),
        remove: () => dropPostgresSchema(schema),
      };
    }
  }
}

/** A plain Redis client for seeding and cleanup (bypassing the store). */
export async function connectRedis() {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A cluster client for seeding (bypassing the store); commands issued together are pipelined per node. */
export async function connectRedisCluster(cluster: RedisCluster) {
  const client = createCluster({
    rootNodes: cluster.nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
    defaults: { socket: { connectTimeout: 5000, reconnectStrategy: false } },
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key under `prefix` (SCAN + UNLINK in batches). */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  const client = await connectRedis();
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const page = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 5000 });
      cursor = String(page.cursor);
      if (page.keys.length > 0) removed += await client.unlink(page.keys);
    } while (cursor !== '0');
  } finally {
    client.destroy();
  }
  return removed;
}

async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
