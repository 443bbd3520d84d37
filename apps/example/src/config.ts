import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runStateFile } from '@sessiontoken/orientdb-server';

/** The two backends the shop runs on. */
export const PROVIDER_NAMES = ['stytch-like', 'orientdb'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Everything the shop and the CLI read from flags and the environment, parsed once at the edge. */
export interface ExampleConfig {
  readonly provider: ProviderName;
  readonly host: string;
  readonly port: number;
  /** Where the cart database, the embedded session store and the CLI's token file live. */
  readonly dataDir: string;
  /** Mark the session cookie `Secure` with the `__Host-` prefix (implied by `tls`; alone, behind a TLS-terminating proxy). */
  readonly secureCookies: boolean;
  /** PEM files to serve HTTPS with, or `null` for plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** The origin browsers reach the shop at, when it differs from its own scheme and `Host` (a proxy rewrites `Host`). */
  readonly origin: string | undefined;
  /** The CLI's token file. */
  readonly tokenFile: string;
  readonly logout: boolean;
  readonly login: string | undefined;
  readonly password: string | undefined;
  readonly help: boolean;
  /** The OrientDB server named by `ORIENTDB_*` variables, or `null` to use the one `server:start` recorded. */
  readonly orientdb: OrientDBEndpoint | null;
  /** Where `orientdb-server start` (`pnpm --filter @sessiontoken/orientdb server:start`) records the server it started. */
  readonly orientdbStateFile: string;
}

/** An OrientDB server and database, and the demo database user when one is known. */
export interface OrientDBEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly demoUser: { readonly login: string; readonly password: string } | null;
}

/** A flag or environment value the example cannot use; the message says which and why. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Default data directory: `apps/example/.data`, beside the app, so a clone keeps its carts. */
export const DEFAULT_DATA_DIR = join(APP_DIR, '.data');

function parsePort(value: string, source: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535)
    throw new ConfigError(`${source} must be a port number from 0 to 65535, got ${JSON.stringify(value)}`);
  return Number(value);
}

function parseProvider(value: string, source: string): ProviderName {
  if ((PROVIDER_NAMES as readonly string[]).includes(value)) return value as ProviderName;
  throw new ConfigError(`${source} must be one of ${PROVIDER_NAMES.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseOrientDBEndpoint(env: NodeJS.ProcessEnv): OrientDBEndpoint | null {
  if (!env['ORIENTDB_PORT']) return null;
  const port = parsePort(env['ORIENTDB_PORT'], 'ORIENTDB_PORT');
  const login = env['ORIENTDB_USER'];
  const password = env['ORIENTDB_PASSWORD'];
  if (Boolean(login) !== Boolean(password)) throw new ConfigError('ORIENTDB_USER and ORIENTDB_PASSWORD go together');
  return {
    host: env['ORIENTDB_HOST'] || '127.0.0.1',
    port,
    database: env['ORIENTDB_DATABASE'] || 'sessiontoken',
    demoUser: login && password ? { login, password } : null,
  };
}

function parseOrigin(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    origin = 'null';
  }
  if (origin !== value || !/^https?:/.test(origin))
    throw new ConfigError(
      `--origin (SHOP_ORIGIN) must be an http(s) origin such as https://shop.example, got ${JSON.stringify(value)}`,
    );
  return origin;
}

/** Parses command-line flags, falling back to environment variables, then defaults. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        provider: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'secure-cookies': { type: 'boolean' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        origin: { type: 'string' },
        'token-file': { type: 'string' },
        logout: { type: 'boolean' },
        login: { type: 'string' },
        password: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const provider =
    values.provider !== undefined
      ? parseProvider(values.provider, '--provider')
      : env['PROVIDER']
        ? parseProvider(env['PROVIDER'], 'PROVIDER')
        : 'stytch-like';
  const port =
    values.port !== undefined ? parsePort(values.port, '--port') : env['PORT'] ? parsePort(env['PORT'], 'PORT') : 3000;
  const dataDir = resolve(values['data-dir'] ?? env['EXAMPLE_DATA_DIR'] ?? DEFAULT_DATA_DIR);
  const certFile = values['tls-cert'] ?? env['TLS_CERT'];
  const keyFile = values['tls-key'] ?? env['TLS_KEY'];
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new ConfigError('--tls-cert and --tls-key (TLS_CERT and TLS_KEY) go together');
  const tls = certFile && keyFile ? { certFile: resolve(certFile), keyFile: resolve(keyFile) } : null;
  return {
    provider,
    host: values.host ?? env['HOST'] ?? '127.0.0.1',
    port,
    dataDir,
    secureCookies: tls !== null || (values['secure-cookies'] ?? env['SECURE_COOKIES'] === '1'),
    tls,
    origin: parseOrigin(values.origin ?? env['SHOP_ORIGIN']),
    tokenFile: resolve(values['token-file'] ?? join(dataDir, `${provider}.token`)),
    logout: values.logout ?? false,
    login: values.login ?? env['SHOP_LOGIN'],
    password: values.password ?? env['SHOP_PASSWORD'],
    help: values.help ?? false,
    orientdb: parseOrientDBEndpoint(env),
    orientdbStateFile: runStateFile(env),
  };
}
