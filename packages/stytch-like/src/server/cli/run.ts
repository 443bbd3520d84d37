import packageJson from '../../../package.json' with { type: 'json' };
import { createStytchLikeServer } from '../http/server.js';
import { SigningKeyRing } from '../keys/signing-key-ring.js';
import { StytchLikeSessionService } from '../service/session-service.js';
import { projectEnvironment } from '../../model/ids.js';
import { openStore } from '../store/open-store.js';
import type { SessionStore } from '../store/session-store.js';
import { CliUsageError, parseCliArguments, type CliCommand } from './arguments.js';
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
export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArguments(argv, env);
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
        return await serve(command, io);
      case 'rotate-keys':
        return await rotateKeys(command, io);
    }
  } catch (error) {
    io.stderr.write(`${BIN}: ${oneLine(error)}\n`);
    return EXIT.failure;
  }
}

async function serve(config: Extract<CliCommand, { command: 'serve' }>, io: CliIo): Promise<number> {
  const store = await openStoreOrExplain(config.storeUrl);
  const service = new StytchLikeSessionService({
    store,
    projectId: config.projectId,
    onBackgroundError: (error) => server.app.log.warn({ err: error }, 'expired-session sweep failed'),
  });
  const server = createStytchLikeServer({ service, secret: config.secret, logger: { level: config.logLevel, stream: io.stderr } });
  try {
    await server.listen({ port: config.port, host: config.host });
  } catch (error) {
    await service.close();
    await store.close();
    // eslint-disable-next-line preserve-caught-error -- one line for the terminal; the driver's error may carry the store URL
    throw new Error(`cannot listen on ${config.host}:${config.port}: ${oneLine(error)}`);
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  io.stdout.write(`listening on http://${host}:${port}\n`);

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
    const keys = new SigningKeyRing({ store, clock: () => new Date(), environment: projectEnvironment(config.projectId ?? '') });
    const rotation = await keys.rotate(config.overlapMs);
    io.stdout.write(`signing with new key ${rotation.kid}\n`);
    for (const retired of rotation.retired) {
      io.stdout.write(`previous key ${retired.kid} stays in the JWKS until ${retired.retiresAt.toISOString()}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
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
