import { describe, expect, it } from 'vitest';
import { importOptionalDriver } from '../../src/server/store/optional-driver.js';
import { openStore, parseStoreUrl } from '../../src/server/store/open-store.js';
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
