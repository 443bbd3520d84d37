import type { TestProject } from 'vitest/node';
import { startOrientDBServer, type OrientDBServer } from '@sessiontoken/orientdb-server';
import { prepareTestDatabase } from './test-database.js';

/** What every test file learns about the real OrientDB server the run started. */
export interface OrientDBTestServer {
  readonly host: string;
  readonly port: number;
  readonly httpPort: number;
  readonly rootPassword: string;
  readonly secretKey: string;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly version: string;
  /** Milliseconds from spawning the JVM until the server reported itself active. */
  readonly readyMs: number;
  /** The same server's TLS binary listener, and the certificate (PEM) that trusts it. */
  readonly ssl: { readonly port: number; readonly ca: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    orientdb: OrientDBTestServer;
  }
}

export const TEST_DATABASE = 'sessiontoken';

let server: OrientDBServer | null = null;

/**
 * Starts one real OrientDB server for the whole run (downloading the distribution with Maven on first use), creates
 * the test database and its user through this package's own binary client, and stops the server when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (message: string): void => console.log(message);
  // The TLS listener rides on the run's one server: tls.test.ts needs no JVM of its own.
  server = await startOrientDBServer({ log, ssl: true });
  try {
    if (!server.ssl) throw new Error('the server started without its TLS listener');
    const ssl = server.ssl;
    const user = await prepareTestDatabase(server, TEST_DATABASE);
    project.provide('orientdb', {
      host: server.host,
      port: server.binaryPort,
      httpPort: server.httpPort,
      rootPassword: server.rootPassword,
      secretKey: server.secretKey,
      database: TEST_DATABASE,
      username: user.username,
      password: user.password,
      version: server.version,
      readyMs: server.readyMs,
      ssl,
    });
  } catch (error) {
    await server.stop({ removeDataDir: true });
    server = null;
    throw error;
  }
  return async () => {
    await server?.stop({ removeDataDir: true });
    server = null;
  };
}
