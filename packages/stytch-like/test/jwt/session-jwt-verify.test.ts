import { sign as signBytes } from 'node:crypto';
import { SignJWT, exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SessionJwtError, verifySessionJwt } from '../../src/jwt/session-jwt.js';
import { sessionJwtClaims, signRawJwt } from '../helpers/jwt-claims.js';

const PROJECT = 'project-test-verify';
const KID = 'jwk-test-verify';

/**
 * The local verification itself (node:crypto RS256 with jose's checks), token by token: what jose's jwtVerify refuses,
 * it refuses with the same failure, and base64url parts must be canonical.
 */
describe('verifySessionJwt', () => {
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  let privatePem: string;
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const claims = (): JWTPayload => sessionJwtClaims(PROJECT, now);
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: KID, ...header }).sign(privateKey);
  /** Signs whatever header and payload it is given, bypassing jose's own checks. */
  const signRaw = (header: object, payload: object) => signRawJwt('RS256', privatePem, header, payload);
  const verify = (jwt: string, allowExpired = false) =>
    verifySessionJwt(jwt, async (kid) => (kid === KID ? publicKey : null), { projectId: PROJECT, now, allowExpired });
  const failure = (jwt: string, allowExpired = false) =>
    verify(jwt, allowExpired).then(
      () => 'accepted',
      (error: unknown) => (error instanceof SessionJwtError ? error.failure : `threw ${String(error)}`),
    );

  beforeAll(async () => {
    ({ privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true }));
    privatePem = await exportPKCS8(privateKey);
  });

  it('accepts a genuine JWT and reads its claims', async () => {
    const verified = await verify(await sign(claims()));
    expect(verified).toMatchObject({ kid: KID, userId: 'user-test-1', expired: false, customClaims: { plan: 'pro' } });
    expect(verified.session.id).toBe('session-test-1');
    expect(verified.expiresAt.getTime()).toBe((seconds + 300) * 1000);
  });

  it('accepts typ in any case and as application/jwt, and a plain-string aud, as jose does', async () => {
    expect(await failure(await sign(claims(), { typ: 'jwt' }))).toBe('accepted');
    expect(await failure(await sign(claims(), { typ: 'application/JWT' }))).toBe('accepted');
    expect(await failure(await sign({ ...claims(), aud: PROJECT }))).toBe('accepted');
  });

  it('reports an expired JWT as expired, or returns it marked expired when allowed', async () => {
    const old = await sign({ ...claims(), iat: seconds - 600, nbf: seconds - 600, exp: seconds });
    expect(await failure(old)).toBe('expired');
    await expect(verify(old, true)).resolves.toMatchObject({ expired: true, userId: 'user-test-1' });
  });

  it('refuses what is not a compact JWS as malformed', async () => {
    const genuine = await sign(claims());
    for (const bad of [
      '',
      'a.b',
      `${genuine}.x`,
      `!!!.${genuine.split('.')[1]!}.x`,
      `${Buffer.from('[1]').toString('base64url')}.e30.x`,
      'x'.repeat(9000),
    ]) {
      expect(await failure(bad)).toBe('malformed');
    }
  });

  it('refuses non-canonical base64url in the signature or payload', async () => {
    const genuine = await sign(claims());
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    for (const bad of [
      `${genuine}=`,
      `${genuine}==`,
      `${header}.${payload}.${signature} `,
      `${header}.${payload}.${signature.slice(0, 10)}+${signature.slice(11)}`,
      `${header}.${payload}=.${signature}`,
    ]) {
      expect(await failure(bad)).toBe('invalid');
    }
  });

  it('refuses critical extensions it does not know, and an unencoded payload', async () => {
    const header = { alg: 'RS256', typ: 'JWT', kid: KID };
    expect(await failure(signRaw({ ...header, crit: ['exp-ext'], 'exp-ext': 1 }, claims()))).toBe('invalid');
    expect(await failure(signRaw({ ...header, crit: ['b64'], b64: false }, claims()))).toBe('invalid');
    expect(await failure(signRaw({ ...header, crit: ['b64'] }, claims()))).toBe('invalid');
    expect(await failure(signRaw({ ...header, crit: [] }, claims()))).toBe('invalid');
    expect(await failure(signRaw({ ...header, crit: ['b64'], b64: true }, claims()))).toBe('accepted');
  });

  it('refuses each missing or wrong claim, and a JWT not yet valid', async () => {
    for (const claim of ['sub', 'iss', 'aud', 'iat', 'nbf', 'exp'] as const) {
      const { [claim]: _dropped, ...rest } = claims();
      expect(await failure(await sign(rest)), claim).toBe('invalid');
    }
    expect(await failure(await sign({ ...claims(), nbf: seconds + 60 }))).toBe('invalid');
    expect(await failure(signRaw({ alg: 'RS256', typ: 'JWT', kid: KID }, { ...claims(), iat: 'now' }))).toBe('invalid');
    expect(
      await failure(signRaw({ alg: 'RS256', typ: 'JWT', kid: KID }, { ...claims(), exp: `${seconds + 60}` })),
    ).toBe('invalid');
    expect(await failure(signRaw({ alg: 'RS256', typ: 'JWT', kid: KID }, [claims()]))).toBe('invalid');
    expect(await failure(await sign(claims(), { typ: 'at+jwt' }))).toBe('invalid');
  });

  it('refuses an unknown kid as unknown_key, and a key that cannot verify RS256 as invalid', async () => {
    expect(await failure(await sign(claims(), { kid: 'jwk-test-other' }))).toBe('unknown_key');
    const jwt = await sign(claims());
    const wrongKey = verifySessionJwt(jwt, async () => privateKey, { projectId: PROJECT, now });
    await expect(wrongKey).rejects.toMatchObject({ failure: 'invalid' });
  });

  it('passes a failing key source on unchanged', async () => {
    const outage = new Error('JWKS unreachable');
    await expect(
      verifySessionJwt(await sign(claims()), async () => Promise.reject(outage), { projectId: PROJECT, now }),
    ).rejects.toBe(outage);
  });

  it('reads non-ASCII claims exactly, and treats a BOM and bytes that are not UTF-8 in the claims set as jose does', async () => {
    const base = claims();
    const session = base['https://stytch.com/session'] as Record<string, unknown>;
    const unicode = {
      ...base,
      name: 'Zoë 日本 😀',
      'https://stytch.com/session': { ...session, attributes: { ip_address: '', user_agent: 'Navigateur é' } },
    };
    const verified = await verify(await sign(unicode));
    expect(verified.customClaims['name']).toBe('Zoë 日本 😀');
    expect(verified.session.attributes).toEqual({ ip_address: '', user_agent: 'Navigateur é' });

    // Claims-set bytes signed as they are: a UTF-8 BOM before the JSON, and a 0xff byte inside a string.
    const json = Buffer.from(JSON.stringify(base));
    const at = json.indexOf('"pro"') + 1;
    for (const bytes of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]),
      Buffer.concat([json.subarray(0, at), Buffer.from([0xff]), json.subarray(at)]),
    ]) {
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KID })).toString('base64url');
      const input = `${header}.${bytes.toString('base64url')}`;
      const jwt = `${input}.${signBytes('sha256', Buffer.from(input), privatePem).toString('base64url')}`;
      const jose = await jwtVerify(jwt, publicKey, { issuer: `stytch.com/${PROJECT}`, audience: PROJECT }).then(
        () => 'accepted',
        () => 'invalid',
      );
      expect(await failure(jwt)).toBe(jose);
    }
  });

  it('hands each verification claims of its own', async () => {
    const jwt = await sign(claims());
    const first = await verify(jwt);
    Object.assign(first.session.attributes, { user_agent: 'changed by a caller' });
    first.customClaims['plan'] = 'changed';
    const second = await verify(jwt);
    expect(second.session.attributes['user_agent']).toBe('');
    expect(second.customClaims['plan']).toBe('pro');
  });
});
