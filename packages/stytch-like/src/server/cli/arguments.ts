import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH } from '../http/basic-auth.js';
import {
  checkAllowedOrigins,
  checkCookieDomain,
  SESSION_COOKIE_MODES,
  type SessionCookieMode,
} from '../http/sdk-origins.js';
import { LOG_LEVELS, type LogLevel } from '../http/logging.js';
import { KEY_ENCRYPTION_KEY_ENV, KeyEncryptionError, parseKeyEncryptionKeys } from '../keys/key-encryption.js';
import { parseStoreUrl } from '../store/open-store.js';
import { isSessionStoreError } from '../store/session-store.js';
import { isSessionJwtAlgorithm, SESSION_JWT_ALGORITHMS, type SessionJwtAlgorithm } from '../../jwt/session-jwt.js';
import { MAX_JWT_REUSE_SECONDS } from '../service/session-jwt-cache.js';

/** Defaults of `serve`; one place, used by the parser and the help text. */
export const SERVE_DEFAULTS = {
  port: 3300,
  host: '127.0.0.1',
  store: 'sqlite:stytch-like.sqlite',
  logLevel: 'info' as LogLevel,
  workers: 1,
} as const;
/** The most `serve --workers` may start: each worker is a whole Node process with its own store connections. */
export const MAX_WORKERS = 256;
/** Default overlap of `rotate-keys`. */
export const DEFAULT_ROTATION_OVERLAP = '30d';
export { MIN_SECRET_LENGTH };

/** Environment variables each flag falls back to. */
export const ENV = {
  port: 'STYTCH_LIKE_PORT',
  host: 'STYTCH_LIKE_HOST',
  store: 'STYTCH_LIKE_STORE',
  projectId: 'STYTCH_LIKE_PROJECT_ID',
  secret: 'STYTCH_LIKE_SECRET',
  secrets: 'STYTCH_LIKE_SECRETS',
  logLevel: 'STYTCH_LIKE_LOG_LEVEL',
  tlsCert: 'STYTCH_LIKE_TLS_CERT',
  tlsKey: 'STYTCH_LIKE_TLS_KEY',
  insecureHttp: 'STYTCH_LIKE_INSECURE_HTTP',
  keyEncryptionKey: KEY_ENCRYPTION_KEY_ENV,
  maxSessionLifetime: 'STYTCH_LIKE_MAX_SESSION_LIFETIME',
  expiredJwtMaxAge: 'STYTCH_LIKE_EXPIRED_JWT_MAX_AGE',
  allowedOrigins: 'STYTCH_LIKE_ALLOWED_ORIGINS',
  sessionCookies: 'STYTCH_LIKE_SESSION_COOKIES',
  cookieDomain: 'STYTCH_LIKE_COOKIE_DOMAIN',
  jwtAlg: 'STYTCH_LIKE_JWT_ALG',
  jwtReuseSeconds: 'STYTCH_LIKE_JWT_REUSE_SECONDS',
  workers: 'STYTCH_LIKE_WORKERS',
} as const;

/** scrypt cost of new password hashes, as log2(N), from the environment only (default 14, with p = 5). */
export const SCRYPT_LOG_COST_ENV = 'STYTCH_LIKE_SCRYPT_LOG_COST';
/** scrypt parallelization p of new password hashes, from the environment only (default 5, with N = 2^14). */
export const SCRYPT_PARALLELIZATION_ENV = 'STYTCH_LIKE_SCRYPT_PARALLELIZATION';

/** The scrypt parameters the environment sets for new hashes (N and p); absent ones keep the library's defaults. */
export interface ScryptFromEnv {
  readonly cost?: number;
  readonly parallelization?: number;
}

/**
 * `STYTCH_LIKE_SCRYPT_LOG_COST` (10 to 20) and `STYTCH_LIKE_SCRYPT_PARALLELIZATION` (1 to 16) checked, or `undefined`
 * when neither is set. Throws {@link CliUsageError}.
 */
export function scryptFromEnv(env: Readonly<Record<string, string | undefined>>): ScryptFromEnv | undefined {
  const logCost = wholeNumberFromEnv(env, SCRYPT_LOG_COST_ENV, 10, 20);
  const parallelization = wholeNumberFromEnv(env, SCRYPT_PARALLELIZATION_ENV, 1, 16);
  if (logCost === undefined && parallelization === undefined) return undefined;
  return {
    ...(logCost === undefined ? {} : { cost: 2 ** logCost }),
    ...(parallelization === undefined ? {} : { parallelization }),
  };
}

function wholeNumberFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^\d{1,2}$/.test(text) || value < min || value > max)
    throw new CliUsageError(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Help topics: the commands. */
export const COMMANDS = ['serve', 'rotate-keys', 'encrypt-keys', 'revoke-sessions'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** A command line, parsed and checked. */
export type CliCommand =
  | { readonly command: 'help'; readonly topic: CommandName | undefined }
  | { readonly command: 'version' }
  | {
      readonly command: 'serve';
      readonly port: number;
      readonly host: string;
      readonly storeUrl: string;
      readonly projectId: string;
      /** One secret, or several while one rotates. */
      readonly secrets: readonly string[];
      readonly logLevel: LogLevel;
      /** Certificate chain and key files (PEM); absent for plain HTTP. */
      readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
      readonly keyEncryptionKeys: readonly Uint8Array[] | undefined;
      readonly maxSessionLifetimeMinutes: number | undefined;
      readonly expiredJwtMaxAgeSeconds: number | undefined;
      /** Origins of the pages that may call the frontend-SDK API. */
      readonly allowedOrigins: readonly string[];
      readonly sessionCookies: SessionCookieMode;
      readonly cookieDomain: string | undefined;
      readonly jwtAlgorithm: SessionJwtAlgorithm | undefined;
      /** Seconds a session JWT may be answered again by sessions/authenticate; `undefined` for the default, 0 (off). */
      readonly jwtReuseSeconds: number | undefined;
      /** Processes serving the port: 1 is this process alone; more are cluster workers of this one. */
      readonly workers: number;
    }
  | {
      readonly command: 'rotate-keys';
      readonly storeUrl: string;
      readonly projectId: string | undefined;
      readonly overlapMs: number;
      readonly dropPrevious: boolean;
      readonly keyEncryptionKeys: readonly Uint8Array[] | undefined;
      readonly jwtAlgorithm: SessionJwtAlgorithm | undefined;
    }
  | { readonly command: 'encrypt-keys'; readonly storeUrl: string; readonly keyEncryptionKeys: readonly Uint8Array[] }
  | { readonly command: 'revoke-sessions'; readonly storeUrl: string; readonly userId: string };

/** A command line that cannot be run as given; the CLI prints its message on one line and exits with code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

const PROJECT_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MIN_OVERLAP_MS = 5 * 60_000;

/** Parses `argv` (without `node` and the script) with `env` as fallback for flags. Throws {@link CliUsageError}. */
export function parseCliArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    const known = (COMMANDS as readonly string[]).includes(topic ?? '');
    return { command: 'help', topic: known ? (topic as CommandName) : undefined };
  }
  if (command === '--version' || command === '-v') return { command: 'version' };
  if (command === 'serve') return parseServe(rest, env);
  if (command === 'rotate-keys') return parseRotateKeys(rest, env);
  if (command === 'encrypt-keys') return parseEncryptKeys(rest, env);
  if (command === 'revoke-sessions') return parseRevokeSessions(rest, env);
  throw new CliUsageError(`unknown command "${clip(command)}"; commands are ${COMMANDS.join(', ')}`);
}

