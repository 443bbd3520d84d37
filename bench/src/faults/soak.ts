// Figure 4: a soak at a fixed request rate against the Stytch-like server (and OrientDB reattach + query); memory and
// open handles before, during (sampled) and after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import { StytchLikeSessionProvider } from '@sessiontoken/stytch-like/node';
import { SqliteSessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';
import { newProject } from './config.ts';
import { withCleanup } from '../shared/cleanup.ts';
import { createPasswordUser } from './http-request.ts';
import { openToken, type OrientDBEndpoint } from './orientdb-server.ts';
import { Tally, describeError, outcomeOf } from './outcomes.ts';
import { activeResources, collectGarbage, sampleProcess, socketCount, type ProcessSample } from './process-sampler.ts';
import { pause, waitFor } from '../shared/wait.ts';

export interface SoakOptions {
  readonly durationMs: number;
  /** Stytch-like requests per second: `authenticate()` on long-lived providers, and one in ten a new provider's reattach + close. */
  readonly stytchRate: number;
  /** OrientDB rounds per second (new provider, reattach, query, close); 0 or no server for none. */
  readonly orientdbRate: number;
  readonly orientdb?: OrientDBEndpoint;
  readonly sampleEveryMs: number;
  /** Requests allowed in flight; when the server falls behind, further ticks are counted as skipped, not queued. */
  readonly maxInFlight?: number;
}

export interface SoakFigure {
  readonly durationMs: number;
  readonly stytchRate: number;
  readonly orientdbRate: number;
  /** Requests done, by backend and outcome; `skipped` were due while `maxInFlight` were still running. */
  readonly stytch: Record<string, number>;
  readonly orientdb: Record<string, number>;
  /** Achieved rates over the soak. */
  readonly stytchPerSecond: number;
  readonly orientdbPerSecond: number;
  /** After a full GC, before the soak (after a warm-up) and after it (providers of the soak closed). */
  readonly before: ProcessSample;
  readonly after: ProcessSample;
  readonly heapGrowthMb: number;
  readonly rssGrowthMb: number;
  /** Growth of RSS outside the JS heap (RSS − heap total): native memory (sockets, SQLite, buffers), without V8's steps. */
  readonly nativeGrowthMb: number;
  /** Largest values sampled during the soak (no GC forced). */
  readonly maxHeapUsedMb: number;
  readonly maxRssMb: number;
  readonly maxSockets: number;
  /** Sockets and servers open before anything started, and after everything was closed: equal when nothing leaked. */
  readonly socketsAtStart: number;
  readonly socketsAtEnd: number;
  readonly resourcesAtStart: Record<string, number>;
  readonly resourcesAtEnd: Record<string, number>;
  readonly samples: ProcessSample[];
  readonly notes: string[];
}

const PASSWORD = 'a long and unguessable password';
const LONG_LIVED_PROVIDERS = 8;

export async function soak(options: SoakOptions): Promise<SoakFigure> {
  collectGarbage();
  const resourcesAtStart = activeResources();
  const maxInFlight = options.maxInFlight ?? 64;
  const figure = await withCleanup(async (cleanup) => {
    const notes: string[] = [];
    const dir = cleanup.add(mkdtempSync(join(tmpdir(), 'sessiontoken-soak-')), 'soak directory', (d) =>
      rmSync(d, { recursive: true, force: true }),
    );
    const store = cleanup.add(
      await SqliteSessionStore.open({ path: join(dir, 'sessions.sqlite') }),
      'SQLite store',
      (s) => s.close(),
    );
    const project = newProject();
    const service = cleanup.add(
      new StytchLikeSessionService({ store, projectId: project.projectId, passwordHashing: { cost: 2 ** 14 } }),
      'session service',
      (s) => s.close(),
    );
    const server = createStytchLikeServer({ service, secret: project.secret });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    cleanup.add(server, 'HTTP server', (s) => s.close());
    const email = `soak-${randomUUID()}@example.test`;
    await createPasswordUser(url, project, email, PASSWORD);
    const providerOptions = { baseUrl: url, ...project, timeoutMs: 10_000 };
    const longLived = await Promise.all(
      Array.from({ length: LONG_LIVED_PROVIDERS }, async (_, index) => {
        const provider = cleanup.add(
          new StytchLikeSessionProvider(providerOptions),
          `long-lived provider ${index}`,
          (p) => p.close(),
        );
        provider.setSessionToken(true);
        await provider.open({ email, password: PASSWORD });
        return provider;
      }),
    );
    const tokens = longLived[0]!.getTokens()!;
    const orientdb = options.orientdb && options.orientdbRate > 0 ? options.orientdb : undefined;
    const orientdbToken = orientdb ? await openToken(orientdb) : '';

    const stytch = new Tally();
    const orient = new Tally();
    let inFlight = 0;
    let sent = 0;
    const stytchRequest = async (n: number): Promise<void> => {
      if (n % 10 === 9) {
        const provider = new StytchLikeSessionProvider(providerOptions);
        try {
          await provider.setSessionToken(tokens);
        } finally {
          await provider.close();
        }
      } else {
        await longLived[n % LONG_LIVED_PROVIDERS]!.authenticate();
      }
    };
    const orientdbRound = async (): Promise<void> => {
      const provider = new OrientDBSessionProvider({
        host: orientdb!.host,
        port: orientdb!.port,
        database: orientdb!.database,
        timeoutMs: 10_000,
      });
      try {
        await provider.setSessionToken(orientdbToken);
        await provider.query('SELECT 1 AS one');
      } finally {
        await provider.close();
      }
    };
    const launch = (tally: Tally, work: () => Promise<void>): void => {
      if (inFlight >= maxInFlight) {
        tally.add('skipped');
        return;
      }
      inFlight++;
      work()
        .then(
          () => tally.add('ok'),
          (error: unknown) => {
            tally.add(outcomeOf(error));
            if (notes.length < 20) notes.push(describeError(error));
          },
        )
        .finally(() => inFlight--);
    };

    /** Issues requests at the fixed rates for `ms`, sampling every `sampleEveryMs` into `samples` when given. */
    const run = async (ms: number, samples: ProcessSample[] | null): Promise<void> => {
      const started = performance.now();
      let stytchDue = 0;
      let orientDue = 0;
      let nextSample = 0;
      // Bounded by time and by count (a tick every few ms for at most `ms`).
      for (let tick = 0; tick < ms; tick++) {
        const elapsed = performance.now() - started;
        if (elapsed >= ms) break;
        const stytchTarget = Math.floor((elapsed / 1000) * options.stytchRate);
        for (; stytchDue < stytchTarget; stytchDue++) launch(stytch, () => stytchRequest(sent++));
        const orientTarget = orientdb ? Math.floor((elapsed / 1000) * options.orientdbRate) : 0;
        for (; orientDue < orientTarget; orientDue++) launch(orient, orientdbRound);
        if (samples && elapsed >= nextSample) {
          samples.push(sampleProcess(soakStarted));
          nextSample += options.sampleEveryMs;
        }
        await pause(5);
      }
      await waitFor(() => inFlight === 0, { timeoutMs: 30_000, what: 'the requests in flight to finish' });
    };

    // Warm-up: JIT, connection pools, the JWKS cache; then the baseline.
    let soakStarted = performance.now();
    await run(Math.min(2000, options.durationMs / 5), null);
    const warmup = { stytch: stytch.toJSON(), orientdb: orient.toJSON() };
    if (stytch.totalExcept('ok') + orient.totalExcept('ok') > 0)
      throw new Error(`the warm-up failed: ${JSON.stringify(warmup)} ${notes.join('; ')}`);
    const stytchWarm = stytch.total;
    const orientWarm = orient.total;
    collectGarbage();
    soakStarted = performance.now();
    const before = sampleProcess(soakStarted);
    const samples: ProcessSample[] = [];
    await run(options.durationMs, samples);
    const elapsedMs = performance.now() - soakStarted;
    collectGarbage();
    const after = sampleProcess(soakStarted);
    const counted = (tally: Tally, warm: number): Record<string, number> => {
      const counts = tally.toJSON();
      counts['ok'] = (counts['ok'] ?? 0) - warm;
      return counts;
    };
    const stytchCounts = counted(stytch, stytchWarm);
    const orientCounts = counted(orient, orientWarm);
    return {
      durationMs: Math.round(elapsedMs),
      stytchRate: options.stytchRate,
      orientdbRate: orientdb ? options.orientdbRate : 0,
      stytch: stytchCounts,
      orientdb: orientCounts,
      stytchPerSecond: Math.round(((stytchCounts['ok'] ?? 0) / elapsedMs) * 1000 * 10) / 10,
      orientdbPerSecond: Math.round(((orientCounts['ok'] ?? 0) / elapsedMs) * 1000 * 10) / 10,
      before,
      after,
      heapGrowthMb: Math.round((after.heapUsedMb - before.heapUsedMb) * 10) / 10,
      rssGrowthMb: Math.round((after.rssMb - before.rssMb) * 10) / 10,
      nativeGrowthMb: Math.round((after.rssMb - after.heapTotalMb - (before.rssMb - before.heapTotalMb)) * 10) / 10,
      maxHeapUsedMb: Math.max(...samples.map((s) => s.heapUsedMb)),
      maxRssMb: Math.max(...samples.map((s) => s.rssMb)),
      maxSockets: Math.max(...samples.map((s) => socketCount(s.resources))),
      socketsAtStart: 0,
      socketsAtEnd: 0,
      resourcesAtStart,
      resourcesAtEnd: {},
      samples,
      notes,
    };
  });
  // Everything the soak opened is closed now: what is still open beyond the start is a leak.
  await waitFor(() => socketCount(activeResources()) <= socketCount(resourcesAtStart), {
    timeoutMs: 5000,
    what: 'the sockets of the soak to close',
  }).catch(() => undefined);
  const resourcesAtEnd = activeResources();
  return {
    ...figure,
    socketsAtStart: socketCount(resourcesAtStart),
    socketsAtEnd: socketCount(resourcesAtEnd),
    resourcesAtEnd,
  };
}
