// Starting a throwaway OrientDB server: options, ports, working directory, the JVM, and waiting until it serves.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { normalizeSecretKey, writeServerFiles } from './config.js';
import { HOST, TEMP_PREFIX, TEST_ROOT_PASSWORD, TEST_SECRET_KEY } from './defaults.js';
import { ensureOrientDBDistribution, type Log } from './distribution.js';
import { checkPort, findFreePorts, isPortFree, probeBinaryPort, probeTcp } from './ports.js';
import { pause, spawnServer, type ServerProcess } from './process.js';
import { createTlsMaterial } from './tls.js';
import { busyPortIn, isActiveLog, logOffset, readLogTail } from './server-log.js';
import { ORIENTDB_VERSION } from './version.js';

const START_TIMEOUT_MS = 120_000;
const ACTIVE_TIMEOUT_MS = 15_000;
const POLL_INTERVAL_MS = 200;
const START_ATTEMPTS = 3;

export interface StartOrientDBServerOptions {
  /** base64/base64url token key; default TEST_SECRET_KEY (tokens survive restarts). */
  secretKey?: string;
  /** `network.token.expireTimeout` (whole minutes, server default 60). */
  tokenExpireTimeoutMinutes?: number;
  /** Default: a free port. */
  binaryPort?: number;
  /** Default: a free port. */
  httpPort?: number;
  /** Reuse to restart on the same databases; default: a new temp dir. */
  dataDir?: string;
  /** Default TEST_ROOT_PASSWORD. */
  rootPassword?: string;
  log?: Log;
  /** The CLI's server: not killed when this process exits. */
  persistent?: boolean;
  /**
   * Also listen for the binary protocol over TLS (a self-signed certificate for 127.0.0.1 made with keytool in the
   * data dir, kept across restarts on the same dir). Default false.
   */
  ssl?: boolean;
  /** The TLS listener's port when `ssl` is on; default: a free port. */
  sslPort?: number;
}

/** What the HTTP admin calls need of a server. */
export interface OrientDBServerAddress {
  readonly host?: string;
  readonly httpPort: number;
  readonly rootPassword: string;
}

/** A running server, as startOrientDBServer describes it (everything but `stop` is plain data). */
export interface OrientDBServerInfo extends OrientDBServerAddress {
  readonly host: string;
  readonly binaryPort: number;
  readonly secretKey: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly logFile: string;
  readonly version: string;
  readonly protocolVersion: number;
  /** Milliseconds from spawning java until the binary port answered. */
  readonly startMs: number;
  /** Milliseconds until the server logged that it is active. */
  readonly readyMs: number;
  /** The TLS binary listener, and the certificate (PEM) a client trusts it with; null without `ssl`. */
  readonly ssl: { readonly port: number; readonly ca: string } | null;
}

export interface OrientDBServer extends OrientDBServerInfo {
  /** Stops the JVM (SIGTERM, then SIGKILL); idempotent. `removeDataDir` deletes its databases and log. */
  stop(options?: { removeDataDir?: boolean }): Promise<void>;
}

/** A start that failed because a port was taken between choosing and binding it. */
class StartError extends Error {
  constructor(
    message: string,
    readonly busyPort: number | null,
  ) {
    super(message);
  }
}

interface ResolvedOptions {
  readonly secretKey: string;
  readonly tokenExpireTimeoutMinutes: number | undefined;
  readonly rootPassword: string;
  readonly log: Log;
  readonly persistent: boolean;
}

function resolveOptions(opts: StartOrientDBServerOptions): ResolvedOptions {
  const minutes = opts.tokenExpireTimeoutMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1)) {
    // The server parses it with Long.parseLong and multiplies by 60 000 ms: whole minutes only, and 0 would make
    // every token expire at issue time.
    throw new Error(`tokenExpireTimeoutMinutes must be a whole number of minutes >= 1, got ${minutes}`);
  }
  const rootPassword = opts.rootPassword ?? TEST_ROOT_PASSWORD;
  if (!rootPassword) throw new Error('rootPassword must not be empty');
  return {
    secretKey: normalizeSecretKey(opts.secretKey ?? TEST_SECRET_KEY),
    tokenExpireTimeoutMinutes: minutes,
    rootPassword,
    log: opts.log ?? (() => {}),
    persistent: opts.persistent ?? false,
  };
}

interface Ports {
  readonly binaryPort: number;
  readonly httpPort: number;
  /** The TLS listener's port, or null without one. */
  readonly sslPort: number | null;
}

/** The caller's ports (which must be free) completed with free ones. */
async function choosePorts(opts: StartOrientDBServerOptions): Promise<Ports> {
  const fixed = {
    binaryPort: checkPort('binaryPort', opts.binaryPort),
    httpPort: checkPort('httpPort', opts.httpPort),
    sslPort: opts.ssl ? checkPort('sslPort', opts.sslPort) : undefined,
  };
  const names = opts.ssl ? (['binaryPort', 'httpPort', 'sslPort'] as const) : (['binaryPort', 'httpPort'] as const);
  const taken = new Set(names.map((n) => fixed[n]).filter((p) => p !== undefined));
  if (taken.size !== names.filter((n) => fixed[n] !== undefined).length)
    throw new Error(`${names.join(', ')} must differ`);
  for (const name of names) {
    const port = fixed[name];
    if (port !== undefined && !(await isPortFree(port)))
      throw new Error(`${name} ${port} is already in use on ${HOST}`);
  }
  const missing = names.length - taken.size;
  const free = missing === 0 ? [] : (await findFreePorts(missing + taken.size)).filter((p) => !taken.has(p));
  const pick = (name: (typeof names)[number]): number => fixed[name] ?? (free.shift() as number);
  return { binaryPort: pick('binaryPort'), httpPort: pick('httpPort'), sslPort: opts.ssl ? pick('sslPort') : null };
}

