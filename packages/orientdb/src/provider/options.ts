import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { SessionTokenError } from '@sessiontoken/core';
import { ADAPTER_NAME } from '../adapter.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../limits.js';

/** Where the provider finds OrientDB and how patient it is. */
export interface OrientDBSessionProviderOptions {
  /** Server host. Default `127.0.0.1`. */
  readonly host?: string;
  /** Binary protocol port. Default `2424`. */
  readonly port?: number;
  /** Database `open()` opens (a reattached token names its own). */
  readonly database: string;
  /** Time limit for connecting and for each request's answer, in milliseconds. Default `10000`. */
  readonly timeoutMs?: number;
  /** Rows per page when a session opened with credentials pages through a result. Default `1000`. */
  readonly pageSize?: number;
  /** Bounds on what the server may send. */
  readonly limits?: Partial<WireLimits>;
  /**
   * Speak TLS to the server's SSL binary listener (a `<listener socket="ssl">` on its own port). `true` verifies the
   * server against Node's default CAs; an object is passed to `tls.connect` (`ca`, `cert`, `key`, `servername`,
   * `minVersion`, ...), except `host`, `port`, `path` and `socket`, which come from these options. Default off.
   */
  readonly tls?: boolean | TlsConnectionOptions;
}

/** A database user (or a server user from the server configuration) and password. */
export interface OrientDBCredentials {
  readonly username: string;
  readonly password: string;
}

/** Per-`open()` options. */
export interface OrientDBOpenOptions {
  /** Open this database instead of the provider's. */
  readonly database?: string;
}

/** Per-query options. */
export interface OrientDBQueryOptions {
  /** Rows per page for this query (sessions opened with credentials only). */
  readonly pageSize?: number;
}

export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly timeoutMs: number;
  readonly pageSize: number;
  readonly limits: WireLimits;
  /** `tls.connect` options, or null for plain TCP. */
  readonly tls: TlsConnectionOptions | null;
}

function invalid(message: string): SessionTokenError {
  return new SessionTokenError('INVALID_ARGUMENT', message, { adapter: ADAPTER_NAME });
}

export function positiveInteger(value: number | undefined, fallback: number, name: string, max = 2 ** 31 - 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max)
    throw invalid(`${name} must be a positive integer up to ${max}, got ${String(value)}`);
  return value;
}

export function checkDatabaseName(database: unknown): string {
  if (typeof database !== 'string' || database.length === 0) throw invalid('database must be a non-empty string');
  return database;
}

export function checkPageSize(pageSize: number | undefined, fallback: number): number {
  return positiveInteger(pageSize, fallback, 'pageSize');
}

const TLS_OWN_KEYS = ['host', 'port', 'path', 'socket'] as const;

/** `true` means TLS with Node's defaults; an object must leave the address to the provider's own options. */
export function checkTls(value: unknown): TlsConnectionOptions | null {
  if (value === undefined || value === false) return null;
  if (value === true) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('tls must be true, false or a tls.connect options object');
  const own = TLS_OWN_KEYS.filter((key) => key in value);
  if (own.length > 0) throw invalid(`tls must not set ${own.join(', ')}: the address comes from host and port`);
  return value;
}

/** Validates options at construction, so a misconfigured provider fails before it touches the network. */
export function resolveOptions(options: OrientDBSessionProviderOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw invalid('host must be a non-empty string');
  return {
    host,
    port: positiveInteger(options.port, 2424, 'port', 65_535),
    database: checkDatabaseName(options.database),
    timeoutMs: positiveInteger(options.timeoutMs, 10_000, 'timeoutMs'),
    pageSize: checkPageSize(options.pageSize, 1000),
    limits: {
      maxFrameBytes: positiveInteger(
        options.limits?.maxFrameBytes,
        DEFAULT_WIRE_LIMITS.maxFrameBytes,
        'limits.maxFrameBytes',
      ),
      maxDecodedBytes: positiveInteger(
        options.limits?.maxDecodedBytes,
        DEFAULT_WIRE_LIMITS.maxDecodedBytes,
        'limits.maxDecodedBytes',
        2 ** 48,
      ),
      maxNestingDepth: positiveInteger(
        options.limits?.maxNestingDepth,
        DEFAULT_WIRE_LIMITS.maxNestingDepth,
        'limits.maxNestingDepth',
        1024,
      ),
    },
    tls: checkTls(options.tls),
  };
}
