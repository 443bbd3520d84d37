// The CLI's run state: which persistent server `orientdb-server start` left running, for `stop`, `status` and the
// example. This module owns where the file lives and what it holds; everyone else reads it with readRunState().
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { orientdbRunDir } from './paths.js';
import type { OrientDBServerInfo } from './server.js';

/** The persistent server the CLI started, the database it made, and that database's user. */
export interface RunState extends OrientDBServerInfo {
  readonly database: string;
  readonly dbUser?: string;
  readonly dbPassword?: string;
  /** ISO 8601. */
  readonly startedAt: string;
}

/** The run-state file exists but does not describe a server. */
export class RunStateError extends Error {
  override readonly name = 'RunStateError';
}

/** Where the run state lives: `<cache>/orientdb/run/server.json` (SESSIONTOKEN_CACHE_DIR moves the cache). */
export function runStateFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(orientdbRunDir(env), 'server.json');
}

function parseRunState(text: string, file: string): RunState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RunStateError(`${file} is not JSON`);
  }
  const state = value as Partial<Record<keyof RunState, unknown>> | null;
  const port = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536;
  if (
    typeof state !== 'object' ||
    state === null ||
    typeof state.host !== 'string' ||
    !port(state.binaryPort) ||
    !port(state.httpPort) ||
    typeof state.database !== 'string' ||
    !Number.isInteger(state.pid) ||
    typeof state.dataDir !== 'string' ||
    typeof state.rootPassword !== 'string'
  ) {
    throw new RunStateError(`${file} does not describe an OrientDB server`);
  }
  return state as RunState;
}

/**
 * The run state `orientdb-server start` recorded, or null when there is none. Whether that server still runs is
 * another question (`orientdb-server status` answers it). Throws RunStateError when the file is unreadable as one.
 */
export function readRunState(file: string = runStateFile()): RunState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return parseRunState(text, file);
}

/** Writes the state atomically (temp file + rename), readable by the owner only: it holds passwords. */
export async function writeRunState(state: RunState, file: string = runStateFile()): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fsp.rename(tmp, file);
}

export async function removeRunState(file: string = runStateFile()): Promise<void> {
  await fsp.rm(file, { force: true });
}
