import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';

/**
 * scrypt made cheap for tests through the service's explicit option (the production default is untouched), with room
 * in the hashing queue for the contract suite's 50 parallel sign-ups.
 */
const FAST_PASSWORD_HASHING = { cost: 2 ** 10, maxQueued: 1000 } as const;

export const PASSWORD = 'a long and unguessable password';

/**
 * The Stytch-like server, a real Stytch-compatible HTTP API on a free loopback port over SQLite, started through its
 * package's public entry as any outside user would. This is what the adapter's tests point the official SDK at.
 */
export interface StytchLikeTestServer {
  readonly url: string;
  readonly projectId: string;
  readonly secret: string;
  /** Sockets the server has open right now. */
  openSockets(): number;
  /** A user with a password, and a fresh email for it. */
  createUser(): Promise<{ email: string; password: string }>;
  /** The tokens of a five-minute session started ten minutes ago (through a service whose clock is set back). */
  expiredSession(): Promise<{ sessionToken: string; sessionJwt: string }>;
  close(): Promise<void>;
}

export async function startStytchLikeServer(): Promise<StytchLikeTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiontoken-stytch-'));
  const projectId = `project-test-${randomBytes(6).toString('hex')}`;
  const secret = `secret-${randomBytes(18).toString('base64url')}`;
  const store = await SqliteSessionStore.open({ path: join(dir, 'sessions.sqlite') });
  const service = new StytchLikeSessionService({
    store,
    projectId,
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
  });
  const past = new StytchLikeSessionService({
    store,
    projectId,
    clock: () => new Date(Date.now() - 10 * 60_000),
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
  });
  const server = createStytchLikeServer({ service, secret, logger: false });
  const sockets = new Set<Socket>();
  server.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    projectId,
    secret,
    openSockets: () => sockets.size,
    async createUser() {
      const email = `u-${randomUUID()}@example.test`;
      await service.createPasswordUser({ email, password: PASSWORD });
      return { email, password: PASSWORD };
    },
    async expiredSession() {
      const old = await past.createPasswordUser({
        email: `u-${randomUUID()}@example.test`,
        password: PASSWORD,
        sessionDurationMinutes: 5,
      });
      return { sessionToken: old.sessionToken, sessionJwt: old.sessionJwt };
    },
    async close() {
      await server.close();
      await past.close();
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
