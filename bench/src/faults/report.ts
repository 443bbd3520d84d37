// docs/reliability.md, written from the figures of one full run into the Markdown templates in templates/.
import type { AuthFloodFigure } from './auth-flood.ts';
import type { CorruptedAnswersFigure } from './corrupted-answers.ts';
import type { CutFigure, CutScenarioFigure } from './mid-response-cut.ts';
import type { FrameFuzzFigure } from './frame-fuzz.ts';
import type { HttpFuzzFigure } from './http-fuzz.ts';
import type { SoakBounds } from './invariants.ts';
import type { FaultsMachine } from '../shared/machine.ts';
import { fillTemplate, readTemplate } from '../shared/template.ts';
import type { OrientDBRestartFigure } from './orientdb-restart.ts';
import type { SoakFigure } from './soak.ts';
import type { StytchKillFigure } from './stytch-kill.ts';

export interface ReliabilityResults {
  readonly generatedAt: string;
  readonly machine: FaultsMachine & { readonly loadAverageAtEnd: readonly number[] };
  readonly settings: { readonly soakBounds: SoakBounds } & Record<string, unknown>;
  readonly runSeconds: number;
  readonly seconds: Record<string, number>;
  readonly heapBeforeMb: Record<string, number>;
  readonly figures: Record<string, unknown>;
  readonly verdicts: Record<string, string[]>;
}

const n = (value: number): string => value.toLocaleString('en-US');

/** `{ ok: 3, UNAVAILABLE: 1 }` → `3 ok, 1 UNAVAILABLE`; `—` for none. */
function counts(outcomes: Record<string, number> | undefined): string {
  const entries = Object.entries(outcomes ?? {}).filter(([, count]) => count > 0);
  return entries.length === 0 ? '—' : entries.map(([key, count]) => `${n(count)} ${key}`).join(', ');
}

function verdict(results: ReliabilityResults, ...names: string[]): string {
  const violations = names.flatMap((name) => results.verdicts[name] ?? [`${name} did not run`]);
  return violations.length === 0 ? 'hold' : `**violated**: ${violations.join('; ')}`;
}

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((c) => (typeof c === 'number' ? n(c) : c)).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

const TEMPLATES = new URL('templates/', import.meta.url);

/** Fills the template `name` (in `templates/`); numbers are written with thousands separators. */
function fill(name: string, values: object): string {
  return fillTemplate(readTemplate(TEMPLATES, name), values, { format: n });
}

/** The section that stands in for a figure that could not be produced. */
function unavailable(results: ReliabilityResults, heading: string, name: string): string {
  return fill('unavailable.md', { heading, verdict: verdict(results, name) });
}

function notes(list: readonly string[] | undefined): string {
  return list && list.length > 0 ? `Notes from the run:\n\n${list.map((note) => `- ${note}`).join('\n')}` : '';
}

function killSection(results: ReliabilityResults): string {
  const figures = ['stytchKillSqlite', 'stytchKillPostgres'].map(
    (name) => results.figures[name] as StytchKillFigure | null,
  );
  const rows = figures
    .filter((f): f is StytchKillFigure => f !== null)
    .map((f) => [
      f.store === 'sqlite' ? 'SQLite (WAL, synchronous = FULL)' : 'PostgreSQL',
      `${f.clients} clients, ${f.loadMs / 1000} s`,
      f.acknowledged,
      f.authenticated,
      `**${f.lost}**`,
      f.extensionsAcknowledged,
      `**${f.extensionsLost}**`,
      `${f.inFlightAtKill} (${counts(f.inFlightOutcomes)})`,
      `${n(f.restartMs)} ms`,
    ]);
  return fill('stytch-kill.md', {
    table: table(
      [
        'store',
        'load',
        'sessions acknowledged',
        'authenticate after restart',
        'lost',
        'extensions acknowledged',
        'extensions lost',
        'in flight at SIGKILL',
        'SIGKILL → listening again',
      ],
      rows,
    ),
    verdict: verdict(results, 'stytchKillSqlite', 'stytchKillPostgres'),
    notes: notes(figures.flatMap((f) => f?.notes ?? [])),
  });
}

