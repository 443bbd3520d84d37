// authenticate_workers_auto_vs_one: the same POST /v1/sessions/authenticate load against `serve --workers 1` and
// `serve --workers auto`, both the package's bin as users start it, on one SQLite file with ES256 session JWTs.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { StytchLikeSessionService } from '@sessiontoken/stytch-like/server';
import { load, type Load } from './authenticate.ts';
import { SETTINGS } from './config.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate } from './stats.ts';
import { benchStoreLocation } from './stores.ts';
import { startStytchProcess } from '../faults/stytch-process.ts';
import type { Teardown } from '../shared/cleanup.ts';

/** Users and sessions made through the library before the servers start (the CLI limits sign-ups per address). */
async function seedSessions(
  location: ReturnType<typeof benchStoreLocation>,
  projectId: string,
  count: number,
): Promise<string[]> {
  const store = await location.open();
  // scrypt is lowered only to create the sessions quickly; authenticate never hashes a password.
  const service = new StytchLikeSessionService({
    store,
    projectId,
    passwordHashing: { cost: 2 ** 10 },
    jwtAlgorithm: 'ES256',
    sweepIntervalMs: 0,
  });
  try {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const created = await service.createPasswordUser({
        email: `bench-workers-${i}-${randomBytes(4).toString('hex')}@example.test`,
        password: 'a bench password that is long enough',
        sessionDurationMinutes: 60,
        attributes: { ipAddress: '127.0.0.1', userAgent: 'autocannon' },
      });
      bodies.push(JSON.stringify({ session_token: created.sessionToken }));
    }
    return bodies;
  } finally {
    await service.close();
    await store.close();
  }
}

export async function measureAuthenticateWorkersAutoVsOne(teardown: Teardown): Promise<MeasurementResult> {
  const { connections, warmupSeconds, rounds, roundSeconds, sessions } = SETTINGS.http;
  const cores = os.availableParallelism();
  const location = teardown.add(benchStoreLocation('sqlite', 'workers'), 'SQLite store data', (l) => l.remove());
  const projectId = `project-test-${randomBytes(6).toString('hex')}`;
  const secret = `secret-${randomBytes(18).toString('base64url')}`;
  const bodies = await seedSessions(location, projectId, sessions);
  const target = { authorization: `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`, bodies };
  // One after the other: the signing key and public token are already in the store, nothing is created twice.
  const start = (workers: string) =>
    startStytchProcess({
      store: `sqlite:${location.where}`,
      projectId,
      secret,
      args: ['--workers', workers, '--jwt-alg', 'ES256'],
    }).then((server) => teardown.add(server, `serve --workers ${workers}`, (s) => s.stop('SIGTERM', 30_000)));
  const one = await start('1');
  const auto = await start('auto');

  await load(one.url, target, warmupSeconds);
  await load(auto.url, target, warmupSeconds);
  const runs: Record<'one' | 'auto', Load[]> = { one: [], auto: [] };
  await alternate(rounds, {
    one: async () => void runs.one.push(await load(one.url, target, roundSeconds)),
    auto: async () => void runs.auto.push(await load(auto.url, target, roundSeconds)),
  });
  const merge = (side: Load[]) => ({
    latencies: side.flatMap((run) => run.latenciesMs),
    seconds: side.reduce((sum, run) => sum + run.seconds, 0),
    failed: side.reduce((sum, run) => sum + run.failed, 0),
  });
  const oneRuns = merge(runs.one);
  const autoRuns = merge(runs.auto);
  if (oneRuns.failed > 0 || autoRuns.failed > 0)
    throw new Error(`${autoRuns.failed} requests to --workers auto and ${oneRuns.failed} to --workers 1 failed`);
  const autoSide = sideFromLatencies(
    `serve --workers auto (${cores} workers), SQLite, ES256`,
    autoRuns.latencies,
    autoRuns.seconds * 1000,
  );
  const oneSide = sideFromLatencies('serve --workers 1, SQLite, ES256', oneRuns.latencies, oneRuns.seconds * 1000);
  return {
    key: 'authenticate_workers_auto_vs_one',
    title: `POST /v1/sessions/authenticate: serve --workers auto (${cores}) vs --workers 1 (SQLite, ES256 JWTs)`,
    ours: autoSide,
    peer: oneSide,
    ratio: autoSide.throughputPerSecond / oneSide.throughputPerSecond,
    ratioOf: 'requests per second with --workers auto / with --workers 1',
    basis: 'throughput',
    method:
      `Two \`sessiontoken-stytch-like serve\` processes started from the package's bin as users start it, on one SQLite ` +
      `file (WAL; the workers share it across processes) with ES256 session JWTs: one with \`--workers 1\` (a single ` +
      `process), one with \`--workers auto\` (a primary and ${cores} cluster workers on this machine's ${cores} cores, ` +
      `\`os.availableParallelism()\`). The load client, autocannon 9 with ${connections} keep-alive connections in the ` +
      `bench process, runs on the same ${cores} cores: it takes CPU from the servers, most of all from the ${cores} ` +
      `workers, so the ratio is below what a load from another machine would show. ${sessions} live sessions, made ` +
      `through the library before the servers start, whose \`{"session_token": …}\` bodies are cycled through; every ` +
      `answer is a 200 with a fresh ES256 JWT. ${warmupSeconds} s warm-up per side, then ${rounds} alternating rounds ` +
      `of ${roundSeconds} s per side.`,
    extra: {
      cores,
      workers_auto: cores,
      connections,
      sessions,
      load_client: 'autocannon in the bench process, same cores',
    },
  };
}
