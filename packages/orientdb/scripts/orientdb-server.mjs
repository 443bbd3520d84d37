#!/usr/bin/env node
// Real-server harness for the orientdb adapter: fetches the OrientDB community distribution from
// Maven Central (via `mvn`), unpacks it once into a cache outside the repo, and starts/stops
// throwaway OrientDB servers (each with its own config + databases dir) for tests and developers.
//
// Node >= 22, ESM, node: builtins only (no npm dependencies).
//
// API (imported by vitest global setup / tests):
//   ensureOrientDBDistribution({ log? })                       -> Promise<string> (distribution dir)
//   startOrientDBServer({ secretKey?, tokenExpireTimeoutMinutes?, binaryPort?, httpPort?, dataDir?,
//                         rootPassword?, log? })
//     -> Promise<{ host, binaryPort, httpPort, rootPassword, secretKey, dataDir, pid, logFile, version,
//                  protocolVersion, startMs, readyMs, stop({ removeDataDir? }?) }>
//   createDatabase(server, name, { timeoutMs?, user? })        -> Promise<{ created, user }>
//     (also makes the database user TEST_DB_USER/TEST_DB_PASSWORD: only database users' tokens can be
//      reattached from a new socket: OrientDB resolves a token's user inside the database)
//   listDatabases(server), sqlCommand(server, db, sql, params), ensureDatabaseUser(server, db, user)
//   mintOrientDBToken({...}) / decodeOrientDBToken(buf, { secretKey? }) / randomSecretKey()
//   TEST_ROOT_PASSWORD, TEST_SECRET_KEY, TEST_DB_USER, TEST_DB_PASSWORD, ORIENTDB_VERSION
//
// CLI: node scripts/orientdb-server.mjs start|stop|status|fetch|latest|cleanup
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ORIENTDB_VERSION } from './orientdb-version.mjs';

export { ORIENTDB_VERSION };

/** Root password used by test servers unless one is given. */
export const TEST_ROOT_PASSWORD = 'sessiontoken-test-root';
/**
 * Fixed token secret (base64url of the 32 ASCII bytes "sessiontoken/orientdb test key!!"), so tokens
 * survive a server restart. OrientDB decodes `network.token.secretKey` with a base64 *URL* decoder.
 */
export const TEST_SECRET_KEY = 'c2Vzc2lvbnRva2VuL29yaWVudGRiIHRlc3Qga2V5ISE';

/** Database user (OUser, role admin) that createDatabase() makes in each test database by default. */
export const TEST_DB_USER = 'sessiontoken';
export const TEST_DB_PASSWORD = 'sessiontoken-test-user';

export const DEFAULT_BINARY_PORT = 2424;
export const DEFAULT_HTTP_PORT = 2480;
export const DEFAULT_DATABASE = 'sessiontoken';

const HOST = '127.0.0.1';
const TEMP_PREFIX = 'sessiontoken-orientdb-';
const START_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 200;
const STOP_GRACE_MS = 30_000;
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;
const JAVA_MIN_MAJOR = 17;
const MAVEN_ARTIFACT = `com.orientechnologies:orientdb-community:${ORIENTDB_VERSION}:tar.gz`;
const DIST_NAME = `orientdb-community-${ORIENTDB_VERSION}`;

const noop = () => {};

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/** `${SESSIONTOKEN_CACHE_DIR || ~/.cache/sessiontoken}/orientdb` */
export function orientdbCacheDir() {
  const base = process.env.SESSIONTOKEN_CACHE_DIR || path.join(os.homedir(), '.cache', 'sessiontoken');
  return path.join(path.resolve(base), 'orientdb');
}

/** Where the CLI keeps its state file (`server.json`) and its persistent data dir. */
export function orientdbRunDir() {
  return path.join(orientdbCacheDir(), 'run');
}

function stateFilePath() {
  return path.join(orientdbRunDir(), 'server.json');
}

// ---------------------------------------------------------------------------------------------
// Prerequisites
// ---------------------------------------------------------------------------------------------

const PREREQ = `OrientDB tests need Java ${JAVA_MIN_MAJOR}+ and Maven on PATH`;

/** `$JAVA_HOME/bin/java` when it exists (like OrientDB's server.sh), else `java` from PATH. */
function javaBin() {
  const home = process.env.JAVA_HOME;
  const candidate = home ? path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java') : null;
  return candidate && fs.existsSync(candidate) ? candidate : 'java';
}

function checkJava() {
  const r = spawnSync(javaBin(), ['-version'], { encoding: 'utf8' });
  if (r.error) {
    const why = r.error.code === 'ENOENT' ? '`java` not found' : `\`java -version\` failed (${r.error.message})`;
    throw new Error(`${PREREQ}: ${why} (install openjdk-${JAVA_MIN_MAJOR}-jre-headless)`);
  }
  const out = `${r.stderr}${r.stdout}`;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) {
    throw new Error(`${PREREQ}: cannot read the version from \`java -version\` (install openjdk-${JAVA_MIN_MAJOR}-jre-headless)`);
  }
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < JAVA_MIN_MAJOR) {
    throw new Error(`${PREREQ}: \`java\` is version ${major} (install openjdk-${JAVA_MIN_MAJOR}-jre-headless)`);
  }
  return major;
}

