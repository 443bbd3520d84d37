// The machine and the software versions a run measured: one probe for latest.json, reliability.json and the docs.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { ORIENTDB_VERSION } from '@sessiontoken/orientdb-server';
import { BENCH_DIR, POSTGRES_URL, REDIS_URL, REPO_DIR } from './config.ts';

/** The machine as `pnpm bench` records it in latest.json (snake_case keys, kept for comparison across runs). */
export interface MachineInfo {
  readonly cpu_model: string;
  readonly cores: number;
  readonly memory_gib: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly load_average_at_start: readonly number[];
  load_average_at_end?: readonly number[];
}

/** The machine as `pnpm reliability` records it in reliability.json, with the servers it ran against. */
export interface FaultsMachine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGib: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly orientdb: string;
  readonly postgres: string;
  readonly sqlite: string;
  readonly commit: string;
  readonly loadAverageAtStart: readonly number[];
}

function firstMatch(file: string, pattern: RegExp): string | undefined {
  try {
    return pattern.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/** The load average now, rounded to two decimals. */
export function loadAverage(): number[] {
  return os.loadavg().map((value) => Math.round(value * 100) / 100);
}

/** CPU, memory, OS and Node of this machine. */
function host(): { cpu: string; cores: number; memoryGib: number; os: string; kernel: string; node: string } {
  return {
    cpu: firstMatch('/proc/cpuinfo', /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: firstMatch('/etc/os-release', /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? `${os.type()} ${os.release()}`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

export function machineInfo(): MachineInfo {
  const h = host();
  return {
    cpu_model: h.cpu,
    cores: h.cores,
    memory_gib: h.memoryGib,
    os: h.os,
    kernel: h.kernel,
    node: h.node,
    load_average_at_start: loadAverage(),
  };
}

export async function describeMachine(): Promise<FaultsMachine> {
  const h = host();
  return {
    cpu: h.cpu,
    cores: h.cores,
    memoryGib: h.memoryGib,
    os: h.os,
    kernel: h.kernel,
    node: h.node,
    orientdb: ORIENTDB_VERSION,
    postgres: (await postgresVersion()) ?? 'unreachable',
    sqlite: (await sqliteVersion()) ?? 'unknown',
    commit: gitCommit(),
    loadAverageAtStart: loadAverage(),
  };
}

/** `version` of the package.json at `path` (relative to the repo), or 'unknown'. */
function versionAt(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The version of `name` as the package at `fromDir` resolves it (pnpm: its node_modules symlink). */
function dependencyVersion(fromDir: string, name: string): string {
  try {
    return versionAt(join(realpathSync(join(fromDir, 'node_modules', name)), 'package.json'));
  } catch {
    return 'unknown';
  }
}

/** The version of the bench's dependency `name` (a peer it measures), or 'unknown'. */
export function benchDependencyVersion(name: string): string {
  return dependencyVersion(BENCH_DIR, name);
}

/** The commit measured, marked when packages/ has uncommitted changes. */
export function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: REPO_DIR, encoding: 'utf8' }).trim() !==
      '';
    return dirty ? `${commit} + uncommitted changes in packages/` : commit;
  } catch {
    return 'unknown';
  }
}

export function versions(orientdb: string | null): Record<string, string> {
  const stytch = realpathSync(join(BENCH_DIR, 'node_modules', 'stytch'));
  return {
    node: process.version,
    orientdb_server: orientdb ?? 'not started',
    '@sessiontoken/core': versionAt(join(REPO_DIR, 'packages', 'core', 'package.json')),
    '@sessiontoken/orientdb': versionAt(join(REPO_DIR, 'packages', 'orientdb', 'package.json')),
    '@sessiontoken/stytch-like': versionAt(join(REPO_DIR, 'packages', 'stytch-like', 'package.json')),
    sessiontoken_commit: gitCommit(),
    orientjs: dependencyVersion(BENCH_DIR, 'orientjs'),
    stytch: versionAt(join(stytch, 'package.json')),
    'jose (ours)': dependencyVersion(join(REPO_DIR, 'packages', 'stytch-like'), 'jose'),
    'jose (stytch SDK)': versionAt(join(dirname(stytch), 'jose', 'package.json')),
    fastify: dependencyVersion(BENCH_DIR, 'fastify'),
    'better-auth': dependencyVersion(BENCH_DIR, 'better-auth'),
    'fast-jwt': dependencyVersion(BENCH_DIR, 'fast-jwt'),
    autocannon: dependencyVersion(BENCH_DIR, 'autocannon'),
    redis_client: dependencyVersion(BENCH_DIR, 'redis'),
    pg: dependencyVersion(BENCH_DIR, 'pg'),
  };
}

/** The SQLite version `node:sqlite` embeds, or undefined. */
async function sqliteVersion(): Promise<string | undefined> {
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(':memory:');
    try {
      return String((db.prepare('SELECT sqlite_version() AS v').get() as { v: unknown }).v);
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** The PostgreSQL server's version, or undefined when it does not answer. */
async function postgresVersion(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return String(
      (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown',
    );
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The Redis server's version, or undefined when it does not answer. */
async function redisVersion(): Promise<string | undefined> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/** Versions of the database servers the run talked to (best effort: a server that does not answer is 'unknown'). */
export async function databaseVersions(): Promise<Record<string, string>> {
  return {
    sqlite: (await sqliteVersion()) ?? 'unknown',
    redis_server: (await redisVersion()) ?? 'unknown',
    postgres_server: (await postgresVersion()) ?? 'unknown',
  };
}
