// The Stytch-like server in its own process, started with the package's bin exactly as users start it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { STYTCH_LIKE_CLI } from './config.ts';
import { waitFor } from '../shared/wait.ts';

export interface StytchProcessOptions {
  /** `sqlite:<path>` or `postgres://…?schema=…`. */
  readonly store: string;
  readonly projectId: string;
  readonly secret: string;
  /** More `serve` flags, e.g. `['--workers', 'auto', '--jwt-alg', 'ES256']`. */
  readonly args?: readonly string[];
}

/** A running `serve` process. */
export interface StytchProcess {
  readonly url: string;
  readonly pid: number;
  /** True until the process has exited. */
  readonly alive: boolean;
  /** How it exited (code or signal), once it has. */
  readonly exit: number | string | undefined;
  /** The process's stderr so far (JSON log lines; never tokens or secrets). */
  stderr(): string;
  /** Sends `signal` and resolves with the exit code or signal once the process is gone; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

/** Starts `serve` on a free loopback port and resolves once it printed `listening on http://…`. */
export async function startStytchProcess(options: StytchProcessOptions): Promise<StytchProcess> {
  if (!existsSync(STYTCH_LIKE_CLI))
    throw new Error(`${STYTCH_LIKE_CLI} is missing: build @sessiontoken/stytch-like first (pnpm reliability does)`);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('STYTCH_LIKE_')) env[key] = value;
  // The secret goes by environment, not by flag: flags show in `ps`.
  env['STYTCH_LIKE_SECRET'] = options.secret;
  // These figures are about processes and stores, not scrypt: N = 2^14, p = 1 keeps logins flowing on a small shared
  // machine (the flood figure runs the library's defaults).
  env['STYTCH_LIKE_SCRYPT_LOG_COST'] = '14';
  env['STYTCH_LIKE_SCRYPT_PARALLELIZATION'] = '1';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      STYTCH_LIKE_CLI,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--store',
      options.store,
      '--project-id',
      options.projectId,
      '--log-level',
      'warn',
      ...(options.args ?? []),
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep the tail only: a long run must not grow this without bound.
    stderr = (stderr + chunk.toString()).slice(-64 * 1024);
  });
  let exit: number | string | undefined;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = code ?? signal ?? 'unknown';
      resolve(exit);
    }),
  );
  const kill = (signal: NodeJS.Signals): void => {
    if (exit === undefined) child.kill(signal);
  };
  let url: string;
  try {
    url = await waitFor(
      () => {
        if (exit !== undefined)
          throw new Error(`serve exited with ${exit}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        return /^listening on (http:\/\/\S+)$/m.exec(stdout)?.[1];
      },
      { timeoutMs: 20_000, what: '"listening on" from the Stytch-like server process' },
    );
  } catch (error) {
    kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    url,
    pid: child.pid!,
    get alive() {
      return exit === undefined;
    },
    get exit() {
      return exit;
    },
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      kill(signal);
      const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
