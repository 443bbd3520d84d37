// The machine and versions a fault run ran on, for the docs and the JSON.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { ORIENTDB_VERSION } from '@sessiontoken/orientdb-server';
import { gitCommit } from '../measurements/machine.ts';
import { POSTGRES_URL } from './config.ts';

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

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return String((await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown');
  } catch {
    return 'unreachable';
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function sqliteVersion(): Promise<string> {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(':memory:');
  try {
    return String((db.prepare('SELECT sqlite_version() AS v').get() as { v: unknown }).v);
  } finally {
    db.close();
  }
}

export async function describeMachine(): Promise<FaultsMachine> {
  return {
    cpu: firstMatch('/proc/cpuinfo', /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: firstMatch('/etc/os-release', /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? `${os.type()} ${os.release()}`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    orientdb: ORIENTDB_VERSION,
    postgres: await postgresVersion(),
    sqlite: await sqliteVersion(),
    commit: gitCommit(),
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