/** True for `localhost` and loopback addresses (127.0.0.0/8, ::1, and IPv4-mapped 127.x). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  const loopback = new BlockList();
  loopback.addSubnet('127.0.0.0', 8, 'ipv4');
  loopback.addAddress('::1', 'ipv6');
  loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
  return loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

function parseServe(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    store: { type: 'string' },
    'project-id': { type: 'string' },
    secret: { type: 'string' },
    'log-level': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'insecure-http': { type: 'boolean' },
    'max-session-lifetime': { type: 'string' },
    'expired-jwt-max-age': { type: 'string' },
    'allowed-origin': { type: 'string', multiple: true },
    'session-cookies': { type: 'string' },
    'cookie-domain': { type: 'string' },
    'jwt-alg': { type: 'string' },
    'jwt-reuse-seconds': { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) return { command: 'help', topic: 'serve' };
  const { allowedOrigins, sessionCookies, cookieDomain } = parseSdkOptions(values, env);
  const portText = pick(values['port'], env[ENV.port]);
  const port = portText === undefined ? SERVE_DEFAULTS.port : parsePort(portText);
  const host = pick(values['host'], env[ENV.host]) ?? SERVE_DEFAULTS.host;
  if (host === '' || /\s/.test(host)) throw new CliUsageError(`--host (${ENV.host}) must be a host name or IP address`);
  const storeUrl = checkStoreUrl(pick(values['store'], env[ENV.store]) ?? SERVE_DEFAULTS.store);
  const workers = parseWorkers(values['workers'], env, storeUrl);
  const projectId = pick(values['project-id'], env[ENV.projectId]);
  if (projectId === undefined) throw new CliUsageError(`--project-id (or ${ENV.projectId}) is required`);
  if (!PROJECT_ID.test(projectId))
    throw new CliUsageError(`--project-id (${ENV.projectId}) must be 1 to 128 characters from A-Z a-z 0-9 _ -`);
  const secrets = parseSecrets(values['secret'], env);
  const logLevel = pick(values['log-level'], env[ENV.logLevel]) ?? SERVE_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new CliUsageError(`--log-level (${ENV.logLevel}) must be one of ${LOG_LEVELS.join(', ')}`);
  const certFile = pick(values['tls-cert'], env[ENV.tlsCert]);
  const keyFile = pick(values['tls-key'], env[ENV.tlsKey]);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new CliUsageError(`--tls-cert (${ENV.tlsCert}) and --tls-key (${ENV.tlsKey}) go together: give both or none`);
  }
  const insecureHttp = values['insecure-http'] === true || /^(1|true|yes)$/i.test(env[ENV.insecureHttp] ?? '');
  if (certFile === undefined && !insecureHttp && !isLoopbackHost(host)) {
    throw new CliUsageError(
      `refusing plain HTTP on ${clip(host)}, which is not a loopback address: ` +
        'give --tls-cert and --tls-key, or --insecure-http behind a TLS proxy',
    );
  }
  const lifetime = pick(values['max-session-lifetime'], env[ENV.maxSessionLifetime]);
  const maxAge = pick(values['expired-jwt-max-age'], env[ENV.expiredJwtMaxAge]);
  return {
    command: 'serve',
    port,
    host,
    storeUrl,
    projectId,
    secrets,
    logLevel: logLevel as LogLevel,
    tls: certFile === undefined || keyFile === undefined ? undefined : { certFile, keyFile },
    keyEncryptionKeys: parseKek(env),
    maxSessionLifetimeMinutes:
      lifetime === undefined
        ? undefined
        : Math.floor(
            parseDuration(lifetime, `--max-session-lifetime (${ENV.maxSessionLifetime})`, 5 * 60_000) / 60_000,
          ),
    expiredJwtMaxAgeSeconds:
      maxAge === undefined
        ? undefined
        : parseDuration(maxAge, `--expired-jwt-max-age (${ENV.expiredJwtMaxAge})`, 0) / 1000,
    allowedOrigins,
    sessionCookies,
    cookieDomain,
    jwtAlgorithm: parseJwtAlgorithm(values['jwt-alg'], env),
    jwtReuseSeconds: parseJwtReuseSeconds(values['jwt-reuse-seconds'], env),
    workers,
  };
}

/**
 * `--workers` (`STYTCH_LIKE_WORKERS`): a whole number from 1 to {@link MAX_WORKERS}, or `auto` for the cores this
 * process may use (`os.availableParallelism()`). More than one needs a store the processes share.
 */
function parseWorkers(flag: FlagValue, env: Readonly<Record<string, string | undefined>>, storeUrl: string): number {
  const text = pick(flag, env[ENV.workers]);
  if (text === undefined) return SERVE_DEFAULTS.workers;
  const workers =
    text === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(workers >= 1 && workers <= MAX_WORKERS)) {
    throw new CliUsageError(
      `--workers (${ENV.workers}) must be auto or a whole number from 1 to ${MAX_WORKERS}, got "${clip(text)}"`,
    );
  }
  const location = parseStoreUrl(storeUrl);
  if (workers > 1 && (location.kind === 'memory' || (location.kind === 'sqlite' && location.path === ':memory:'))) {
    throw new CliUsageError(
      `--workers ${text} needs a store the worker processes share (a SQLite file, PostgreSQL or Redis): ` +
        `${location.kind === 'memory' ? 'memory:' : 'sqlite::memory:'} lives inside one process`,
    );
  }
  return workers;
}

