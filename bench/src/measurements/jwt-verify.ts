// jwt_verify_vs_sdk: local session-JWT verifications per second, our StytchLikeJwtVerifier against the official SDK's
// sessions.authenticateJwtLocal, on the same JWTs and the same JWKS (served by one Stytch-like server).
import { randomBytes } from 'node:crypto';
import { StytchLikeJwtVerifier } from '@sessiontoken/stytch-like/node';
import { MemorySessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';
import { Client } from 'stytch';
import { SETTINGS } from './config.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate, nowMs, runFor } from './stats.ts';
import type { Teardown } from '../shared/cleanup.ts';

/** Creates `count` sessions with custom claims and returns their JWTs, plus a server publishing the JWKS. */
export async function sessionJwts(
  count: number,
  teardown: Teardown,
  jwtAlgorithm: 'RS256' | 'ES256' = 'RS256',
): Promise<{ url: string; projectId: string; secret: string; jwts: string[] }> {
  const projectId = `project-test-${randomBytes(6).toString('hex')}`;
  const secret = `secret-${randomBytes(18).toString('base64url')}`;
  const store = teardown.add(new MemorySessionStore(), 'JWT memory store', (s) => s.close());
  const service = teardown.add(
    new StytchLikeSessionService({ store, projectId, passwordHashing: { cost: 2 ** 10 }, jwtAlgorithm }),
    'JWT service',
    (s) => s.close(),
  );
  const server = teardown.add(createStytchLikeServer({ service, secret }), 'JWKS server', (s) => s.close());
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  const jwts: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await service.createPasswordUser({
      email: `jwt-${i}-${randomBytes(4).toString('hex')}@example.test`,
      password: 'a bench password that is long enough',
      sessionCustomClaims: { plan: i % 2 === 0 ? 'pro' : 'free', seat: i },
      attributes: { ipAddress: '127.0.0.1', userAgent: 'bench' },
    });
    jwts.push(created.sessionJwt);
  }
  return { url, projectId, secret, jwts };
}

export async function measureJwtVerifyVsSdk(teardown: Teardown): Promise<MeasurementResult> {
  const { tokens, warmupMs, rounds, roundMs } = SETTINGS.jwt;
  const { url, projectId, secret, jwts } = await sessionJwts(tokens, teardown);
  const ours = teardown.add(new StytchLikeJwtVerifier({ baseUrl: url, projectId }), 'JWT verifier', (v) => v.close());
  // The SDK warns once about a custom env; that is expected against a local server.
  const warn = console.warn;
  console.warn = () => {};
  const sdk = new Client({ project_id: projectId, secret, env: `${url}/` });
  console.warn = warn;

  let oursNext = 0;
  let sdkNext = 0;
  const oursVerify = async (): Promise<void> => {
    const verified = await ours.verify(jwts[oursNext++ % jwts.length]!);
    if (!verified.session.id) throw new Error('ours: no session id');
  };
  const sdkVerify = async (): Promise<void> => {
    const session = await sdk.sessions.authenticateJwtLocal({ session_jwt: jwts[sdkNext++ % jwts.length]! });
    if (!session.session_id) throw new Error('SDK: no session id');
  };
  // The first call of each fetches the JWKS; the warm-up includes it, the measurement never does.
  await runFor(warmupMs, oursVerify);
  await runFor(warmupMs, sdkVerify);
  const latencies = { ours: [] as number[], sdk: [] as number[] };
  const elapsed = { ours: 0, sdk: 0 };
  const round = (side: 'ours' | 'sdk', operation: () => Promise<void>) => async () => {
    const t0 = nowMs();
    const { latenciesMs } = await runFor(roundMs, operation);
    elapsed[side] += nowMs() - t0;
    latencies[side].push(...latenciesMs);
  };
  await alternate(rounds, { ours: round('ours', oursVerify), sdk: round('sdk', sdkVerify) });
  const oursSide = sideFromLatencies('StytchLikeJwtVerifier.verify', latencies.ours, elapsed.ours);
  const sdkSide = sideFromLatencies('stytch 14.2.0 sessions.authenticateJwtLocal', latencies.sdk, elapsed.sdk);
  return {
    key: 'jwt_verify_vs_sdk',
    title: 'Local session-JWT verification vs the official stytch SDK',
    ours: oursSide,
    peer: sdkSide,
    ratio: oursSide.throughputPerSecond / sdkSide.throughputPerSecond,
    ratioOf: 'our verifications per second / SDK verifications per second',
    basis: 'throughput',
    method:
      `${tokens} session JWTs (RS256, 2048-bit key, custom claims) minted by one Stytch-like service; both verifiers fetch ` +
      `the same JWKS from its server once (during warm-up) and then verify locally: signature, \`iss\`, \`aud\`, \`exp\`, \`nbf\`, ` +
      `and read the session claim. One verification at a time, awaited, cycling through the JWTs. ${warmupMs} ms warm-up per ` +
      `side, then ${rounds} alternating rounds of ${roundMs} ms per side.`,
  };
}
