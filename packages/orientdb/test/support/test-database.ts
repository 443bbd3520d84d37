import { OrientDBServerAdmin, OrientDBSessionProvider } from '../../src/index.js';

export const TEST_DB_USER = 'sessiontoken';
export const TEST_DB_PASSWORD = 'sessiontoken-test-user';

// Creating a database is slow on a loaded machine; this deadline is for setup, not a measure of speed.
const SETUP_TIMEOUT_MS = 60_000;

/**
 * Creates `database` unless it exists (CONNECT as root, DB_EXIST, DB_CREATE) and the database user tokens belong to:
 * OrientDB resolves a reattached token's user inside the database, so root's tokens could not reattach.
 */
export async function prepareTestDatabase(
  server: { host: string; binaryPort: number; rootPassword: string },
  database: string,
): Promise<{ username: string; password: string }> {
  const admin = await OrientDBServerAdmin.connect({
    host: server.host,
    port: server.binaryPort,
    username: 'root',
    password: server.rootPassword,
    timeoutMs: SETUP_TIMEOUT_MS,
  });
  try {
    if (!(await admin.databaseExists(database))) await admin.createDatabase(database, { type: 'graph' });
  } finally {
    await admin.close();
  }
  const root = new OrientDBSessionProvider({
    host: server.host,
    port: server.binaryPort,
    database,
    timeoutMs: SETUP_TIMEOUT_MS,
  });
  try {
    await root.open({ username: 'root', password: server.rootPassword });
    const existing = await root.query('SELECT FROM OUser WHERE name = ?', [TEST_DB_USER]);
    if (existing.length === 0)
      await root.command(`CREATE USER ${TEST_DB_USER} IDENTIFIED BY ? ROLE admin`, [TEST_DB_PASSWORD]);
  } finally {
    await root.close();
  }
  return { username: TEST_DB_USER, password: TEST_DB_PASSWORD };
}
