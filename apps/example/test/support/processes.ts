import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_DATABASE,
  TEST_DB_PASSWORD,
  TEST_DB_USER,
  createDatabase,
  startOrientDBServer,
} from '@sessiontoken/orientdb-server';
import type { ProviderName } from '../../src/config.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningShop {
  readonly url: string;
  /** Stops the process and starts a new one on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/main.js` and resolves once it prints its URL (60 s limit, with its output on failure). `args` are
 * further flags (`--tls-cert`, …); `url` is where a browser reaches it (default `http://127.0.0.1:<port>`).
 */
export async function startShop(options: {
  provider: ProviderName;
  port: number;
  env: NodeJS.ProcessEnv;
  args?: readonly string[];
  url?: string;
}): Promise<RunningShop> {
  let child: ChildProcess | undefined;

  const launch = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        [MAIN, '--provider', options.provider, '--port', String(options.port), ...(options.args ?? [])],
        {
          env: options.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`the shop did not start within 60 s:\n${output}`));
      }, 60_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/listening on https?:\/\//.test(output)) {
          clearTimeout(timer);
          resolve(proc);
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the shop exited with ${code} before listening:\n${output}`));
      });
    });

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  child = await launch();
  return {
    url: options.url ?? `http://127.0.0.1:${options.port}`,
    async restart() {
      await stop();
      child = await launch();
    },
    stop,
  };
}

/** A real OrientDB server for the e2e run, with the database and user the shop logs in as. */
export async function startOrientDBForTests(): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void> }> {
  const server = await startOrientDBServer();
  try {
    await createDatabase(server, DEFAULT_DATABASE);
  } catch (error) {
    await server.stop({ removeDataDir: true });
    throw error;
  }
  return {
    env: {
      ORIENTDB_HOST: server.host,
      ORIENTDB_PORT: String(server.binaryPort),
      ORIENTDB_DATABASE: DEFAULT_DATABASE,
      ORIENTDB_USER: TEST_DB_USER,
      ORIENTDB_PASSWORD: TEST_DB_PASSWORD,
    },
    stop: () => server.stop({ removeDataDir: true }),
  };
}