function restartSection(results: ReliabilityResults): string {
  const f = results.figures['orientdbRestart'] as OrientDBRestartFigure | null;
  if (!f) return unavailable(results, '## 2. OrientDB frozen, then restarted, under load', 'orientdbRestart');
  const phases: [keyof OrientDBRestartFigure['outcomes'], string][] = [
    ['before', 'before the faults'],
    ['frozen', `JVM stopped (SIGSTOP) for ${f.freezeMs / 1000} s`],
    ['thawed', 'after SIGCONT'],
    ['restarting', `restart (stop ${n(f.restart.stopMs)} ms + start ${n(f.restart.startMs)} ms)`],
    ['after', 'after the restart'],
  ];
  return fill('orientdb-restart.md', {
    f,
    orientdb: results.machine.orientdb,
    table: table(
      ['phase', 'calls (reattach or query)'],
      phases.map(([key, label]) => [label, counts(f.outcomes[key])]),
    ),
    closeOutcomes: counts(f.closeOutcomes),
    verdict: verdict(results, 'orientdbRestart'),
    notes: notes(f.notes),
  });
}

function cutRows(f: CutFigure): (string | number)[][] {
  return f.scenarios.map((s: CutScenarioFigure) => [
    s.scenario,
    s.cases,
    s.cut,
    counts(s.outcomes),
    `${n(s.longestMs)} ms`,
    counts(s.sameProviderAfter),
    counts(s.newProviderAfter),
  ]);
}

function cutSection(results: ReliabilityResults): string {
  const orient = results.figures['orientdbCut'] as CutFigure | null;
  const stytch = results.figures['stytchCut'] as
    (CutFigure & { loginsCut: number; sessionsFromCutLogins: number }) | null;
  const header = [
    'response cut',
    'cases',
    'cut',
    'the call',
    'longest call',
    'same provider afterwards',
    'new provider afterwards',
  ];
  return fill('mid-response-cut.md', {
    orientdbTimeoutMs: n(orient?.timeoutMs ?? 0),
    orientdbTable: orient ? table(header, cutRows(orient)) : 'The figure could not be produced.',
    stytchTimeoutMs: n(stytch?.timeoutMs ?? 0),
    stytchTable: stytch ? table(header, cutRows(stytch)) : 'The figure could not be produced.',
    loginsCut: stytch ? String(stytch.loginsCut) : 'n/a',
    sessionsFromCutLogins: stytch ? String(stytch.sessionsFromCutLogins) : 'n/a',
    verdict: verdict(results, 'orientdbCut', 'stytchCut'),
    notes: notes([...(orient?.notes ?? []), ...(stytch?.notes ?? [])]),
  });
}

