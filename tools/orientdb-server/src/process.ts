// The server's JVM: spawning it detached with its output in the log file, recognising it, and stopping it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { errorCode } from './command.js';
import type { ServerFiles } from './config.js';
import { jdkTool } from './java.js';
import { ORIENTDB_VERSION } from './version.js';

const STOP_GRACE_MS = 30_000;
const KILL_GRACE_MS = 10_000;
const POLL_MS = 100;

/** Resolves after `ms`; only for polling loops that check a condition between waits. */
export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** Best effort: is `pid` an OrientDB server java process (optionally for this dataDir)? */
export function looksLikeOrientDB(pid: number, dataDir?: string): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    cmdline = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).stdout ?? '';
  }
  return cmdline.includes('OServerMain') && (!dataDir || cmdline.includes(dataDir));
}

/** Pids of running OrientDB servers whose command line has an argument starting with `argPrefix` (Linux /proc). */
export function orientdbPidsWithArg(argPrefix: string): number[] {
  let pids: number[];
  try {
    pids = fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    throw new Error('finding servers needs /proc (Linux)');
  }
  return pids.filter((pid) => {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return (
        args.includes('com.orientechnologies.orient.server.OServerMain') && args.some((a) => a.startsWith(argPrefix))
      );
    } catch {
      return false;
    }
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // detached => own process group, pgid === pid
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitForExit(exited: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!exited() && Date.now() < deadline) await pause(POLL_MS);
  return exited();
}

/** SIGTERM (graceful OrientDB shutdown), then SIGKILL after graceMs; resolves once the pid is gone. */
export async function terminate(
  pid: number,
  { exited = () => !isAlive(pid), graceMs = STOP_GRACE_MS } = {},
): Promise<void> {
  if (exited()) return;
  killGroup(pid, 'SIGTERM');
  if (await waitForExit(exited, graceMs)) return;
  killGroup(pid, 'SIGKILL');
  if (!(await waitForExit(exited, KILL_GRACE_MS)))
    throw new Error(`OrientDB server pid ${pid} did not exit after SIGKILL`);
}

// Servers started through the API (not the CLI's persistent one) are killed if the process exits without
// calling stop(), so a crashed test run does not leak JVMs.
const liveServers = new Set<number>();
let exitHookInstalled = false;

function killOnExit(pid: number): void {
  liveServers.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const live of liveServers) killGroup(live, 'SIGKILL');
  });
}

/** A spawned server JVM: its pid, and whether (and how) it exited. */
export interface ServerProcess {
  readonly pid: number;
  exited(): boolean;
  /** Why the JVM is gone (spawn error or exit status), or null while it runs. */
  exitReason(): string | null;
  /** SIGTERM, then SIGKILL; idempotent. */
  stop(): Promise<void>;
}

function javaArgs(distDir: string, dataDir: string, files: ServerFiles): string[] {
  const lib = path.join(distDir, 'lib');
  return [
    '-server',
    '-Xms128m',
    '-Xmx512m',
    '-XX:MaxDirectMemorySize=512m',
    '-Dstorage.diskCache.bufferSize=256',
    '-Djava.awt.headless=true',
    '-Djna.nosys=true',
    '-Dfile.encoding=UTF8',
    '-Dlog.console.ansi=false',
    `-DORIENTDB_HOME=${dataDir}`,
    `-Djava.io.tmpdir=${files.tmpDir}`, // lz4-java etc. unpack native libs here, not in /tmp
    '-Djava.util.logging.manager=com.orientechnologies.common.log.ShutdownLogManager',
    `-Djava.util.logging.config.file=${files.logProperties}`,
    `-Dorientdb.config.file=${files.configFile}`,
    `-Dorientdb.www.path=${path.join(distDir, 'www')}`,
    '-cp',
    [
      path.join(lib, `orientdb-server-${ORIENTDB_VERSION}.jar`),
      path.join(lib, '*'),
      path.join(distDir, 'plugins', '*'),
    ].join(path.delimiter),
    'com.orientechnologies.orient.server.OServerMain',
  ];
}

/**
 * Spawns OServerMain detached (own process group) with stdout and stderr appended to the log file.
 * `persistent` servers (the CLI's) outlive this process; others are killed when it exits.
 */
export async function spawnServer(options: {
  distDir: string;
  dataDir: string;
  files: ServerFiles;
  rootPassword: string;
  persistent: boolean;
  banner: string;
}): Promise<ServerProcess> {
  const logFd = fs.openSync(options.files.logFile, 'a');
  fs.writeSync(logFd, `\n==== ${new Date().toISOString()} ${options.banner}\n`);
  const child = spawn(jdkTool('java'), javaArgs(options.distDir, options.dataDir, options.files), {
    cwd: options.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ORIENTDB_HOME: options.dataDir, ORIENTDB_ROOT_PASSWORD: options.rootPassword },
  });
  fs.closeSync(logFd);
  let exitInfo: string | null = null;
  let spawnError: Error | null = null;
  child.on('exit', (code, signal) => {
    exitInfo = `exited with ${code ?? signal}`;
    if (child.pid !== undefined) liveServers.delete(child.pid);
  });
  child.on('error', (error) => (spawnError = error));
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await pause(0); // the 'error' event comes on the next tick
    throw new Error(`Could not start java: ${(spawnError as Error | null)?.message ?? 'unknown error'}`);
  }
  if (!options.persistent) killOnExit(pid);

  const exited = (): boolean => exitInfo !== null || !isAlive(pid);
  let stopping: Promise<void> | null = null;
  return {
    pid,
    exited,
    exitReason: () => spawnError?.message ?? exitInfo ?? (isAlive(pid) ? null : 'exited'),
    stop() {
      stopping ??= terminate(pid, { exited }).then(() => void liveServers.delete(pid));
      return stopping;
    },
  };
}
