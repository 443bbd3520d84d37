// Where the fault figures find their databases and write their results: one place for these facts.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const POSTGRES_URL = process.env['SESSIONTOKEN_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every load in the fault figures targets this address and nothing else. */
export const LOOPBACK = '127.0.0.1';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = join(here, '..', '..');
export const REPO_DIR = join(BENCH_DIR, '..');
export const RESULTS_FILE = join(BENCH_DIR, 'results', 'reliability.json');
export const DOCS_FILE = join(REPO_DIR, 'docs', 'reliability.md');

/** The Stytch-like server as users run it: the package's built bin. */
export const STYTCH_LIKE_CLI = join(REPO_DIR, 'packages', 'stytch-like', 'dist', 'cli.js');

/** A name unique to one figure, for PostgreSQL schemas, project ids, emails and temp directories. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A project id and a secret for one Stytch-like server. */
export function newProject(): { projectId: string; secret: string } {
  return { projectId: uniqueName('project-faults').replaceAll('_', '-'), secret: `secret-${randomBytes(18).toString('base64url')}` };
}
