// jwt_verify_vs_raw_crypto(_es256): our whole local session-JWT verification (StytchLikeJwtVerifier.verify: split,
// base64url and JSON decoding, header, key and claim checks, the signature, the session claim read) against the limit:
// a bare `crypto.verify` of the same signatures over the same signing inputs, decoded beforehand, with the same key.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { StytchLikeJwtVerifier } from '@sessiontoken/stytch-like/node';
import { SETTINGS, type RatioKey } from './config.ts';
import { sessionJwts } from './jwt-verify.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate, nowMs, runFor } from './stats.ts';
import type { Teardown } from '../shared/cleanup.ts';

export async function measureJwtVerifyVsRawCrypto(
  teardown: Teardown,
  alg: 'RS256' | 'ES256',
): Promise<MeasurementResult> {
  const { tokens, warmupMs, rounds, roundMs } = SETTINGS.jwt;
  const { url, projectId, jwts } = await sessionJwts(tokens, teardown, alg);
  const ours = teardown.add(new StytchLikeJwtVerifier({ baseUrl: url, projectId }), 'JWT verifier', (v) => v.close());

  // The raw side: the one key of the JWKS, and each JWT's signing input and signature as bytes, ready before timing.
  const jwks = (await (await fetch(`${url}/v1/sessions/jwks/${projectId}`)).json()) as { keys: object[] };
  const key: KeyObject = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
  const signed = jwts.map((jwt) => {
    const last = jwt.lastIndexOf('.');
    return { input: Buffer.from(jwt.slice(0, last)), signature: Buffer.from(jwt.slice(last + 1), 'base64url') };
  });
  const rawKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;

  let oursNext = 0;
  let rawNext = 0;
  const oursVerify = async (): Promise<void> => {
    const verified = await ours.verify(jwts[oursNext++ % jwts.length]!);
    if (!verified.session.id) throw new Error('ours: no session id');
  };
  // Awaited like ours, so both sides pay the same per-call harness cost.
  const rawVerify = async (): Promise<void> => {
    const { input, signature } = signed[rawNext++ % signed.length]!;
    if (!verify('sha256', input, rawKey, signature)) throw new Error('raw: signature did not verify');
  };
  await runFor(warmupMs, oursVerify);
  await runFor(warmupMs, rawVerify);
  const latencies = { ours: [] as number[], raw: [] as number[] };
  const elapsed = { ours: 0, raw: 0 };
  const round = (side: 'ours' | 'raw', operation: () => Promise<void>) => async () => {
    const t0 = nowMs();
    const { latenciesMs } = await runFor(roundMs, operation);
    elapsed[side] += nowMs() - t0;
    latencies[side].push(...latenciesMs);
  };
  await alternate(rounds, { ours: round('ours', oursVerify), raw: round('raw', rawVerify) });
  const oursSide = sideFromLatencies(`StytchLikeJwtVerifier.verify (${alg})`, latencies.ours, elapsed.ours);
  const rawSide = sideFromLatencies(`crypto.verify of the signature alone (${alg})`, latencies.raw, elapsed.raw);
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
      `signature, \`iss\`, \`aud\`, \`nbf\`, \`exp\`, the session claim copied out). Limit: \`crypto.verify\` with the same ` +
      `key on the same signing inputs and signatures, decoded before timing. One call at a time, awaited, cycling through ` +
      `the JWTs; ${warmupMs} ms warm-up per side, then ${rounds} alternating rounds of ${roundMs} ms per side.`,
  };
}
