// authenticate_vs_floor_<store>: POST /v1/sessions/authenticate requests per second under autocannon against the same
// request answered by a bare Fastify route with a body of the same size, alternating rounds.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { PROFILE, PROFILES_DIR, SETTINGS, type RatioKey } from './config.ts';
import type { HttpTarget, TargetMessage } from './http-target.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate } from './stats.ts';
import type { StoreKind } from './stores.ts';
import type { Teardown } from '../shared/cleanup.ts';
import { within } from '../shared/wait.ts';
import type { SessionJwtAlgorithm } from '@sessiontoken/stytch-like/node';

const PATH = '/v1/sessions/authenticate';
const TARGET_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'http-target.ts');

/** What one autocannon run of authenticate requests measured. */
export interface Load {
  readonly latenciesMs: number[];
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
}

/** Starts the servers in a child process; the child (and everything it opened) is closed by `teardown`. */
async function startTarget(
  kind: StoreKind,
  alg: SessionJwtAlgorithm,
  jwtReuseSeconds: number,
  teardown: Teardown,
): Promise<HttpTarget> {
  // The child gets this process's Node flags (e.g. --import hooks), plus --cpu-prof when profiling.
  const execArgv = [
    ...process.execArgv.filter((flag) => !flag.startsWith('--cpu-prof')),
    ...(PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES_DIR}`, `--cpu-prof-name=http-${kind}-${Date.now()}.cpuprofile`]
      : []),
  ];
  const child = teardown.add(
    fork(TARGET_SCRIPT, [kind, String(SETTINGS.http.sessions), alg, String(jwtReuseSeconds)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
    `${kind} HTTP target`,
    stopTarget,
  );
  const started = new Promise<HttpTarget>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${kind} HTTP target exited with code ${code}`)));
    child.on('message', (message: TargetMessage) => {
      if (message.type === 'ready') resolve(message.target);
      else reject(new Error(`the ${kind} HTTP target failed: ${message.message}`));
    });
  });
  return within(started, 120_000, `the start of the ${kind} HTTP target`);
}

/** Asks the child to close its servers and stores, and waits for it to exit (killing it after 30 s). */
export async function stopTarget(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'close' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** One autocannon run of `seconds` against `url`, cycling through the request bodies. */
export async function load(
  url: string,
  target: Pick<HttpTarget, 'authorization' | 'bodies'>,
  seconds: number,
): Promise<Load> {
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const bodies = target.bodies;
  const instance = autocannon({
    url: `${url}${PATH}`,
    method: 'POST',
    connections: SETTINGS.http.connections,
    duration: seconds,
    headers: { authorization: target.authorization, 'content-type': 'application/json' },
    requests: [
      { setupRequest: (request: Record<string, unknown>) => ({ ...request, body: bodies[next++ % bodies.length] }) },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) {
      ok++;
      latenciesMs.push(responseTime);
    } else failed++;
  });
  const result = await instance;
  return { latenciesMs, ok, failed: failed + result.errors, seconds: result.duration };
}

function storeTitle(kind: StoreKind): string {
  return { sqlite: 'SQLite', redis: 'Redis', 'redis-cluster': 'Redis Cluster', postgres: 'PostgreSQL' }[kind];
}

/** JWT reuse window of the `_reuse` measurement: longer than a run, so that each session's JWT is signed once. */
const REUSE_SECONDS = 60;

/**
 * `authenticate_vs_floor_<store>` with RS256 session JWTs (Stytch's), `authenticate_vs_floor_<store>_es256` with ES256
 * ones: the same servers and load, only the signing algorithm differs. With `reuse`, the server answers with each
 * session's current JWT for up to a minute (`jwtReuseSeconds`), `…_reuse`: what a check costs without the signature.
 */
export async function measureAuthenticateVsFloor(
  kind: StoreKind,
  teardown: Teardown,
  alg: 'RS256' | 'ES256' = 'RS256',
  reuse = false,
): Promise<MeasurementResult> {
  const { connections, warmupSeconds, rounds, roundSeconds, sessions } = SETTINGS.http;
  const target = await startTarget(kind, alg, reuse ? REUSE_SECONDS : 0, teardown);
  await load(target.floorUrl, target, warmupSeconds);
  await load(target.oursUrl, target, warmupSeconds);
  const runs: Record<'ours' | 'floor', Load[]> = { ours: [], floor: [] };
  await alternate(rounds, {
    ours: async () => void runs.ours.push(await load(target.oursUrl, target, roundSeconds)),
    floor: async () => void runs.floor.push(await load(target.floorUrl, target, roundSeconds)),
  });
  const merge = (side: Load[]) => ({
    latencies: side.flatMap((run) => run.latenciesMs),
    seconds: side.reduce((sum, run) => sum + run.seconds, 0),
    failed: side.reduce((sum, run) => sum + run.failed, 0),
  });
  const ours = merge(runs.ours);
  const floor = merge(runs.floor);
  if (ours.failed > 0 || floor.failed > 0)
    throw new Error(`${kind}: ${ours.failed} of our requests and ${floor.failed} floor requests failed`);
  const oursSide = sideFromLatencies(
    `Stytch-like server, ${storeTitle(kind)} store, ${alg}${reuse ? `, JWT reused for ${REUSE_SECONDS} s` : ''}`,
    ours.latencies,
    ours.seconds * 1000,
  );
  const floorSide = sideFromLatencies('bare Fastify route', floor.latencies, floor.seconds * 1000);
  return {
    key: `${alg === 'RS256' ? `authenticate_vs_floor_${kind}` : `authenticate_vs_floor_${kind}_es256`}${reuse ? '_reuse' : ''}` as RatioKey,
    title: `POST /v1/sessions/authenticate (${storeTitle(kind)}, ${alg} JWTs${reuse ? ', reused' : ''}) vs bare-HTTP floor`,
    ours: oursSide,
    peer: floorSide,
    ratio: oursSide.throughputPerSecond / floorSide.throughputPerSecond,
    ratioOf: 'our requests per second / floor requests per second',
    basis: 'throughput',
    method:
      `autocannon 9 in the bench process, ${connections} connections, against servers in a child process (one core each, ` +
      `roughly). Ours: \`createStytchLikeServer\` over \`StytchLikeSessionService\` and the ${storeTitle(kind)} store, ` +
      `${sessions} live sessions whose \`{"session_token": …}\` bodies are cycled through; every answer is a 200 with ${
        reuse
          ? `the session's current ${alg} session JWT (\`jwtReuseSeconds: ${REUSE_SECONDS}\`: signed once per session and minute)`
          : `a fresh ${alg} session JWT`
      }. Floor: \`Fastify()\` with default options, the same route parsing the same JSON body and answering ` +
      `a captured authenticate response (${target.responseBytes} bytes). ${warmupSeconds} s warm-up per side, then ${rounds} ` +
      `alternating rounds of ${roundSeconds} s per side; latencies are autocannon's per-response times.`,
    extra: { response_bytes: target.responseBytes, sessions },
  };
}
