// jwt_verify_vs_raw_crypto(_es256): our whole local session-JWT verification (StytchLikeJwtVerifier.verify: split,
// base64url and JSON decoding, header, key and claim checks, the signature, the session claim read) against the limit:
// a bare `crypto.verify` of the same signatures over the same signing inputs, decoded beforehand, with the same key.
// jwt_verify_fast_jwt_vs_raw_crypto(_es256): fast-jwt's verifier against the same limit, reported beside ours.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { StytchLikeJwtVerifier } from '@sessiontoken/stytch-like/node';
import { createVerifier } from 'fast-jwt';
import { SETTINGS, type RatioKey } from './config.ts';
import { benchDependencyVersion } from '../shared/machine.ts';
import { alternateVerifiers, sessionJwts } from './jwt-verify.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import type { Teardown } from '../shared/cleanup.ts';

/** The limit's side: the JWKS key, and each JWT's signing input and signature as bytes, ready before timing. */
async function rawCryptoSide(
  url: string,
  projectId: string,
  jwts: readonly string[],
  alg: 'RS256' | 'ES256',
): Promise<{ key: KeyObject; rawVerify: () => Promise<void> }> {
  const jwks = (await (await fetch(`${url}/v1/sessions/jwks/${projectId}`)).json()) as { keys: object[] };
  const key: KeyObject = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
  const signed = jwts.map((jwt) => {
    const last = jwt.lastIndexOf('.');
    return { input: Buffer.from(jwt.slice(0, last)), signature: Buffer.from(jwt.slice(last + 1), 'base64url') };
  });
  const rawKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  let next = 0;
  // Awaited like the verifiers, so both sides pay the same per-call harness cost.
  const rawVerify = async (): Promise<void> => {
    const { input, signature } = signed[next++ % signed.length]!;
    if (!verify('sha256', input, rawKey, signature)) throw new Error('raw: signature did not verify');
  };
  return { key, rawVerify };
}

export async function measureJwtVerifyVsRawCrypto(
  teardown: Teardown,
  alg: 'RS256' | 'ES256',
): Promise<MeasurementResult> {
  const { tokens, warmupMs, rounds, roundMs } = SETTINGS.jwt;
  const { url, projectId, jwts } = await sessionJwts(tokens, teardown, alg);
  const ours = teardown.add(new StytchLikeJwtVerifier({ baseUrl: url, projectId }), 'JWT verifier', (v) => v.close());
  const { rawVerify } = await rawCryptoSide(url, projectId, jwts, alg);

  let oursNext = 0;
  const oursVerify = async (): Promise<void> => {
    const verified = await ours.verify(jwts[oursNext++ % jwts.length]!);
    if (!verified.session.id) throw new Error('ours: no session id');
  };
  const { latencies, elapsed } = await alternateVerifiers({ ours: oursVerify, peer: rawVerify });
  const oursSide = sideFromLatencies(`StytchLikeJwtVerifier.verify (${alg})`, latencies.ours, elapsed.ours);
  const rawSide = sideFromLatencies(`crypto.verify of the signature alone (${alg})`, latencies.peer, elapsed.peer);
  return {
    key: (alg === 'RS256' ? 'jwt_verify_vs_raw_crypto' : 'jwt_verify_vs_raw_crypto_es256') as RatioKey,
    title: `Local session-JWT verification vs a bare signature check (${alg})`,
    ours: oursSide,
    peer: rawSide,
    ratio: oursSide.throughputPerSecond / rawSide.throughputPerSecond,
    ratioOf: 'our verifications per second / bare crypto.verify calls per second',
    basis: 'throughput',
    method:
      `${tokens} session JWTs (${alg}, custom claims) minted by one Stytch-like service. Ours: \`StytchLikeJwtVerifier.verify\` ` +
      `with the JWKS fetched once during warm-up (every check of a verification: parts, base64url, JSON, header, key type, ` +
      `signature, \`iss\`, \`aud\`, \`nbf\`, \`exp\`, the session claim checked and read). Limit: \`crypto.verify\` with the same ` +
      `key on the same signing inputs and signatures, decoded before timing. One call at a time, awaited, cycling through ` +
      `the JWTs; ${warmupMs} ms warm-up per side, then ${rounds} alternating rounds of ${roundMs} ms per side.`,
  };
}

/**
 * `jwt_verify_fast_jwt_vs_raw_crypto(_es256)`, reported only: fast-jwt's verifier on the same JWTs and key (as PEM, the
 * form it takes), with the checks it has that ours makes, against the same bare `crypto.verify`.
 */
export async function measureJwtVerifyFastJwtVsRawCrypto(
  teardown: Teardown,
  alg: 'RS256' | 'ES256',
): Promise<MeasurementResult> {
  const { tokens, warmupMs, rounds, roundMs } = SETTINGS.jwt;
  const { url, projectId, jwts } = await sessionJwts(tokens, teardown, alg);
  const { key, rawVerify } = await rawCryptoSide(url, projectId, jwts, alg);
  const verifyJwt = createVerifier({
    key: key.export({ type: 'spki', format: 'pem' }).toString(),
    algorithms: [alg],
    allowedIss: `stytch.com/${projectId}`,
    allowedAud: projectId,
    requiredClaims: ['iss', 'aud', 'exp', 'nbf', 'iat', 'sub'],
    checkTyp: 'JWT',
    clockTolerance: 30_000,
    // Its result cache would skip the signature on a JWT seen before; every call here checks the signature.
    cache: false,
  });
  let next = 0;
  const fastJwtVerify = async (): Promise<void> => {
    const payload = verifyJwt(jwts[next++ % jwts.length]!) as Record<string, { id?: unknown } | undefined>;
    if (typeof payload['https://stytch.com/session']?.id !== 'string') throw new Error('fast-jwt: no session id');
  };
  const { latencies, elapsed } = await alternateVerifiers({ ours: fastJwtVerify, peer: rawVerify });
  const version = benchDependencyVersion('fast-jwt');
  const fastSide = sideFromLatencies(`fast-jwt ${version} createVerifier (${alg})`, latencies.ours, elapsed.ours);
  const rawSide = sideFromLatencies(`crypto.verify of the signature alone (${alg})`, latencies.peer, elapsed.peer);
  return {
    key: (alg === 'RS256'
      ? 'jwt_verify_fast_jwt_vs_raw_crypto'
      : 'jwt_verify_fast_jwt_vs_raw_crypto_es256') as RatioKey,
    title: `fast-jwt's JWT verification vs a bare signature check (${alg}), beside ours`,
    ours: fastSide,
    peer: rawSide,
    ratio: fastSide.throughputPerSecond / rawSide.throughputPerSecond,
    ratioOf: 'fast-jwt verifications per second / bare crypto.verify calls per second',
    basis: 'throughput',
    method:
      `The JWTs, key and limit of \`jwt_verify_vs_raw_crypto${alg === 'RS256' ? '' : '_es256'}\`. fast-jwt: ` +
      `\`createVerifier\` with the public key as SPKI PEM, \`algorithms: ['${alg}']\`, \`allowedIss\`, \`allowedAud\`, ` +
      `\`requiredClaims\` (iss, aud, exp, nbf, iat, sub), \`checkTyp: 'JWT'\`, 30 s clock tolerance and its cache ` +
      `off, then the session claim read; it checks neither canonical base64url nor the session claim's shape. One call ` +
      `at a time, awaited, cycling through the JWTs; ${warmupMs} ms warm-up per side, then ${rounds} alternating rounds ` +
      `of ${roundMs} ms per side.`,
  };
}
