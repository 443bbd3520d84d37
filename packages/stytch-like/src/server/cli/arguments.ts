import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../http/logging.js';
import { parseStoreUrl } from '../store/open-store.js';
import { isSessionStoreError } from '../store/session-store.js';

/** Defaults of `serve`; one place, used by the parser and the help text. */
export const SERVE_DEFAULTS = {
  port: 3300,
  host: '127.0.0.1',
  store: 'sqlite:stytch-like.sqlite',
  logLevel: 'info' as LogLevel,
} as const;
/** Default overlap of `rotate-keys`. */
export const DEFAULT_ROTATION_OVERLAP = '30d';
/** Shortest project secret `serve` accepts. */
export const MIN_SECRET_LENGTH = 16;

/** Environment variables each flag falls back to. */
export const ENV = {
  port: 'STYTCH_LIKE_PORT',
  host: 'STYTCH_LIKE_HOST',
  store: 'STYTCH_LIKE_STORE',
  projectId: 'STYTCH_LIKE_PROJECT_ID',
  secret: 'STYTCH_LIKE_SECRET',
  logLevel: 'STYTCH_LIKE_LOG_LEVEL',
} as const;

/** A command line, parsed and checked. */
export type CliCommand =
  | { readonly command: 'help'; readonly topic: 'serve' | 'rotate-keys' | undefined }
  | { readonly command: 'version' }
  | {
      readonly command: 'serve';
      readonly port: number;
      readonly host: string;
      readonly storeUrl: string;
      readonly projectId: string;
      readonly secret: string;
      readonly logLevel: LogLevel;
    }
  | { readonly command: 'rotate-keys'; readonly storeUrl: string; readonly projectId: string | undefined; readonly overlapMs: number };

/** A command line that cannot be run as given; the CLI prints its message on one line and exits with code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MIN_OVERLAP_MS = 5 * 60_000;

/** Parses `argv` (without `node` and the script) with `env` as fallback for flags. Throws {@link CliUsageError}. */
export function parseCliArguments(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    return { command: 'help', topic: topic === 'serve' || topic === 'rotate-keys' ? topic : undefined };
  }
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'serve') return parseServe(rest, env);
  if (command === 'rotate-keys') return parseRotateKeys(rest, env);
  throw new CliUsageError(`unknown command "${clip(command)}"; commands are serve and rotate-keys`);
}

function parseServe(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    'project-id': { type: 'string' },
    secret: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) return { command: 'help', topic: 'serve' };
  const portText = pick(values['port'], env[ENV.port]);
  const port = portText === undefined ? SERVE_DEFAULTS.port : parsePort(portText);
  const host = pick(values['host'], env[ENV.host]) ?? SERVE_DEFAULTS.host;
  if (host === '' || /\s/.test(host)) throw new CliUsageError(`--host (${ENV.host}) must be a host name or IP address`);
  const storeUrl = checkStoreUrl(pick(values['store'], env[ENV.store]) ?? SERVE_DEFAULTS.store);
  const projectId = pick(values['project-id'], env[ENV.projectId]);
  if (projectId === undefined) throw new CliUsageError(`--project-id (or ${ENV.projectId}) is required`);
  if (!PROJECT_ID.test(projectId)) throw new CliUsageError(`--project-id (${ENV.projectId}) must be 1 to 128 characters from A-Z a-z 0-9 _ -`);
  const secret = pick(values['secret'], env[ENV.secret]);
  if (secret === undefined) throw new CliUsageError(`--secret (or ${ENV.secret}) is required`);
  if (secret.length < MIN_SECRET_LENGTH) throw new CliUsageError(`--secret (${ENV.secret}) must be at least ${MIN_SECRET_LENGTH} characters long`);
  const logLevel = pick(values['log-level'], env[ENV.logLevel]) ?? SERVE_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new CliUsageError(`--log-level (${ENV.logLevel}) must be one of ${LOG_LEVELS.join(', ')}`);
  return { command: 'serve', port, host, storeUrl, projectId, secret, logLevel: logLevel as LogLevel };
}

function parseRotateKeys(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, {
    store: { type: 'string' },
    'project-id': { type: 'string' },
    overlap: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) return { command: 'help', topic: 'rotate-keys' };
  const storeText = pick(values['store'], env[ENV.store]);
  if (storeText === undefined) throw new CliUsageError(`--store (or ${ENV.store}) is required`);
  const storeUrl = checkStoreUrl(storeText);
  const projectId = pick(values['project-id'], env[ENV.projectId]);
  if (projectId !== undefined && !PROJECT_ID.test(projectId)) throw new CliUsageError(`--project-id (${ENV.projectId}) must be 1 to 128 characters from A-Z a-z 0-9 _ -`);
  const overlapMs = parseDuration((values['overlap'] as string | undefined) ?? DEFAULT_ROTATION_OVERLAP);
  return { command: 'rotate-keys', storeUrl, projectId, overlapMs };
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parseFlags(args: readonly string[], options: FlagSpec): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${clip(positionals[0] ?? '')}"`);
    return values;
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    // node:util's messages name the flag and are one line.
    throw new CliUsageError((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'invalid arguments');
  }
}

function pick(flag: string | boolean | undefined, fromEnv: string | undefined): string | undefined {
  if (typeof flag === 'string') return flag;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new CliUsageError(`--port (${ENV.port}) must be an integer from 0 to 65535, got "${clip(text)}"`);
  return port;
}

function checkStoreUrl(url: string): string {
  try {
    parseStoreUrl(url);
    return url;
  } catch (error) {
    if (isSessionStoreError(error)) throw new CliUsageError(`--store (${ENV.store}): ${error.message}`);
    throw error;
  }
}

function parseDuration(text: string): number {
  const match = /^(\d{1,6})(m|h|d)$/.exec(text);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : Number.NaN;
  if (!(ms >= MIN_OVERLAP_MS)) throw new CliUsageError(`--overlap must be a duration like 30d, 12h or 90m, at least 5m (the lifetime of a session JWT)`);
  return ms;
}

/** Echoes a user-given value in a message: clipped to 40 characters. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
