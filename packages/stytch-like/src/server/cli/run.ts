import cluster from 'node:cluster';
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import packageJson from '../../../package.json' with { type: 'json' };
import { createStytchLikeServer } from '../http/server.js';
import { SigningKeyCipher } from '../keys/key-encryption.js';
import { SigningKeyRing } from '../keys/signing-key-ring.js';
import { defaultPasswordHashingConcurrency } from '../service/password-hashing.js';
import { StytchLikeSessionService, type StytchLikeSessionServiceOptions } from '../service/session-service.js';
import { projectEnvironment } from '../../model/ids.js';
import { openStore, parseStoreUrl } from '../store/open-store.js';
import type { SessionStore } from '../store/session-store.js';
import { CliUsageError, parseCliArguments, scryptFromEnv, type CliCommand, type ScryptFromEnv } from './arguments.js';
import { BIN, helpText } from './help.js';
import { connectWorker, WorkerPoolError, WorkerSupervisor } from './workers.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** What the CLI talks to; the real process in `main.ts`, something else in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves with the first shutdown signal (SIGTERM or SIGINT). */
  readonly waitForShutdown: () => Promise<string>;
}

/** How long shutdown may take before open connections are cut. */
const SHUTDOWN_DEADLINE_MS = 10_000;

/** Runs one command line; resolves with the exit code. Never throws. */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): Promise<number> {
  let command: CliCommand;
  let scrypt: ScryptFromEnv | undefined;
  try {
    command = parseCliArguments(argv, env);
    scrypt = scryptFromEnv(env);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr.write(`${BIN}: ${error.message} (see ${BIN} --help)\n`);
    return EXIT.usage;
  }
  try {
    switch (command.command) {
      case 'help':
        io.stdout.write(helpText(command.topic));
        return EXIT.ok;
      case 'version':
        io.stdout.write(`${packageJson.version}\n`);
        return EXIT.ok;
      case 'serve':
        return await serve(command, io, scrypt);
      case 'rotate-keys':
        return await rotateKeys(command, io);
      case 'encrypt-keys':
        return await encryptKeys(command, io);
      case 'revoke-sessions':
        return await revokeSessions(command, io);
    }
  } catch (error) {
    io.stderr.write(`${BIN}: ${oneLine(error)}\n`);
    return EXIT.failure;
  }
}

async function serve(config: ServeCommand, io: CliIo, scrypt: ScryptFromEnv | undefined): Promise<number> {
  if (cluster.isWorker) return serveAsWorker(config, io, scrypt);
  if (config.workers > 1) return serveWithWorkers(config, io, scrypt);
  const serving = await startServing(config, io, scrypt, { sweep: true });
  printListening(io, config, serving.publicToken, serving.port);
  await serving.drain(await io.waitForShutdown());
  return EXIT.ok;
}

type ServeCommand = Extract<CliCommand, { command: 'serve' }>;

/** A server listening, and how to stop it. */
interface Serving {
  readonly publicToken: string;
  readonly port: number;
  /** Finishes requests in flight and closes connections (cut after {@link SHUTDOWN_DEADLINE_MS}), service and store. */
  drain(signal: string): Promise<void>;
}

/** The session service's options from the command line, with what differs between the processes of `--workers`. */
function serviceOptions(
  config: ServeCommand,
  store: SessionStore,
  scrypt: ScryptFromEnv | undefined,
  extra: {
    sweepIntervalMs?: number;
    onBackgroundError?: (error: unknown) => void;
    passwordHashingConcurrency?: number | undefined;
  },
): StytchLikeSessionServiceOptions {
  const passwordHashing = {
    ...scrypt,
    ...(extra.passwordHashingConcurrency === undefined ? {} : { concurrency: extra.passwordHashingConcurrency }),
  };
  return {
    store,
    projectId: config.projectId,
    ...(Object.keys(passwordHashing).length === 0 ? {} : { passwordHashing }),
    ...(extra.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: extra.sweepIntervalMs }),
    ...(extra.onBackgroundError === undefined ? {} : { onBackgroundError: extra.onBackgroundError }),
    ...(config.keyEncryptionKeys ? { keyEncryptionKey: config.keyEncryptionKeys } : {}),
    ...(config.jwtAlgorithm === undefined ? {} : { jwtAlgorithm: config.jwtAlgorithm }),
    ...(config.jwtReuseSeconds === undefined ? {} : { jwtReuseSeconds: config.jwtReuseSeconds }),
    ...(config.maxSessionLifetimeMinutes === undefined
      ? {}
      : { maxSessionLifetimeMinutes: config.maxSessionLifetimeMinutes }),
    ...(config.expiredJwtMaxAgeSeconds === undefined
      ? {}
      : { expiredJwtMaxAgeSeconds: config.expiredJwtMaxAgeSeconds }),
  };
}

