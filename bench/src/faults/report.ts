// docs/reliability.md, written from the figures of one full run.
import type { CorruptedAnswersFigure } from './corrupted-answers.ts';
import type { CutFigure, CutScenarioFigure } from './mid-response-cut.ts';
import type { FrameFuzzFigure } from './frame-fuzz.ts';
import type { HttpFuzzFigure } from './http-fuzz.ts';
import type { SoakBounds } from './invariants.ts';
import type { FaultsMachine } from '../shared/machine.ts';
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
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => (typeof c === 'number' ? n(c) : c)).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function notes(list: readonly string[] | undefined): string {
  return list && list.length > 0 ? `\nNotes from the run:\n\n${list.map((note) => `- ${note}`).join('\n')}\n` : '';
}

function killSection(results: ReliabilityResults): string {
  const figures = ['stytchKillSqlite', 'stytchKillPostgres'].map((name) => results.figures[name] as StytchKillFigure | null);
  const rows = figures.filter((f): f is StytchKillFigure => f !== null).map((f) => [
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
  return `## 1. The Stytch-like server killed with SIGKILL under load

Each of the clients is a \`StytchLikeSessionProvider\` that loops: log in (\`open()\`, a new session), then extend that
session (\`authenticate({ durationMinutes })\`). A session counts as acknowledged when \`open()\` resolved, that is when the
HTTP 200 arrived; an extension when its 200 arrived. After the load period the server process (\`dist/cli.js serve\`,
the published bin) gets SIGKILL while requests are in flight. A new process starts on the same store, and every
acknowledged session is reattached by a fresh provider with its token and its JWT: the token is checked by the server,
the JWT against the new process's JWKS (the signing keys live in the store). Its expiry must be no earlier than the
last one acknowledged.

${table(['store', 'load', 'sessions acknowledged', 'authenticate after restart', 'lost', 'extensions acknowledged', 'extensions lost', 'in flight at SIGKILL', 'SIGKILL → listening again'], rows)}

Invariants (no acknowledged session or extension lost; requests cut by the kill fail \`UNAVAILABLE\`, never raw):
${verdict(results, 'stytchKillSqlite', 'stytchKillPostgres')}.
Few logins per second: each is a full scrypt (N = 2^15), by design, on a shared two-core machine. The short test
also runs a control with the \`memory:\` store: there the figure must report every acknowledged session lost, which
proves it can fail.
${notes(figures.flatMap((f) => f?.notes ?? []))}`;
}

function restartSection(results: ReliabilityResults): string {
  const f = results.figures['orientdbRestart'] as OrientDBRestartFigure | null;
  if (!f) return `## 2. OrientDB frozen, then restarted, under load\n\nThe figure could not be produced: ${verdict(results, 'orientdbRestart')}\n`;
  const phases: [keyof OrientDBRestartFigure['outcomes'], string][] = [
    ['before', 'before the faults'],
    ['frozen', `JVM stopped (SIGSTOP) for ${f.freezeMs / 1000} s`],
    ['thawed', 'after SIGCONT'],
    ['restarting', `restart (stop ${n(f.restart.stopMs)} ms + start ${n(f.restart.startMs)} ms)`],
    ['after', 'after the restart'],
  ];
  return `## 2. OrientDB frozen, then restarted, under load

${f.clients} clients against a real OrientDB ${results.machine.orientdb} server, \`timeoutMs\` ${n(f.timeoutMs)}: half of them make
a new \`OrientDBSessionProvider\` each round, reattach with a token (\`setSessionToken(token)\`), run \`SELECT 1\` and close
it; the other half keep one provider opened with credentials and query in a loop. Under that load the server's JVM is
first stopped with SIGSTOP (sockets still connect, nothing answers: only the timeouts can end a call), resumed, then
restarted (SIGTERM, then a new server on the same data, ports and token key). A call is counted in the phase it
started in, so a call in flight when a fault struck counts in the phase before it.

${table(['phase', 'calls (reattach or query)'], phases.map(([key, label]) => [label, counts(f.outcomes[key])]))}

- Longest call that failed: **${n(f.longestFailureMs)} ms** for a \`timeoutMs\` of ${n(f.timeoutMs)} ms (longest that succeeded:
  ${n(f.longestOkMs)} ms). The documented bound of one call is connecting plus one answer, each within \`timeoutMs\`:
  ${n(f.boundMs)} ms. Calls over it (hangs): **${f.hangs}**.
- Clients that succeeded again after the freeze: ${f.recoveredAfterFreeze} of ${f.clients}; after the restart: ${f.recovered} of
  ${f.clients}, the last ${n(f.recoveryMs)} ms after the server was back. \`close()\`: ${counts(f.closeOutcomes)}.

Invariants (every call \`ok\` or \`UNAVAILABLE\`, none over the bound, every client back): ${verdict(results, 'orientdbRestart')}.
${notes(f.notes)}`;
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
  const stytch = results.figures['stytchCut'] as (CutFigure & { loginsCut: number; sessionsFromCutLogins: number }) | null;
  const header = ['response cut', 'cases', 'cut', 'the call', 'longest call', 'same provider afterwards', 'new provider afterwards'];
  return `## 3. A connection closed in the middle of a response

A loopback TCP proxy (\`bench/src/faults/fault-proxy.ts\`) sits in front of the real server and forwards byte for byte,
except in the response it is told to cut: there it forwards a random number of bytes (from 1 to a little under the
response's length, measured through the proxy first), then closes the client's socket, alternately with a FIN and a
reset.
After each cut the same provider makes its next call, and a new provider reattaches, both through the proxy.

OrientDB (real server; the query returns 200 rows of ~300 bytes, so its answer spans many TCP segments; \`timeoutMs\` ${n(orient?.timeoutMs ?? 0)}):

${orient ? table(header, cutRows(orient)) : 'The figure could not be produced.'}

Stytch-like HTTP API (in-process server, \`timeoutMs\` ${n(stytch?.timeoutMs ?? 0)}):

${stytch ? table(header, cutRows(stytch)) : 'The figure could not be produced.'}

${stytch ? `Password logins whose answer was cut: ${stytch.loginsCut}; sessions they started on the server: ${stytch.sessionsFromCutLogins} (each login handled once).` : ''}

Invariants (every cut call \`UNAVAILABLE\` well before the timeout, the provider and a new one work afterwards, no login
sent twice): ${verdict(results, 'orientdbCut', 'stytchCut')}.
${notes([...(orient?.notes ?? []), ...(stytch?.notes ?? [])])}`;
}

function soakSection(results: ReliabilityResults): string {
  const f = results.figures['soak'] as SoakFigure | null;
  if (!f) return `## 4. Soak\n\nThe figure could not be produced: ${verdict(results, 'soak')}\n`;
  const b = results.settings.soakBounds;
  const requests = (f.stytch['ok'] ?? 0) + (f.orientdb['ok'] ?? 0);
  const every = Math.max(1, Math.round(f.samples.length / 12));
  const sampled = f.samples.filter((_, index) => index % every === 0 || index === f.samples.length - 1);
  return `## 4. A ${Math.round(f.durationMs / 1000)}-second soak at a fixed rate

One process holds a Stytch-like server (Fastify over a SQLite file, the production scrypt cost) and its clients, and
OrientDB clients of a real server. Requests are issued open-loop at fixed rates: ${n(f.stytchRate)} Stytch-like requests per
second (nine in ten \`authenticate()\` on eight long-lived providers, one in ten a new provider that reattaches with token
and JWT, then closes) and ${n(f.orientdbRate)} OrientDB rounds per second (new provider, reattach, \`SELECT 1\`, close). At most 64
requests may be in flight; a request due beyond that would be counted as skipped. Memory is compared after a full GC
before the soak (after a 2-second warm-up) and after it; open handles are \`process.getActiveResourcesInfo()\`.

${table(
  ['', 'Stytch-like', 'OrientDB'],
  [
    ['requests', counts(f.stytch), counts(f.orientdb)],
    ['achieved rate', `${f.stytchPerSecond}/s`, `${f.orientdbPerSecond}/s`],
  ],
)}

${table(
  ['', 'before', 'after', 'growth', 'largest sampled'],
  [
    ['heap used (after GC)', `${f.before.heapUsedMb} MB`, `${f.after.heapUsedMb} MB`, `**${f.heapGrowthMb} MB**`, `${f.maxHeapUsedMb} MB`],
    ['RSS', `${f.before.rssMb} MB`, `${f.after.rssMb} MB`, `${f.rssGrowthMb} MB`, `${f.maxRssMb} MB`],
    ['heap reserved by V8 (heap total)', `${f.before.heapTotalMb} MB`, `${f.after.heapTotalMb} MB`, `${Math.round((f.after.heapTotalMb - f.before.heapTotalMb) * 10) / 10} MB`, `${Math.max(...f.samples.map((s) => s.heapTotalMb))} MB`],
    [
      'RSS outside the JS heap (RSS − heap total)',
      `${Math.round((f.before.rssMb - f.before.heapTotalMb) * 10) / 10} MB`,
      `${Math.round((f.after.rssMb - f.after.heapTotalMb) * 10) / 10} MB`,
      `**${f.nativeGrowthMb} MB**`,
      '',
    ],
  ],
)}

Open handles: ${counts(f.before.resources)} before the soak, ${counts(f.after.resources)} after it (the eight long-lived providers
and the server still open), at most ${f.maxSockets} sockets at once during it. Sockets and servers open when the figure
started: ${f.socketsAtStart}; after it closed everything: **${f.socketsAtEnd}** (${counts(f.resourcesAtEnd)}).

Samples (one in ${every} of those taken, no GC forced):

${table(['at', 'RSS', 'heap total', 'heap used', 'open handles'], sampled.map((s) => [`${(s.atMs / 1000).toFixed(0)} s`, `${s.rssMb} MB`, `${s.heapTotalMb} MB`, `${s.heapUsedMb} MB`, counts(s.resources)]))}

Two numbers decide whether something leaks. One is the heap after a full GC: ${f.heapGrowthMb} MB over ${n(requests)} requests,
${((f.heapGrowthMb * 1024 * 1024) / Math.max(1, requests)).toFixed(0)} bytes per request. The other is RSS outside the JS heap (sockets, SQLite, buffers):
${f.nativeGrowthMb} MB. RSS itself moves in steps: V8 reserves more heap for a burst of garbage (the heap total column)
and keeps the pages after collecting it.

Invariants (every request ok, ≥ ${Math.round(b.minRateShare * 100)} % of the target rate, heap growth ≤ ${b.heapGrowthMb} MB, growth outside
the heap ≤ ${b.nativeGrowthMb} MB, RSS growth ≤ ${b.rssGrowthMb} MB, ≤ ${b.sockets} sockets at once, nothing left open): ${verdict(results, 'soak')}.
${notes(f.notes)}`;
}

function fuzzSection(results: ReliabilityResults): string {
  const frames = results.figures['frameFuzz'] as FrameFuzzFigure | null;
  const http = results.figures['httpFuzz'] as HttpFuzzFigure | null;
  const frameRows = (frames?.targets ?? []).map((t) => [t.target, t.runs, t.decoded, t.rejected]);
  const outcomeRows = Object.entries(http?.outcomes ?? {})
    .sort(([, a], [, b]) => b - a)
    .map(([outcome, count]) => [outcome, count]);
  return `## 5. Fuzzing: wire frames and HTTP bodies

### OrientDB wire frames

The orientdb package's own decoder fuzzer (\`packages/orientdb/src/testing/decoder-fuzz.ts\`, the package's \`@sessiontoken/orientdb/testing\` entry, fast-check), at
${n(frames?.runsPerTarget ?? 0)} cases per target: random bytes and mutated real frames (flipped bits, overwritten bytes, cuts,
inserted runs), whole and fed in random chunks the way a socket delivers them, with a 64 KiB frame limit so that
"a length beyond the limit" is reachable. A case passes when it decodes or is rejected with the one typed error
(\`PROTOCOL\`; \`INVALID_TOKEN\` for tokens) within 250 ms and without asking to buffer beyond the limit.

${table(['target', 'cases', 'decoded', 'rejected (typed)'], frameRows)}

Total ${n(frames?.total ?? 0)} cases in ${n(Math.round((frames?.ms ?? 0) / 1000))} s; crashes: **${frames?.crashes ?? 'n/a'}**${frames?.crash ? ` (${frames.crash})` : ''}.

${corruptedSection(results)}
### Stytch-like HTTP bodies

${n(http?.cases ?? 0)} requests from fast-check (seed ${http?.seed ?? 'n/a'}) to the server process (\`dist/cli.js serve\`, SQLite store) over
${http?.concurrency ?? 0} kept-alive connections (${n(http?.requestsPerSecond ?? 0)} requests per second): valid bodies of a real session
mutated (fields dropped, wrong types, random JSON values, strings past every length limit, edge durations, unknown and
\`__proto__\` fields, characters flipped, tokens truncated), damaged JSON text, random JSON, random bytes, JSON nested
2 000 to 12 000 levels deep, bodies over the 64 KiB limit, wrong content types, wrong or no authentication, fuzzed
query strings and JWKS paths, wrong methods and paths. Password endpoints get few cases: a schema-valid login costs
a full scrypt, as it must.

${table(['what was sent', 'cases'], Object.entries(http?.kinds ?? {}).map(([kind, count]) => [kind, count]))}

${table(['answer (status, error_type)', 'count'], outcomeRows)}

5xx answers: **${http?.serverErrors ?? 'n/a'}**; answers that were not Stytch-shaped JSON: **${http?.malformed ?? 'n/a'}**; requests without an
answer: **${http?.networkFailures ?? 'n/a'}**; health checks answered 200: ${http?.healthy ?? 0} of ${http?.healthChecks ?? 0}; the process alive at
the end: ${http?.processAlive ? 'yes' : 'no'}; a session untouched by the fuzzing still authenticates: ${http?.canaryAuthenticates ? 'yes' : 'no'}.

Invariants (no crash, every outcome typed, no 5xx, the server healthy throughout, the provider usable after every
corrupted answer): ${verdict(results, 'frameFuzz', 'corruptedAnswers', 'httpFuzz')}.
${notes(http?.examples)}`;
}

function corruptedSection(results: ReliabilityResults): string {
  const f = results.figures['corruptedAnswers'] as CorruptedAnswersFigure | null;
  if (!f) return `### Real OrientDB answers, corrupted, through the provider\n\nThe figure could not be produced: ${verdict(results, 'corruptedAnswers')}\n`;
  const keys = ['ok, same rows', 'ok, other rows', 'PROTOCOL', 'UNAVAILABLE', 'BACKEND', 'INVALID_TOKEN', 'EXPIRED'];
  const present = keys.filter((key) => Object.values(f.outcomes).some((o) => (o[key] ?? 0) > 0));
  const others = [...new Set(Object.values(f.outcomes).flatMap((o) => Object.keys(o)))].filter((key) => !keys.includes(key));
  const columns = [...present, ...others];
  return `### Real OrientDB answers, corrupted, through the provider

The decoder fuzzer above feeds the decoders directly. Here the whole client path is under test: socket, frame
reader, decoders, error mapping, provider. The fault proxy corrupts real answers of the OrientDB server (1 to 3
bytes flipped or overwritten, fast-check seed ${f.seed}), forwards them, and closes the connection. It does so for the
greeting, the reattach answer, an answer of records (\`SELECT FROM OUser\`) and an answer of a projection of every value
type. ${n(f.cases)} cases, ${n(f.corrupted)} answers corrupted, \`timeoutMs\` ${n(f.timeoutMs)}. A corrupted greeting can never end
\`ok\`: the close comes before the request.

${table(['answer corrupted', ...columns], Object.entries(f.outcomes).map(([target, outcomes]) => [target, ...columns.map((key) => outcomes[key] ?? 0)]))}

Longest call: ${n(f.longestMs)} ms. The same provider's next call: ${counts(f.sameProviderAfter)}.

"ok, other rows" means the damaged bytes still decoded, to different values. OrientDB's binary protocol has no
checksum, and on a real network TCP's checksum catches such damage. "ok after one UNAVAILABLE": the proxy closed the
connection right after an answer that decoded. The provider's next call went out on that socket before the close was
seen, failed \`UNAVAILABLE\`, and the call after it reconnected.
${notes(f.notes)}`;
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
  const cutCases = (f: CutFigure | null) => f?.scenarios.reduce((sum, s) => sum + s.cases, 0) ?? 0;
  const cutUnavailable = (f: CutFigure | null) => f?.scenarios.reduce((sum, s) => sum + (s.outcomes['UNAVAILABLE'] ?? 0), 0) ?? 0;
  const rows = [
    ['SIGKILL under load, SQLite', sq ? `${n(sq.acknowledged)} sessions acknowledged, ${n(sq.authenticated)} authenticate after restart, **${sq.lost} lost**` : 'n/a', verdict(results, 'stytchKillSqlite')],
    ['SIGKILL under load, PostgreSQL', pgk ? `${n(pgk.acknowledged)} acknowledged, ${n(pgk.authenticated)} authenticate, **${pgk.lost} lost**` : 'n/a', verdict(results, 'stytchKillPostgres')],
    [
      'OrientDB frozen + restarted under load',
      rs ? `longest failed call ${n(rs.longestFailureMs)} ms for timeoutMs ${n(rs.timeoutMs)}; **${rs.hangs} hangs**; ${rs.recovered}/${rs.clients} clients back` : 'n/a',
      verdict(results, 'orientdbRestart'),
    ],
    ['socket closed mid-response, OrientDB', oc ? `${cutUnavailable(oc)}/${cutCases(oc)} UNAVAILABLE, provider usable after every one` : 'n/a', verdict(results, 'orientdbCut')],
    ['socket closed mid-response, Stytch-like', sc ? `${cutUnavailable(sc)}/${cutCases(sc)} UNAVAILABLE, provider usable after every one` : 'n/a', verdict(results, 'stytchCut')],
    [
      `${Math.round((so?.durationMs ?? 0) / 1000)} s soak`,
      so ? `${n(so.stytch['ok'] ?? 0)} + ${n(so.orientdb['ok'] ?? 0)} requests ok; heap **${so.heapGrowthMb >= 0 ? '+' : ''}${so.heapGrowthMb} MB**; sockets left open **${so.socketsAtEnd}**` : 'n/a',
      verdict(results, 'soak'),
    ],
    ['fuzzed wire frames', fr ? `${n(fr.total)} cases, **${fr.crashes} crashes**` : 'n/a', verdict(results, 'frameFuzz')],
    [
      'corrupted OrientDB answers, through the provider',
      ca ? `${n(ca.cases)} cases: rows or a typed error every time, longest ${n(ca.longestMs)} ms, provider usable after each` : 'n/a',
      verdict(results, 'corruptedAnswers'),
    ],
    ['fuzzed HTTP bodies', hf ? `${n(hf.cases)} requests, **${hf.serverErrors} 5xx**, ${hf.malformed} malformed, process alive` : 'n/a', verdict(results, 'httpFuzz')],
  ];
  return table(['fault', 'figure', 'invariants'], rows);
}

export function renderReliabilityDoc(results: ReliabilityResults): string {
  const m = results.machine;
  return `# Reliability: the faults sessiontoken survives, in figures

<!-- Generated by \`pnpm reliability\` (bench/src/faults/run.ts) from one run; edit the generator, not this file. -->

These are the figures of one \`pnpm reliability\` run, started ${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC. It took
${Math.floor(results.runSeconds / 60)} min ${results.runSeconds % 60} s. Every figure counts outcomes against real components: the
Stytch-like server process, a real OrientDB server, PostgreSQL, SQLite. A short version of each (a few seconds of load,
about two thousand fuzz cases, a five-second soak) runs in \`pnpm test\` (\`bench/test/\`). It calls the same functions and
asserts the same invariants (\`bench/src/faults/invariants.ts\`). The raw figures are in \`bench/results/reliability.json\`.

| machine | |
|---|---|
| CPU | ${m.cpu}, ${m.cores} cores (shared with other work; load average ${m.loadAverageAtStart.join(' / ')} at start, ${m.loadAverageAtEnd.join(' / ')} at end) |
| memory | ${m.memoryGib} GiB |
| OS | ${m.os} (${m.kernel}) |
| Node.js | ${m.node} |
| OrientDB | ${m.orientdb} community (JVM heap 512 MB, as the harness starts it) |
| PostgreSQL | ${m.postgres} (127.0.0.1) |
| SQLite | ${m.sqlite} (\`node:sqlite\`) |
| sessiontoken | ${m.commit} |

## Summary

${summary(results)}

${killSection(results)}
${restartSection(results)}
${cutSection(results)}
${soakSection(results)}
${fuzzSection(results)}
## Bugs these figures found

- **The Stytch-like HTTP client sent a request twice once its answer had begun to arrive** (fixed in
  \`packages/stytch-like/src/provider/http-client.ts\`). It retried a request once when a kept-alive socket failed with
  ECONNRESET, on the assumption that the server had closed the idle socket before reading the request. When the
  connection closed partway through the answer, the server had read it: a login cut that way was sent again and
  started a second session nobody held. Before the fix, the mid-response figure counted 16 sessions from 10 cut
  logins. The client
  now retries only when no byte of the answer arrived (the socket's \`bytesRead\` did not move). Regression tests:
  \`packages/stytch-like/test/provider/http-provider.test.ts\` ("does not send a login again when a kept-alive socket
  closes … in the middle of its answer", and "sends a request again, once, when a kept-alive socket closes before any
  byte of its answer").

## What these figures do not show

- A power cut. SIGKILL ends the process, not the machine. The SQLite figure shows that an acknowledged session has
  reached the OS (WAL with \`synchronous = FULL\` syncs before the answer), not that the disk keeps it through a
  power cut.
- A reset before any byte of the answer on a kept-alive socket is still retried once (Node's usual rule). If the
  server had handled the request and died before answering, a login can still start a session nobody holds. No
  figure here can tell that case from an idle close.
- The soak measures one process holding both client and server. The OrientDB server's own memory is the JVM's.
- A server that closes a connection right after an answer makes the OrientDB provider's next call on it fail
  \`UNAVAILABLE\` once (the corrupted-answer figure shows it). The HTTP client retries that case. The OrientDB client
  does not, because a retried \`command()\` could run twice.
`;
}
