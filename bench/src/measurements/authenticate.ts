// authenticate_vs_floor_<store>: POST /v1/sessions/authenticate requests per second under autocannon against the same
// request answered by a bare Fastify route with a body of the same size, alternating rounds.
// authenticate_vs_better_auth(_es256): the same requests on SQLite against better-auth's get-session for a session
// cookie, on SQLite too, alternating rounds.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { PROFILE, PROFILES_DIR, SETTINGS, type RatioKey } from './config.ts';
import { BETTER_AUTH_SESSION_PATH } from './better-auth-peer.ts';
import type { HttpTarget, TargetMessage, TargetPeer } from './http-target.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate } from './stats.ts';
import type { StoreKind } from './stores.ts';
import type { Teardown } from '../shared/cleanup.ts';
import { benchDependencyVersion } from '../shared/machine.ts';
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
  peer: TargetPeer = 'floor',
): Promise<HttpTarget> {
  // The child gets this process's Node flags (e.g. --import hooks), plus --cpu-prof when profiling.
  const execArgv = [
    ...process.execArgv.filter((flag) => !flag.startsWith('--cpu-prof')),
    ...(PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES_DIR}`, `--cpu-prof-name=http-${kind}-${Date.now()}.cpuprofile`]
      : []),
  ];
  const child = teardown.add(
    fork(TARGET_SCRIPT, [kind, String(SETTINGS.http.sessions), alg, String(jwtReuseSeconds), peer], {
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

/** What one side's requests look like: one request shape per entry, cycled through. */
interface LoadRequests {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  /** Per request: the body (POST) or the extra headers (GET), in turn. */
  readonly next: () => { body?: string; headers?: Record<string, string> };
}

/** Our authenticate requests (or the floor's, at `url`), cycling through the session-token bodies. */
function authenticateRequests(url: string, target: Pick<HttpTarget, 'authorization' | 'bodies'>): LoadRequests {
  let next = 0;
  const bodies = target.bodies;
  return {
    url: `${url}${PATH}`,
    method: 'POST',
    headers: { authorization: target.authorization, 'content-type': 'application/json' },
    next: () => ({ body: bodies[next++ % bodies.length]! }),
  };
}

/** One autocannon run of `seconds` against `url`, cycling through the request bodies. */
export function load(
  url: string,
  target: Pick<HttpTarget, 'authorization' | 'bodies'>,
  seconds: number,
): Promise<Load> {
  return loadRequests(authenticateRequests(url, target), seconds);
}

/** One autocannon run of `seconds` with `requests`. */
async function loadRequests(requests: LoadRequests, seconds: number): Promise<Load> {
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  const instance = autocannon({
    url: requests.url,
    method: requests.method,
    connections: SETTINGS.http.connections,
    duration: seconds,
    headers: requests.headers,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          const { body, headers } = requests.next();
          return headers
            ? { ...request, headers: { ...(request['headers'] as Record<string, string>), ...headers } }
            : { ...request, body };
        },
      },
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

/** Warms both sides up, then runs them in alternating rounds (SETTINGS.http); throws when any request failed. */
async function alternateLoads(
  sides: Record<'ours' | 'peer', LoadRequests>,
  what: string,
): Promise<Record<'ours' | 'peer', { latencies: number[]; seconds: number }>> {
  const { warmupSeconds, rounds, roundSeconds } = SETTINGS.http;
  await loadRequests(sides.peer, warmupSeconds);
  await loadRequests(sides.ours, warmupSeconds);
  const runs: Record<'ours' | 'peer', Load[]> = { ours: [], peer: [] };
  await alternate(rounds, {
    ours: async () => void runs.ours.push(await loadRequests(sides.ours, roundSeconds)),
    peer: async () => void runs.peer.push(await loadRequests(sides.peer, roundSeconds)),
  });
  const merge = (side: Load[]) => ({
    latencies: side.flatMap((run) => run.latenciesMs),
    seconds: side.reduce((sum, run) => sum + run.seconds, 0),
    failed: side.reduce((sum, run) => sum + run.failed, 0),
  });
  const ours = merge(runs.ours);
  const peer = merge(runs.peer);
  if (ours.failed > 0 || peer.failed > 0)
    throw new Error(`${what}: ${ours.failed} of our requests and ${peer.failed} of the peer's failed`);
  return { ours, peer };
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
  const { ours, peer: floor } = await alternateLoads(
    { ours: authenticateRequests(target.oursUrl, target), peer: authenticateRequests(target.floorUrl!, target) },
    kind,
  );
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

/**
 * `authenticate_vs_better_auth` (RS256) and `authenticate_vs_better_auth_es256`: our authenticate by opaque session
 * token on the SQLite store against better-auth's get-session for a signed session cookie on SQLite, same server
 * process, same load, the same number of sessions on each side.
 */
export async function measureAuthenticateVsBetterAuth(
  teardown: Teardown,
  alg: 'RS256' | 'ES256' = 'RS256',
): Promise<MeasurementResult> {
  const { connections, warmupSeconds, rounds, roundSeconds, sessions } = SETTINGS.http;
  const target = await startTarget('sqlite', alg, 0, teardown, 'better-auth');
  const betterAuth = target.betterAuth!;
  let nextCookie = 0;
  const { ours, peer } = await alternateLoads(
    {
      ours: authenticateRequests(target.oursUrl, target),
      peer: {
        url: `${betterAuth.url}${BETTER_AUTH_SESSION_PATH}`,
        method: 'GET',
        headers: {},
        next: () => ({ headers: { cookie: betterAuth.cookies[nextCookie++ % betterAuth.cookies.length]! } }),
      },
    },
    'better-auth',
  );
  const oursSide = sideFromLatencies(`Stytch-like server, SQLite store, ${alg}`, ours.latencies, ours.seconds * 1000);
  const peerSide = sideFromLatencies(
    `better-auth ${benchDependencyVersion('better-auth')} get-session, SQLite`,
    peer.latencies,
    peer.seconds * 1000,
  );
  return {
    key: (alg === 'RS256' ? 'authenticate_vs_better_auth' : 'authenticate_vs_better_auth_es256') as RatioKey,
    title: `POST /v1/sessions/authenticate (SQLite, ${alg} JWTs) vs better-auth get-session (SQLite)`,
    ours: oursSide,
    peer: peerSide,
    ratio: oursSide.throughputPerSecond / peerSide.throughputPerSecond,
    ratioOf: 'our requests per second / better-auth requests per second',
    basis: 'throughput',
    method:
      `autocannon 9 in the bench process, ${connections} connections, against both servers in one child process (the ` +
      `same Node). Each side has ${sessions} sessions of ${sessions} users in its own SQLite file on disk, in one ` +
      `directory, both WAL with synchronous FULL. Ours: \`createStytchLikeServer\` over the SQLite store, ` +
      `\`{"session_token": …}\` bodies cycled through; per request one store call (\`recordAccess\`: an indexed read of ` +
      `the session with its user, and the last-access write at most once a second per session, without waiting for ` +
      `fsync), the secret's SHA-256 compared, and a fresh ${alg} session JWT signed (JWT reuse off, the default) ` +
      `(${target.responseBytes}-byte answer). better-auth: ` +
      `\`betterAuth({ database: new DatabaseSync(file), emailAndPassword })\` with its schema from \`getMigrations\`, the ` +
      `cookie cache off (its default), rate limit off, served by \`node:http\` through \`toNodeHandler\`; ` +
      `\`GET ${BETTER_AUTH_SESSION_PATH}\` with one user's signed session cookie, cycled through; per request an ` +
      `HMAC-SHA256 check of the cookie's signature and two SELECTs through its Kysely adapter (the session by token, then its user), no write (the ` +
      `session is younger than its one-day update age) (${betterAuth.responseBytes}-byte answer). ${warmupSeconds} s ` +
      `warm-up per side, then ${rounds} alternating rounds of ${roundSeconds} s per side.`,
    extra: { response_bytes: target.responseBytes, peer_response_bytes: betterAuth.responseBytes, sessions },
  };
}
