import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SessionTokenError, type SessionChangeEvent } from '@sessiontoken/core';
import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import { STYTCH_LIKE_CAPABILITIES } from '../../src/provider/session-operations.js';
import { ManualClock } from '../helpers/clock.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { waitFor } from '../helpers/poll.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

describe('StytchLikeSessionProvider (HTTP)', () => {
  let server: TestServer;
  const providers: StytchLikeSessionProvider[] = [];
  const newProvider = (overrides: Partial<ConstructorParameters<typeof StytchLikeSessionProvider>[0]> = {}) => {
    const provider = new StytchLikeSessionProvider({
      baseUrl: server.url,
      projectId: server.projectId,
      secret: server.secret,
      ...overrides,
    });
    providers.push(provider);
    return provider;
  };
  const newUser = async () => {
    const email = `u-${randomUUID()}@example.test`;
    await server.service.createPasswordUser({ email, password: PASSWORD });
    return { email, password: PASSWORD };
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('opens a session; getTokens() is null until token mode is on, then holds the token and a JWT', async () => {
    const provider = newProvider();
    const info = await provider.open(await newUser());
    expect(info.subject).toMatch(/^user-test-/);
    expect(provider.getTokens()).toBeNull();
    provider.setSessionToken(true);
    const tokens = provider.getTokens();
    expect(tokens?.sessionToken).toMatch(/^[A-Za-z0-9_-]{44}$/);
    expect(decodeProtectedHeader(tokens!.sessionJwt!)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(provider.capabilities).toEqual({
      jwt: true,
      serverRevocation: true,
      slidingExpiry: true,
      statelessReattach: true,
      tokenRenewal: false,
    });
  });

  it('reattaches from another provider with the token alone, or with the token and its JWT', async () => {
    const first = newProvider();
    await first.open(await newUser());
    first.setSessionToken(true);
    const tokens = first.getTokens()!;
    const byToken = newProvider();
    expect((await byToken.setSessionToken(tokens.sessionToken)).sessionId).toBe(first.getSession()?.sessionId);
    const byBoth = newProvider();
    expect((await byBoth.setSessionToken(tokens)).sessionId).toBe(first.getSession()?.sessionId);
    expect(byBoth.getTokens()?.sessionJwt).toEqual(expect.any(String));
  });

  it("refuses a valid token paired with another session's JWT", async () => {
    const a = newProvider();
    const b = newProvider();
    await a.open(await newUser());
    await b.open(await newUser());
    a.setSessionToken(true);
    b.setSessionToken(true);
    const mixed = newProvider();
    await expect(
      mixed.setSessionToken({ sessionToken: a.getTokens()!.sessionToken, sessionJwt: b.getTokens()!.sessionJwt }),
    ).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
    });
  });

  it('extends with authenticate({ durationMinutes }) and leaves the expiry alone without it', async () => {
    const provider = newProvider({ sessionDurationMinutes: 30 });
    const opened = await provider.open(await newUser());
    const plain = await provider.authenticate();
    expect(plain.expiresAt).toEqual(opened.expiresAt);
    const extended = await provider.authenticate({ durationMinutes: 600 });
    expect(extended.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 590 * 60_000);
  });

  it('sees a revocation made by another process on its next call, as INVALID_TOKEN, and forgets the session', async () => {
    const owner = newProvider();
    await owner.open(await newUser());
    owner.setSessionToken(true);
    const other = newProvider();
    await other.setSessionToken(owner.getSessionToken());
    const events: SessionChangeEvent[] = [];
    other.onChange((event) => events.push(event));
    await owner.revoke();
    await expect(other.authenticate()).rejects.toMatchObject({
      code: 'INVALID_TOKEN',
      cause: { error_type: 'session_not_found', status_code: 404 },
    });
    expect(other.getSession()).toBeNull();
    expect(events.map((e) => e.reason)).toEqual(['expired']);
  });

  it('reports an expired session as EXPIRED', async () => {
    const past = new ManualClock(new Date(Date.now() - 2 * 60 * 60_000));
    const old = await server
      .serviceWithClock(past.now)
      .createPasswordUser({ email: `u-${randomUUID()}@example.test`, password: PASSWORD, sessionDurationMinutes: 5 });
    await expect(newProvider().setSessionToken(old.sessionToken)).rejects.toMatchObject({ code: 'EXPIRED' });
  });

  it('maps a wrong password to BAD_CREDENTIALS and a wrong project secret to BACKEND, keeping the error body as cause', async () => {
    const { email } = await newUser();
    const wrongPassword = await newProvider()
      .open({ email, password: 'wrong password' })
      .catch((e: unknown) => e);
    expect(wrongPassword).toBeInstanceOf(SessionTokenError);
    expect(wrongPassword).toMatchObject({
      code: 'BAD_CREDENTIALS',
      cause: { status_code: 401, error_type: 'unauthorized_credentials', request_id: expect.any(String) },
    });
    const wrongSecret = await newProvider({ secret: 'not-the-secret' })
      .open({ email, password: PASSWORD })
      .catch((e: unknown) => e);
    expect(wrongSecret).toMatchObject({ code: 'BACKEND', cause: { error_type: 'invalid_secret_authentication' } });
  });

  it('verifies the held JWT locally in authenticateJwt() without calling the server, and goes to the server when it is too old', async () => {
    const provider = newProvider();
    const opened = await provider.open(await newUser());
    await provider.authenticateJwt();
    const before = server.requestCounts.get('/v1/sessions/authenticate') ?? 0;
    const local = await provider.authenticateJwt();
    expect(local.sessionId).toBe(opened.sessionId);
    expect(server.requestCounts.get('/v1/sessions/authenticate') ?? 0).toBe(before);
    await provider.authenticateJwt({ maxTokenAgeSeconds: 0 });
    expect(server.requestCounts.get('/v1/sessions/authenticate')).toBe(before + 1);
  });

  it('fetches the JWKS again when a JWT names a kid it has not seen (after a key rotation)', async () => {
    const provider = newProvider({ jwks: { cooldownMs: 0 } });
    await provider.open(await newUser());
    await provider.authenticateJwt();
    const fetches = () => server.requestCounts.get(`/v1/sessions/jwks/${server.projectId}`) ?? 0;
    const before = fetches();
    await server.service.rotateSigningKeys({ overlapMs: 60 * 60_000 });
    const fresh = await server.service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    await provider.setSessionToken({ sessionToken: fresh.sessionToken, sessionJwt: fresh.sessionJwt });
    expect(fetches()).toBe(before + 1);
    await provider.authenticateJwt();
    expect(fetches()).toBe(before + 1);
  });

  it('closes every socket it opened, idle or busy', async () => {
    await waitFor(() => server.openSockets() === 0, { what: 'sockets of earlier tests to close' });
    const provider = newProvider();
    await provider.open(await newUser());
    await Promise.all(Array.from({ length: 8 }, () => provider.authenticate()));
    expect(server.openSockets()).toBeGreaterThan(1);
    const inFlight = provider.authenticate().catch((e: unknown) => e);
    await provider.close();
    await waitFor(() => server.openSockets() === 0, { what: 'the provider sockets to close' });
    expect(await inFlight).toBeInstanceOf(SessionTokenError);
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  // Found by the fault figures (bench/src/faults): a cut answer was sent again, and a login started a second session.
  for (const close of ['fin', 'rst'] as const) {
    it(`does not send a login again when a kept-alive socket closes (${close}) in the middle of its answer`, async () => {
      const user = await newUser();
      const proxy = await startCuttingProxy(server.url, { response: 2, atByte: 40, close });
      try {
        const provider = newProvider({ baseUrl: proxy.url });
        const first = await provider.open(user);
        const sessionsBefore = (await server.service.listSessions(first.subject)).length;
        await expect(provider.open(user)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
        expect(proxy.requests()).toBe(2);
        // The server handled the cut login once; sending it again would have started a second session.
        expect(await server.service.listSessions(first.subject)).toHaveLength(sessionsBefore + 1);
      } finally {
        await proxy.close();
      }
    });
  }

  it('sends a request again, once, when a kept-alive socket closes before any byte of its answer', async () => {
    const user = await newUser();
    const proxy = await startCuttingProxy(server.url, { response: 2, atByte: 0, close: 'fin' });
    try {
      const provider = newProvider({ baseUrl: proxy.url });
      await provider.open(user);
      await expect(provider.authenticate()).resolves.toMatchObject({ subject: provider.getSession()?.subject });
      expect(proxy.requests()).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('refuses options it cannot use in the constructor, as INVALID_ARGUMENT', async () => {
    const refused = [
      { baseUrl: 'ftp://example.test', projectId: 'p', secret: 's' },
      { baseUrl: 'not a url', projectId: 'p', secret: 's' },
      { baseUrl: 'http://127.0.0.1:1', projectId: '', secret: 's' },
      { baseUrl: 'http://127.0.0.1:1', projectId: 'p', secret: '' },
      { baseUrl: 'http://127.0.0.1:1', projectId: 'p', secret: 's', sessionDurationMinutes: 527_041 },
      { baseUrl: 'http://127.0.0.1:1', projectId: 'p', secret: 's', sessionDurationMinutes: Number.NaN },
    ];
    for (const options of refused) {
      expect(() => new StytchLikeSessionProvider(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', adapter: 'stytch-like' }),
      );
    }
    const valid = new StytchLikeSessionProvider({ baseUrl: 'http://127.0.0.1:1', projectId: 'p', secret: 's' });
    expect(valid.capabilities).toBe(STYTCH_LIKE_CAPABILITIES);
    await valid.close();
  });
});

describe('StytchLikeSessionProvider against a broken server', () => {
  const servers: http.Server[] = [];
  const sockets = new Set<Socket>();
  const serve = async (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const open = (baseUrl: string, timeoutMs = 2000) => {
    const provider = new StytchLikeSessionProvider({
      baseUrl,
      projectId: 'project-test-x',
      secret: 'secret',
      timeoutMs,
    });
    return provider.open({ email: 'a@example.test', password: PASSWORD }).finally(() => provider.close());
  };

  it('reports a refused connection as UNAVAILABLE', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    await expect(open(`http://127.0.0.1:${port}`)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('gives up on a server that never answers after timeoutMs, as UNAVAILABLE, and closes that socket', async () => {
    const url = await serve(() => {});
    const started = Date.now();
    await expect(open(url, 300)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('300 ms'),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(() => sockets.size === 0, { what: 'the timed-out socket to close' });
  });

  it('reports a reset connection as UNAVAILABLE', async () => {
    const url = await serve((request) => request.socket.destroy());
    await expect(open(url)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('reports a body that is not JSON, or JSON of the wrong shape, as PROTOCOL', async () => {
    const html = await serve((_, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
    );
    await expect(open(html)).rejects.toMatchObject({ code: 'PROTOCOL' });
    const badGateway = await serve((_, response) => response.writeHead(502).end('Bad Gateway'));
    await expect(open(badGateway)).rejects.toMatchObject({ code: 'PROTOCOL' });
    const shapeless = await serve((_, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status_code":200}'),
    );
    await expect(open(shapeless)).rejects.toMatchObject({ code: 'PROTOCOL', cause: { fields: ['status_code'] } });
    const unavailable = await serve((_, response) =>
      response
        .writeHead(503, { 'content-type': 'application/json' })
        .end(
          '{"status_code":503,"request_id":"r","error_type":"service_unavailable","error_message":"down","error_url":"u"}',
        ),
    );
    await expect(open(unavailable)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      cause: { error_type: 'service_unavailable' },
    });
  });

  it("passes a refusal's Retry-After on as retryAfterMs (a locked email over HTTP)", async () => {
    const strict = await startTestServer({ bruteForce: { maxFailuresPerEmail: 1 } });
    try {
      const email = `u-${randomUUID()}@example.test`;
      await strict.service.createPasswordUser({ email, password: PASSWORD });
      const provider = new StytchLikeSessionProvider({
        baseUrl: strict.url,
        projectId: strict.projectId,
        secret: strict.secret,
      });
      await expect(provider.open({ email, password: 'not the password at all' })).rejects.toMatchObject({
        code: 'BAD_CREDENTIALS',
      });
      const refused = await provider.open({ email, password: PASSWORD }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SessionTokenError);
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) });
      // The email is locked for the rest of its 15-minute window.
      const { retryAfterMs } = refused as SessionTokenError;
      expect(retryAfterMs).toBeGreaterThan(14 * 60_000);
      expect(retryAfterMs).toBeLessThanOrEqual(15 * 60_000);
      expect(String(refused)).not.toContain(PASSWORD);
      await provider.close();
    } finally {
      await strict.close();
    }
  });
});
