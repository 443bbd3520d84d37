import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'stytch';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startServerProcess, type ServerProcess, serveArgs } from '../helpers/cli-process.js';
import { testProject } from '../helpers/config.js';

const PASSWORD = 'a long and unguessable password';

describe('the SQLite server killed with SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stytch-like-crash-'));
  const processes: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of processes) await server.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no session it acknowledged: after a restart, every one authenticates', async () => {
    const { projectId, secret } = testProject();
    const args = serveArgs(`sqlite:${join(dir, 'sessions.sqlite')}`, projectId, secret);
    const sdk = (url: string) => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      const client = new Client({ project_id: projectId, secret, env: `${url}/` });
      warn.mockRestore();
      return client;
    };

    const first = await startServerProcess(args);
    processes.push(first);
    const client = sdk(first.url);
    const email = `u-${randomUUID()}@example.test`;
    const created: {
      session_token: string;
      session_jwt: string;
      user_id: string;
      session?: { session_id: string } | undefined;
    }[] = [await client.passwords.create({ email, password: PASSWORD })];
    created.push(
      ...(await Promise.all(
        Array.from({ length: 6 }, () =>
          client.passwords.authenticate({ email, password: PASSWORD, session_duration_minutes: 30 }),
        ),
      )),
    );
    const extended = await client.sessions.authenticate({
      session_token: created[0]!.session_token,
      session_duration_minutes: 600,
    });
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');

    const second = await startServerProcess(args);
    processes.push(second);
    const after = sdk(second.url);
    for (const session of created) {
      await expect(after.sessions.authenticate({ session_token: session.session_token })).resolves.toMatchObject({
        session: { session_id: session.session?.session_id },
      });
      await expect(after.sessions.authenticateJwtLocal({ session_jwt: session.session_jwt })).resolves.toMatchObject({
        user_id: session.user_id,
      });
    }
    const reread = await after.sessions.authenticate({ session_token: created[0]!.session_token });
    expect(reread.session.expires_at).toBe(extended.session.expires_at);
    expect((await after.sessions.get({ user_id: created[0]!.user_id })).sessions).toHaveLength(created.length);
    expect(await second.stop()).toBe(0);
  });
});
