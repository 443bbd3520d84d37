// The machine and the software versions a run measured, for latest.json and the docs.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { BENCH_DIR, REPO_DIR } from './config.ts';

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

function firstMatch(file: string, pattern: RegExp): string | undefined {
  try {
    return pattern.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  return {
    cpu_model: firstMatch('/proc/cpuinfo', /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: firstMatch('/etc/os-release', /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? `${os.type()} ${os.release()}`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    load_average_at_start: os.loadavg().map((value) => Math.round(value * 100) / 100),
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

/** The commit measured, marked when packages/ has uncommitted changes. */
export function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_DIR, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: REPO_DIR, encoding: 'utf8' }).trim() !== '';
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
    autocannon: dependencyVersion(BENCH_DIR, 'autocannon'),
    redis_client: dependencyVersion(BENCH_DIR, 'redis'),
    pg: dependencyVersion(BENCH_DIR, 'pg'),
  };
}

/** Versions of the database servers the run talked to (best effort: a server that does not answer is 'unknown'). */
export async function databaseVersions(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(':memory:');
    out['sqlite'] = String((db.prepare('SELECT sqlite_version() AS v').get() as { v: unknown }).v);
    db.close();
  } catch {
    out['sqlite'] = 'unknown';
  }
  try {
    const { connectRedis } = await import('./stores.ts');
    const client = await connectRedis();
    try {
      out['redis_server'] = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    } finally {
      client.destroy();
    }
  } catch {
    out['redis_server'] = 'unknown';
  }
  try {
    const pg = (await import('pg')).default;
    const { POSTGRES_URL } = await import('./config.ts');
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      out['postgres_server'] = String((await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown');
    } finally {
      await client.end();
    }
  } catch {
    out['postgres_server'] = 'unknown';
  }
  return out;
}
