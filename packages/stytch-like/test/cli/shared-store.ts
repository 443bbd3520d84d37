import { randomUUID } from 'node:crypto';
import { Client, StytchError } from 'stytch';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startServerProcess, type ServerProcess, serveArgs } from '../helpers/cli-process.js';
import { testProject } from '../helpers/config.js';
import type { TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';

/**
 * Two CLI server processes on one store: a session revoked through one is refused by the other on the very next
 * request. The caller owns `location` and removes its data.
 */
export function describeTwoServersSharingStore(name: string, location: TestStoreLocation): void {
  // Two server processes start at once: seconds each on a busy machine.
  describe(`two server processes sharing ${name}`, { timeout: 90_000 }, () => {
    const processes: ServerProcess[] = [];
    afterAll(async () => {
      for (const server of processes) await server.stop('SIGKILL').catch(() => {});
    });

    it('reject a session revoked through one on the very next request to the other', async () => {
      const { projectId, secret } = testProject();
      const args = serveArgs(location.url, projectId, secret);
      const [a, b] = await Promise.all([startServerProcess(args), startServerProcess(args)]);
      processes.push(a, b);
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const viaA = new Client({ project_id: projectId, secret, env: `${a.url}/` });
      const viaB = new Client({ project_id: projectId, secret, env: `${b.url}/` });
      warn.mockRestore();

      const created = await viaA.passwords.create({ email: `u-${randomUUID()}@example.test`, password: PASSWORD });
      const other = await viaB.passwords.authenticate({ email: created.user.emails[0]!.email, password: PASSWORD });
      await expect(viaB.sessions.authenticate({ session_token: created.session_token })).resolves.toMatchObject({
        session: { session_id: created.session?.session_id },
      });
      // Keys live in the store: a JWT signed by A verifies against B's JWKS.
      await expect(viaB.sessions.authenticateJwtLocal({ session_jwt: created.session_jwt })).resolves.toMatchObject({
        user_id: created.user_id,
      });

      await viaA.sessions.revoke({ session_token: created.session_token });
      const rejected = await viaB.sessions
        .authenticate({ session_token: created.session_token })
        .catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(StytchError);
      expect(rejected).toMatchObject({ status_code: 404, error_type: 'session_not_found' });
      await expect(viaB.sessions.authenticate({ session_jwt: created.session_jwt })).rejects.toMatchObject({
        error_type: 'session_not_found',
      });
      // The other session is untouched, on both servers.
      await expect(viaA.sessions.authenticate({ session_token: other.session_token })).resolves.toMatchObject({
        session: { session_id: other.session?.session_id },
      });

      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    });
  });
}
