// Administration over the server's HTTP API as root: databases, SQL commands, database users.
import { HOST, TEST_DB_PASSWORD, TEST_DB_USER } from './defaults.js';
import type { OrientDBServerAddress } from './server.js';

const NAME = /^[A-Za-z0-9_-]+$/;

export interface DatabaseUser {
  readonly name: string;
  readonly password: string;
  /** Default `admin`. */
  readonly role?: string;
}

async function httpJson(
  server: OrientDBServerAddress,
  method: 'GET' | 'POST',
  urlPath: string,
  { timeoutMs, body }: { timeoutMs: number; body?: unknown },
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {
    Authorization: `Basic ${Buffer.from(`root:${server.rootPassword}`).toString('base64')}`,
    Accept: 'application/json',
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://${server.host ?? HOST}:${server.httpPort}${urlPath}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, text: await res.text() };
}

/** Names of the databases the server lists (GET /listDatabases). */
export async function listDatabases(
  server: OrientDBServerAddress,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<string[]> {
  const r = await httpJson(server, 'GET', '/listDatabases', { timeoutMs });
  if (r.status !== 200) throw new Error(`GET /listDatabases -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return (JSON.parse(r.text) as { databases?: string[] }).databases ?? [];
}

/** One binary-protocol session the server holds (a DB_OPEN / CONNECT, or a token request it is serving). */
export interface ServerConnection {
  /** The session id a client sends with its requests. */
  readonly connectionId: number;
  readonly db: string | null;
  readonly user: string | null;
  /** `<driver name> v<driver version> Protocol v<n>` as the client declared it. */
  readonly driver: string | null;
}

/** The sessions the server holds now (GET /server, as root). */
export async function listConnections(
  server: OrientDBServerAddress,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<ServerConnection[]> {
  const r = await httpJson(server, 'GET', '/server', { timeoutMs });
  if (r.status !== 200) throw new Error(`GET /server -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  const connections = (JSON.parse(r.text) as { connections?: Record<string, unknown>[] }).connections ?? [];
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return connections.map((c) => ({
    connectionId: Number(c['connectionId']),
    db: text(c['db']),
    user: text(c['user']),
    driver: text(c['driver']),
  }));
}

/** Runs one SQL command in `database` as root through the HTTP API; returns the parsed `result` array. */
export async function sqlCommand(
  server: OrientDBServerAddress,
  database: string,
  command: string,
  parameters: unknown[] = [],
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<Record<string, unknown>[]> {
  const r = await httpJson(server, 'POST', `/command/${encodeURIComponent(database)}/sql`, {
    timeoutMs,
    body: { command, parameters },
  });
  if (r.status !== 200)
    throw new Error(`SQL ${JSON.stringify(command)} on ${database} -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return (JSON.parse(r.text) as { result?: Record<string, unknown>[] }).result ?? [];
}

/**
 * Makes sure a database user (OUser, not a server user) exists with this password and role.
 * Needed for token reattach: OrientDB resolves the user of a token *inside the database*, so tokens
 * of server users such as root (from orientdb-server-config.xml) cannot reopen a database from a new socket.
 */
export async function ensureDatabaseUser(
  server: OrientDBServerAddress,
  database: string,
  { name, password, role = 'admin' }: DatabaseUser,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<{ created: boolean }> {
  if (!NAME.test(name)) throw new Error(`invalid user name ${JSON.stringify(name)}`);
  if (!NAME.test(role)) throw new Error(`invalid role ${JSON.stringify(role)}`);
  const rows = await sqlCommand(server, database, 'SELECT FROM OUser WHERE name = ?', [name], { timeoutMs });
  if (rows.length === 0) {
    await sqlCommand(server, database, `CREATE USER ${name} IDENTIFIED BY ? ROLE ${role}`, [password], { timeoutMs });
    return { created: true };
  }
  await sqlCommand(
    server,
    database,
    'UPDATE OUser SET password = ?, status = "ACTIVE" WHERE name = ?',
    [password, name],
    { timeoutMs },
  );
  return { created: false };
}

/**
 * Creates a plocal database through the HTTP API unless it exists, and (unless `user: null`) makes sure
 * the database user TEST_DB_USER / TEST_DB_PASSWORD (role admin) exists in it.
 */
export async function createDatabase(
  server: OrientDBServerAddress,
  name: string,
  {
    timeoutMs = 60_000,
    user = { name: TEST_DB_USER, password: TEST_DB_PASSWORD, role: 'admin' },
  }: { timeoutMs?: number; user?: DatabaseUser | null } = {},
): Promise<{ created: boolean; user: { name: string; password: string } | null }> {
  if (!NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)} (use [A-Za-z0-9_-])`);
  let created = false;
  if (!(await listDatabases(server, { timeoutMs })).includes(name)) {
    const r = await httpJson(server, 'POST', `/database/${encodeURIComponent(name)}/plocal`, { timeoutMs });
    if (r.status === 200) created = true;
    else if (!(r.status === 409 || /already exists/i.test(r.text)))
      throw new Error(`POST /database/${name}/plocal -> HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  }
  if (user) await ensureDatabaseUser(server, name, user, { timeoutMs });
  return { created, user: user ? { name: user.name, password: user.password } : null };
}
