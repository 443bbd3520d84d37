import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import packageJson from '../../../package.json' with { type: 'json' };
import { createStytchLikeServer } from '../http/server.js';
import { SigningKeyCipher } from '../keys/key-encryption.js';
import { SigningKeyRing } from '../keys/signing-key-ring.js';
import { StytchLikeSessionService } from '../service/session-service.js';
import { projectEnvironment } from '../../model/ids.js';
import { openStore, parseStoreUrl } from '../store/open-store.js';
import type { SessionStore } from '../store/session-store.js';
import { CliUsageError, parseCliArguments, scryptLogCostFromEnv, type CliCommand } from './arguments.js';
import { BIN, helpText } from './help.js';

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
  let scryptLogCost: number | undefined;
  try {
    command = parseCliArguments(argv, env);
    scryptLogCost = scryptLogCostFromEnv(env);
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
        return await serve(command, io, scryptLogCost);
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

async function serve(
  config: Extract<CliCommand, { command: 'serve' }>,
  io: CliIo,
  scryptLogCost: number | undefined,
): Promise<number> {
  const tls = config.tls
    ? { cert: readPem(config.tls.certFile, '--tls-cert'), key: readPem(config.tls.keyFile, '--tls-key') }
    : undefined;
  const store = await openStoreOrExplain(config.storeUrl);
  warnAboutSqliteDirectory(config.storeUrl, io);
  const service = new StytchLikeSessionService({
    store,
    projectId: config.projectId,
    ...(scryptLogCost === undefined ? {} : { passwordHashing: { cost: 2 ** scryptLogCost } }),
    onBackgroundError: (error) => server.app.log.warn({ err: error }, 'expired-session sweep failed'),
    ...(config.keyEncryptionKeys ? { keyEncryptionKey: config.keyEncryptionKeys } : {}),
    ...(config.jwtAlgorithm === undefined ? {} : { jwtAlgorithm: config.jwtAlgorithm }),
    ...(config.jwtReuseSeconds === undefined ? {} : { jwtReuseSeconds: config.jwtReuseSeconds }),
    ...(config.maxSessionLifetimeMinutes === undefined
      ? {}
      : { maxSessionLifetimeMinutes: config.maxSessionLifetimeMinutes }),
    ...(config.expiredJwtMaxAgeSeconds === undefined
      ? {}
      : { expiredJwtMaxAgeSeconds: config.expiredJwtMaxAgeSeconds }),
  });
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
  const port = new URL(url).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  // The frontend SDK's public token: not a secret (pages carry it), printed so that it can be put into them.
  io.stdout.write(`public token ${publicToken}\n`);
  io.stdout.write(`listening on ${tls ? 'https' : 'http'}://${host}:${port}\n`);

  const signal = await io.waitForShutdown();
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
  return EXIT.ok;
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
