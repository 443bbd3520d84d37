import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/servers.js';

// The frontend-SDK API over real HTTP (Node's fetch, which sends Origin and reads Set-Cookie as a browser would
// send and receive them): what the official @stytch/vanilla-js calls, its envelope, CORS and the cookie modes.

const PASSWORD = 'a long and unguessable password';
const APP = 'https://app.shop.test';
const OTHER = 'https://evil.test';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  cookies: string[];
}

function client(server: TestServer, publicToken: () => string) {
  const basic = (password: string) => `Basic ${Buffer.from(`${publicToken()}:${password}`).toString('base64')}`;
  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; origin?: string | null; session?: string; cookie?: string; auth?: string | null } = {},
  ): Promise<Answer> => {
    // A preflight carries what the browser asks for, not the request's own headers.
    const headers: Record<string, string> =
      method === 'OPTIONS'
        ? {
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type,x-sdk-client,x-sdk-parent-host',
          }
        : { 'content-type': 'application/json', 'x-sdk-client': Buffer.from('{}').toString('base64') };
    const origin = init.origin === undefined ? APP : init.origin;
    if (origin !== null) headers['origin'] = origin;
    const auth = init.auth === undefined ? basic(init.session ?? publicToken()) : init.auth;
    if (auth !== null) headers['authorization'] = auth;
    if (init.cookie) headers['cookie'] = init.cookie;
    const response = await fetch(`${server.url}/sdk/v1${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      headers: response.headers,
      cookies: response.headers.getSetCookie(),
    };
  };
  return { call, basic };
}

const data = (answer: Answer) => answer.body['data'] as Record<string, unknown>;
const newEmail = () => `u-${randomUUID()}@example.test`;

describe('the frontend-SDK API (/sdk/v1), tokens in the body', () => {
  let server: TestServer;
  let publicToken: string;
  let call: ReturnType<typeof client>['call'];

  beforeAll(async () => {
    server = await startTestServer({ server: { allowedOrigins: [APP] }, bruteForce: { maxFailuresPerEmail: 3 } });
    publicToken = await server.service.publicToken();
    ({ call } = client(server, () => publicToken));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has a public token public-token-test-<uuid>, made once and kept in the store', async () => {
    expect(publicToken).toMatch(/^public-token-test-[0-9a-f-]{36}$/);
    const again = server.serviceWithClock(() => new Date());
    expect(await again.publicToken()).toBe(publicToken);
  });

  it('bootstraps with the settings that keep the SDK off Stytch hosts, and refuses another public token', async () => {
    const answer = await call('GET', `/projects/bootstrap/${publicToken}`);
    expect(answer.status).toBe(200);
    expect(data(answer)).toMatchObject({
      captcha_settings: { enabled: false },
      password_config: null,
      dfp_protected_auth_enabled: false,
      disable_sdk_watermark: true,
    });
    const wrong = await call('GET', `/projects/bootstrap/public-token-test-${randomUUID()}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body['error_type']).toBe('invalid_public_token');
  });

  it('answers the preflight of an authorized origin with credentialed CORS for exactly that origin', async () => {
    const answer = await call('OPTIONS', '/passwords', { auth: null });
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('access-control-allow-headers')?.toLowerCase().split(', ')).toEqual([
      'authorization',
      'content-type',
      'x-sdk-client',
      'x-sdk-parent-host',
    ]);
    expect(answer.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses every other origin with 403 and no CORS headers, before doing anything', async () => {
    const email = newEmail();
    for (const origin of [OTHER, 'null', `${APP}:8443`, 'http://app.shop.test', `${APP}.evil.test`]) {
      const preflight = await call('OPTIONS', '/passwords', { origin, auth: null });
      expect(preflight.status, origin).toBe(403);
      expect(
        [...preflight.headers.keys()].filter((name) => name.startsWith('access-control-')),
        origin,
      ).toEqual([]);
      const signup = await call('POST', '/passwords', { origin, body: { email, password: PASSWORD } });
      expect(signup.status, origin).toBe(403);
      expect(signup.body['error_type']).toBe('origin_not_allowed');
      expect([...signup.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    // None of the refused sign-ups happened.
    expect((await call('POST', '/passwords/authenticate', { body: { email, password: PASSWORD } })).status).toBe(401);
  });

  it('signs up, logs in, authenticates, reads the user and revokes, each answer in { data } with the tokens', async () => {
    const email = newEmail();
    const created = await call('POST', '/passwords', {
      body: { email, password: PASSWORD, session_duration_minutes: 60, captcha_token: 'ignored' },
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe(APP);
    expect(created.cookies).toEqual([]);
    expect(data(created)).toMatchObject({
      status_code: 200,
      user_id: expect.stringMatching(/^user-test-/),
      session_token: expect.any(String),
      session_jwt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      session: { user_id: data(created)['user_id'] },
      user: { user_id: data(created)['user_id'] },
    });

    const login = data(await call('POST', '/passwords/authenticate', { body: { email, password: PASSWORD } }));
    const token = login['session_token'] as string;
    expect(token).not.toBe(data(created)['session_token']);

    const authenticated = await call('POST', '/sessions/authenticate', { session: token, body: {} });
    expect(authenticated.status).toBe(200);
    expect(data(authenticated)['session_token']).toBe(token);
    expect((data(authenticated)['session'] as { session_id: string }).session_id).toBe(
      (login['session'] as { session_id: string }).session_id,
    );

    const me = await call('GET', '/users/me', { session: token });
    expect(me.status).toBe(200);
    expect(data(me)).toMatchObject({ user_id: login['user_id'], emails: [{ email }] });

    // The SDK's revoke sends Content-Type: application/json and no body.
    const revoked = await call('POST', '/sessions/revoke', { session: token });
    expect(revoked.status).toBe(200);
    expect(data(revoked)).toMatchObject({ status_code: 200 });
    const after = await call('POST', '/sessions/authenticate', { session: token, body: {} });
    expect(after.status).toBe(404);
    expect(after.body).toMatchObject({ error_type: 'session_not_found', status_code: 404 });
    expect(after.body['data']).toBeUndefined();
    // The backend API refuses the revoked token too.
    await expect(server.service.authenticateSession({ sessionToken: token })).rejects.toMatchObject({
      errorType: 'session_not_found',
    });
    // The session from the sign-up is untouched.
    const first = await call('POST', '/sessions/authenticate', {
      session: data(created)['session_token'] as string,
      body: {},
    });
    expect(first.status).toBe(200);
  });

  it('answers without a session, or with a forged one, with an error that makes the SDK drop it', async () => {
    const none = await call('POST', '/sessions/authenticate', { body: {} });
    expect(none.status).toBe(404);
    expect(none.body['error_type']).toBe('session_not_found');
    const forged = await call('POST', '/sessions/authenticate', { session: 'not a token', body: {} });
    expect(forged.status).toBe(401);
    expect(forged.body['error_type']).toBe('unauthorized_credentials');
  });

  it('refuses calls without the public token, or with another one', async () => {
    const email = newEmail();
    const missing = await call('POST', '/passwords', { auth: null, body: { email, password: PASSWORD } });
    expect(missing.status).toBe(401);
    expect(missing.body['error_type']).toBe('invalid_public_token');
    const other = `Basic ${Buffer.from(`public-token-test-${randomUUID()}:x`).toString('base64')}`;
    const wrong = await call('POST', '/passwords', { auth: other, body: { email, password: PASSWORD } });
    expect(wrong.status).toBe(401);
    expect(wrong.body['error_type']).toBe('invalid_public_token');
  });

  it('answers a wrong password with unauthorized_credentials and locks the email like the backend API', async () => {
    const email = newEmail();
    expect((await call('POST', '/passwords', { body: { email, password: PASSWORD } })).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt++) {
      const wrong = await call('POST', '/passwords/authenticate', { body: { email, password: 'not the password' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body['error_type']).toBe('unauthorized_credentials');
    }
    const locked = await call('POST', '/passwords/authenticate', { body: { email, password: PASSWORD } });
    expect(locked.status).toBe(429);
    expect(locked.body['error_type']).toBe('too_many_requests');
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('refuses a form or text/plain body with 415: no request a page can send without a preflight reaches a handler', async () => {
    const email = newEmail();
    for (const [type, body] of [
      [
        'application/x-www-form-urlencoded',
        `email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}`,
      ],
      ['text/plain', JSON.stringify({ email, password: PASSWORD })],
    ] as const) {
      const answer = await fetch(`${server.url}/sdk/v1/passwords`, {
        method: 'POST',
        headers: { 'content-type': type, origin: APP },
        body,
      });
      expect(answer.status, type).toBe(415);
    }
    expect(await server.store.findUserByEmail(email)).toBeNull();
  });

  it('accepts the telemetry batch with a 2xx', async () => {
    const answer = await call('POST', '/events', { auth: null, body: [{ event_name: 'x' }] });
    expect(answer.status).toBe(200);
  });
});

describe('the frontend-SDK API with HttpOnly session cookies', () => {
  let server: TestServer;
  let publicToken: string;
  let call: ReturnType<typeof client>['call'];

  beforeAll(async () => {
    server = await startTestServer({
      server: { allowedOrigins: [APP], sessionCookies: 'httponly', cookieDomain: 'shop.test' },
    });
    publicToken = await server.service.publicToken();
    ({ call } = client(server, () => publicToken));
  });
  afterAll(async () => {
    await server?.close();
  });

  /** The cookie pairs of Set-Cookie headers, as a browser would send them back. */
  const cookieHeader = (setCookies: string[]) => setCookies.map((line) => line.split(';')[0]).join('; ');
  const cookieValue = (setCookies: string[], name: string) =>
    setCookies
      .find((line) => line.startsWith(`${name}=`))
      ?.split(';')[0]
      ?.slice(name.length + 1);

  it('sets both cookies HttpOnly; Secure; SameSite=Lax on the parent domain and leaves the tokens out', async () => {
    const created = await call('POST', '/passwords', { body: { email: newEmail(), password: PASSWORD } });
    expect(created.status).toBe(200);
    // Empty, as Stytch answers when HttpOnly cookies hold the session.
    expect(data(created)).toMatchObject({ session_token: '', session_jwt: '' });
    expect(created.cookies).toHaveLength(2);
    const expires = Date.parse((data(created)['session'] as { expires_at: string }).expires_at);
    for (const name of ['stytch_session', 'stytch_session_jwt']) {
      const line = created.cookies.find((cookie) => cookie.startsWith(`${name}=`));
      expect(line, name).toBeDefined();
      const attributes = line!.split(/;\s*/).slice(1);
      expect(attributes).toEqual(
        expect.arrayContaining(['Domain=shop.test', 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax']),
      );
      const cookieExpiry = attributes.find((attribute) => attribute.startsWith('Expires='))?.slice('Expires='.length);
      expect(Math.abs(Date.parse(cookieExpiry ?? '') - expires)).toBeLessThan(1000);
    }
    const token = cookieValue(created.cookies, 'stytch_session')!;
    await expect(server.service.authenticateSession({ sessionToken: token })).resolves.toBeTruthy();
  });

  it('authenticates and revokes through the cookies alone; revoke clears them and the token stops working', async () => {
    const created = await call('POST', '/passwords', { body: { email: newEmail(), password: PASSWORD } });
    const cookie = cookieHeader(created.cookies);
    const token = cookieValue(created.cookies, 'stytch_session')!;

    const authenticated = await call('POST', '/sessions/authenticate', { cookie, body: {} });
    expect(authenticated.status).toBe(200);
    expect(data(authenticated)).toMatchObject({ session_token: '', session_jwt: '' });
    const freshJwt = cookieValue(authenticated.cookies, 'stytch_session_jwt');
    expect(freshJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await call('GET', '/users/me', { cookie })).status).toBe(200);

    const revoked = await call('POST', '/sessions/revoke', { cookie });
    expect(revoked.status).toBe(200);
    for (const name of ['stytch_session', 'stytch_session_jwt']) {
      const line = revoked.cookies.find((set) => set.startsWith(`${name}=`));
      expect(line, `${name} is cleared`).toMatch(/^[^=]+=;/);
      expect(line).toMatch(/Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
      expect(line).toMatch(/Domain=shop\.test/);
    }
    const after = await call('POST', '/sessions/authenticate', { cookie, body: {} });
    expect(after.status).toBe(404);
    expect(after.body['error_type']).toBe('session_not_found');
    await expect(server.service.authenticateSession({ sessionToken: token })).rejects.toMatchObject({
      errorType: 'session_not_found',
    });
  });

  it('takes a session token given in the Basic password over the cookie (updateSession from another context)', async () => {
    const first = await call('POST', '/passwords', { body: { email: newEmail(), password: PASSWORD } });
    const second = await call('POST', '/passwords', { body: { email: newEmail(), password: PASSWORD } });
    const answer = await call('POST', '/sessions/authenticate', {
      cookie: cookieHeader(first.cookies),
      session: cookieValue(second.cookies, 'stytch_session')!,
      body: {},
    });
    expect(answer.status).toBe(200);
    expect(data(answer)['user_id']).toBe(data(second)['user_id']);
    expect(cookieValue(answer.cookies, 'stytch_session')).toBe(cookieValue(second.cookies, 'stytch_session'));
  });
});
