import { randomBytes } from 'node:crypto';

/** The real databases the integration tests use; override with these variables. */
export const POSTGRES_URL = process.env['SESSIONTOKEN_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['SESSIONTOKEN_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** scrypt made cheap for tests, through the service's explicit option (the production default is untouched). */
// Cheap hashes queue freely: the suite opens dozens of sessions at once (the bounded queue has tests of its own).
export const FAST_PASSWORD_HASHING = { cost: 2 ** 10, parallelization: 1, maxQueued: 1000 } as const;

/** A project id and secret for one test file. */
export function testProject(): { projectId: string; secret: string } {
  return {
    projectId: `project-test-${randomBytes(6).toString('hex')}`,
    secret: `secret-${randomBytes(18).toString('base64url')}`,
  };
}

/** A name unique to this run, for schemas, key prefixes and emails. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}
