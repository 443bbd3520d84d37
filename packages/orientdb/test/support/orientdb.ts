import { createHmac, randomUUID } from 'node:crypto';
import { encodeBase64Url } from '@sessiontoken/core';
import { inject } from 'vitest';
import { OrientDBSessionPool, OrientDBSessionProvider, type OrientDBSessionPoolOptions } from '../../src/index.js';
import {
  encodeOrientDBTokenPayload,
  parseOrientDBToken,
  type OrientDBTokenPayload,
} from '../../src/token/orientdb-token.js';
import type { OrientDBTestServer } from './global-setup.js';

/** The real server the run started (see global-setup.ts). */
export function testServer(): OrientDBTestServer {
  return inject('orientdb');
}

export function createTestProvider(
  overrides: { port?: number; timeoutMs?: number; database?: string } = {},
): OrientDBSessionProvider {
  const server = testServer();
  return new OrientDBSessionProvider({
    host: server.host,
    port: overrides.port ?? server.port,
    database: overrides.database ?? server.database,
    timeoutMs: overrides.timeoutMs ?? 10_000,
  });
}

/** A pool on the run's server; the caller closes it. */
export function createTestPool(overrides: Partial<OrientDBSessionPoolOptions> = {}): OrientDBSessionPool {
  const server = testServer();
  return new OrientDBSessionPool({
    host: server.host,
    port: server.port,
    database: server.database,
    timeoutMs: 10_000,
    ...overrides,
  });
}

/** Opens `count` sockets of `pool` at once (concurrent checks of one token), so later calls find them open. */
export async function warmUp(pool: OrientDBSessionPool, count: number): Promise<void> {
  const opener = pool.createProvider();
  try {
    opener.setSessionToken(true);
    await opener.open(testCredentials());
    await Promise.all(Array.from({ length: count }, () => opener.authenticate()));
  } finally {
    await opener.close();
  }
}

export function testCredentials(): { username: string; password: string } {
  const server = testServer();
  return { username: server.username, password: server.password };
}

/**
 * Re-signs `token` with the server's secret key after changing its payload, the way the server itself signs:
 * HMAC-SHA256 over the header and payload bytes. The server accepts the result as its own.
 */
export function resignToken(
  token: string,
  change: (payload: OrientDBTokenPayload) => OrientDBTokenPayload,
  secretKey = testServer().secretKey,
): string {
  const { payload } = parseOrientDBToken(token);
  const body = encodeOrientDBTokenPayload(change(payload));
  const signature = createHmac('sha256', Buffer.from(secretKey, 'base64url')).update(body).digest();
  return encodeBase64Url(Buffer.concat([body, signature]));
}

/** A fresh class name for a test that writes records. */
export function uniqueClassName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
