// Session JWTs signed with RS256, ES256 or EdDSA: keys of the project's algorithm made and published with their `alg`,
// verified by the service and by StytchLikeJwtVerifier through the JWKS, a change of algorithm rotating the signing
// key while JWTs of the old one keep verifying, and a JWT whose header names another algorithm than its key refused.
import { randomUUID, sign } from 'node:crypto';
import { exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  SESSION_JWT_ALGORITHMS,
  sessionJwtIssuer,
  verifySessionJwt,
  type SessionJwtAlgorithm,
} from '../../src/jwt/session-jwt.js';
import { SESSION_CLAIM } from '../../src/model/stytch-types.js';
import { StytchLikeJwtVerifier } from '../../src/provider/jwt-verifier.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';
const headerOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

describe.each(SESSION_JWT_ALGORITHMS)('session JWTs in %s', (alg) => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
  });

  it('are signed with a key of that algorithm, published with its alg, and verified by the service and the JWKS verifier', async () => {
    const server = await startTestServer({ jwtAlgorithm: alg });
    servers.push(server);
    const created = await server.service.createPasswordUser({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    const header = headerOf(created.sessionJwt);
    expect(header).toMatchObject({ alg, typ: 'JWT' });
    const { keys } = await server.service.getJwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid: header['kid'], alg, use: 'sig' });
    await expect(server.service.verifySessionJwt(created.sessionJwt)).resolves.toMatchObject({
      userId: created.user.user_id,
    });
    const verifier = new StytchLikeJwtVerifier({ baseUrl: server.url, projectId: server.projectId });
    try {
      await expect(verifier.verify(created.sessionJwt)).resolves.toMatchObject({
        userId: created.user.user_id,
        expired: false,
      });
      // The same claims under a header naming another algorithm, with this key's signature: refused everywhere.
      const [, payload, signature] = created.sessionJwt.split('.');
      for (const other of SESSION_JWT_ALGORITHMS.filter((a) => a !== alg)) {
        const forged = `${Buffer.from(JSON.stringify({ ...header, alg: other })).toString('base64url')}.${payload}.${signature}`;
        await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
        await expect(server.service.verifySessionJwt(forged)).rejects.toMatchObject({
          errorType: 'invalid_session_jwt',
          message: 'session_jwt failed verification: the session JWT failed verification (signature).',
        });
      }
    } finally {
      verifier.close();
    }
  });
});

describe('changing the algorithm of a project', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  const service = (store: MemorySessionStore, projectId: string, jwtAlgorithm: SessionJwtAlgorithm) => {
    const created = new StytchLikeSessionService({
      store,
      projectId,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
      keyRefreshIntervalMs: 0,
      jwtAlgorithm,
    });
    closers.push(() => created.close());
    return created;
  };

  it('rotates to a key of the new algorithm on the next signature; JWTs of the old key keep verifying', async () => {
    const store = new MemorySessionStore();
    const { projectId } = testProject();
    const before = service(store, projectId, 'RS256');
    const first = await before.createPasswordUser({ email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    expect(headerOf(first.sessionJwt)['alg']).toBe('RS256');

    const after = service(store, projectId, 'ES256');
    const again = await after.authenticateSession({ sessionToken: first.sessionToken });
    expect(headerOf(again.sessionJwt)['alg']).toBe('ES256');
    const { keys } = await after.getJwks();
    expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    // The old JWT still verifies (its key is in the rotation overlap), and so does the new one.
    await expect(after.verifySessionJwt(first.sessionJwt)).resolves.toMatchObject({ expired: false });
    await expect(after.verifySessionJwt(again.sessionJwt)).resolves.toMatchObject({ expired: false });
    // The rotation happened once: a second signature keeps the ES256 key.
    const third = await after.authenticateSession({ sessionToken: first.sessionToken });
    expect(headerOf(third.sessionJwt)['kid']).toBe(headerOf(again.sessionJwt)['kid']);
  });

  it('refuses an unknown algorithm when the service is made', () => {
    expect(
      () =>
        new StytchLikeSessionService({
          store: new MemorySessionStore(),
          projectId: testProject().projectId,
          jwtAlgorithm: 'HS256' as SessionJwtAlgorithm,
        }),
    ).toThrow(RangeError);
  });
});

describe('a JWKS that publishes a key under another algorithm', () => {
  it('does not let an EC key verify a JWT whose header says RS256, nor an RSA key one that says ES256', async () => {
    const { projectId } = testProject();
    const now = new Date();
    const seconds = Math.floor(now.getTime() / 1000);
    const claims = {
      sub: 'user-test-1',
      iss: sessionJwtIssuer(projectId),
      aud: [projectId],
      iat: seconds,
      nbf: seconds,
      exp: seconds + 300,
      [SESSION_CLAIM]: {
        id: 'session-test-1',
        started_at: now.toISOString(),
        last_accessed_at: now.toISOString(),
        expires_at: new Date(now.getTime() + 3_600_000).toISOString(),
        attributes: { ip_address: '', user_agent: '' },
        authentication_factors: [],
        roles: ['stytch_user'],
      },
    };
    for (const [keyAlg, headerAlg] of [
      ['ES256', 'RS256'],
      ['RS256', 'ES256'],
      ['EdDSA', 'ES256'],
      ['ES256', 'EdDSA'],
    ] as const) {
      const pair = await generateKeyPair(keyAlg, {
        extractable: true,
        ...(keyAlg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
      });
      const pem = await exportPKCS8(pair.privateKey);
      const jwtWithHeaderAlg = (alg: string) => {
        const input = Buffer.from(
          `${Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: 'k' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`,
        );
        const signature =
          keyAlg === 'EdDSA'
            ? sign(null, input, pem)
            : keyAlg === 'ES256'
              ? sign('sha256', input, { key: pem, dsaEncoding: 'ieee-p1363' })
              : sign('sha256', input, pem);
        return `${input.toString()}.${signature.toString('base64url')}`;
      };
      const verify = (jwt: string) => verifySessionJwt(jwt, async () => pair.publicKey, { projectId, now });
      // The control: with the key's own algorithm in the header, the same JWT verifies.
      await expect(verify(jwtWithHeaderAlg(keyAlg))).resolves.toMatchObject({ userId: 'user-test-1' });
      await expect(verify(jwtWithHeaderAlg(headerAlg))).rejects.toMatchObject({
        failure: 'invalid',
        message: 'the session JWT failed verification (signature)',
      });
    }
  });
});
