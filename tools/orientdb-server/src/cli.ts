// `orientdb-server start|stop|status|fetch|latest|cleanup`: a persistent server for developers and the example.
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_BINARY_PORT,
  DEFAULT_DATABASE,
  DEFAULT_HTTP_PORT,
  HOST,
  TEMP_PREFIX,
  TEST_ROOT_PASSWORD,
} from './defaults.js';
import { ensureOrientDBDistribution, latestOrientDBVersion } from './distribution.js';
import { createDatabase } from './http-admin.js';
import { orientdbCacheDir, orientdbRunDir } from './paths.js';
import { findFreePorts, isPortFree, probeBinaryPort } from './ports.js';
import { isAlive, looksLikeOrientDB, orientdbPidsWithArg, terminate } from './process.js';
import {
  readRunState,
  removeRunState,
  RunStateError,
  runStateFile,
  writeRunState,
  type RunState,
} from './run-state.js';
import { startOrientDBServer } from './server.js';
import { ORIENTDB_VERSION } from './version.js';

class UsageError extends Error {}

function envPort(name: string, fallback: number): { port: number; fromEnv: boolean } {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return { port: fallback, fromEnv: false };
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 65535)
    throw new UsageError(`${name} must be an integer 1..65535, got ${JSON.stringify(raw)}`);
  return { port: Number(raw), fromEnv: true };
}

/** The recorded state, or null when there is none or it is unreadable (then it is stale anyway). */
function recordedState(): RunState | null {
  try {
    return readRunState();
  } catch (error) {
    if (error instanceof RunStateError) return null;
    throw error;
  }
}

async function stateIsLive(state: RunState | null): Promise<boolean> {
  return (
    state !== null &&
    isAlive(state.pid) &&
    looksLikeOrientDB(state.pid, state.dataDir) &&
    (await probeBinaryPort(state.binaryPort)) !== null
  );
}

/** The preferred port when free; a port from the environment must be free; otherwise any free one. */
async function pickPort({ port, fromEnv }: { port: number; fromEnv: boolean }, name: string): Promise<number> {
  if (await isPortFree(port)) return port;
  if (fromEnv) throw new Error(`${name}=${port} is busy on ${HOST}; free it or choose another port`);
  const [free] = (await findFreePorts(1)) as [number];
  console.error(`orientdb: port ${port} is busy, using ${free}`);
  return free;
}

async function cliStart(): Promise<number> {
  const database = process.env['ORIENTDB_DATABASE'] || DEFAULT_DATABASE;
  if (!/^[A-Za-z0-9_-]+$/.test(database))
    throw new UsageError(`ORIENTDB_DATABASE must match [A-Za-z0-9_-]+, got ${JSON.stringify(database)}`);
  const bin = envPort('ORIENTDB_PORT', DEFAULT_BINARY_PORT);
  const http = envPort('ORIENTDB_HTTP_PORT', DEFAULT_HTTP_PORT);
  if (bin.port === http.port) throw new UsageError(`ORIENTDB_PORT and ORIENTDB_HTTP_PORT must differ (${bin.port})`);

  const state = recordedState();
  if (state && (await stateIsLive(state))) {
    await createDatabase(state, database);
    console.log(
      `orientdb ${state.version} already running on ${state.host}:${state.binaryPort} (http ${state.httpPort}), pid ${state.pid}: reusing it`,
    );
    return 0;
  }
  await removeRunState(); // stale

  const binaryPort = await pickPort(bin, 'ORIENTDB_PORT');
  let httpPort = await pickPort(http, 'ORIENTDB_HTTP_PORT');
  if (httpPort === binaryPort) [httpPort] = (await findFreePorts(1)) as [number];

  const server = await startOrientDBServer({
    binaryPort,
    httpPort,
    dataDir: path.join(orientdbRunDir(), 'data'),
    rootPassword: process.env['ORIENTDB_ROOT_PASSWORD'] || TEST_ROOT_PASSWORD,
    log: (m) => console.error(m),
    persistent: true,
  });
  let dbUser: { name: string; password: string } | null;
  try {
    ({ user: dbUser } = await createDatabase(server, database));
  } catch (error) {
    await server.stop();
    throw error;
  }
  // JSON leaves the server's `stop` function out.
  await writeRunState({
    ...server,
    database,
    ...(dbUser ? { dbUser: dbUser.name, dbPassword: dbUser.password } : {}),
    startedAt: new Date().toISOString(),
  });
  console.log(
    `orientdb ${ORIENTDB_VERSION} listening on ${server.host}:${server.binaryPort} (http ${server.httpPort})`,
  );
  return 0;
}

async function cliStop(): Promise<number> {
  const state = recordedState();
  if (!state) {
    console.log(`orientdb: no run state (${runStateFile()}), nothing to stop`);
    await removeRunState();
    return 0;
  }
  if (isAlive(state.pid) && looksLikeOrientDB(state.pid, state.dataDir)) {
    await terminate(state.pid);
    console.log(`orientdb: stopped pid ${state.pid} (${state.host}:${state.binaryPort})`);
  } else {
    console.log(`orientdb: pid ${state.pid} is not running; removing stale state`);
  }
  await removeRunState();
  return 0;
}

async function cliStatus(): Promise<number> {
  const state = recordedState();
  if (!state) {
    console.log(`orientdb: not running (no run state ${runStateFile()})`);
    return 1;
  }
  const live = await stateIsLive(state);
  console.log(
    `orientdb ${state.version}: ${live ? 'running' : 'NOT running (stale state)'} pid ${state.pid} on ${state.host}:${state.binaryPort} (http ${state.httpPort}) database ${state.database} data ${state.dataDir}`,
  );
  console.log(JSON.stringify(state, null, 2));
  return live ? 0 : 1;
}

/** Stops leaked test servers: OServerMain processes whose ORIENTDB_HOME is a harness temp dir. */
async function cliCleanup(): Promise<number> {
  const pids = orientdbPidsWithArg(`-DORIENTDB_HOME=${path.join(os.tmpdir(), TEMP_PREFIX)}`);
  for (const pid of pids) {
    await terminate(pid);
    console.log(`orientdb: stopped leaked test server pid ${pid}`);
  }
  console.log(`orientdb: ${pids.length} leaked test server(s) stopped`);
  return 0;
}

const USAGE = `usage: orientdb-server <command>
  fetch    download + unpack OrientDB ${ORIENTDB_VERSION} into ${orientdbCacheDir()}
  start    start a detached server (ports 2424/2480 or ORIENTDB_PORT/ORIENTDB_HTTP_PORT), create database
           ORIENTDB_DATABASE (default ${DEFAULT_DATABASE}); reuses a running one
  stop     stop the server the run state names
  status   show the run state and whether the server answers (exit 1 when not running)
  cleanup  stop leaked test servers (temp data dirs under ${os.tmpdir()}/${TEMP_PREFIX}*)
  latest   ask Maven for the newest 3.2.x (to update src/version.ts)`;

const COMMANDS: Record<string, () => Promise<number>> = {
  async fetch() {
    console.log(await ensureOrientDBDistribution({ log: (m) => console.error(m) }));
    return 0;
  },
  start: cliStart,
  stop: cliStop,
  status: cliStatus,
  cleanup: cliCleanup,
  async latest() {
    console.log(`newest 3.2.x on Maven Central: ${await latestOrientDBVersion()} (pinned: ${ORIENTDB_VERSION})`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (cmd === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (['-h', '--help', 'help'].includes(cmd)) {
    console.log(USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!command) {
    console.error(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
    return 2;
  }
  try {
    return await command();
  } catch (error) {
    console.error(`orientdb-server: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
