import { expect } from 'vitest';
import type { Socket } from 'node:net';
import {
  createStytchLikeServer,
  type StytchLikeServer,
  type StytchLikeServerOptions,
} from '../../src/server/http/server.js';
import type { ServerLogOptions } from '../../src/server/http/logging.js';
import type { Clock } from '../../src/model/clock.js';
import type { BruteForceLimits } from '../../src/server/service/brute-force-limits.js';
import type { SessionJwtAlgorithm } from '../../src/jwt/session-jwt.js';
import { StytchLikeApiError } from '../../src/model/api-error.js';
import {
  StytchLikeSessionService,
  type StytchLikeSessionServiceOptions,
} from '../../src/server/service/session-service.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { FAST_PASSWORD_HASHING, testProject } from './config.js';

/** A session service over `store` for one test: a project of its own, cheap hashes, no background sweep. */
export function newTestService(
  store: SessionStore,
  options: Partial<StytchLikeSessionServiceOptions> = {},
): StytchLikeSessionService {
  return new StytchLikeSessionService({
    store,
    ...testProject(),
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
    ...options,
  });
}

/** What `promise` rejected with, checked to be a Stytch-shaped API error; fails the test when it resolved. */
export async function apiRejection(promise: Promise<unknown>): Promise<StytchLikeApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StytchLikeApiError);
  return error as StytchLikeApiError;
}

/** A real HTTP server on a free port over a real store, and what a test needs to reach it. */
export interface TestServer {
  readonly url: string;
  readonly projectId: string;
  readonly secret: string;
  readonly store: SessionStore;
  readonly service: StytchLikeSessionService;
  readonly server: StytchLikeServer;
  /** Sockets the server has open right now. */
  readonly openSockets: () => number;
  /** Requests received per path (query string removed). */
  readonly requestCounts: Map<string, number>;
  /** A second service over the same store with its own clock (e.g. one in the past, to make expired sessions). */
  serviceWithClock(clock: Clock): StytchLikeSessionService;
  close(): Promise<void>;
}

export async function startTestServer(
  options: {
    store?: SessionStore;
    logger?: ServerLogOptions;
    bodyLimitBytes?: number;
    closeStore?: boolean;
    /** Port to listen on (443 for the official frontend SDK). Default: a free one. */
    port?: number;
    /** Brute-force limits of the service. */
    bruteForce?: Partial<BruteForceLimits>;
    /** Frontend-SDK API and TLS options passed to the server as they are. */
    server?: Pick<StytchLikeServerOptions, 'allowedOrigins' | 'sessionCookies' | 'cookieDomain' | 'tls'>;
    jwtAlgorithm?: SessionJwtAlgorithm;
  } = {},
): Promise<TestServer> {
  const { projectId, secret } = testProject();
  const store = options.store ?? new MemorySessionStore();
  const service = new StytchLikeSessionService({
    store,
    projectId,
    passwordHashing: FAST_PASSWORD_HASHING,
    sweepIntervalMs: 0,
    ...(options.bruteForce ? { bruteForce: options.bruteForce } : {}),
    ...(options.jwtAlgorithm ? { jwtAlgorithm: options.jwtAlgorithm } : {}),
  });
  const server = createStytchLikeServer({
    service,
    secret,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...options.server,
  });
  const sockets = new Set<Socket>();
  const requestCounts = new Map<string, number>();
  server.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.app.server.on('request', (request: { url?: string }) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    requestCounts.set(path, (requestCounts.get(path) ?? 0) + 1);
  });
  const url = await server.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const extraServices: StytchLikeSessionService[] = [];
  return {
    url,
    projectId,
    secret,
    store,
    service,
    server,
    requestCounts,
    openSockets: () => sockets.size,
    serviceWithClock(clock) {
      const extra = new StytchLikeSessionService({
        store,
        projectId,
        clock,
        passwordHashing: FAST_PASSWORD_HASHING,
        sweepIntervalMs: 0,
      });
      extraServices.push(extra);
      return extra;
    },
    async close() {
      await server.close();
      await service.close();
      for (const extra of extraServices) await extra.close();
      if (options.closeStore !== false) await store.close();
    },
  };
}
