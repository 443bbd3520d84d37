// Where both halves of the bench find the databases, the repository and the results: one place for these facts.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const POSTGRES_URL = process.env['SESSIONTOKEN_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['SESSIONTOKEN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Every server the bench starts listens here, and every load targets this address and nothing else. */
export const LOOPBACK = '127.0.0.1';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = join(here, '..', '..');
export const REPO_DIR = join(BENCH_DIR, '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const DOCS_DIR = join(REPO_DIR, 'docs');

/** The Stytch-like server as users run it: the package's built bin. */
export const STYTCH_LIKE_CLI = join(REPO_DIR, 'packages', 'stytch-like', 'dist', 'cli.js');

/** A name unique to one run or figure, for PostgreSQL schemas, Redis key prefixes, project ids and temp directories. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}