/** `--jwt-reuse-seconds` (`STYTCH_LIKE_JWT_REUSE_SECONDS`): a whole number from 0 (off) to 240; `undefined` when not given. */
function parseJwtReuseSeconds(flag: FlagValue, env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = pick(flag, env[ENV.jwtReuseSeconds]);
  if (text === undefined) return undefined;
  const seconds = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds <= MAX_JWT_REUSE_SECONDS)) {
    throw new CliUsageError(
      `--jwt-reuse-seconds (${ENV.jwtReuseSeconds}) must be a whole number of seconds from 0 (off) to ${MAX_JWT_REUSE_SECONDS}, got "${clip(text)}"`,
    );
  }
  return seconds;
}

/** `--allowed-origin` (repeatable; or comma-separated in the variable), `--session-cookies`, `--cookie-domain`. */
function parseSdkOptions(
  values: Record<string, FlagValue>,
  env: Readonly<Record<string, string | undefined>>,
): { allowedOrigins: string[]; sessionCookies: SessionCookieMode; cookieDomain: string | undefined } {
  const flagged = values['allowed-origin'];
  const allowedOrigins = Array.isArray(flagged)
    ? flagged
    : (pick(undefined, env[ENV.allowedOrigins]) ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '');
  try {
    checkAllowedOrigins(allowedOrigins);
  } catch (error) {
    throw new CliUsageError(`--allowed-origin (${ENV.allowedOrigins}): ${(error as Error).message}`);
  }
  const mode = pick(values['session-cookies'], env[ENV.sessionCookies]) ?? 'none';
  if (!(SESSION_COOKIE_MODES as readonly string[]).includes(mode)) {
    throw new CliUsageError(
      `--session-cookies (${ENV.sessionCookies}) must be one of ${SESSION_COOKIE_MODES.join(', ')}`,
    );
  }
  const domain = pick(values['cookie-domain'], env[ENV.cookieDomain]);
  if (domain !== undefined && mode !== 'httponly') {
    throw new CliUsageError(`--cookie-domain (${ENV.cookieDomain}) goes with --session-cookies httponly`);
  }
  try {
    return {
      allowedOrigins,
      sessionCookies: mode as SessionCookieMode,
      cookieDomain: domain === undefined ? undefined : checkCookieDomain(domain),
    };
  } catch (error) {
    throw new CliUsageError(`--cookie-domain (${ENV.cookieDomain}): ${(error as Error).message}`);
  }
}

/** `--jwt-alg` (`STYTCH_LIKE_JWT_ALG`): RS256, ES256 or EdDSA; `undefined` for the default (RS256). */
function parseJwtAlgorithm(
  flag: FlagValue,
  env: Readonly<Record<string, string | undefined>>,
): SessionJwtAlgorithm | undefined {
  const text = pick(flag, env[ENV.jwtAlg]);
  if (text === undefined) return undefined;
  if (!isSessionJwtAlgorithm(text)) {
    throw new CliUsageError(`--jwt-alg (${ENV.jwtAlg}) must be one of ${SESSION_JWT_ALGORITHMS.join(', ')}`);
  }
  return text;
}