/** Polls until the binary port (and the TLS one) answers with a protocol version and the HTTP port accepts; returns the version. */
async function waitUntilListening(
  proc: ServerProcess,
  ports: Ports,
  ca: string | null,
  log: { file: string; offset: number },
): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const gone = proc.exitReason();
    if (gone !== null) {
      const logTail = await readLogTail(log.file, log.offset);
      throw new StartError(
        `OrientDB server ${gone} before listening on ${HOST}:${ports.binaryPort}; log ${log.file}:\n${logTail}`,
        busyPortIn(logTail),
      );
    }
    const protocolVersion = await probeBinaryPort(ports.binaryPort, { timeoutMs: 1000 });
    const sslReady =
      ports.sslPort === null || ca === null || (await probeBinaryPort(ports.sslPort, { timeoutMs: 2000, ca })) !== null;
    if (protocolVersion !== null && sslReady && (await probeTcp(ports.httpPort))) return protocolVersion;
    if (Date.now() > deadline) {
      const logTail = await readLogTail(log.file, log.offset);
      await proc.stop().catch(() => {});
      throw new Error(
        `OrientDB server did not answer on ${HOST}:${ports.binaryPort} within ${START_TIMEOUT_MS / 1000} s (killed it); log ${log.file}:\n${logTail}`,
      );
    }
    await pause(POLL_INTERVAL_MS);
  }
}

/**
 * The listeners open a moment before the server finishes activating (plugins, users): wait for the "Server is
 * active" log line too, but don't depend on it (give up on it after a while).
 */
async function waitUntilActive(
  proc: ServerProcess,
  binaryPort: number,
  log: { file: string; offset: number },
): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  while (
    !proc.exited() &&
    Date.now() < deadline &&
    !isActiveLog(await readLogTail(log.file, log.offset, 1 << 20, Infinity), HOST, binaryPort)
  ) {
    await pause(50);
  }
  if (proc.exited()) {
    // e.g. our port was taken by someone else between choosing it and binding it: what answered wasn't us.
    const logTail = await readLogTail(log.file, log.offset);
    throw new StartError(`OrientDB server exited while activating; log ${log.file}:\n${logTail}`, busyPortIn(logTail));
  }
}

async function startOnce(opts: StartOrientDBServerOptions): Promise<OrientDBServer> {
  const options = resolveOptions(opts);
  const distDir = await ensureOrientDBDistribution({ log: options.log });
  const ports = await choosePorts(opts);
  const dataDir =
    opts.dataDir !== undefined ? path.resolve(opts.dataDir) : await fsp.mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
  const tls = ports.sslPort === null ? null : await createTlsMaterial(path.join(dataDir, 'config', 'cert'));
  const ssl = ports.sslPort === null || tls === null ? undefined : { port: ports.sslPort, tls };
  const files = await writeServerFiles(dataDir, distDir, { ...ports, ...options, ssl });
  const log = { file: files.logFile, offset: await logOffset(files.logFile) };

  const t0 = performance.now();
  const proc = await spawnServer({
    distDir,
    dataDir,
    files,
    rootPassword: options.rootPassword,
    persistent: options.persistent,
    banner: `starting OrientDB ${ORIENTDB_VERSION} (binary ${ports.binaryPort}, http ${ports.httpPort})`,
  });
  const protocolVersion = await waitUntilListening(proc, ports, tls?.certificatePem ?? null, log);
  const startMs = Math.round(performance.now() - t0);
  await waitUntilActive(proc, ports.binaryPort, log);
  const readyMs = Math.round(performance.now() - t0);
  options.log(
    `orientdb ${ORIENTDB_VERSION} started: port answered after ${startMs} ms, active after ${readyMs} ms; pid ${proc.pid}, binary ${HOST}:${ports.binaryPort} (protocol ${protocolVersion}), ${ssl ? `tls ${ssl.port}, ` : ''}http ${ports.httpPort}, data ${dataDir}`,
  );

  let stopped: Promise<void> | null = null;
  return {
    host: HOST,
    binaryPort: ports.binaryPort,
    httpPort: ports.httpPort,
    ssl: ssl ? { port: ssl.port, ca: ssl.tls.certificatePem } : null,
    rootPassword: options.rootPassword,
    secretKey: options.secretKey,
    dataDir,
    pid: proc.pid,
    logFile: files.logFile,
    version: ORIENTDB_VERSION,
    protocolVersion,
    startMs,
    readyMs,
    async stop({ removeDataDir = false } = {}) {
      stopped ??= proc.stop().then(() => options.log(`orientdb: server pid ${proc.pid} stopped`));
      await stopped;
      if (removeDataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts an OrientDB server with its own working dir (config, databases, log) under `dataDir`, and resolves once
 * it serves. Free ports are chosen by binding port 0 and releasing it; if another process grabs one before the JVM
 * binds it, this retries with new ports (only for ports the caller did not fix).
 */
export async function startOrientDBServer(opts: StartOrientDBServerOptions = {}): Promise<OrientDBServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      const busy = error instanceof StartError ? error.busyPort : null;
      const busyWasAuto = busy !== null && busy !== opts.binaryPort && busy !== opts.httpPort && busy !== opts.sslPort;
      if (!(busyWasAuto && attempt < START_ATTEMPTS)) throw error;
      opts.log?.(
        `orientdb: a port was taken before the server could bind it; retrying (${(error as Error).message.split('\n')[0]})`,
      );
    }
  }
}
