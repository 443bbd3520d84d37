import { OrientDBServerAdmin, OrientDBSessionProvider } from '../../src/index.js';

export const TEST_DB_USER = 'sessiontoken';
export const TEST_DB_PASSWORD = 'sessiontoken-test-user';

/**
 * Creates `database` unless it exists (CONNECT as root, DB_EXIST, DB_CREATE) and the database user tokens belong to:
 * OrientDB resolves a reattached token's user inside the database, so root's tokens could not reattach.
 */
export async function prepareTestDatabase(server: { host: string; binaryPort: number; rootPassword: string }, database: string): Promise<{ username: string; password: string }> {
  // Generous: a JVM that just started on a busy machine creates databases slowly.
  const timeoutMs = 60_000;
  const admin = await OrientDBServerAdmin.connect({ host: server.host, port: server.binaryPort, username: 'root', password: server.rootPassword, timeoutMs });
  try {
    if (!(await admin.databaseExists(database))) await admin.createDatabase(database, { type: 'graph' });
  } finally {
    await admin.close();
  }
  const root = new OrientDBSessionProvider({ host: server.host, port: server.binaryPort, database, timeoutMs });
  try {
    await root.open({ username: 'root', password: server.rootPassword });
    const existing = await root.query('SELECT FROM OUser WHERE name = ?', [TEST_DB_USER]);
    if (existing.length === 0) await root.command(`CREATE USER ${TEST_DB_USER} IDENTIFIED BY ? ROLE admin`, [TEST_DB_PASSWORD]);
  } finally {
    await root.close();
  }
  return { username: TEST_DB_USER, password: TEST_DB_PASSWORD };
}
