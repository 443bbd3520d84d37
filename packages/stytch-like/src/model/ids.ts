import { randomUUID } from 'node:crypto';

/** `test` or `live`, as in Stytch ids; a project id starting with `project-live-` is live. */
export type ProjectEnvironment = 'test' | 'live';

export function projectEnvironment(projectId: string): ProjectEnvironment {
  return projectId.startsWith('project-live-') ? 'live' : 'test';
}

/** A Stytch-style id: `user-test-<uuid>`, `session-live-<uuid>`, `request-id-test-<uuid>`, … */
export function newStytchId(kind: 'user' | 'session' | 'email' | 'password' | 'request-id' | 'jwk', environment: ProjectEnvironment): string {
  return `${kind}-${environment}-${randomUUID()}`;
}