function soakSection(results: ReliabilityResults): string {
  const f = results.figures['soak'] as SoakFigure | null;
  if (!f) return unavailable(results, '## 4. Soak', 'soak');
  const b = results.settings.soakBounds;
  const requests = (f.stytch['ok'] ?? 0) + (f.orientdb['ok'] ?? 0);
  const every = Math.max(1, Math.round(f.samples.length / 12));
  const sampled = f.samples.filter((_, index) => index % every === 0 || index === f.samples.length - 1);
  return fill('soak.md', {
    f,
    durationSeconds: String(Math.round(f.durationMs / 1000)),
    requestsTable: table(
      ['', 'Stytch-like', 'OrientDB'],
      [
        ['requests', counts(f.stytch), counts(f.orientdb)],
        ['achieved rate', `${f.stytchPerSecond}/s`, `${f.orientdbPerSecond}/s`],
      ],
    ),
    memoryTable: table(
      ['', 'before', 'after', 'growth', 'largest sampled'],
      [
        [
          'heap used (after GC)',
          `${f.before.heapUsedMb} MB`,
          `${f.after.heapUsedMb} MB`,
          `**${f.heapGrowthMb} MB**`,
          `${f.maxHeapUsedMb} MB`,
        ],
        ['RSS', `${f.before.rssMb} MB`, `${f.after.rssMb} MB`, `${f.rssGrowthMb} MB`, `${f.maxRssMb} MB`],
        [
          'heap reserved by V8 (heap total)',
          `${f.before.heapTotalMb} MB`,
          `${f.after.heapTotalMb} MB`,
          `${Math.round((f.after.heapTotalMb - f.before.heapTotalMb) * 10) / 10} MB`,
          `${Math.max(...f.samples.map((s) => s.heapTotalMb))} MB`,
        ],
        [
          'RSS outside the JS heap (RSS − heap total)',
          `${Math.round((f.before.rssMb - f.before.heapTotalMb) * 10) / 10} MB`,
          `${Math.round((f.after.rssMb - f.after.heapTotalMb) * 10) / 10} MB`,
          `**${f.nativeGrowthMb} MB**`,
          '',
        ],
      ],
    ),
    resourcesBefore: counts(f.before.resources),
    resourcesAfter: counts(f.after.resources),
    maxSockets: String(f.maxSockets),
    socketsAtStart: String(f.socketsAtStart),
    socketsAtEnd: String(f.socketsAtEnd),
    resourcesAtEnd: counts(f.resourcesAtEnd),
    every: String(every),
    samplesTable: table(
      ['at', 'RSS', 'heap total', 'heap used', 'open handles'],
      sampled.map((s) => [
        `${(s.atMs / 1000).toFixed(0)} s`,
        `${s.rssMb} MB`,
        `${s.heapTotalMb} MB`,
        `${s.heapUsedMb} MB`,
        counts(s.resources),
      ]),
    ),
    heapGrowthMb: String(f.heapGrowthMb),
    requests: n(requests),
    bytesPerRequest: ((f.heapGrowthMb * 1024 * 1024) / Math.max(1, requests)).toFixed(0),
    nativeGrowthMb: String(f.nativeGrowthMb),
    bounds: {
      minRatePercent: b.minRateShare === null ? 'not judged' : String(Math.round(b.minRateShare * 100)),
      heapGrowthMb: String(b.heapGrowthMb),
      nativeGrowthMb: String(b.nativeGrowthMb),
      rssGrowthMb: String(b.rssGrowthMb),
      sockets: String(b.sockets),
    },
    verdict: verdict(results, 'soak'),
    notes: notes(f.notes),
  });
}

function fuzzSection(results: ReliabilityResults): string {
  const frames = results.figures['frameFuzz'] as FrameFuzzFigure | null;
  const http = results.figures['httpFuzz'] as HttpFuzzFigure | null;
  const frameRows = (frames?.targets ?? []).map((t) => [t.target, t.runs, t.decoded, t.rejected]);
  const outcomeRows = Object.entries(http?.outcomes ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([outcome, count]) => [outcome, count]);
  return fill('fuzz.md', {
    runsPerTarget: n(frames?.runsPerTarget ?? 0),
    frameTable: table(['target', 'cases', 'decoded', 'rejected (typed)'], frameRows),
    frameTotal: n(frames?.total ?? 0),
    frameSeconds: n(Math.round((frames?.ms ?? 0) / 1000)),
    frameCrashes: String(frames?.crashes ?? 'n/a'),
    frameCrash: frames?.crash ? ` (${frames.crash})` : '',
    corruptedAnswers: corruptedSection(results),
    http: {
      cases: n(http?.cases ?? 0),
      seed: String(http?.seed ?? 'n/a'),
      concurrency: String(http?.concurrency ?? 0),
      requestsPerSecond: n(http?.requestsPerSecond ?? 0),
      serverErrors: String(http?.serverErrors ?? 'n/a'),
      malformed: String(http?.malformed ?? 'n/a'),
      networkFailures: String(http?.networkFailures ?? 'n/a'),
      healthy: String(http?.healthy ?? 0),
      healthChecks: String(http?.healthChecks ?? 0),
      processAlive: http?.processAlive ? 'yes' : 'no',
      canaryAuthenticates: http?.canaryAuthenticates ? 'yes' : 'no',
    },
    kindsTable: table(
      ['what was sent', 'cases'],
      Object.entries(http?.kinds ?? {}).map(([kind, count]) => [kind, count]),
    ),
    outcomesTable: table(['answer (status, error_type)', 'count'], outcomeRows),
    verdict: verdict(results, 'frameFuzz', 'corruptedAnswers', 'httpFuzz'),
    notes: notes(http?.examples),
  });
}

