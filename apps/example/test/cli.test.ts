// The CLI's reattach-or-open flow, run as real processes over the embedded Stytch-like backend.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrientDBForTests } from './support/processes.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'shop-cli-'));
const tokenFile = join(dataDir, 'stytch-like.token');

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ PROVIDER: 'stytch-like' }, ...args);
}

function cliWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, EXAMPLE_DATA_DIR: dataDir, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('example CLI (stytch-like)', () => {
  it('opens with credentials and saves the token, then reattaches without them, then logs out', async () => {
    const first = await cli();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Opened a session with credentials');
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(first.stdout).not.toContain(token);

    const second = await cli();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Reattached with the saved token (no credentials)');
    expect(second.stdout).toContain('shopper@example.com');

    const logout = await cli('--logout');
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toContain('the session was revoked');

    // The revoked token, put back by hand, is refused with the plain message and its own exit code.
    writeFileSync(tokenFile, `${token}\n`);
    const ended = await cli();
    expect(ended.code).toBe(3);
    expect(ended.stderr).toContain('session ended, log in again');
  });

  it('turns a wrong password and a bad flag into plain messages and exit codes', async () => {
    rmSync(tokenFile, { force: true });
    const wrong = await cli('--login', 'shopper@example.com', '--password', 'nope');
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('Login failed');

    const bad = await cli('--provider', 'mysql');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--provider must be one of stytch-like, orientdb');
  });
});

describe('example CLI (orientdb)', () => {
  let env: NodeJS.ProcessEnv = {};
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const orientdb = await startOrientDBForTests();
    stop = orientdb.stop;
    env = { ...orientdb.env, PROVIDER: 'orientdb' };
  });

  afterAll(async () => {
    await stop?.();
  });

  it('opens with credentials and lists devices by zone, then reattaches with the token alone', async () => {
    const first = await cliWith(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Opened a session with credentials');
    expect(first.stdout).toMatch(/kitchen: Fridge, Kettle/);

    // The second run gets no credentials at all: only the token file.
    const { ORIENTDB_USER: _user, ORIENTDB_PASSWORD: _password, ...withoutCredentials } = env;
    const second = await cliWith(withoutCredentials);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Reattached with the saved token (no credentials)');
    expect(second.stdout).toMatch(/living room: Lamp, Speaker/);

    const logout = await cliWith(env, '--logout');
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toContain('cannot revoke tokens server-side');
  });
});
