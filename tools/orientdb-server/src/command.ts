import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  readonly out: string;
}

/** The last `maxLines` lines of `text`, for error messages that quote a tool's output. */
export function tail(text: string, maxLines = 40): string {
  return text.trimEnd().split('\n').slice(-maxLines).join('\n');
}

/** Runs a command to completion, killing it after `timeoutMs`; rejects only when it cannot start or times out. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`\`${cmd} ${args.join(' ')}\` timed out after ${options.timeoutMs} ms\n${tail(out)}`));
          }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, ...), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