function corruptedSection(results: ReliabilityResults): string {
  const f = results.figures['corruptedAnswers'] as CorruptedAnswersFigure | null;
  if (!f) return unavailable(results, '### Real OrientDB answers, corrupted, through the provider', 'corruptedAnswers');
  const keys = ['ok, same rows', 'ok, other rows', 'PROTOCOL', 'UNAVAILABLE', 'BACKEND', 'INVALID_TOKEN', 'EXPIRED'];
  const present = keys.filter((key) => Object.values(f.outcomes).some((o) => (o[key] ?? 0) > 0));
  const others = [...new Set(Object.values(f.outcomes).flatMap((o) => Object.keys(o)))].filter(
    (key) => !keys.includes(key),
  );
  const columns = [...present, ...others];
  return fill('corrupted-answers.md', {
    f,
    seed: String(f.seed),
    table: table(
      ['answer corrupted', ...columns],
      Object.entries(f.outcomes).map(([target, outcomes]) => [target, ...columns.map((key) => outcomes[key] ?? 0)]),
    ),
    sameProviderAfter: counts(f.sameProviderAfter),
    notes: notes(f.notes),
  });
}

function floodSection(results: ReliabilityResults): string {
  const f = results.figures['authFlood'] as AuthFloodFigure | null;
  if (!f) return unavailable(results, '## 6. A wrong-password flood', 'authFlood');
  return fill('auth-flood.md', {
    f: {
      ...f,
      scrypt: `N = 2^${f.scrypt.logCost}, r = ${f.scrypt.blockSize}, p = ${f.scrypt.parallelization}`,
      checkers: String(f.checkers),
      checkIntervalMs: String(f.checkIntervalMs),
      floodClients: String(f.floodClients),
    },
    phaseSeconds: n(f.phaseMs / 1000),
    loginMs: n(f.loginMs),
    table: table(
      ['phase', 'session checks', 'failed', 'p50', 'p99', 'max'],
      [
        [
          'quiet',
          n(f.quiet.checks),
          n(f.quiet.failed),
          `${f.quiet.p50Ms} ms`,
          `${f.quiet.p99Ms} ms`,
          `${f.quiet.maxMs} ms`,
        ],
        [
          `flood of ${f.floodClients}`,
          n(f.flood.checks),
          n(f.flood.failed),
          `${f.flood.p50Ms} ms`,
          `${f.flood.p99Ms} ms`,
          `${f.flood.maxMs} ms`,
        ],
      ],
    ),
    p99Ratio: String(f.p99Ratio),
    floodStatuses: counts(f.floodStatuses),
    floodReasons: counts(f.floodReasons),
    verdict: verdict(results, 'authFlood'),
  });
}

