// What only the fault figures need; the facts both halves share live in ../shared/config.ts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DOCS_DIR, RESULTS_DIR, uniqueName } from '../shared/config.ts';

export { BENCH_DIR, LOOPBACK, POSTGRES_URL, REPO_DIR, STYTCH_LIKE_CLI, uniqueName } from '../shared/config.ts';

export const RESULTS_FILE = join(RESULTS_DIR, 'reliability.json');
export const DOCS_FILE = join(DOCS_DIR, 'reliability.md');

/** A project id and a secret for one Stytch-like server. */
export function newProject(): { projectId: string; secret: string } {
  return {
    projectId: uniqueName('project-faults').replaceAll('_', '-'),
    secret: `secret-${randomBytes(18).toString('base64url')}`,
  };
}
