import { sign } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { sessionJwtIssuer, type SessionJwtAlgorithm } from '../../src/jwt/session-jwt.js';
import { SESSION_CLAIM } from '../../src/model/stytch-types.js';

/**
 * The claims of a good session JWT for `projectId`, issued at `now` (five minutes of life, a session of an hour), with
 * a `plan: 'pro'` custom claim: what the JWT tests sign, then edit one claim of.
 */
export function sessionJwtClaims(projectId: string, now: Date): JWTPayload {
  const seconds = Math.floor(now.getTime() / 1000);
  return {
    sub: 'user-test-1',
    iss: sessionJwtIssuer(projectId),
    aud: [projectId],
    iat: seconds,
    nbf: seconds,
    exp: seconds + 300,
    plan: 'pro',
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
}

/**
 * Signs whatever header and payload it is given (objects as JSON, strings as they are), bypassing jose's checks, with
 * a PKCS #8 private key (PEM) of `alg`: for JWTs a verifier must refuse.
 */
export function signRawJwt(alg: SessionJwtAlgorithm, privatePem: string, header: unknown, payload: unknown): string {
  const b64 = (value: unknown) =>
    Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const input = Buffer.from(`${b64(header)}.${b64(payload)}`);
  const signature =
    alg === 'EdDSA'
      ? sign(null, input, privatePem)
      : alg === 'ES256'
        ? sign('sha256', input, { key: privatePem, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', input, privatePem);
  return `${input.toString()}.${signature.toString('base64url')}`;
}
