import { createHmac, randomUUID } from 'node:crypto';
import {
  SignJWT,
  decodeJwt,
  decodeProtectedHeader,
  exportSPKI,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { Client } from 'stytch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StytchLikeJwtVerifier } from '../../src/provider/jwt-verifier.js';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

/**
 * Forged and altered session JWTs, each refused by the server's /v1/sessions/authenticate, by the official SDK's local
 * verification, by this package's local verifier, and by the provider when paired with a valid session token.
 */
describe('JWT attacks', () => {
  let server: TestServer;
  let sdk: Client;
  let verifier: StytchLikeJwtVerifier;
  let session: { token: string; jwt: string; payload: JWTPayload; kid: string };
  let realKey: CryptoKey;
  let realPublicPem: string;

  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signWith = (key: CryptoKey, payload: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: session.kid, ...header }).sign(key);

  beforeAll(async () => {
    server = await startTestServer();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    sdk = new Client({ project_id: server.projectId, secret: server.secret, env: `${server.url}/` });
    warn.mockRestore();
    verifier = new StytchLikeJwtVerifier({ baseUrl: server.url, projectId: server.projectId, cooldownMs: 0 });
    const created = await server.service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
      sessionDurationMinutes: 600,
    });
    session = {
      token: created.sessionToken,
      jwt: created.sessionJwt,
      payload: decodeJwt(created.sessionJwt),
      kid: String(decodeProtectedHeader(created.sessionJwt).kid),
    };
    // The attacker's best case: a test can read the real signing key from the store, to forge claims it must not accept.
    const [record] = await server.store.listSigningKeys();
    realKey = (await importJWK(record!.privateJwk as JWK, 'RS256')) as CryptoKey;
    realPublicPem = await exportSPKI(
      (await importJWK(record!.publicJwk as JWK, 'RS256', { extractable: true })) as CryptoKey,
    );
  });
  afterAll(async () => {
    verifier?.close();
    await server?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const attacks: Record<string, () => Promise<string>> = {
    'alg: none': async () => `${b64({ alg: 'none', typ: 'JWT', kid: session.kid })}.${b64(session.payload)}.`,
    'HS256 signed with the public key': async () => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: session.kid })}.${b64(session.payload)}`;
      return `${head}.${createHmac('sha256', realPublicPem).update(head).digest('base64url')}`;
    },
    'wrong iss (signed with the real key)': () =>
      signWith(realKey, { ...session.payload, iss: 'stytch.com/project-test-someone-else' }),
    'wrong aud (signed with the real key)': () =>
      signWith(realKey, { ...session.payload, aud: ['project-test-someone-else'] }),
    'no typ header (signed with the real key)': () =>
      new SignJWT(session.payload).setProtectedHeader({ alg: 'RS256', kid: session.kid }).sign(realKey),
    'unknown kid (signed with a key of its own)': async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return signWith(privateKey, session.payload, { kid: `jwk-test-${randomUUID()}` });
    },
    'known kid, signed with another key': async () =>
      signWith((await generateKeyPair('RS256')).privateKey, session.payload),
    'payload changed (sub of another user)': async () => {
      const [header, , signature] = session.jwt.split('.');
      return `${header}.${b64({ ...session.payload, sub: `user-test-${randomUUID()}` })}.${signature}`;
    },
    'payload changed (custom claim added)': async () => {
      const [header, , signature] = session.jwt.split('.');
      return `${header}.${b64({ ...session.payload, role: 'admin' })}.${signature}`;
    },
  };

  for (const [name, forge] of Object.entries(attacks)) {
    it(`refuses ${name} everywhere`, async () => {
      const jwt = await forge();
      const answer = await fetch(`${server.url}/v1/sessions/authenticate`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${server.projectId}:${server.secret}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ session_jwt: jwt }),
      });
      expect(answer.status).toBe(401);
      expect(await answer.json()).toMatchObject({ error_type: 'invalid_session_jwt' });
      await expect(sdk.sessions.authenticateJwtLocal({ session_jwt: jwt })).rejects.toMatchObject({
        code: 'jwt_invalid',
      });
      await expect(verifier.verify(jwt, { allowExpired: true })).rejects.toMatchObject({
        name: 'SessionTokenError',
        code: 'INVALID_TOKEN',
      });
      const provider = new StytchLikeSessionProvider({
        baseUrl: server.url,
        projectId: server.projectId,
        secret: server.secret,
        jwks: { cooldownMs: 0 },
      });
      try {
        await expect(provider.setSessionToken({ sessionToken: session.token, sessionJwt: jwt })).rejects.toMatchObject({
          code: 'INVALID_TOKEN',
        });
        expect(provider.getTokens()).toBeNull();
      } finally {
        await provider.close();
      }
    });
  }

  it('refuses an expired JWT locally (SDK and verifier), and on the server once its session has ended', async () => {
    const created = await server.service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    const payload = decodeJwt(created.sessionJwt);
    const expired = await signWith(realKey, { ...payload, iat: now() - 600, nbf: now() - 600, exp: now() - 300 });
    await expect(sdk.sessions.authenticateJwtLocal({ session_jwt: expired })).rejects.toMatchObject({
      code: 'jwt_invalid',
    });
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'EXPIRED' });
    // While the session lives, an expired JWT is exchanged for a fresh one (Stytch's behaviour)...
    const exchanged = await sdk.sessions.authenticate({ session_jwt: expired });
    expect(decodeJwt(exchanged.session_jwt).exp).toBeGreaterThan(now());
    // ...and once it is revoked, it is refused.
    await sdk.sessions.revoke({ session_id: created.session.session_id });
    await expect(sdk.sessions.authenticate({ session_jwt: expired })).rejects.toMatchObject({
      status_code: 404,
      error_type: 'session_not_found',
    });
  });

  it('verifies only the canonical spelling of a signature: its 15 other spellings (stray low bits) are refused', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const [header, payload, signature] = session.jwt.split('.') as [string, string, string];
    // 256 bytes are 342 characters: the last one carries 2 bits of the signature and 4 that must be zero.
    expect(signature.length % 4).toBe(2);
    const last = alphabet.indexOf(signature.at(-1)!);
    const spellings = Array.from(
      { length: 16 },
      (_, bits) => `${header}.${payload}.${signature.slice(0, -1)}${alphabet[(last & 0x30) | bits]}`,
    );
    expect(new Set(spellings.map((jwt) => Buffer.from(jwt.split('.')[2]!, 'base64url').toString('hex'))).size).toBe(1);
    const authorization = `Basic ${Buffer.from(`${server.projectId}:${server.secret}`).toString('base64')}`;
    const outcomes = await Promise.all(
      spellings.map(async (jwt) => {
        const answer = await fetch(`${server.url}/v1/sessions/authenticate`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ session_jwt: jwt }),
        });
        const local = await verifier.verify(jwt).then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        );
        return `${answer.status} ${local}`;
      }),
    );
    expect(outcomes.filter((outcome) => outcome === '200 ok')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === '401 INVALID_TOKEN')).toHaveLength(15);
    expect(outcomes[last & 0x0f]).toBe('200 ok');
  });

  it('refuses padding, whitespace and standard-base64 characters in any part', async () => {
    const [header, payload, signature] = session.jwt.split('.') as [string, string, string];
    const standard = Buffer.from(signature, 'base64url').toString('base64');
    const forged = [
      `${header}.${payload}.${signature}==`,
      `${header} .${payload}.${signature}`,
      `${header}.${payload}.${standard}`,
      `${header}=.${payload}.${signature}`,
    ];
    for (const jwt of forged) {
      await expect(verifier.verify(jwt, { allowExpired: true })).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
      await expect(server.service.authenticateSession({ sessionJwt: jwt })).rejects.toMatchObject({
        statusCode: expect.any(Number),
      });
    }
  });

  it('accepts the genuine JWT (the attacks are refused for what they change, not for being JWTs)', async () => {
    await expect(sdk.sessions.authenticateJwtLocal({ session_jwt: session.jwt })).resolves.toMatchObject({
      user_id: session.payload.sub,
    });
    await expect(verifier.verify(session.jwt)).resolves.toMatchObject({ userId: session.payload.sub, expired: false });
    const forgedButGenuine = await signWith(realKey, session.payload);
    await expect(verifier.verify(forgedButGenuine)).resolves.toMatchObject({ userId: session.payload.sub });
  });
});
