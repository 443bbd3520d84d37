import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeJwtVerifier } from '../../src/provider/jwt-verifier.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

/**
 * The JWKS endpoint as an attacker or an outage leaves it: a front that forwards to the real server while `mode` is
 * `up`, and otherwise answers 503 or cuts the connection, counting the JWKS requests that reached it.
 */
async function startJwksFront(upstream: string) {
  const state = { mode: 'up' as 'up' | 'error' | 'cut', jwksRequests: 0 };
  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/v1/sessions/jwks/')) state.jwksRequests++;
    if (state.mode === 'cut') {
      request.socket.destroy();
      return;
    }
    if (state.mode === 'error') {
      response.writeHead(503, { 'content-type': 'text/html', connection: 'close' }).end('<h1>down</h1>');
      return;
    }
    void fetch(`${upstream}${request.url}`, { headers: { accept: 'application/json' } }).then(
      // One connection per request, so a cut never meets a reused socket (which the client would retry once).
      async (answer) =>
        response
          .writeHead(answer.status, { 'content-type': 'application/json', connection: 'close' })
          .end(await answer.text()),
      () => request.socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('StytchLikeJwtVerifier against clock skew and a JWKS outage', () => {
  let server: TestServer;
  let front: Awaited<ReturnType<typeof startJwksFront>>;
  let jwt: string;

  beforeAll(async () => {
    server = await startTestServer();
    front = await startJwksFront(server.url);
    jwt = (await server.service.createPasswordUser({ email: `u-${randomUUID()}@example.test`, password: PASSWORD }))
      .sessionJwt;
  });
  afterAll(async () => {
    await front?.close();
    await server?.close();
  });

  const issuedWithClockOffset = async (offsetMs: number) => {
    const skewed = server.serviceWithClock(() => new Date(Date.now() + offsetMs));
    return (await skewed.createPasswordUser({ email: `skew-${randomUUID()}@example.test`, password: PASSWORD }))
      .sessionJwt;
  };

  it('accepts a JWT from a server whose clock runs 20 s ahead (nbf in the future) within the default 30 s, not with 0', async () => {
    const ahead = await issuedWithClockOffset(20_000);
    const lenient = new StytchLikeJwtVerifier({ baseUrl: server.url, projectId: server.projectId });
    const strict = new StytchLikeJwtVerifier({
      baseUrl: server.url,
      projectId: server.projectId,
      clockToleranceSeconds: 0,
    });
    try {
      await expect(lenient.verify(ahead)).resolves.toMatchObject({ expired: false });
      await expect(strict.verify(ahead)).rejects.toMatchObject({
        code: 'INVALID_TOKEN',
        message: expect.stringContaining('nbf'),
      });
      // Beyond the tolerance a clock 40 s ahead is refused by both.
      await expect(lenient.verify(await issuedWithClockOffset(40_000))).rejects.toMatchObject({
        code: 'INVALID_TOKEN',
      });
    } finally {
      lenient.close();
      strict.close();
    }
  });

  it('accepts a JWT 20 s past its exp within the tolerance and refuses one 40 s past it as EXPIRED', async () => {
    const verifier = new StytchLikeJwtVerifier({ baseUrl: server.url, projectId: server.projectId });
    try {
      // Issued 320 s ago by the clock of that server: exp (iat + 300) passed 20 s ago.
      await expect(verifier.verify(await issuedWithClockOffset(-320_000))).resolves.toMatchObject({ expired: false });
      await expect(verifier.verify(await issuedWithClockOffset(-340_000))).rejects.toMatchObject({ code: 'EXPIRED' });
    } finally {
      verifier.close();
    }
  });

  it('keeps verifying with the cached keys while the JWKS endpoint fails, with one fetch per backoff step', async () => {
    let now = Date.now();
    const verifier = new StytchLikeJwtVerifier({
      baseUrl: front.url,
      projectId: server.projectId,
      maxAgeMs: 60_000,
      initialBackoffMs: 1000,
      maxBackoffMs: 8000,
      staleIfErrorMs: 3_600_000,
      now: () => now,
    });
    try {
      front.state.mode = 'up';
      await expect(verifier.verify(jwt)).resolves.toMatchObject({ expired: false });
      const fetchedOnce = front.state.jwksRequests;
      for (const mode of ['error', 'cut'] as const) {
        front.state.mode = mode;
        // The cache is past its age: the next verification fetches, fails, and verifies with the cached key anyway.
        now += 61_000;
        const before = front.state.jwksRequests;
        const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(jwt)));
        expect(results.every((result) => result.expired === false)).toBe(true);
        // Twenty verifications at once, one fetch in flight.
        expect(front.state.jwksRequests - before).toBe(1);
        // Within the backoff nothing is fetched; after it, one fetch again.
        await verifier.verify(jwt);
        expect(front.state.jwksRequests - before).toBe(1);
      }
      const failing = front.state.jwksRequests;
      now += 2000;
      await verifier.verify(jwt);
      expect(front.state.jwksRequests).toBe(failing + 1);
      // The backoff doubles: 4 s now, so 3 s later still no fetch.
      now += 3000;
      await verifier.verify(jwt);
      expect(front.state.jwksRequests).toBe(failing + 1);
      // A kid the cache does not have cannot be judged during the outage: UNAVAILABLE, not INVALID_TOKEN.
      const [head, payload, signature] = jwt.split('.') as [string, string, string];
      const otherKid = Buffer.from(JSON.stringify({ ...decodeProtectedHeader(jwt), kid: 'jwk-test-unknown' })).toString(
        'base64url',
      );
      await expect(verifier.verify(`${otherKid}.${payload}.${signature}`)).rejects.toMatchObject({
        code: 'UNAVAILABLE',
      });
      expect(head).not.toBe(otherKid);
      // Back up: after the backoff the keys are fetched again and the failures forgotten.
      front.state.mode = 'up';
      now += 5000;
      await expect(verifier.verify(jwt)).resolves.toMatchObject({ expired: false });
      expect(front.state.jwksRequests).toBe(failing + 2);
      expect(fetchedOnce).toBe(1);
    } finally {
      verifier.close();
    }
  });

  it('stops trusting the cache once it is older than maxAge + staleIfError, answering UNAVAILABLE', async () => {
    let now = Date.now();
    const verifier = new StytchLikeJwtVerifier({
      baseUrl: front.url,
      projectId: server.projectId,
      maxAgeMs: 60_000,
      staleIfErrorMs: 120_000,
      now: () => now,
    });
    try {
      front.state.mode = 'up';
      await verifier.verify(jwt);
      front.state.mode = 'error';
      now += 100_000;
      await expect(verifier.verify(jwt)).resolves.toMatchObject({ expired: false });
      now += 100_000;
      await expect(verifier.verify(jwt)).rejects.toMatchObject({ name: 'SessionTokenError', code: 'UNAVAILABLE' });
    } finally {
      front.state.mode = 'up';
      verifier.close();
    }
  });

  it('without any cached key, an outage is UNAVAILABLE from the first verification', async () => {
    front.state.mode = 'cut';
    const verifier = new StytchLikeJwtVerifier({ baseUrl: front.url, projectId: server.projectId });
    try {
      await expect(verifier.verify(jwt)).rejects.toMatchObject({ name: 'SessionTokenError', code: 'UNAVAILABLE' });
    } finally {
      front.state.mode = 'up';
      verifier.close();
    }
  });
});
