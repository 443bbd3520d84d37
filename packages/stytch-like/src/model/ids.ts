import { randomUUID } from 'node:crypto';

/** `test` or `live`, as in Stytch ids; a project id starting with `project-live-` is live. */
export type ProjectEnvironment = 'test' | 'live';

/** A project id this service accepts: 1 to 128 characters from A-Z a-z 0-9 _ -. */
export function isProjectId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(value);
}

export function projectEnvironment(projectId: string): ProjectEnvironment {
  return projectId.startsWith('project-live-') ? 'live' : 'test';
}

/** A Stytch-style id: `user-test-<uuid>`, `session-live-<uuid>`, `public-token-test-<uuid>`, … */
export function newStytchId(
  kind: 'user' | 'session' | 'email' | 'password' | 'request-id' | 'jwk' | 'public-token',
  environment: ProjectEnvironment,
): string {
  return `${kind}-${environment}-${randomUUID()}`;
}