function checkMaven() {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error?.code === 'ENOENT' ? '`mvn` not found' : `\`mvn -v\` failed (${r.error?.message ?? `exit ${r.status}`})`;
    throw new Error(`${PREREQ}: ${why} (install maven)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Distribution
// ---------------------------------------------------------------------------------------------

function isUnpackedDist(dir) {
  return fs.existsSync(path.join(dir, 'lib', `orientdb-server-${ORIENTDB_VERSION}.jar`));
}

function tail(text, maxLines = 40) {
  const lines = String(text).trimEnd().split('\n');
  return lines.slice(-maxLines).join('\n');
}

function run(cmd, args, { timeoutMs, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`\`${cmd} ${args.join(' ')}\` timed out after ${timeoutMs} ms\n${tail(out)}`));
        }, timeoutMs)
      : null;
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

/**
 * Downloads (once) the OrientDB community tarball with Maven and unpacks it (once) into the cache.
 * Safe when several processes race: downloads and unpacks go to private temp dirs, then are renamed.
 * @returns {Promise<string>} absolute path of the unpacked distribution
 */
export async function ensureOrientDBDistribution({ log = noop } = {}) {
  checkJava();
  const cache = orientdbCacheDir();
  const distDir = path.join(cache, DIST_NAME);
  if (isUnpackedDist(distDir)) return distDir;

  await fsp.mkdir(cache, { recursive: true });
  const tarball = path.join(cache, `${DIST_NAME}.tar.gz`);
  if (!fs.existsSync(tarball)) {
    checkMaven();
    const dlDir = await fsp.mkdtemp(path.join(cache, '.download-'));
    try {
      log(`orientdb: downloading ${MAVEN_ARTIFACT} with mvn ...`);
      const t0 = Date.now();
      const r = await run(
        'mvn',
        ['-B', '-q', 'dependency:copy', `-Dartifact=${MAVEN_ARTIFACT}`, `-DoutputDirectory=${dlDir}`],
        { timeoutMs: DOWNLOAD_TIMEOUT_MS, cwd: dlDir },
      );
      const got = path.join(dlDir, `${DIST_NAME}.tar.gz`);
      if (r.code !== 0 || !fs.existsSync(got)) {
        throw new Error(
          `Could not download ${MAVEN_ARTIFACT} with mvn (exit ${r.code ?? r.signal}); is Maven Central reachable?\n${tail(r.out)}`,
        );
      }
      await fsp.rename(got, tarball); // atomic; a concurrent winner is simply replaced by an identical file
      log(`orientdb: downloaded in ${Date.now() - t0} ms`);
    } finally {
      await fsp.rm(dlDir, { recursive: true, force: true });
    }
  }

  const unpackDir = await fsp.mkdtemp(path.join(cache, '.unpack-'));
  try {
    log(`orientdb: unpacking ${path.basename(tarball)} ...`);
    const r = await run('tar', ['-xzf', tarball, '-C', unpackDir], { timeoutMs: 10 * 60_000 });
    const unpacked = path.join(unpackDir, DIST_NAME);
    if (r.code !== 0 || !isUnpackedDist(unpacked)) {
      // A corrupt tarball would fail forever: drop it so the next run downloads it again.
      await fsp.rm(tarball, { force: true });
      throw new Error(`Could not unpack ${tarball} (tar exit ${r.code ?? r.signal}); removed it, retry to re-download\n${tail(r.out)}`);
    }
    try {
      await fsp.rename(unpacked, distDir);
    } catch (err) {
      // Lost the race against another process (or a broken leftover dir is in the way).
      if (!isUnpackedDist(distDir)) {
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await fsp.rm(distDir, { recursive: true, force: true });
        await fsp.rename(unpacked, distDir);
      }
    }
  } finally {
    await fsp.rm(unpackDir, { recursive: true, force: true });
  }
  return distDir;
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

function listenOn(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port, exclusive: true }, () => resolve(srv));
  });
}

function closeServer(srv) {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** Returns `count` distinct free TCP ports on 127.0.0.1 (all held open together while choosing). */
export async function findFreePorts(count = 1) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOn(0));
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/** true when nothing listens on 127.0.0.1:port (we could bind it). */
export async function isPortFree(port) {
  try {
    await closeServer(await listenOn(port));
    return true;
  } catch {
    return false;
  }
}

/**
 * Connects to the binary port and reads the 2-byte protocol version the server writes on accept.
 * Resolves the version number, or null when nothing (valid) answers within timeoutMs.
 */
export function probeBinaryPort(port, { host = HOST, timeoutMs = 1000 } = {}) {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2) {
        const v = buf.readInt16BE(0);
        finish(v > 0 && v < 1000 ? v : null);
      }
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

