import { describe, expect, it } from 'vitest';
import { importOptionalDriver } from '../../src/server/store/optional-driver.js';
import { openStore, parseStoreUrl } from '../../src/server/store/open-store.js';
import { parseRedisClusterUrl, slotTag } from '../../src/server/store/redis-layout.js';
import { SessionStoreError } from '../../src/server/store/session-store.js';

describe('store URLs', () => {
  it('parse memory:, sqlite:<path>, postgres:// with ?schema and redis:// with ?prefix', () => {
    expect(parseStoreUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('sqlite:./data/sessions.sqlite')).toEqual({ kind: 'sqlite', path: './data/sessions.sqlite' });
    expect(parseStoreUrl('sqlite:///var/lib/sessions.sqlite')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/sessions.sqlite',
    });
    expect(parseStoreUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseStoreUrl('postgres://u:p@db:5432/app?schema=auth&sslmode=require')).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u:p@db:5432/app?sslmode=require',
      schema: 'auth',
    });
    expect(parseStoreUrl('postgresql://db/app')).toMatchObject({ kind: 'postgres', schema: undefined });
    expect(parseStoreUrl('redis://cache:6379/2?prefix=app:')).toEqual({
      kind: 'redis',
      url: 'redis://cache:6379/2',
      keyPrefix: 'app:',
    });
    expect(parseStoreUrl('rediss://cache')).toMatchObject({ kind: 'redis', keyPrefix: undefined });
  });

  it('parse a Redis Cluster as redis+cluster://host:port,host:port (rediss+cluster for TLS), credentials on every node', () => {
    expect(parseStoreUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001?prefix=app:')).toEqual({
      kind: 'redis',
      url: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7001?prefix=app:',
      keyPrefix: 'app:',
    });
    expect(parseRedisClusterUrl('rediss+cluster://ops:p%40ss@a.example:7000,[::1]:7001/')).toEqual({
      rootNodes: ['rediss://ops:p%40ss@a.example:7000', 'rediss://ops:p%40ss@[::1]:7001'],
      tls: true,
      username: 'ops',
      password: 'p@ss',
      keyPrefix: undefined,
    });
    expect(parseRedisClusterUrl('REDIS+CLUSTER://127.0.0.1:7000')).toMatchObject({
      tls: false,
      rootNodes: ['redis://127.0.0.1:7000'],
    });
  });

  it('give each user one hash tag with no brace in it, so that one user never spans two slots', () => {
    expect(slotTag('user-test-0a1b')).toBe('user-test-0a1b');
    for (const id of ['a}b', '{x}', '', '~user', 'ü']) {
      expect(slotTag(id)).toMatch(/^~[A-Za-z0-9_-]{43}$/);
    }
    expect(slotTag('a}b')).not.toBe(slotTag('{x}'));
  });

  it('refuse anything else with INVALID_URL, never repeating the URL', () => {
    for (const url of [
      '',
      'memory:x',
      'sqlite:',
      'mysql://u:hunter2@db/app',
      'postgres://u:hunter2@',
      'redis://',
      'no scheme at all',
      'postgres://u:hunter2@db/a?schema=1&schema=2',
      'redis+cluster://',
      'redis+cluster://u:hunter2@host',
      'redis+cluster://u:hunter2@host:7000,',
      'redis+cluster://u:hunter2@host:70000',
      'redis+cluster://u:hunter2@host:7000/?prefix=a&prefix=b',
      'redis+cluster://u:hunter2@host:7000/?db=2',
      'redis+cluster://u:hunter2@host:7000/2',
    ]) {
      let error: unknown;
      try {
        parseStoreUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ code: 'INVALID_URL' });
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('refuse schema names and key prefixes that are not safe identifiers when the store opens', async () => {
    await expect(openStore('postgres://127.0.0.1/test?schema=drop;table')).rejects.toMatchObject({
      code: 'INVALID_URL',
    });
    await expect(openStore('redis://127.0.0.1?prefix=a b')).rejects.toMatchObject({ code: 'INVALID_URL' });
  });

  it('name the missing package and how to install it when an optional driver is absent', async () => {
    const missing = 'pg-not-installed-here';
    const error = await importOptionalDriver('postgres', missing, () => import(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error).toMatchObject({ code: 'DRIVER_MISSING' });
    expect((error as Error).message).toBe(
      '[postgres] the postgres store needs the optional package "pg-not-installed-here", which is not installed: run `npm install pg-not-installed-here`',
    );
  });
});
