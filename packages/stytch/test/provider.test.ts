import { isSessionTokenError, SessionTokenError } from '@sessiontoken/core';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StytchApiError, StytchSessionProvider, type StytchSessionProviderOptions } from '../src/index.js';
import { json, startHostileServer, stytchSession, type HostileServer } from './helpers/hostile-server.js';
import { errorTexts, pollUntil } from './helpers/poll.js';
import { startStytchLikeServer, type StytchLikeTestServer } from './helpers/stytch-like-server.js';

const SECRET = 'secret-test-0123456789abcdefghij';

async function rejection(promise: Promise<unknown>): Promise<SessionTokenError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionTokenError);
  return error as SessionTokenError;
}

beforeAll(() => {
  // The SDK warns on every client with a custom env (our loopback origins); that is expected here.
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe('options are checked in the constructor, before any request', () => {
  const valid: StytchSessionProviderOptions = { projectId: 'project-test-1', secret: SECRET };
  const bad: [string, unknown][] = [
    ['no options', undefined],
    ['an empty project id', { ...valid, projectId: '' }],
    ['a project id with a slash', { ...valid, projectId: 'project/../x' }],
    ['no secret', { projectId: 'project-test-1' }],
    ['an unknown env', { ...valid, env: 'staging' }],
    ['env and baseUrl together', { ...valid, env: 'test', baseUrl: 'https://api.example.test' }],
    ['a baseUrl that is no URL', { ...valid, baseUrl: 'not a url' }],
    ['plain http to another host', { ...valid, baseUrl: 'http://api.example.test' }],
    ['a baseUrl with a path', { ...valid, baseUrl: 'https://api.example.test/v1' }],
    ['a baseUrl with credentials', { ...valid, baseUrl: 'https://user:pass@api.example.test' }],
    ['a session of 4 minutes', { ...valid, sessionDurationMinutes: 4 }],
    ['a session longer than a year', { ...valid, sessionDurationMinutes: 527_041 }],
    ['a zero time limit', { ...valid, timeoutMs: 0 }],
    ['a fractional time limit', { ...valid, timeoutMs: 1.5 }],
  ];
  for (const [what, options] of bad) {
    it(`refuses ${what} with INVALID_ARGUMENT, never naming the secret`, () => {
      let error: unknown;
      try {
        new StytchSessionProvider(options as StytchSessionProviderOptions);
      } catch (e) {
        error = e;
      }
      expect(isSessionTokenError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect(errorTexts(error)).not.toContain(SECRET);
    });
  }

  it('accepts the hosted environments, an https origin and http on loopback', async () => {
    for (const options of [
      valid,
      { ...valid, env: 'live' as const },
      { ...valid, baseUrl: 'https://api.example.test' },
      { ...valid, baseUrl: 'http://127.0.0.1:9' },
      { ...valid, baseUrl: 'http://localhost:9/' },
    ]) {
      const provider = new StytchSessionProvider(options);
      expect(provider.getSession()).toBeNull();
      await provider.close();
    }
  });
});

describe('against the Stytch-like server', () => {
  let server: StytchLikeTestServer;
  const providers: StytchSessionProvider[] = [];
  const provider = (options: Partial<StytchSessionProviderOptions> = {}) => {
    const created = new StytchSessionProvider({
      projectId: server.projectId,
      secret: server.secret,
      baseUrl: server.url,
      ...options,
    });
    providers.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startStytchLikeServer();
  });
  afterAll(async () => {
    for (const created of providers) await created.close();
    await server?.close();
  });

  it('refuses a JWT of another session given with a token, and keeps the session it held', async () => {
    const [a, b, c] = [provider(), provider(), provider()];
    a.setSessionToken(true);
    b.setSessionToken(true);
    await a.open(await server.createUser());
    await b.open(await server.createUser());
    const held = await c.setSessionToken(a.getSessionToken());
    const mixed = { sessionToken: a.getSessionToken(), sessionJwt: b.getTokens()?.sessionJwt ?? '' };
    const error = await rejection(c.setSessionToken(mixed));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(c.getSession()?.sessionId).toBe(held.sessionId);
    expect(c.getSessionToken()).toBe(a.getSessionToken());
  });

  it('opens with custom claims and a duration, and extends with authenticate({ durationMinutes })', async () => {
    const p = provider();
    const opened = await p.open(await server.createUser(), {
      sessionDurationMinutes: 10,
      sessionCustomClaims: { plan: 'pro' },
    });
    expect(opened.attributes['customClaims']).toEqual({ plan: 'pro' });
    const extended = await p.authenticate({ durationMinutes: 600 });
    expect(extended.expiresAt!.getTime()).toBeGreaterThan(opened.expiresAt!.getTime() + 60 * 60_000);
  });

  it('refuses a duration Stytch would refuse before sending it, and keeps the session', async () => {
    const p = provider();
    const opened = await p.open(await server.createUser());
    expect((await rejection(p.authenticate({ durationMinutes: 4 }))).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(p.open(await server.createUser(), { sessionDurationMinutes: 600_000 }))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(p.getSession()?.sessionId).toBe(opened.sessionId);
  });

  it('says a wrong project secret is a BACKEND refusal, without the secret anywhere in the error', async () => {
    const wrongSecret = 'secret-wrong-abcdefghijklmnopqrstuvwxyz';
    const error = await rejection(provider({ secret: wrongSecret }).open(await server.createUser()));
    expect(error.code).toBe('BACKEND');
    expect(error.cause).toBeInstanceOf(StytchApiError);
    expect((error.cause as StytchApiError).errorType).toBe('invalid_secret_authentication');
    expect(errorTexts(error)).not.toContain(wrongSecret);
  });

  it('keeps no token and no password in the error of a refused reattach or login', async () => {
    const p = provider();
    p.setSessionToken(true);
    const credentials = await server.createUser();
    await p.open(credentials);
    const token = p.getSessionToken();
    await p.revoke();
    const error = await rejection(provider().setSessionToken(token));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(errorTexts(error)).not.toContain(token);
    const login = await rejection(provider().open({ email: credentials.email, password: 'wrong but secret password' }));
    expect(login.code).toBe('BAD_CREDENTIALS');
    expect(errorTexts(login)).not.toContain('wrong but secret password');
  });

  it('close() closes every socket the provider opened, and later calls reject with CLOSED', async () => {
    const before = server.openSockets();
    const p = new StytchSessionProvider({ projectId: server.projectId, secret: server.secret, baseUrl: server.url });
    await p.open(await server.createUser());
    await p.authenticate();
    expect(server.openSockets()).toBeGreaterThan(before);
    await p.close();
    await pollUntil('the server to see the provider close its sockets', () => server.openSockets() <= before);
    expect((await rejection(p.authenticate())).code).toBe('CLOSED');
  });
});

describe('against a hostile or broken server', () => {
  const servers: HostileServer[] = [];
  const hostile = async (answer: Parameters<typeof startHostileServer>[0]) => {
    const started = await startHostileServer(answer);
    servers.push(started);
    return started;
  };
  const providerFor = (url: string, timeoutMs = 5000) =>
    new StytchSessionProvider({ projectId: 'project-test-1', secret: SECRET, baseUrl: url, timeoutMs });

  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('rejects UNAVAILABLE when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const p = providerFor(`http://127.0.0.1:${port}`);
    expect((await rejection(p.setSessionToken('some-token-value-1234567890'))).code).toBe('UNAVAILABLE');
    await p.close();
  });

  it('rejects UNAVAILABLE when the server never answers, within its time limit', async () => {
    const server = await hostile(() => {
      // never answers
    });
    const p = providerFor(server.url, 300);
    const error = await rejection(p.setSessionToken('some-token-value-1234567890'));
    expect(error.code).toBe('UNAVAILABLE');
    expect(errorTexts(error)).not.toContain('some-token-value-1234567890');
    await p.close();
    await pollUntil('the hung request socket to close', () => server.openSockets() === 0);
  });

  it('close() ends a request that is still waiting', async () => {
    const server = await hostile(() => {
      // never answers
    });
    const p = providerFor(server.url, 60_000);
    const pending = rejection(p.setSessionToken('some-token-value-1234567890'));
    await pollUntil('the request to arrive', () => server.requests.length === 1);
    await p.close();
    expect(['CLOSED', 'UNAVAILABLE']).toContain((await pending).code);
    await pollUntil('the socket to close', () => server.openSockets() === 0);
  });

  it('rejects PROTOCOL for a body that is not JSON, and for an error body that is not an object', async () => {
    const notJson = await hostile((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>some-token-value-1234567890</html>');
    });
    const nullBody = await hostile((_request, response) => json(response, 500, null));
    for (const url of [notJson.url, nullBody.url]) {
      const p = providerFor(url);
      const error = await rejection(p.setSessionToken('some-token-value-1234567890'));
      expect(error.code).toBe('PROTOCOL');
      expect(errorTexts(error)).not.toContain('some-token-value-1234567890');
      await p.close();
    }
  });

  it('rejects PROTOCOL for a success answer without a session, a session_jwt or valid dates', async () => {
    const answers = [
      { session_token: 'x', session_jwt: 'y' },
      { session: stytchSession('session-test-1'), session_token: 'x' },
      { session: { ...stytchSession('session-test-1'), expires_at: 'tomorrow' }, session_token: 'x', session_jwt: 'y' },
      [1, 2, 3],
    ];
    for (const body of answers) {
      const server = await hostile((_request, response) => json(response, 200, body));
      const p = providerFor(server.url);
      expect((await rejection(p.setSessionToken('some-token-value-1234567890'))).code).toBe('PROTOCOL');
      await p.close();
    }
  });

  it('cuts the token out of an error message a server echoes it in', async () => {
    const server = await hostile((request, response) =>
      json(response, 400, {
        status_code: 400,
        request_id: 'request-id-test-1',
        error_type: 'invalid_session_token',
        error_message: `you sent ${request.body}`,
        error_url: 'https://stytch.com/docs/api/errors/400',
      }),
    );
    const p = providerFor(server.url);
    const token = 'echoed-token-value-abcdefghijklmnop';
    const error = await rejection(p.setSessionToken(token));
    expect(error.code).toBe('INVALID_TOKEN');
    expect(server.requests[0]?.body).toContain(token);
    expect(errorTexts(error)).not.toContain(token);
    expect(errorTexts(error)).not.toContain(SECRET);
    expect((error.cause as StytchApiError).requestId).toBe('request-id-test-1');
    await p.close();
  });

  it('rejects PROTOCOL when authenticate answers for another session than the one held', async () => {
    const server = await hostile((request, response) => {
      const other = request.path === '/v1/sessions/authenticate' && server.requests.length > 1;
      json(response, 200, {
        status_code: 200,
        session: stytchSession(other ? 'session-test-other' : 'session-test-held'),
        session_token: 'tok',
        session_jwt: 'jwt',
      });
    });
    const p = providerFor(server.url);
    await p.setSessionToken('held-token-value-abcdefghijklmnop');
    expect((await rejection(p.authenticate())).code).toBe('PROTOCOL');
    await p.close();
  });

  it('maps 429 and 503 to UNAVAILABLE and an expired session to EXPIRED', async () => {
    const cases: [number, string, Record<string, string> | undefined, string][] = [
      [429, 'too_many_requests', undefined, 'UNAVAILABLE'],
      [503, 'something_new', undefined, 'UNAVAILABLE'],
      [404, 'session_not_found', { reason: 'session_expired' }, 'EXPIRED'],
      [404, 'session_not_found', undefined, 'INVALID_TOKEN'],
      [418, 'something_new', undefined, 'BACKEND'],
    ];
    for (const [status, type, details, code] of cases) {
      const server = await hostile((_request, response) =>
        json(response, status, {
          status_code: status,
          request_id: 'r',
          error_type: type,
          error_message: 'm',
          error_url: '',
          ...(details ? { error_details: details } : {}),
        }),
      );
      const p = providerFor(server.url);
      expect((await rejection(p.setSessionToken('some-token-value-1234567890'))).code, `${status} ${type}`).toBe(code);
      await p.close();
    }
  });
});