function probeTcp(port, { host = HOST, timeoutMs = 1000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(false);
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Server config
// ---------------------------------------------------------------------------------------------

function xmlAttr(value) {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Accepts base64 or base64url; returns base64url (what OrientDB's URL decoder accepts). */
function normalizeSecretKey(secretKey) {
  const s = String(secretKey).trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    throw new Error('secretKey must be base64/base64url (ideally of 32 random bytes)');
  }
  const bytes = Buffer.from(s.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  if (bytes.length < 16) throw new Error(`secretKey decodes to ${bytes.length} bytes; use at least 16 (32 recommended)`);
  return bytes.toString('base64url');
}

function serverConfigXml({ binaryPort, httpPort, rootPassword, secretKey, tokenExpireTimeoutMinutes, distDir }) {
  const props = [
    ['network.token.secretKey', secretKey],
    ...(tokenExpireTimeoutMinutes != null ? [['network.token.expireTimeout', String(tokenExpireTimeoutMinutes)]] : []),
    ['profiler.enabled', 'false'],
    // Don't load Studio (plugins/orientdb-studio-*.zip) or any other dynamic plugin.
    ['plugin.dynamic', 'false'],
  ];
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- generated by packages/orientdb/scripts/orientdb-server.mjs (test server, loopback only) -->
<orient-server>
    <handlers/>
    <network>
        <protocols>
            <protocol name="binary" implementation="com.orientechnologies.orient.server.network.protocol.binary.ONetworkProtocolBinary"/>
            <protocol name="http" implementation="com.orientechnologies.orient.server.network.protocol.http.ONetworkProtocolHttpDb"/>
        </protocols>
        <listeners>
            <listener protocol="binary" ip-address="${HOST}" port-range="${binaryPort}" socket="default"/>
            <listener protocol="http" ip-address="${HOST}" port-range="${httpPort}" socket="default">
                <parameters>
                    <parameter name="network.http.charset" value="utf-8"/>
                    <parameter name="network.http.jsonResponseError" value="true"/>
                </parameters>
            </listener>
        </listeners>
    </network>
    <storages/>
    <users>
        <user name="root" password="${xmlAttr(rootPassword)}" resources="*"/>
    </users>
    <properties>
${props.map(([k, v]) => `        <entry name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`).join('\n')}
    </properties>
</orient-server>
`;
}

const LOG_PROPERTIES = `# generated by orientdb-server.mjs: everything to stdout (redirected to the server log file)
handlers = java.util.logging.ConsoleHandler
.level = INFO
com.orientechnologies.level = INFO
java.util.logging.ConsoleHandler.level = INFO
java.util.logging.ConsoleHandler.formatter = com.orientechnologies.common.log.OLogFormatter
# harmless noise: jnr fstat stack traces ("Error detecting block size"), "running as root" warnings
com.orientechnologies.common.jnr.level = SEVERE
com.orientechnologies.orient.core.engine.local.level = SEVERE
`;

async function readLogTail(logFile, fromOffset = 0, maxBytes = 16_384, maxLines = 60) {
  try {
    const fh = await fsp.open(logFile, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(fromOffset, size - maxBytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return tail(buf.toString('utf8'), maxLines);
    } finally {
      await fh.close();
    }
  } catch {
    return '(no server log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------------------------

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Best effort: is `pid` an OrientDB server java process (optionally for this dataDir)? */
function looksLikeOrientDB(pid, dataDir) {
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    cmdline = r.stdout ?? '';
  }
  return cmdline.includes('OServerMain') && (!dataDir || cmdline.includes(dataDir));
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal); // detached => own process group, pgid === pid
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM (graceful OrientDB shutdown), then SIGKILL after graceMs; resolves once the pid is gone. */
async function terminate(pid, { exited = () => !isAlive(pid), graceMs = STOP_GRACE_MS } = {}) {
  if (exited()) return;
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (!exited() && Date.now() < deadline) await sleep(100);
  if (exited()) return;
  killGroup(pid, 'SIGKILL');
  const hardDeadline = Date.now() + 10_000;
  while (!exited() && Date.now() < hardDeadline) await sleep(100);
  if (!exited()) throw new Error(`OrientDB server pid ${pid} did not exit after SIGKILL`);
}

// Servers started through the API (not the CLI's persistent one) are killed if the process exits
// without calling stop(), so a crashed test run does not leak JVMs.
const liveServers = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveServers) killGroup(pid, 'SIGKILL');
  });
}

// ---------------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------------

function checkPort(name, value) {
  if (value == null) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be an integer 1..65535, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Starts an OrientDB server with its own working dir (config, databases, log) under `dataDir`.
 *
 * @param {object} [opts]
 * @param {string} [opts.secretKey] base64/base64url token key; default TEST_SECRET_KEY (tokens survive restarts)
 * @param {number} [opts.tokenExpireTimeoutMinutes] `network.token.expireTimeout` (whole minutes, server default 60)
 * @param {number} [opts.binaryPort] default: a free port
 * @param {number} [opts.httpPort] default: a free port
 * @param {string} [opts.dataDir] reuse to restart on the same databases; default: a new temp dir
 * @param {string} [opts.rootPassword] default TEST_ROOT_PASSWORD
 * @param {(msg: string) => void} [opts.log]
 * @param {boolean} [opts.persistent] internal (CLI): don't kill the server when this process exits
 */
export async function startOrientDBServer(opts = {}) {
  // Free ports are chosen by binding port 0 and releasing it; if another process grabs one before the
  // JVM binds it, retry with new ports (only when the caller didn't fix them).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      const busyWasAuto = err.busyPort != null && err.busyPort !== opts.binaryPort && err.busyPort !== opts.httpPort;
      if (!(busyWasAuto && attempt < 3)) throw err;
      opts.log?.(`orientdb: a port was taken before the server could bind it; retrying (${err.message.split('\n')[0]})`);
    }
  }
}

function busyPortIn(logText) {
  const m = /Unable to listen for connections using the configured ports '(\d+)'/.exec(logText);
  return m ? Number(m[1]) : null;
}

async function startOnce(opts) {
  const {
    secretKey = TEST_SECRET_KEY,
    tokenExpireTimeoutMinutes,
    dataDir: givenDataDir,
    rootPassword = TEST_ROOT_PASSWORD,
    log = noop,
    persistent = false,
  } = opts;
  let binaryPort = checkPort('binaryPort', opts.binaryPort);
  let httpPort = checkPort('httpPort', opts.httpPort);
  if (tokenExpireTimeoutMinutes != null && (!Number.isInteger(tokenExpireTimeoutMinutes) || tokenExpireTimeoutMinutes < 1)) {
    // The server parses it with Long.parseLong and multiplies by 60 000 ms: whole minutes only, and 0
    // would make every token expire at issue time.
    throw new Error(`tokenExpireTimeoutMinutes must be a whole number of minutes >= 1, got ${tokenExpireTimeoutMinutes}`);
  }
  if (!rootPassword) throw new Error('rootPassword must not be empty');
  const key = normalizeSecretKey(secretKey);

  const distDir = await ensureOrientDBDistribution({ log });

  if (binaryPort == null || httpPort == null) {
    const [a, b] = await findFreePorts(2);
    binaryPort ??= a === httpPort ? b : a;
    httpPort ??= b === binaryPort ? a : b;
  }
  if (binaryPort === httpPort) throw new Error(`binaryPort and httpPort must differ (${binaryPort})`);
  for (const [name, port] of [['binaryPort', opts.binaryPort], ['httpPort', opts.httpPort]]) {
    if (port != null && !(await isPortFree(port))) throw new Error(`${name} ${port} is already in use on ${HOST}`);
  }

  const dataDir = givenDataDir
    ? path.resolve(givenDataDir)
    : await fsp.mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
  const configDir = path.join(dataDir, 'config');
  await fsp.mkdir(configDir, { recursive: true });
  await fsp.mkdir(path.join(dataDir, 'databases'), { recursive: true });
  await fsp.mkdir(path.join(dataDir, 'log'), { recursive: true });
  await fsp.mkdir(path.join(dataDir, 'tmp'), { recursive: true });
  const configFile = path.join(configDir, 'orientdb-server-config.xml');
  await fsp.writeFile(
    configFile,
    serverConfigXml({ binaryPort, httpPort, rootPassword, secretKey: key, tokenExpireTimeoutMinutes, distDir }),
    { mode: 0o600 },
  );
  await fsp.copyFile(path.join(distDir, 'config', 'security.json'), path.join(configDir, 'security.json'));
  const logProps = path.join(configDir, 'orientdb-server-log.properties');
  await fsp.writeFile(logProps, LOG_PROPERTIES);

  const logFile = path.join(dataDir, 'log', 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  const logOffset = fs.fstatSync(logFd).size;
  fs.writeSync(logFd, `\n==== ${new Date().toISOString()} starting OrientDB ${ORIENTDB_VERSION} (binary ${binaryPort}, http ${httpPort})\n`);

  const lib = path.join(distDir, 'lib');
  const javaArgs = [
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
    `-Djava.io.tmpdir=${path.join(dataDir, 'tmp')}`, // lz4-java etc. unpack native libs here, not in /tmp
    '-Djava.util.logging.manager=com.orientechnologies.common.log.ShutdownLogManager',
    `-Djava.util.logging.config.file=${logProps}`,
    `-Dorientdb.config.file=${configFile}`,
    `-Dorientdb.www.path=${path.join(distDir, 'www')}`,
    '-cp',
    [path.join(lib, `orientdb-server-${ORIENTDB_VERSION}.jar`), path.join(lib, '*'), path.join(distDir, 'plugins', '*')].join(
      path.delimiter,
    ),
    'com.orientechnologies.orient.server.OServerMain',
  ];

  const t0 = performance.now();
  const child = spawn(javaBin(), javaArgs, {
    cwd: dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ORIENTDB_HOME: dataDir, ORIENTDB_ROOT_PASSWORD: rootPassword },
  });
  fs.closeSync(logFd);
  let exitInfo = null;
  let spawnError = null;
  child.on('exit', (code, signal) => {
    exitInfo = { code, signal };
    liveServers.delete(child.pid);
  });
  child.on('error', (err) => (spawnError = err));
  child.unref();
  if (child.pid == null) {
    await sleep(0);
    throw new Error(`Could not start java: ${spawnError?.message ?? 'unknown error'}`);
  }
  const pid = child.pid;
  if (!persistent) {
    liveServers.add(pid);
    installExitHook();
  }

  const exited = () => exitInfo !== null || !isAlive(pid);
  let stopPromise = null;
  const stop = (stopOpts = {}) => {
    stopPromise ??= (async () => {
      await terminate(pid, { exited });
      liveServers.delete(pid);
      log(`orientdb: server pid ${pid} stopped`);
    })();
    return stopPromise.then(async () => {
      if (stopOpts.removeDataDir) await fsp.rm(dataDir, { recursive: true, force: true });
    });
  };

  // Wait for the binary port to answer (and the HTTP port to accept connections).
  const deadline = Date.now() + START_TIMEOUT_MS;
  let protocolVersion = null;
  for (;;) {
    if (spawnError || exitInfo) {
      const why = spawnError ? spawnError.message : `exited with ${exitInfo.code ?? exitInfo.signal}`;
      const logTail = await readLogTail(logFile, logOffset);
      throw Object.assign(new Error(`OrientDB server ${why} before listening on ${HOST}:${binaryPort}; log ${logFile}:\n${logTail}`), {
        busyPort: busyPortIn(logTail),
      });
    }
    protocolVersion = await probeBinaryPort(binaryPort, { timeoutMs: 1000 });
    if (protocolVersion != null && (await probeTcp(httpPort))) break;
    if (Date.now() > deadline) {
      const logTail = await readLogTail(logFile, logOffset);
      await stop().catch(noop);
      throw new Error(
        `OrientDB server did not answer on ${HOST}:${binaryPort} within ${START_TIMEOUT_MS / 1000} s (killed it); log ${logFile}:\n${logTail}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
  const startMs = Math.round(performance.now() - t0);
  // The listeners open a moment before the server finishes activating (plugins, users); wait for the
  // "Server is active" log line too, but don't depend on it (give up on it after 15 s).
  const activeDeadline = Date.now() + 15_000;
  const isActive = (text) =>
    text.includes('OrientDB Server is active') && text.includes(`Listening binary connections on ${HOST}:${binaryPort} `);
  while (!isActive(await readLogTail(logFile, logOffset, 1 << 20, Infinity)) && Date.now() < activeDeadline) {
    if (exited()) break;
    await sleep(50);
  }
  if (exited()) {
    // e.g. our port was taken by someone else between choosing it and binding it: what answered wasn't us.
    const logTail = await readLogTail(logFile, logOffset);
    throw Object.assign(new Error(`OrientDB server exited while activating; log ${logFile}:\n${logTail}`), {
      busyPort: busyPortIn(logTail),
    });
  }
  const readyMs = Math.round(performance.now() - t0);
  log(
    `orientdb ${ORIENTDB_VERSION} started: port answered after ${startMs} ms, active after ${readyMs} ms; pid ${pid}, binary ${HOST}:${binaryPort} (protocol ${protocolVersion}), http ${httpPort}, data ${dataDir}`,
  );

  return {
    host: HOST,
    binaryPort,
    httpPort,
    rootPassword,
    secretKey: key,
    dataDir,
    pid,
    logFile,
    version: ORIENTDB_VERSION,
    protocolVersion,
    startMs,
    readyMs,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP: databases
// ---------------------------------------------------------------------------------------------

function basicAuth(user, password) {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function httpJson(server, method, urlPath, { timeoutMs, body }) {
  const headers = { Authorization: basicAuth('root', server.rootPassword), Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://${server.host ?? HOST}:${server.httpPort}${urlPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, text };
}

/** Names of the databases the server lists (GET /listDatabases). */
export async function listDatabases(server, { timeoutMs = 30_000 } = {}) {
  const r = await httpJson(server, 'GET', '/listDatabases', { timeoutMs });
  if (r.status !== 200) throw new Error(`GET /listDatabases -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return JSON.parse(r.text).databases ?? [];
}

/** Runs one SQL command in `database` as root through the HTTP API; returns the parsed `result` array. */
export async function sqlCommand(server, database, command, parameters = [], { timeoutMs = 60_000 } = {}) {
  const r = await httpJson(server, 'POST', `/command/${encodeURIComponent(database)}/sql`, {
    timeoutMs,
    body: { command, parameters },
  });
  if (r.status !== 200) throw new Error(`SQL ${JSON.stringify(command)} on ${database} -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return JSON.parse(r.text).result ?? [];
}

/**
 * Makes sure a database user (OUser, not a server user) exists with this password and role.
 * Needed for token reattach: OrientDB resolves the user of a token *inside the database*, so tokens
 * of server users such as root (from orientdb-server-config.xml) cannot reopen a database from a new socket.
 */
export async function ensureDatabaseUser(server, database, { name, password, role = 'admin' }, { timeoutMs = 60_000 } = {}) {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid user name ${JSON.stringify(name)}`);
  if (!/^[A-Za-z0-9_-]+$/.test(role)) throw new Error(`invalid role ${JSON.stringify(role)}`);
  const rows = await sqlCommand(server, database, 'SELECT FROM OUser WHERE name = ?', [name], { timeoutMs });
  if (rows.length === 0) {
    await sqlCommand(server, database, `CREATE USER ${name} IDENTIFIED BY ? ROLE ${role}`, [password], { timeoutMs });
    return { created: true };
  }
  await sqlCommand(server, database, 'UPDATE OUser SET password = ?, status = "ACTIVE" WHERE name = ?', [password, name], { timeoutMs });
  return { created: false };
}

/**
 * Creates a plocal database through the HTTP API unless it exists, and (unless `user: null`) makes sure
 * the database user TEST_DB_USER / TEST_DB_PASSWORD (role admin) exists in it.
 * @returns {Promise<{ created: boolean, user: { name: string, password: string } | null }>}
 */
export async function createDatabase(
  server,
  name,
  { timeoutMs = 60_000, user = { name: TEST_DB_USER, password: TEST_DB_PASSWORD, role: 'admin' } } = {},
) {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)} (use [A-Za-z0-9_-])`);
  let created = false;
  if (!(await listDatabases(server, { timeoutMs })).includes(name)) {
    const r = await httpJson(server, 'POST', `/database/${encodeURIComponent(name)}/plocal`, { timeoutMs });
    if (r.status === 200) created = true;
    else if (!(r.status === 409 || /already exists/i.test(r.text))) {
      throw new Error(`POST /database/${name}/plocal -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
    }
  }
  if (user) await ensureDatabaseUser(server, name, user, { timeoutMs });
  return { created, user: user ? { name: user.name, password: user.password } : null };
}

// ---------------------------------------------------------------------------------------------
// Binary token helpers (tests mint/inspect OrientDB binary session tokens with the known key)
// ---------------------------------------------------------------------------------------------
//
// Layout (big-endian), as produced by OrientDB 3.2 for a CONNECT/DB_OPEN with tokenSession=true:
//   byte  type index        0 = "OrientDB"
//   byte  key index         0 = "default"
//   byte  algorithm index   0 = HmacSHA256
//   short len + UTF-8       database name   (len -1 = null, e.g. server-level CONNECT tokens)
//   byte                    database type   (0 plocal, 1 memory, -1 none)
//   short + long            user RID cluster + position (-1/-1 = none)
//   long                    expiry, epoch milliseconds
//   byte                    serverUser flag (1 for server users like root)
//   [short len + UTF-8]     server user name (only when serverUser = 1)
//   short                   protocol version
//   short len + UTF-8       serializer name, driver name, driver version (each; -1 = null)
//   32 bytes                HMAC-SHA256(key = base64url-decoded secretKey, data = all bytes above)
// The server rejects tokens whose expiry is <= now OR more than expireTimeout (+1 ms) in the future.

function writeShortString(parts, s) {
  if (s == null) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(-1);
    parts.push(b);
    return;
  }
  const data = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeInt16BE(data.length);
  parts.push(len, data);
}

/**
 * Mints a binary OrientDB session token signed with `secretKey`.
 * @returns {Buffer}
 */
export function mintOrientDBToken({
  secretKey = TEST_SECRET_KEY,
  database = null,
  databaseType = 'plocal',
  userRid = null, // e.g. [5, 0] for a database user; null for none
  expiry, // epoch ms (required)
  serverUser = true,
  userName = 'root',
  protocolVersion = 36,
  serializer = 'ORecordSerializerBinary',
  driverName = 'sessiontoken',
  driverVersion = '0',
} = {}) {
  if (!Number.isFinite(expiry)) throw new Error('expiry (epoch ms) is required');
  const parts = [Buffer.from([0, 0, 0])];
  writeShortString(parts, database);
  parts.push(Buffer.from([databaseType == null ? 0xff : { plocal: 0, memory: 1 }[databaseType]]));
  const rid = Buffer.alloc(10);
  rid.writeInt16BE(userRid ? userRid[0] : -1, 0);
  rid.writeBigInt64BE(BigInt(userRid ? userRid[1] : -1), 2);
  parts.push(rid);
  const exp = Buffer.alloc(9);
  exp.writeBigInt64BE(BigInt(Math.trunc(expiry)), 0);
  exp.writeUInt8(serverUser ? 1 : 0, 8);
  parts.push(exp);
  if (serverUser) writeShortString(parts, userName);
  const pv = Buffer.alloc(2);
  pv.writeInt16BE(protocolVersion);
  parts.push(pv);
  writeShortString(parts, serializer);
  writeShortString(parts, driverName);
  writeShortString(parts, driverVersion);
  const body = Buffer.concat(parts);
  const mac = createHmac('sha256', Buffer.from(normalizeSecretKey(secretKey), 'base64url')).update(body).digest();
  return Buffer.concat([body, mac]);
}

/** Decodes a binary OrientDB token (does not verify it unless secretKey is given). */
export function decodeOrientDBToken(token, { secretKey } = {}) {
  const b = Buffer.from(token);
  let o = 0;
  const str = () => {
    const n = b.readInt16BE(o);
    o += 2;
    if (n < 0) return null;
    const s = b.toString('utf8', o, o + n);
    o += n;
    return s;
  };
  const out = { type: b[0], keyIndex: b[1], algorithm: b[2] };
  o = 3;
  out.database = str();
  const dbType = b.readInt8(o++);
  out.databaseType = dbType < 0 ? null : (['plocal', 'memory'][dbType] ?? dbType);
  const cluster = b.readInt16BE(o);
  const position = b.readBigInt64BE(o + 2);
  o += 10;
  out.userRid = cluster === -1 && position === -1n ? null : `#${cluster}:${position}`;
  out.expiry = Number(b.readBigInt64BE(o));
  o += 8;
  out.serverUser = b[o++] === 1;
  out.userName = out.serverUser ? str() : null;
  out.protocolVersion = b.readInt16BE(o);
  o += 2;
  out.serializer = str();
  out.driverName = str();
  out.driverVersion = str();
  out.signature = b.subarray(o).toString('hex');
  if (secretKey != null) {
    const mac = createHmac('sha256', Buffer.from(normalizeSecretKey(secretKey), 'base64url')).update(b.subarray(0, o)).digest();
    out.signatureValid = mac.toString('hex') === out.signature;
  }
  return out;
}

/** Random base64url secret (32 bytes) for tests that want a key different from TEST_SECRET_KEY. */
export function randomSecretKey() {
  return randomBytes(32).toString('base64url');
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

class UsageError extends Error {}

function envPort(name, fallback) {
  const raw = process.env[name];
  if (raw == null || raw === '') return { port: fallback, fromEnv: false };
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new UsageError(`${name} must be an integer 1..65535, got ${JSON.stringify(raw)}`);
  }
  return { port: Number(raw), fromEnv: true };
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(stateFilePath(), 'utf8'));
  } catch {
    return null;
  }
}

async function stateIsLive(state) {
  return (
    state?.pid != null &&
    isAlive(state.pid) &&
    looksLikeOrientDB(state.pid, state.dataDir) &&
    (await probeBinaryPort(state.binaryPort)) != null
  );
}

async function cliStart() {
  const database = process.env.ORIENTDB_DATABASE || DEFAULT_DATABASE;
  if (!/^[A-Za-z0-9_-]+$/.test(database)) {
    throw new UsageError(`ORIENTDB_DATABASE must match [A-Za-z0-9_-]+, got ${JSON.stringify(database)}`);
  }
  const bin = envPort('ORIENTDB_PORT', DEFAULT_BINARY_PORT);
  const http = envPort('ORIENTDB_HTTP_PORT', DEFAULT_HTTP_PORT);
  if (bin.port === http.port) throw new UsageError(`ORIENTDB_PORT and ORIENTDB_HTTP_PORT must differ (${bin.port})`);

  const state = readState();
  if (await stateIsLive(state)) {
    await createDatabase(state, database);
    console.log(
      `orientdb ${state.version} already running on ${state.host}:${state.binaryPort} (http ${state.httpPort}), pid ${state.pid}: reusing it`,
    );
    return 0;
  }
  if (state) await fsp.rm(stateFilePath(), { force: true }); // stale

  const pick = async ({ port, fromEnv }, name) => {
    if (await isPortFree(port)) return port;
    if (fromEnv) throw new Error(`${name}=${port} is busy on ${HOST}; free it or choose another port`);
    const [free] = await findFreePorts(1);
    console.error(`orientdb: port ${port} is busy, using ${free}`);
    return free;
  };
  const binaryPort = await pick(bin, 'ORIENTDB_PORT');
  let httpPort = await pick(http, 'ORIENTDB_HTTP_PORT');
  if (httpPort === binaryPort) [httpPort] = await findFreePorts(1);

  const dataDir = path.join(orientdbRunDir(), 'data');
  const server = await startOrientDBServer({
    binaryPort,
    httpPort,
    dataDir,
    rootPassword: process.env.ORIENTDB_ROOT_PASSWORD || TEST_ROOT_PASSWORD,
    log: (m) => console.error(m),
    persistent: true,
  });
  let dbUser;
  try {
    ({ user: dbUser } = await createDatabase(server, database));
  } catch (err) {
    await server.stop();
    throw err;
  }
  const { stop: _stop, ...rest } = server;
  await fsp.mkdir(orientdbRunDir(), { recursive: true });
  const tmp = `${stateFilePath()}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify({ ...rest, database, dbUser: dbUser?.name, dbPassword: dbUser?.password, startedAt: new Date().toISOString() }, null, 2)}\n`, {
    mode: 0o600,
  });
  await fsp.rename(tmp, stateFilePath());
  console.log(`orientdb ${ORIENTDB_VERSION} listening on ${server.host}:${server.binaryPort} (http ${server.httpPort})`);
  return 0;
}

async function cliStop() {
  const state = readState();
  if (!state) {
    console.log(`orientdb: no state file (${stateFilePath()}), nothing to stop`);
    return 0;
  }
  if (state.pid != null && isAlive(state.pid) && looksLikeOrientDB(state.pid, state.dataDir)) {
    await terminate(state.pid);
    console.log(`orientdb: stopped pid ${state.pid} (${state.host}:${state.binaryPort})`);
  } else {
    console.log(`orientdb: pid ${state.pid} is not running; removing stale state`);
  }
  await fsp.rm(stateFilePath(), { force: true });
  return 0;
}

async function cliStatus() {
  const state = readState();
  if (!state) {
    console.log(`orientdb: not running (no state file ${stateFilePath()})`);
    return 1;
  }
  const live = await stateIsLive(state);
  console.log(
    `orientdb ${state.version}: ${live ? 'running' : 'NOT running (stale state)'} pid ${state.pid} on ${state.host}:${state.binaryPort} (http ${state.httpPort}) database ${state.database} data ${state.dataDir}`,
  );
  console.log(JSON.stringify(state, null, 2));
  return live ? 0 : 1;
}

/** Asks Maven which is the newest 3.2.x it can resolve (reads maven-metadata.xml of the artifact). */
async function cliLatest() {
  checkMaven();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'orientdb-latest-'));
  try {
    await fsp.writeFile(
      path.join(dir, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>probe</groupId><artifactId>probe</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>com.orientechnologies</groupId><artifactId>orientdb-community</artifactId>
<version>[3.2.0,3.3.0)</version><type>pom</type><exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
</dependency></dependencies></project>
`,
    );
    const r = await run('mvn', ['-B', '-U', 'dependency:list'], { cwd: dir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    const m = /com\.orientechnologies:orientdb-community:pom:([\w.-]+)/.exec(r.out);
    if (r.code !== 0 || !m) throw new Error(`mvn could not resolve orientdb-community [3.2.0,3.3.0):\n${tail(r.out)}`);
    console.log(`newest 3.2.x on Maven Central: ${m[1]} (pinned: ${ORIENTDB_VERSION})`);
    return 0;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Stops leaked test servers: OServerMain processes whose ORIENTDB_HOME is a harness temp dir. */
async function cliCleanup() {
  const marker = `-DORIENTDB_HOME=${path.join(os.tmpdir(), TEMP_PREFIX)}`;
  let pids = [];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    throw new Error('cleanup needs /proc (Linux)');
  }
  let n = 0;
  for (const pid of pids) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd.includes('com.orientechnologies.orient.server.OServerMain') && cmd.some((a) => a.startsWith(marker))) {
      await terminate(pid);
      console.log(`orientdb: stopped leaked test server pid ${pid}`);
      n++;
    }
  }
  console.log(`orientdb: ${n} leaked test server(s) stopped`);
  return 0;
}

const USAGE = `usage: node scripts/orientdb-server.mjs <command>
  fetch    download + unpack OrientDB ${ORIENTDB_VERSION} into ${orientdbCacheDir()}
  start    start a detached server (ports 2424/2480 or ORIENTDB_PORT/ORIENTDB_HTTP_PORT), create database
           ORIENTDB_DATABASE (default ${DEFAULT_DATABASE}); reuses a running one
  stop     stop the server from the state file
  status   show the state file and whether the server answers (exit 1 when not running)
  cleanup  stop leaked test servers (temp data dirs under ${os.tmpdir()}/${TEMP_PREFIX}*)
  latest   ask Maven for the newest 3.2.x (to update orientdb-version.mjs)`;

async function main(argv) {
  const cmd = argv[0];
  try {
    switch (cmd) {
      case 'fetch': {
        const dir = await ensureOrientDBDistribution({ log: (m) => console.error(m) });
        console.log(dir);
        return 0;
      }
      case 'start':
        return await cliStart();
      case 'stop':
        return await cliStop();
      case 'status':
        return await cliStatus();
      case 'latest':
        return await cliLatest();
      case 'cleanup':
        return await cliCleanup();
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE);
        return 0;
      default:
        console.error(cmd ? `unknown command ${JSON.stringify(cmd)}\n${USAGE}` : USAGE);
        return 2;
    }
  } catch (err) {
    console.error(`orientdb-server: ${err instanceof Error ? err.message : err}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await main(process.argv.slice(2));
}
