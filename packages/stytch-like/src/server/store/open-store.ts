import { MemorySessionStore } from './memory.js';
import { PostgresSessionStore } from './postgres.js';
import { parseRedisClusterUrl } from './redis-layout.js';
import { RedisSessionStore } from './redis.js';
import { SessionStoreError, type SessionStore } from './session-store.js';
import { SqliteSessionStore } from './sqlite.js';

/** Where a store lives, parsed from a store URL by {@link parseStoreUrl}. */
export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema: string | undefined }
  | { readonly kind: 'redis'; readonly url: string; readonly keyPrefix: string | undefined };

/** The forms {@link parseStoreUrl} accepts, for messages. */
export const STORE_URL_FORMS =
  'memory:, sqlite:<path>, postgres://… (optional ?schema=name), redis://… or redis+cluster://host:port,host:port (optional ?prefix=name:)';

/**
 * Parses a store URL: `memory:`, `sqlite:<path>` (or `sqlite::memory:`), `postgres://…` / `postgresql://…` with an
 * optional `schema` parameter, `redis://…` / `rediss://…` with an optional `prefix` parameter, and a Redis Cluster as
 * `redis+cluster://host:port,host:port` / `rediss+cluster://…` (any reachable node finds the others), also with `prefix`.
 * Throws `SessionStoreError` with code `INVALID_URL`; messages never repeat the URL (it may hold a password).
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (typeof url !== 'string' || url.trim() === '')
    throw invalid('store', `the store URL is empty; use ${STORE_URL_FORMS}`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      if (url.length !== 'memory:'.length) throw invalid('memory', 'the memory store URL is exactly "memory:"');
      return { kind: 'memory' };
    case 'sqlite': {
      const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
      if (path === '')
        throw invalid('sqlite', 'the sqlite store URL needs a file path: sqlite:<path>, e.g. sqlite:./sessions.sqlite');
      if (path.includes('\0')) throw invalid('sqlite', 'the sqlite file path contains a NUL character');
      return { kind: 'sqlite', path };
    }
    case 'postgres':
    case 'postgresql': {
      const parsed = parseUrl('postgres', url);
      if (!parsed.hostname)
        throw invalid('postgres', 'the postgres store URL needs a host: postgres://user@host:5432/database');
      const schema = takeParam('postgres', parsed, 'schema');
      return { kind: 'postgres', connectionString: parsed.toString(), schema };
    }
    case 'redis':
    case 'rediss': {
      const parsed = parseUrl('redis', url);
      if (!parsed.hostname) throw invalid('redis', 'the redis store URL needs a host: redis://host:6379');
      const keyPrefix = takeParam('redis', parsed, 'prefix');
      return { kind: 'redis', url: parsed.toString(), keyPrefix };
    }
    case 'redis+cluster':
    case 'rediss+cluster': {
      const { keyPrefix } = parseRedisClusterUrl(url);
      return { kind: 'redis', url, keyPrefix };
    }
    default:
      throw invalid('store', `unsupported store URL${scheme ? ` scheme "${scheme}:"` : ''}; use ${STORE_URL_FORMS}`);
  }
}

/** Opens the store a URL names (see {@link parseStoreUrl}); the database driver is loaded only for its store. */
export async function openStore(url: string): Promise<SessionStore> {
  const location = parseStoreUrl(url);
  switch (location.kind) {
    case 'memory':
      return new MemorySessionStore();
    case 'sqlite':
      return SqliteSessionStore.open({ path: location.path });
    case 'postgres':
      return PostgresSessionStore.open({
        connectionString: location.connectionString,
        ...(location.schema === undefined ? {} : { schema: location.schema }),
      });
    case 'redis':
      return RedisSessionStore.open({
        url: location.url,
        ...(location.keyPrefix === undefined ? {} : { keyPrefix: location.keyPrefix }),
      });
  }
}

function parseUrl(kind: string, url: string): URL {
  // The parser's own error is not kept: it carries the URL, which may hold a password.
  if (!URL.canParse(url)) throw invalid(kind, `the ${kind} store URL is not a valid URL`);
  return new URL(url);
}

function takeParam(kind: string, url: URL, name: string): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw invalid(kind, `the ${kind} store URL has "${name}" more than once`);
  url.searchParams.delete(name);
  return values[0];
}

function invalid(kind: string, message: string): SessionStoreError {
  return new SessionStoreError(kind, 'INVALID_URL', message);
}
