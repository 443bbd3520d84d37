import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findFreePorts } from '@sessiontoken/orientdb-server';
import { testServer } from './support/orientdb.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/**
 * Runs a fixture in its own Node process with only the given environment, and waits for it to exit by itself.
 * A process still running after `timeoutMs` is killed and fails the test: something kept it alive.
 */
function runNode(fixture: string, env: Record<string, string>, timeoutMs = 20_000): Promise<ChildResult> {
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
    throw new Error(
      'the cross-process tests run the built package: run `pnpm --filter @sessiontoken/orientdb build` first',
    );
  }
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))], {
      cwd: packageDir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${fixture} did not exit by itself within ${timeoutMs} ms (an open socket or timer keeps it alive)\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

function serverEnv(): Record<string, string> {
  const server = testServer();
  return { ORIENTDB_HOST: server.host, ORIENTDB_PORT: String(server.port), ORIENTDB_DATABASE: server.database };
}

describe('the seed flow across processes', () => {
  it('process A opens and prints the token; process B reattaches with the token alone and runs a query', async () => {
    const server = testServer();
    const a = await runNode('process-a.mjs', {
      ...serverEnv(),
      ORIENTDB_USER: server.username,
      ORIENTDB_PASSWORD: server.password,
    });
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const { token, subject } = JSON.parse(a.stdout) as { token: string; subject: string };
    expect(token).toMatch(/^[\w-]+$/);

    // B gets no credentials: only where the server is and the token.
    const b = await runNode('process-b.mjs', { ...serverEnv(), ORIENTDB_SESSION_TOKEN: token });
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual({ subject, user: server.username, credentialsInEnv: [] });
  });
});

describe('close()', () => {
  it('leaves no open socket or timer: the process exits by itself', async () => {
    const server = testServer();
    const [closedPort] = await findFreePorts(1);
    const result = await runNode('close-leaves-nothing.mjs', {
      ...serverEnv(),
      ORIENTDB_USER: server.username,
      ORIENTDB_PASSWORD: server.password,
      CLOSED_PORT: String(closedPort),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      refused: 'INVALID_TOKEN',
      badCredentials: 'BAD_CREDENTIALS',
      unavailable: 'UNAVAILABLE',
      left: [],
    });
  });
});
