// The better-auth peer of authenticate_vs_better_auth: better-auth with email and password on a `node:sqlite`
// `DatabaseSync` file (WAL, synchronous FULL, as our SQLite store opens its file), its schema made by its own migration
// API, served by a plain `node:http` server through its `toNodeHandler`. Started inside http-target.ts's child process.
import { scryptSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import type { Teardown } from '../shared/cleanup.ts';

/** The session endpoint the load generator asks, with one signed session cookie per request. */
export const BETTER_AUTH_SESSION_PATH = '/api/auth/get-session';

export interface BetterAuthPeer {
  readonly url: string;
  /** One `cookie` header value per logged-in user, cycled through by the load generator. */
  readonly cookies: readonly string[];
  /** Bytes of one get-session answer. */
  readonly responseBytes: number;
}

// scrypt is lowered only to sign the users up quickly (as for our service); get-session never hashes a password.
const SCRYPT = { N: 2 ** 10, r: 8, p: 1 } as const;

function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return Promise.resolve(`${salt.toString('hex')}:${scryptSync(password, salt, 32, SCRYPT).toString('hex')}`);
}

function verifyPassword({ hash, password }: { hash: string; password: string }): Promise<boolean> {
  const [salt = '', key = ''] = hash.split(':');
  const expected = Buffer.from(key, 'hex');
  const actual = scryptSync(password, Buffer.from(salt, 'hex'), expected.length, SCRYPT);
  return Promise.resolve(actual.length === expected.length && timingSafeEqual(actual, expected));
}

/**
 * Starts better-auth over a fresh SQLite file in `dir`, signs `users` users up over HTTP (each sign-up logs in and
 * sets the session cookie), and returns the server's URL with each user's cookie.
 */
export async function startBetterAuth(dir: string, users: number, teardown: Teardown): Promise<BetterAuthPeer> {
  const database = teardown.add(new DatabaseSync(join(dir, 'better-auth.sqlite')), 'better-auth database', (db) =>
    db.close(),
  );
  database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // Requests still being answered finish before the database behind them closes (registered earlier, closed later).
  teardown.add(server, 'better-auth server', (s) => {
    const closed = new Promise<void>((resolve, reject) => s.close((error) => (error ? reject(error) : resolve())));
    s.closeIdleConnections();
    return closed;
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the better-auth server has no TCP address');
  const url = `http://127.0.0.1:${address.port}`;

  const options = {
    database,
    baseURL: url,
    secret: randomBytes(32).toString('base64url'),
    emailAndPassword: { enabled: true, password: { hash: hashPassword, verify: verifyPassword } },
    // The cookie cache off: every get-session reads the database, as every authenticate of ours reads the store.
    session: { cookieCache: { enabled: false } },
    // 64 connections from one address would hit its per-IP limit at once (it is on in production by default).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
  };
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  const auth = betterAuth(options);
  const handler = toNodeHandler(auth);
  // It answers errors itself (500); a rejection would end the target process, and so fail the run loudly.
  server.on('request', (request, response) => void handler(request, response));

  const cookies: string[] = [];
  for (let i = 0; i < users; i++) {
    const response = await fetch(`${url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({
        email: `bench-${i}-${randomBytes(4).toString('hex')}@example.test`,
        password: 'a bench password that is long enough',
        name: `Bench ${i}`,
      }),
    });
    const body = await response.text();
    if (response.status !== 200)
      throw new Error(`better-auth sign-up answered ${response.status}: ${body.slice(0, 200)}`);
    const cookie = response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0]!)
      .find((pair) => pair.startsWith('better-auth.session_token='));
    if (cookie === undefined) throw new Error('better-auth sign-up set no session cookie');
    cookies.push(cookie);
  }

  const sample = await fetch(`${url}${BETTER_AUTH_SESSION_PATH}`, { headers: { cookie: cookies[0]! } });
  const response = await sample.text();
  if (sample.status !== 200 || !response.includes('"session"'))
    throw new Error(`better-auth get-session answered ${sample.status}: ${response.slice(0, 200)}`);
  return { url, cookies, responseBytes: Buffer.byteLength(response) };
}
