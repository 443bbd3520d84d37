import { randomUUID } from 'node:crypto';
import { Client, StytchError } from 'stytch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SESSION_JWT_ALGORITHMS } from '../../src/jwt/session-jwt.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { testStoreLocation, type TestStoreLocation } from '../helpers/stores.js';

/** JWKS members of each algorithm's keys. */
const JWK_SHAPE = {
  RS256: { kty: 'RSA', members: ['alg', 'e', 'key_ops', 'kid', 'kty', 'n', 'use'] },
  ES256: { kty: 'EC', members: ['alg', 'crv', 'key_ops', 'kid', 'kty', 'use', 'x', 'y'] },
  EdDSA: { kty: 'OKP', members: ['alg', 'crv', 'key_ops', 'kid', 'kty', 'use', 'x'] },
} as const;

/**
 * The unmodified official Node SDK (npm `stytch`) pointed at our server: the proof of compatibility, with session JWTs
 * signed by each algorithm (the SDK verifies JWTs locally with jose against the JWKS without pinning RS256).
 */
describe.each(SESSION_JWT_ALGORITHMS)('the official stytch SDK against the server, session JWTs in %s', (alg) => {
  let location: TestStoreLocation;
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    location = testStoreLocation('sqlite');
    server = await startTestServer({ store: await location.open(), jwtAlgorithm: alg });
    // The SDK warns once about a custom env; that is expected here.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    client = new Client({ project_id: server.projectId, secret: server.secret, env: `${server.url}/` });
    warn.mockRestore();
  });
  afterAll(async () => {
    await server?.close();
    await location?.cleanup();
  });

  it('walks create → authenticate by token and JWT → local JWT → second login → list → revoke', async () => {
    const email = `sdk-${randomUUID()}@example.test`;
    const password = 'a long and unguessable password';

    const created = await client.passwords.create({
      email,
      password,
      session_duration_minutes: 60,
      session_custom_claims: { plan: 'pro' },
    });
    expect(created).toMatchObject({
      status_code: 200,
      request_id: expect.stringMatching(/^request-id-test-/),
      user_id: expect.stringMatching(/^user-test-/),
    });
    expect(created.session_token).toHaveLength(44);
    expect(created.user.emails[0]?.email).toBe(email);
    expect(created.session?.user_id).toBe(created.user_id);

    const byToken = await client.sessions.authenticate({ session_token: created.session_token });
    expect(byToken.session.session_id).toBe(created.session?.session_id);
    expect(byToken.user.user_id).toBe(created.user_id);
    expect(byToken.session.custom_claims).toEqual({ plan: 'pro' });
    expect(byToken.session.roles).toEqual(['stytch_user']);

    const byJwt = await client.sessions.authenticate({ session_jwt: created.session_jwt });
    expect(byJwt.session.session_id).toBe(created.session?.session_id);

    expect(JSON.parse(Buffer.from(byToken.session_jwt.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg });
    const local = await client.sessions.authenticateJwtLocal({ session_jwt: byToken.session_jwt });
    expect(local).toMatchObject({
      session_id: created.session?.session_id,
      user_id: created.user_id,
      custom_claims: { plan: 'pro' },
      expires_at: byToken.session.expires_at,
    });

    const second = await client.passwords.authenticate({ email, password, session_duration_minutes: 30 });
    expect(second.session?.session_id).not.toBe(created.session?.session_id);

    const listed = await client.sessions.get({ user_id: created.user_id });
    expect(listed.sessions.map((s) => s.session_id).sort()).toEqual(
      [created.session?.session_id, second.session?.session_id].sort(),
    );

    await expect(client.sessions.revoke({ session_token: created.session_token })).resolves.toMatchObject({
      status_code: 200,
    });

    const revoked = await client.sessions
      .authenticate({ session_token: created.session_token })
      .catch((e: unknown) => e);
    expect(revoked).toBeInstanceOf(StytchError);
    expect(revoked).toMatchObject({
      status_code: 404,
      error_type: 'session_not_found',
      request_id: expect.stringMatching(/^request-id-test-/),
    });

    const stillWorks = await client.sessions.authenticate({ session_token: second.session_token });
    expect(stillWorks.session.session_id).toBe(second.session?.session_id);
    expect((await client.sessions.get({ user_id: created.user_id })).sessions.map((s) => s.session_id)).toEqual([
      second.session?.session_id,
    ]);
  });

  it('authenticateJwt verifies locally and falls back to the server for a token it cannot verify locally', async () => {
    const created = await client.passwords.create({
      email: `sdk-${randomUUID()}@example.test`,
      password: 'another long password',
    });
    const before = server.requestCounts.get('/v1/sessions/authenticate') ?? 0;
    const local = await client.sessions.authenticateJwt({ session_jwt: created.session_jwt });
    expect(local.session.session_id).toBe(created.session?.session_id);
    expect(server.requestCounts.get('/v1/sessions/authenticate') ?? 0).toBe(before);
    const remote = await client.sessions.authenticateJwt({
      session_jwt: created.session_jwt,
      max_token_age_seconds: 0,
    });
    expect(remote.session.session_id).toBe(created.session?.session_id);
    expect(server.requestCounts.get('/v1/sessions/authenticate')).toBe(before + 1);
  });

  it(`gets JWKS keys that jose accepts (use sig, key_ops verify, ${alg}) and no private key material`, async () => {
    const jwks = await client.sessions.getJWKS({ project_id: server.projectId });
    expect(jwks.keys.length).toBeGreaterThan(0);
    const { kty, members } = JWK_SHAPE[alg];
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty, use: 'sig', key_ops: ['verify'], alg, kid: expect.any(String) });
      expect(Object.keys(key).sort()).toEqual(members);
    }
  });

  it('gets 401 with a wrong secret', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const wrong = new Client({ project_id: server.projectId, secret: 'not-the-secret-at-all', env: `${server.url}/` });
    warn.mockRestore();
    const error = await wrong.sessions.get({ user_id: 'user-test-x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StytchError);
    expect(error).toMatchObject({ status_code: 401, error_type: 'invalid_secret_authentication' });
  });
});
