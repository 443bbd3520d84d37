// Types for the real-server harness (orientdb-server.mjs), for the TypeScript tests that import it.
export { ORIENTDB_VERSION } from './orientdb-version.mjs';

export declare const TEST_ROOT_PASSWORD: string;
export declare const TEST_SECRET_KEY: string;
export declare const TEST_DB_USER: string;
export declare const TEST_DB_PASSWORD: string;
export declare const DEFAULT_BINARY_PORT: number;
export declare const DEFAULT_HTTP_PORT: number;
export declare const DEFAULT_DATABASE: string;

export interface StartOrientDBServerOptions {
  secretKey?: string;
  tokenExpireTimeoutMinutes?: number;
  binaryPort?: number;
  httpPort?: number;
  dataDir?: string;
  rootPassword?: string;
  log?: (message: string) => void;
}

export interface OrientDBServer {
  readonly host: string;
  readonly binaryPort: number;
  readonly httpPort: number;
  readonly rootPassword: string;
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
  stop(options?: { removeDataDir?: boolean }): Promise<void>;
}

/** What the HTTP helpers need of a server. */
export interface OrientDBServerAddress {
  readonly host?: string;
  readonly httpPort: number;
  readonly rootPassword: string;
}

export declare function orientdbCacheDir(): string;
export declare function ensureOrientDBDistribution(options?: { log?: (message: string) => void }): Promise<string>;
export declare function startOrientDBServer(options?: StartOrientDBServerOptions): Promise<OrientDBServer>;
export declare function findFreePorts(count?: number): Promise<number[]>;
export declare function probeBinaryPort(port: number, options?: { host?: string; timeoutMs?: number }): Promise<number | null>;
export declare function listDatabases(server: OrientDBServerAddress, options?: { timeoutMs?: number }): Promise<string[]>;
export declare function sqlCommand(
  server: OrientDBServerAddress,
  database: string,
  command: string,
  parameters?: unknown[],
  options?: { timeoutMs?: number },
): Promise<Record<string, unknown>[]>;
export declare function ensureDatabaseUser(
  server: OrientDBServerAddress,
  database: string,
  user: { name: string; password: string; role?: string },
  options?: { timeoutMs?: number },
): Promise<{ created: boolean }>;
export declare function createDatabase(
  server: OrientDBServerAddress,
  name: string,
  options?: { timeoutMs?: number; user?: { name: string; password: string; role?: string } | null },
): Promise<{ created: boolean; user: { name: string; password: string } | null }>;
export declare function mintOrientDBToken(fields: {
  secretKey?: string;
  database?: string | null;
  databaseType?: 'plocal' | 'memory' | null;
  userRid?: [number, number] | null;
  expiry: number;
  serverUser?: boolean;
  userName?: string | null;
  protocolVersion?: number;
  serializer?: string | null;
  driverName?: string | null;
  driverVersion?: string | null;
}): Buffer;
export declare function decodeOrientDBToken(token: Uint8Array, options?: { secretKey?: string }): Record<string, unknown>;
export declare function randomSecretKey(): string;
