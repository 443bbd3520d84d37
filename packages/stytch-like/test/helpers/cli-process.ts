import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll.js';

/** The built bin, as published: tests run what users run. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function assertCliBuilt(): void {
  if (!existsSync(CLI_PATH))
    throw new Error(
      `${CLI_PATH} is missing: run \`pnpm --filter @sessiontoken/stytch-like build\` before the CLI tests`,
    );
}

/** Environment for a child: the parent's, minus any STYTCH_LIKE_* that would leak into the test. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('STYTCH_LIKE_')) env[key] = value;
  // Cheap password hashes: the CLI tests are about processes and stores, not scrypt (which has tests of its own).
  return { ...env, STYTCH_LIKE_SCRYPT_LOG_COST: '10', STYTCH_LIKE_SCRYPT_PARALLELIZATION: '1', ...extra };
}

/** `serve` arguments for a test server on a free port over `store`, logging warnings only. */
export function serveArgs(store: string, projectId: string, secret: string): string[] {
  return ['--port', '0', '--store', store, '--project-id', projectId, '--secret', secret, '--log-level', 'warn'];
}

/** Runs the CLI to completion (for --help and bad arguments). */
export function runCliSync(
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI_PATH, ...args], {
    env: cliEnv(env),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A `serve` process, its output so far, and ways to stop it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and resolves with the exit code (or the signal name) once the process has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** Starts `serve` and resolves once it printed `listening on http://HOST:PORT`. */
export async function startServerProcess(
  args: string[],
  env: Record<string, string> = {},
  options: { umask?: string } = {},
): Promise<ServerProcess> {
  assertCliBuilt();
  const command = [CLI_PATH, 'serve', ...args];
  // With a umask, through a shell that sets it and then becomes node (so signals reach the server itself).
  const child =
    options.umask === undefined
      ? spawn(process.execPath, command, { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `umask ${options.umask}; exec "$0" "$@"`, process.execPath, ...command], {
          env: cliEnv(env),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exit: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? signal ?? 'unknown';
      resolve(exit);
    }),
  );
  let url: string;
  try {
    url = await waitFor(
      () => {
        if (exit !== undefined)
          throw new Error(`serve exited with ${exit}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        return /^listening on (https?:\/\/\S+)$/m.exec(stdout)?.[1];
      },
      { timeoutMs: 30_000, what: '"listening on" from the server process' },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    child,
    url,
    output: () => ({ stdout, stderr }),
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (exit === undefined) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the server did not exit within ${timeoutMs} ms of ${signal}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
