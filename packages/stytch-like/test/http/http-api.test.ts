import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
  headers: Headers;
}

describe('the HTTP API', () => {
  let server: TestServer;
  const logLines: string[] = [];
  let auth: string;

  const call = async (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string>; auth?: string | null } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const authorization = init.auth === undefined ? auth : init.auth;
    if (authorization !== null) headers['authorization'] = authorization;
    if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      body: JSON.parse(text) as Record<string, unknown>,
      headers: response.headers,
    };
  };
  const post = (path: string, body: unknown, init: { auth?: string | null } = {}) =>
    call('POST', path, { body: JSON.stringify(body), ...init });
  const expectStytchError = (answer: Answer, status: number, errorType: string) => {
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({
      status_code: status,
      request_id: expect.stringMatching(/^request-id-test-[0-9a-f-]{36}$/),
      error_type: errorType,
      error_message: expect.any(String),
      error_url: expect.stringMatching(/^https:\/\//),
    });
    const allowed = ['status_code', 'request_id', 'error_type', 'error_message', 'error_url', 'error_details'];
    expect(Object.keys(answer.body).filter((key) => !allowed.includes(key))).toEqual([]);
    expect(answer.text).not.toMatch(/\bstack\b|\n\s+at |\.ts:\d+|node_modules/);
  };
  const stillServing = async () => {
    expect((await call('GET', '/health', { auth: null })).status).toBe(200);
    const created = await post('/v1/passwords', { email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    expect(created.status).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestServer({
      logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    });
    auth = `Basic ${Buffer.from(`${server.projectId}:${server.secret}`).toString('base64')}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses requests without, or with wrong, Basic credentials with a Stytch-shaped 401', async () => {
    expectStytchError(
      await call('GET', '/v1/sessions?user_id=user-test-x', { auth: null }),
      401,
      'invalid_secret_authentication',
    );
    const wrongSecret = `Basic ${Buffer.from(`${server.projectId}:wrong-secret`).toString('base64')}`;
    const answer = await call('GET', '/v1/sessions?user_id=user-test-x', { auth: wrongSecret });
    expectStytchError(answer, 401, 'invalid_secret_authentication');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrongProject = `Basic ${Buffer.from(`project-test-other:${server.secret}`).toString('base64')}`;
    expectStytchError(
      await call('GET', '/v1/sessions?user_id=user-test-x', { auth: wrongProject }),
      401,
      'invalid_secret_authentication',
    );
    expectStytchError(
      await call('GET', '/v1/sessions?user_id=user-test-x', { auth: 'Bearer x' }),
      401,
      'invalid_secret_authentication',
    );
  });

  it('serves /health and the JWKS without authentication, with status_code and request_id', async () => {
    const health = await call('GET', '/health', { auth: null });
    expect(health.body).toMatchObject({
      status_code: 200,
      request_id: expect.stringMatching(/^request-id-test-/),
      status: 'ok',
    });
    const jwks = await call('GET', `/v1/sessions/jwks/${server.projectId}`, { auth: null });
    expect(jwks.status).toBe(200);
    expect(jwks.body).toMatchObject({ status_code: 200, request_id: expect.any(String), keys: expect.any(Array) });
    expect(jwks.text).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    expectStytchError(
      await call('GET', '/v1/sessions/jwks/project-test-other', { auth: null }),
      404,
      'project_not_found',
    );
  });

  it('answers every success with status_code and request_id', async () => {
    const created = await post('/v1/passwords', { email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    expect(created.body).toMatchObject({
      status_code: 200,
      request_id: expect.any(String),
      user_id: expect.any(String),
      email_id: expect.any(String),
    });
    const token = created.body['session_token'];
    for (const answer of [
      await post('/v1/sessions/authenticate', { session_token: token }),
      await call('GET', `/v1/sessions?user_id=${String(created.body['user_id'])}`),
      await post('/v1/sessions/revoke', { session_token: token }),
    ]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status_code: 200, request_id: expect.stringMatching(/^request-id-test-/) });
    }
  });

  it("uses Stytch's error types for session arguments", async () => {
    expectStytchError(await post('/v1/sessions/authenticate', {}), 400, 'no_session_arguments');
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_token: 'a', session_jwt: 'b' }),
      400,
      'too_many_session_arguments',
    );
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_token: 'x'.repeat(44) }),
      404,
      'session_not_found',
    );
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_token: 'x'.repeat(44), session_duration_minutes: 4 }),
      400,
      'invalid_session_duration_minutes',
    );
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_jwt: 'not.a.jwt' }),
      400,
      'unable_to_parse_session_jwt',
    );
    expectStytchError(await post('/v1/sessions/revoke', {}), 400, 'no_session_arguments');
    expectStytchError(
      await post('/v1/passwords/authenticate', { email: `nobody-${randomUUID()}@example.test`, password: PASSWORD }),
      401,
      'unauthorized_credentials',
    );
    expectStytchError(await call('GET', '/v1/sessions'), 400, 'invalid_user_id');
    expectStytchError(await call('GET', '/v1/nothing-here'), 404, 'route_not_found');
  });

  it('answers malformed JSON with 400 invalid_json and keeps serving', async () => {
    expectStytchError(
      await call('POST', '/v1/sessions/authenticate', { body: '{"session_token": "abc"' }),
      400,
      'invalid_json',
    );
    expectStytchError(await call('POST', '/v1/sessions/authenticate', { body: '' }), 400, 'invalid_json');
    expectStytchError(
      await call('POST', '/v1/sessions/authenticate', { body: '{"__proto__": {"admin": true}}' }),
      400,
      'invalid_json',
    );
    await stillServing();
  });

  it('answers wrong types with a 400 naming the field, and keeps serving', async () => {
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_token: 'x'.repeat(44), session_duration_minutes: '60' }),
      400,
      'invalid_session_duration_minutes',
    );
    expectStytchError(await post('/v1/sessions/authenticate', { session_token: 12345 }), 400, 'invalid_session_token');
    expectStytchError(
      await post('/v1/sessions/authenticate', { session_token: 'x'.repeat(44), session_custom_claims: 'claims' }),
      400,
      'invalid_session_custom_claims',
    );
    expectStytchError(await post('/v1/passwords', { email: 42, password: PASSWORD }), 400, 'invalid_email');
    expectStytchError(await post('/v1/sessions/authenticate', ['session_token']), 400, 'invalid_request_body');
    expectStytchError(
      await call('POST', '/v1/sessions/authenticate', {
        body: 'session_token=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'unsupported_media_type',
    );
    await stillServing();
  });

  it('answers unknown fields with 400 unknown_field instead of ignoring them, and keeps serving', async () => {
    const answer = await post('/v1/sessions/authenticate', { session_token: 'x'.repeat(44), is_admin: true });
    expectStytchError(answer, 400, 'unknown_field');
    expect(answer.body['error_message']).toContain('"is_admin"');
    expectStytchError(
      await post('/v1/passwords', {
        email: `u-${randomUUID()}@example.test`,
        password: PASSWORD,
        name: { nickname: 'x' },
      }),
      400,
      'unknown_field',
    );
    expectStytchError(await call('GET', '/v1/sessions?user_id=user-test-x&extra=1'), 400, 'unknown_field');
    await stillServing();
  });

  it('answers bodies over the limit with 400 request_too_large, and keeps serving', async () => {
    const huge = JSON.stringify({
      session_token: 'x'.repeat(44),
      session_custom_claims: { blob: 'y'.repeat(200 * 1024) },
    });
    expectStytchError(await call('POST', '/v1/sessions/authenticate', { body: huge }), 400, 'request_too_large');
    await stillServing();
  });

  it('never logs tokens, JWTs, passwords, the secret or the Authorization header', async () => {
    const created = await post('/v1/passwords', { email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    const token = String(created.body['session_token']);
    const jwt = String(created.body['session_jwt']);
    await post('/v1/sessions/authenticate', { session_token: token });
    await post('/v1/sessions/authenticate', { session_jwt: jwt });
    await call('POST', '/v1/sessions/authenticate', { body: `{"session_token": "${token}"` });
    await post('/v1/sessions/authenticate', { session_token: token, unexpected: token });
    await post('/v1/sessions/revoke', { session_token: token });
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    expect(logs).toContain('/v1/sessions/authenticate');
    for (const secret of [
      token,
      token.slice(16),
      jwt,
      jwt.split('.')[2]!,
      PASSWORD,
      server.secret,
      auth,
      auth.slice('Basic '.length),
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('the HTTP API when its store fails', () => {
  it('answers 503 service_unavailable when the store is closed, and 500 without details when it throws', async () => {
    class ExplodingStore extends MemorySessionStore {
      override async findSessionByTokenId(): Promise<never> {
        throw new TypeError('SECRET-INTERNAL-DETAIL at /srv/app.ts:12');
      }
      override async recordAccess(): Promise<never> {
        throw new TypeError('SECRET-INTERNAL-DETAIL at /srv/app.ts:12');
      }
    }
    const server = await startTestServer({ store: new ExplodingStore() });
    try {
      const auth = `Basic ${Buffer.from(`${server.projectId}:${server.secret}`).toString('base64')}`;
      const authenticate = () =>
        fetch(`${server.url}/v1/sessions/authenticate`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify({ session_token: 'x'.repeat(44) }),
        });
      const crashed = await authenticate();
      const crashedText = await crashed.text();
      expect(crashed.status).toBe(500);
      expect(JSON.parse(crashedText)).toMatchObject({ status_code: 500, error_type: 'internal_server_error' });
      expect(crashedText).not.toContain('SECRET-INTERNAL-DETAIL');
      expect(crashedText).not.toMatch(/\n\s+at |app\.ts/);
      await server.store.close();
      const unavailable = await fetch(`${server.url}/v1/sessions?user_id=user-test-x`, {
        headers: { authorization: auth },
      });
      expect(unavailable.status).toBe(503);
      expect(await unavailable.json()).toMatchObject({ status_code: 503, error_type: 'service_unavailable' });
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