/** `--secret`, `STYTCH_LIKE_SECRET` or `STYTCH_LIKE_SECRETS` (comma-separated), exactly one of them. */
function parseSecrets(flag: FlagValue, env: Readonly<Record<string, string | undefined>>): string[] {
  const single = pick(flag, env[ENV.secret]);
  const several = pick(undefined, env[ENV.secrets]);
  if (single !== undefined && several !== undefined) {
    const given = typeof flag === 'string' ? '--secret' : ENV.secret;
    throw new CliUsageError(`give the secret once: ${given} or ${ENV.secrets}, not both`);
  }
  if (single === undefined && several === undefined) {
    throw new CliUsageError(`--secret (or ${ENV.secret}, or ${ENV.secrets}) is required`);
  }
  const secrets = single !== undefined ? [single] : (several ?? '').split(',').map((part) => part.trim());
  const from = single !== undefined ? `--secret (${ENV.secret})` : ENV.secrets;
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      const which = secrets.length > 1 ? ` secret ${index + 1}` : '';
      throw new CliUsageError(`${from}${which} must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
  });
  if (new Set(secrets).size !== secrets.length) throw new CliUsageError(`${from} has the same secret twice`);
  return secrets;
}

/** The key-encryption key(s), from the environment only (a flag would show in the process list). */
function parseKek(env: Readonly<Record<string, string | undefined>>): Uint8Array[] | undefined {
  const text = pick(undefined, env[ENV.keyEncryptionKey]);
  if (text === undefined) return undefined;
  try {
    return parseKeyEncryptionKeys(text);
  } catch (error) {
    if (error instanceof KeyEncryptionError) throw new CliUsageError(error.message);
    throw error;
  }
}

function requireStore(flag: FlagValue, env: Readonly<Record<string, string | undefined>>): string {
  const storeText = pick(flag, env[ENV.store]);
  if (storeText === undefined) throw new CliUsageError(`--store (or ${ENV.store}) is required`);
  return checkStoreUrl(storeText);
}

function parseEncryptKeys(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, { store: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values['help'] === true) return { command: 'help', topic: 'encrypt-keys' };
  const storeUrl = requireStore(values['store'], env);
  const keyEncryptionKeys = parseKek(env);
  if (!keyEncryptionKeys) {
    throw new CliUsageError(`${ENV.keyEncryptionKey} is required (make one with: openssl rand -base64 32)`);
  }
  return { command: 'encrypt-keys', storeUrl, keyEncryptionKeys };
}

function parseRevokeSessions(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, {
    store: { type: 'string' },
    'user-id': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) return { command: 'help', topic: 'revoke-sessions' };
  const storeUrl = requireStore(values['store'], env);
  const userId = values['user-id'];
  if (typeof userId !== 'string' || userId === '' || userId.length > 200) {
    throw new CliUsageError('--user-id is required');
  }
  return { command: 'revoke-sessions', storeUrl, userId };
}

function parseRotateKeys(args: readonly string[], env: Readonly<Record<string, string | undefined>>): CliCommand {
  const values = parseFlags(args, {
    store: { type: 'string' },
    'project-id': { type: 'string' },
    overlap: { type: 'string' },
    'drop-previous': { type: 'boolean' },
    'jwt-alg': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values['help'] === true) return { command: 'help', topic: 'rotate-keys' };
  const storeUrl = requireStore(values['store'], env);
  const projectId = pick(values['project-id'], env[ENV.projectId]);
  if (projectId !== undefined && !PROJECT_ID.test(projectId))
    throw new CliUsageError(`--project-id (${ENV.projectId}) must be 1 to 128 characters from A-Z a-z 0-9 _ -`);
  const dropPrevious = values['drop-previous'] === true;
  if (dropPrevious && values['overlap'] !== undefined) {
    throw new CliUsageError('--drop-previous deletes the previous keys at once: it takes no --overlap');
  }
  const overlapText = (values['overlap'] as string | undefined) ?? DEFAULT_ROTATION_OVERLAP;
  const overlapMs = parseDuration(overlapText, '--overlap', MIN_OVERLAP_MS);
  return {
    command: 'rotate-keys',
    storeUrl,
    projectId,
    overlapMs,
    dropPrevious,
    keyEncryptionKeys: parseKek(env),
    jwtAlgorithm: parseJwtAlgorithm(values['jwt-alg'], env),
  };
}

/** A parsed flag: a string, a boolean switch, or the strings of a repeatable flag. */
type FlagValue = string | boolean | string[] | undefined;
type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function parseFlags(args: readonly string[], options: FlagSpec): Record<string, FlagValue> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new CliUsageError(`unexpected argument "${clip(positionals[0] ?? '')}"`);
    // A repeatable flag is declared as a string flag: its values are strings.
    return values as Record<string, FlagValue>;
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    // node:util's messages name the flag and are one line.
    throw new CliUsageError(
      (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'invalid arguments',
    );
  }
}

function pick(flag: FlagValue, fromEnv: string | undefined): string | undefined {
  if (typeof flag === 'string') return flag;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535))
    throw new CliUsageError(`--port (${ENV.port}) must be an integer from 0 to 65535, got "${clip(text)}"`);
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

function parseDuration(text: string, flag: string, minMs: number): number {
  const match = /^(\d{1,6})(s|m|h|d)$/.exec(text);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  const ms = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : Number.NaN;
  if (!(ms >= minMs)) {
    const jwtLife = ', at least 5m (the lifetime of a session JWT)';
    const least = minMs === MIN_OVERLAP_MS ? jwtLife : minMs > 0 ? `, at least ${minMs / 60_000}m` : '';
    throw new CliUsageError(`${flag} must be a duration like 30d, 12h, 90m or 30s${least}`);
  }
  return ms;
}

/** Echoes a user-given value in a message: clipped to 40 characters. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
