// Where a Stytch-like server of a figure keeps its sessions: a fresh SQLite file or PostgreSQL schema, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { POSTGRES_URL, uniqueName } from './config.ts';

export type DurableStoreKind = 'sqlite' | 'postgres';

export interface StoreLocation {
  readonly kind: DurableStoreKind | 'memory';
  /** The `--store` URL. */
  readonly url: string;
  /** Removes the file or schema. */
  remove(): Promise<void>;
}

/** `memory` is the control: a store that keeps nothing across a restart, which the kill figure must catch. */
export function newStoreLocation(kind: DurableStoreKind | 'memory'): StoreLocation {
  if (kind === 'memory') return { kind, url: 'memory:', remove: async () => {} };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sessiontoken-faults-'));
    return {
      kind,
      url: `sqlite:${join(dir, 'sessions.sqlite')}`,
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = uniqueName('faults');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    kind,
    url: url.toString(),
    remove: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
