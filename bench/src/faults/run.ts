// `pnpm reliability`: every fault figure at full size, on this machine, in one run. Prints the figures, writes
// bench/results/reliability.json and docs/reliability.md, and exits non-zero when an invariant does not hold.
// RELIABILITY_REPORT_ONLY=1 writes docs/reliability.md again from reliability.json (after a template changed).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import os from 'node:os';
import { authFlood } from './auth-flood.ts';
import { DOCS_FILE, RESULTS_FILE } from './config.ts';
import { orientdbCorruptedAnswers } from './corrupted-answers.ts';
import { wireFrameFuzz } from './frame-fuzz.ts';
import { httpBodyFuzz } from './http-fuzz.ts';
import {
  authFloodViolations,
  corruptedAnswersViolations,
  cutViolations,
  frameFuzzViolations,
  httpFuzzViolations,
  orientdbRestartViolations,
  soakViolations,
  stytchKillViolations,
} from './invariants.ts';
import { describeMachine } from '../shared/machine.ts';
import { collectGarbage } from './process-sampler.ts';
import { orientdbMidResponseCuts, stytchMidResponseCuts } from './mid-response-cut.ts';
import { orientdbRestartUnderLoad } from './orientdb-restart.ts';
import { startFaultsOrientDB, type FaultsOrientDB } from './orientdb-server.ts';
import { renderReliabilityDoc, type ReliabilityResults } from './report.ts';
import { soak } from './soak.ts';
import { stytchKillUnderLoad } from './stytch-kill.ts';

/** The sizes of the documented run; the short tests (bench/test) call the same functions with small ones. */
const FULL_RUN = {
  kill: { loadMs: 15_000, clients: 8 },
  restart: {
    clients: 8,
    timeoutMs: 2000,
    loadBeforeMs: 5000,
    freezeMs: 6000,
    successesAfter: 5,
    recoverWithinMs: 60_000,
  },
  cut: { orientdbCases: 200, stytchCases: 150, timeoutMs: 5000 },
  soak: { durationMs: 60_000, stytchRate: 200, orientdbRate: 20, sampleEveryMs: 2000 },
  // Leak criteria: the heap after a full GC, and RSS outside the JS heap. RSS itself follows V8's heap reservations in
  // steps, so its own bound is loose.
  soakBounds: { heapGrowthMb: 10, nativeGrowthMb: 32, rssGrowthMb: 128, sockets: 160, minRateShare: 0.95 },
  frames: { runsPerTarget: 100_000 },
  corrupted: { cases: 5000, timeoutMs: 2000 },
  http: { cases: 100_000, concurrency: 16 },
  flood: { floodClients: 64, checkers: 4, phaseMs: 20_000, checkIntervalMs: 50 },
} as const;

const log = (message: string): void => console.log(`faults: ${message}`);

if (process.env['RELIABILITY_REPORT_ONLY'] === '1') {
  writeFileSync(DOCS_FILE, renderReliabilityDoc(JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ReliabilityResults));
  log(`wrote ${DOCS_FILE} from ${RESULTS_FILE}`);
  process.exit(0);
}

const runStarted = performance.now();
const machine = await describeMachine();
log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGib} GiB, ${machine.os}, Node ${machine.node}`);
const figures: Record<string, unknown> = {};
const verdicts: Record<string, string[]> = {};
const seconds: Record<string, number> = {};
const heapBeforeMb: Record<string, number> = {};

async function figure<T>(name: string, produce: () => Promise<T>, violations: (figure: T) => string[]): Promise<void> {
  // Live heap between figures: a figure that leaves memory behind shows here, as a step up in the next one's.
  collectGarbage();
  heapBeforeMb[name] = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  log(`${name} … (heap ${heapBeforeMb[name]} MB)`);
  const started = performance.now();
  try {
    const result = await produce();
    figures[name] = result;
    verdicts[name] = violations(result);
  } catch (error) {
    figures[name] = null;
    verdicts[name] = [
      `the figure could not be produced: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    ];
  }
  seconds[name] = Math.round((performance.now() - started) / 100) / 10;
  const verdict = verdicts[name].length === 0 ? 'invariants hold' : `VIOLATED: ${verdicts[name].join('; ')}`;
  log(
    `${name} (${seconds[name]} s): ${verdict}\n${JSON.stringify(figures[name], (key, value: unknown) => (key === 'samples' ? `[${(value as unknown[]).length} samples]` : value), 2)}`,
  );
}

await figure(
  'stytchKillSqlite',
  () => stytchKillUnderLoad({ store: 'sqlite', ...FULL_RUN.kill, log }),
  stytchKillViolations,
);
await figure(
  'stytchKillPostgres',
  () => stytchKillUnderLoad({ store: 'postgres', ...FULL_RUN.kill, log }),
  stytchKillViolations,
);
await figure(
  'orientdbRestart',
  () => orientdbRestartUnderLoad({ ...FULL_RUN.restart, log }),
  orientdbRestartViolations,
);

let shared: FaultsOrientDB | null = null;
try {
  shared = await startFaultsOrientDB(log);
  const server = shared;
  await figure(
    'orientdbCut',
    () => orientdbMidResponseCuts({ server, cases: FULL_RUN.cut.orientdbCases, timeoutMs: FULL_RUN.cut.timeoutMs }),
    cutViolations,
  );
  await figure(
    'stytchCut',
    () => stytchMidResponseCuts({ cases: FULL_RUN.cut.stytchCases, timeoutMs: FULL_RUN.cut.timeoutMs }),
    cutViolations,
  );
  await figure(
    'soak',
    () => soak({ ...FULL_RUN.soak, orientdb: server }),
    (f) => soakViolations(f, FULL_RUN.soakBounds),
  );
  await figure(
    'corruptedAnswers',
    () => orientdbCorruptedAnswers({ server, ...FULL_RUN.corrupted }),
    corruptedAnswersViolations,
  );
} catch (error) {
  verdicts['orientdbServer'] = [
    `the shared OrientDB server failed: ${error instanceof Error ? error.message : String(error)}`,
  ];
} finally {
  await shared?.stop();
}

await figure(
  'frameFuzz',
  () => wireFrameFuzz(FULL_RUN.frames),
  (f) => frameFuzzViolations(f, FULL_RUN.frames.runsPerTarget),
);
await figure(
  'httpFuzz',
  () => httpBodyFuzz(FULL_RUN.http),
  (f) => httpFuzzViolations(f, FULL_RUN.http.cases),
);
await figure(
  'authFlood',
  () => authFlood({ ...FULL_RUN.flood, log }),
  (f) => authFloodViolations(f, { checkRatio: true }),
);

const results: ReliabilityResults = {
  generatedAt: new Date().toISOString(),
  machine: { ...machine, loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100) },
  settings: FULL_RUN,
  runSeconds: Math.round((performance.now() - runStarted) / 1000),
  seconds,
  heapBeforeMb,
  figures,
  verdicts,
};
mkdirSync(dirname(RESULTS_FILE), { recursive: true });
writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
mkdirSync(dirname(DOCS_FILE), { recursive: true });
writeFileSync(DOCS_FILE, renderReliabilityDoc(results));
const violated = Object.entries(verdicts).filter(([, v]) => v.length > 0);
log(`wrote ${RESULTS_FILE} and ${DOCS_FILE} after ${results.runSeconds} s`);
if (violated.length > 0) {
  log(`invariants violated in: ${violated.map(([name]) => name).join(', ')}`);
  process.exitCode = 1;
} else {
  log('every invariant holds');
}
