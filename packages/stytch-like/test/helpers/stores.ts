import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import { PostgresSessionStore } from '../../src/server/store/postgres.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { SqliteSessionStore } from '../../src/server/store/sqlite.js';
import { POSTGRES_URL, REDIS_URL, uniqueName } from './config.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres' | 'redis';

/**
 * A place for one test file's data: a fresh SQLite directory, PostgreSQL schema or Redis key prefix, with the store
 * URL that names it (for servers in other processes) and a cleanup that removes it all.
 */
export interface TestStoreLocation {
  readonly kind: StoreKind;
  readonly url: string;
  open(): Promise<SessionStore>;
  cleanup(): Promise<void>;
}

export function testStoreLocation(kind: StoreKind): TestStoreLocation {
  switch (kind) {
    case 'memory':
      return { kind, url: 'memory:', open: async () => new MemorySessionStore(), cleanup: async () => {} };
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'stytch-like-'));
      const path = join(dir, 'sessions.sqlite');
      return {
        kind,
        url: `sqlite:${path}`,
        open: () => SqliteSessionStore.open({ path }),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    }
    case 'postgres': {
      const schema = uniqueName('stytch_like_test');
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('schema', schema);
      return {
        kind,
        url: url.toString(),
        open: () => PostgresSessionStore.open({ connectionString: POSTGRES_URL, schema }),
        cleanup: () => dropPostgresSchema(schema),
      };
    }
    case 'redis': {
      const keyPrefix = `${uniqueName('stytch-like-test')}:`;
      const url = new URL(REDIS_URL);
      url.searchParams.set('prefix', keyPrefix);
      return {
        kind,
        url: url.toString(),
        open: () => RedisSessionStore.open({ url: REDIS_URL, keyPrefix }),
        cleanup: () => deleteRedisKeys(keyPrefix),
      };
    }
  }
}

/** Runs SQL directly against the test database (bypassing the store under test). */
export async function withPostgres<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function newRedisClient() {
  return createClient({ url: REDIS_URL, socket: { connectTimeout: 5000, reconnectStrategy: false } });
}

/** Runs commands directly against the test Redis (bypassing the store under test). */
export function withRedis<T>(run: (client: ReturnType<typeof newRedisClient>) => Promise<T>): Promise<T> {
  return withRedisClient(newRedisClient(), run);
}

/** Connects `client` (a node-redis client or cluster), runs `run` with it, and destroys it whatever happens. */
export async function withRedisClient<
  C extends { on(event: 'error', listener: () => void): unknown; connect(): Promise<unknown>; destroy(): void },
  T,
>(client: C, run: (client: C) => Promise<T>): Promise<T> {
  client.on('error', () => {});
  await client.connect();
  try {
    return await run(client);
  } finally {
    client.destroy();
  }
}

async function dropPostgresSchema(schema: string): Promise<void> {
  await withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  await withRedis(async (client) => {
    let cursor = '0';
    do {
      const page = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
      cursor = String(page.cursor);
      if (page.keys.length > 0) await client.del(page.keys);
    } while (cursor !== '0');
  });
}