/**
 * Opens the store, starts the service and the HTTP server and listens. `sweep`: whether this process sweeps expired
 * sessions; `passwordHashingConcurrency`: this process's share of the cores for password hashes.
 */
async function startServing(
  config: ServeCommand,
  io: CliIo,
  scrypt: ScryptFromEnv | undefined,
  tuning: { sweep: boolean; passwordHashingConcurrency?: number; warn?: boolean },
): Promise<Serving> {
  const tls = readTls(config);
  const store = await openStoreOrExplain(config.storeUrl);
  if (tuning.warn !== false) warnAboutSqliteDirectory(config.storeUrl, io);
  const service = new StytchLikeSessionService(
    serviceOptions(config, store, scrypt, {
      onBackgroundError: (error) => server.app.log.warn({ err: error }, 'expired-session sweep failed'),
      ...(tuning.sweep ? {} : { sweepIntervalMs: 0 }),
      passwordHashingConcurrency: tuning.passwordHashingConcurrency,
    }),
  );
  let server: ReturnType<typeof createStytchLikeServer>;
  let publicToken: string;
  try {
    // Refuse to start, rather than fail every sign-in, when the signing keys cannot be used.
    await service.checkSigningKeys();
    server = createStytchLikeServer({
      service,
      secret: config.secrets,
      ...(tls ? { tls } : {}),
      logger: { level: config.logLevel, stream: io.stderr },
      allowedOrigins: config.allowedOrigins,
      sessionCookies: config.sessionCookies,
      ...(config.cookieDomain === undefined ? {} : { cookieDomain: config.cookieDomain }),
    });
    publicToken = await service.publicToken();
  } catch (error) {
    await service.close();
    await store.close();
    throw error;
  }
  let url: string;
  try {
    url = await server.listen({ port: config.port, host: config.host });
  } catch (error) {
    await service.close();
    await store.close();
    // eslint-disable-next-line preserve-caught-error -- one line for the terminal; the driver's error may carry the store URL
    throw new Error(`cannot listen on ${config.host}:${config.port}: ${oneLine(error)}`);
  }
  return {
    publicToken,
    port: Number(new URL(url).port),
    async drain(signal) {
      server.app.log.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        io.stderr.write(`${BIN}: shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms; closing open connections\n`);
        server.app.server.closeAllConnections();
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      try {
        await server.close();
        await service.close();
        await store.close();
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}

function printListening(io: CliIo, config: ServeCommand, publicToken: string, port: number): void {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // The frontend SDK's public token: not a secret (pages carry it), printed so that it can be put into them.
  io.stdout.write(`public token ${publicToken}\n`);
  io.stdout.write(`listening on ${config.tls ? 'https' : 'http'}://${host}:${port}\n`);
}

/**
 * The primary of `serve --workers <n>`: prepares the store once (schema, the first signing key or the rotation to
 * `--jwt-alg`, the public token), so that workers starting together never race to create them; then forks the
 * workers, prints the one "listening" line, and drains them all on SIGTERM or SIGINT.
 */
async function serveWithWorkers(config: ServeCommand, io: CliIo, scrypt: ScryptFromEnv | undefined): Promise<number> {
  readTls(config);
  const store = await openStoreOrExplain(config.storeUrl);
  warnAboutSqliteDirectory(config.storeUrl, io);
  let publicToken: string;
  try {
    const service = new StytchLikeSessionService(serviceOptions(config, store, scrypt, { sweepIntervalMs: 0 }));
    try {
      await service.checkSigningKeys();
      await service.getJwks();
      publicToken = await service.publicToken();
    } finally {
      await service.close();
    }
  } finally {
    await store.close();
  }
  const supervisor = new WorkerSupervisor({
    workers: config.workers,
    port: config.port,
    stderr: io.stderr,
    bin: BIN,
    drainDeadlineMs: SHUTDOWN_DEADLINE_MS,
  });
  const port = await supervisor.start();
  printListening(io, config, publicToken, port);
  let gaveUp: WorkerPoolError | undefined;
  await Promise.race([
    io.waitForShutdown(),
    supervisor.failed.catch((error: unknown) => {
      gaveUp = error instanceof WorkerPoolError ? error : new WorkerPoolError(oneLine(error));
    }),
  ]);
  const clean = await supervisor.stop();
  if (gaveUp !== undefined) throw gaveUp;
  return clean ? EXIT.ok : EXIT.failure;
}

/**
 * A worker of `serve --workers <n>`: serves the port its primary shares, reports when it listens (or why it cannot),
 * and drains when told. Only worker 1 sweeps expired sessions; each takes its share of the cores for password hashes.
 */
async function serveAsWorker(config: ServeCommand, io: CliIo, scrypt: ScryptFromEnv | undefined): Promise<number> {
  const channel = connectWorker();
  let serving: Serving;
  try {
    const { slot } = await channel.assignment;
    serving = await startServing(config, io, scrypt, {
      sweep: slot === 1,
      passwordHashingConcurrency: Math.max(1, Math.floor(defaultPasswordHashingConcurrency() / config.workers)),
      warn: false,
    });
  } catch (error) {
    await channel.failed(oneLine(error));
    return EXIT.failure;
  }
  await channel.ready(serving.port);
  await serving.drain(await channel.shutdown);
  return EXIT.ok;
}

function readTls(config: ServeCommand): { cert: Buffer; key: Buffer } | undefined {
  return config.tls
    ? { cert: readPem(config.tls.certFile, '--tls-cert'), key: readPem(config.tls.keyFile, '--tls-key') }
    : undefined;
}

async function rotateKeys(config: Extract<CliCommand, { command: 'rotate-keys' }>, io: CliIo): Promise<number> {
  const store = await openStoreOrExplain(config.storeUrl);
  try {
    const keys = new SigningKeyRing({
      store,
      clock: () => new Date(),
      environment: projectEnvironment(config.projectId ?? ''),
      ...(config.keyEncryptionKeys ? { cipher: new SigningKeyCipher(config.keyEncryptionKeys) } : {}),
      ...(config.jwtAlgorithm === undefined ? {} : { algorithm: config.jwtAlgorithm }),
    });
    const rotation = await keys.rotate(config.overlapMs, { dropPrevious: config.dropPrevious });
    io.stdout.write(`signing with new key ${rotation.kid}\n`);
    for (const retired of rotation.retired) {
      io.stdout.write(`previous key ${retired.kid} stays in the JWKS until ${retired.retiresAt.toISOString()}\n`);
    }
    for (const kid of rotation.dropped) {
      io.stdout.write(`previous key ${kid} deleted: JWTs it signed no longer verify\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function encryptKeys(config: Extract<CliCommand, { command: 'encrypt-keys' }>, io: CliIo): Promise<number> {
  const store = await openStoreOrExplain(config.storeUrl);
  try {
    const cipher = new SigningKeyCipher(config.keyEncryptionKeys);
    const keys = new SigningKeyRing({ store, clock: () => new Date(), environment: projectEnvironment(''), cipher });
    const report = await keys.encryptStoredKeys();
    for (const kid of report.encrypted) io.stdout.write(`encrypted the private key of ${kid}\n`);
    for (const kid of report.erased) io.stdout.write(`erased the private key of retired key ${kid}\n`);
    if (report.encrypted.length === 0 && report.erased.length === 0) {
      io.stdout.write('every private key was already encrypted under the first key\n');
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function revokeSessions(config: Extract<CliCommand, { command: 'revoke-sessions' }>, io: CliIo): Promise<number> {
  const store = await openStoreOrExplain(config.storeUrl);
  try {
    if (!(await store.findUserById(config.userId))) throw new Error(`there is no user ${config.userId}`);
    const count = await store.deleteUserSessions(config.userId);
    io.stdout.write(`revoked ${count} session${count === 1 ? '' : 's'} of ${config.userId}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? oneLine(error)}`, {
      cause: error,
    });
  }
}

/** The store makes the database files 0600; a directory others may write to still lets them swap the files. */
function warnAboutSqliteDirectory(storeUrl: string, io: CliIo): void {
  const location = parseStoreUrl(storeUrl);
  if (location.kind !== 'sqlite' || location.path === ':memory:') return;
  const directory = dirname(resolve(location.path));
  if ((statSync(directory).mode & 0o022) !== 0) {
    const advice = 'keep the database in a directory only this user can open (chmod 700)';
    io.stderr.write(`${BIN}: warning: ${directory} is writable by other users; ${advice}\n`);
  }
}

async function openStoreOrExplain(url: string): Promise<SessionStore> {
  try {
    return await openStore(url);
  } catch (error) {
    // eslint-disable-next-line preserve-caught-error -- one line for the terminal; the driver's error may carry the store URL
    throw new Error(`cannot open the store: ${oneLine(error)}`);
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
