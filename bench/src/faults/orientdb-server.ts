// A real OrientDB 3.2 server of the figure's own, with a database and the database user whose tokens reattach.
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import {
  TEST_DB_PASSWORD,
  TEST_DB_USER,
  createDatabase,
  randomSecretKey,
  startOrientDBServer,
  type OrientDBServer,
} from '@sessiontoken/orientdb-server';

export const FAULTS_DATABASE = 'faults';

/** Where a figure finds OrientDB: the binary port, the database, and the database user whose tokens reattach. */
export interface OrientDBEndpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly credentials: { readonly username: string; readonly password: string };
}

/** A server of the figure's own, and a way to restart it on the same data with the same token key. */
export interface FaultsOrientDB extends OrientDBEndpoint {
  readonly version: string;
  /** The running server's JVM pid. */
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL after a grace period) and starts it again on the same ports, data and key. */
  restart(): Promise<{ downMs: number; stopMs: number; startMs: number }>;
  /** Stops the server and removes its data directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a server on free ports with a fresh key and data directory, and creates the database and its user. */
export async function startFaultsOrientDB(log: (message: string) => void = () => {}): Promise<FaultsOrientDB> {
  const secretKey = randomSecretKey();
  let server: OrientDBServer = await startOrientDBServer({ secretKey, log });
  try {
    await createDatabase(server, FAULTS_DATABASE);
  } catch (error) {
    await server.stop({ removeDataDir: true });
    throw error;
  }
  let stopped = false;
  return {
    host: server.host,
    port: server.binaryPort,
    database: FAULTS_DATABASE,
    credentials: { username: TEST_DB_USER, password: TEST_DB_PASSWORD },
    version: server.version,
    get pid() {
      return server.pid;
    },
    async restart() {
      const started = performance.now();
      const { binaryPort, httpPort, dataDir } = server;
      await server.stop();
      const stopMs = performance.now() - started;
      server = await startOrientDBServer({ secretKey, binaryPort, httpPort, dataDir, log });
      const downMs = performance.now() - started;
      return { downMs, stopMs, startMs: downMs - stopMs };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop({ removeDataDir: true });
    },
  };
}

/** Opens a session with the database user's credentials and returns its token (token mode on). */
export async function openToken(server: OrientDBEndpoint, timeoutMs = 10_000): Promise<string> {
  const provider = new OrientDBSessionProvider({
    host: server.host,
    port: server.port,
    database: server.database,
    timeoutMs,
  });
  try {
    provider.setSessionToken(true);
    await provider.open(server.credentials);
    return provider.getSessionToken();
  } finally {
    await provider.close();
  }
}