function summary(results: ReliabilityResults): string {
  const get = <T>(name: string) => results.figures[name] as T | null;
  const sq = get<StytchKillFigure>('stytchKillSqlite');
  const pgk = get<StytchKillFigure>('stytchKillPostgres');
  const rs = get<OrientDBRestartFigure>('orientdbRestart');
  const oc = get<CutFigure>('orientdbCut');
  const sc = get<CutFigure>('stytchCut');
  const so = get<SoakFigure>('soak');
  const fr = get<FrameFuzzFigure>('frameFuzz');
  const ca = get<CorruptedAnswersFigure>('corruptedAnswers');
  const hf = get<HttpFuzzFigure>('httpFuzz');
  const af = get<AuthFloodFigure>('authFlood');
  const cutCases = (f: CutFigure | null) => f?.scenarios.reduce((sum, s) => sum + s.cases, 0) ?? 0;
  const cutUnavailable = (f: CutFigure | null) =>
    f?.scenarios.reduce((sum, s) => sum + (s.outcomes['UNAVAILABLE'] ?? 0), 0) ?? 0;
  const rows = [
    [
      'SIGKILL under load, SQLite',
      sq
        ? `${n(sq.acknowledged)} sessions acknowledged, ${n(sq.authenticated)} authenticate after restart, **${sq.lost} lost**`
        : 'n/a',
      verdict(results, 'stytchKillSqlite'),
    ],
    [
      'SIGKILL under load, PostgreSQL',
      pgk ? `${n(pgk.acknowledged)} acknowledged, ${n(pgk.authenticated)} authenticate, **${pgk.lost} lost**` : 'n/a',
      verdict(results, 'stytchKillPostgres'),
    ],
    [
      'OrientDB frozen + restarted under load',
      rs
        ? `longest failed call ${n(rs.longestFailureMs)} ms for timeoutMs ${n(rs.timeoutMs)}; **${rs.hangs} hangs**; ${rs.recovered}/${rs.clients} clients back`
        : 'n/a',
      verdict(results, 'orientdbRestart'),
    ],
    [
      'socket closed mid-response, OrientDB',
      oc ? `${cutUnavailable(oc)}/${cutCases(oc)} UNAVAILABLE, provider usable after every one` : 'n/a',
      verdict(results, 'orientdbCut'),
    ],
    [
      'socket closed mid-response, Stytch-like',
      sc ? `${cutUnavailable(sc)}/${cutCases(sc)} UNAVAILABLE, provider usable after every one` : 'n/a',
      verdict(results, 'stytchCut'),
    ],
    [
      `${Math.round((so?.durationMs ?? 0) / 1000)} s soak`,
      so
        ? `${n(so.stytch['ok'] ?? 0)} + ${n(so.orientdb['ok'] ?? 0)} requests ok; heap **${so.heapGrowthMb >= 0 ? '+' : ''}${so.heapGrowthMb} MB**; sockets left open **${so.socketsAtEnd}**`
        : 'n/a',
      verdict(results, 'soak'),
    ],
    [
      'fuzzed wire frames',
      fr ? `${n(fr.total)} cases, **${fr.crashes} crashes**` : 'n/a',
      verdict(results, 'frameFuzz'),
    ],
    [
      'corrupted OrientDB answers, through the provider',
      ca
        ? `${n(ca.cases)} cases: rows or a typed error every time, longest ${n(ca.longestMs)} ms, provider usable after each`
        : 'n/a',
      verdict(results, 'corruptedAnswers'),
    ],
    [
      `wrong-password flood, ${af?.floodClients ?? 64} clients`,
      af
        ? `\`sessions/authenticate\` p99 ${af.quiet.p99Ms} ms quiet, ${af.flood.p99Ms} ms flooded: **${af.p99Ratio}×**`
        : 'n/a',
      verdict(results, 'authFlood'),
    ],
    [
      'fuzzed HTTP bodies',
      hf ? `${n(hf.cases)} requests, **${hf.serverErrors} 5xx**, ${hf.malformed} malformed, process alive` : 'n/a',
      verdict(results, 'httpFuzz'),
    ],
  ];
  return table(['fault', 'figure', 'invariants'], rows);
}

export function renderReliabilityDoc(results: ReliabilityResults): string {
  const m = results.machine;
  return fill('reliability.md', {
    started: results.generatedAt.slice(0, 16).replace('T', ' '),
    runMinutes: String(Math.floor(results.runSeconds / 60)),
    runSeconds: String(results.runSeconds % 60),
    machine: { ...m, cores: String(m.cores), memoryGib: String(m.memoryGib) },
    loadAverageAtStart: m.loadAverageAtStart.join(' / '),
    loadAverageAtEnd: m.loadAverageAtEnd.join(' / '),
    summary: summary(results),
    sections: {
      stytchKill: killSection(results),
      orientdbRestart: restartSection(results),
      cut: cutSection(results),
      soak: soakSection(results),
      fuzz: fuzzSection(results),
      authFlood: floodSection(results),
    },
  });
}
