// Turns one run's results into bench/results/latest.json, docs/benchmarks.md (from the templates benchmarks.md and
// notes.md), the SVG chart and the console table.
import { readFileSync } from 'node:fs';
import { GOALS, type RatioKey } from './config.ts';
import type { MachineInfo } from '../shared/machine.ts';
import type { MeasurementResult, SideFigures } from './results.ts';
import { round3 } from './stats.ts';
import { fillTemplate, readTemplate } from '../shared/template.ts';

export interface RunReport {
  readonly generatedAt: string;
  readonly mode: 'full' | 'quick' | 'partial';
  readonly wallSeconds: number;
  readonly results: readonly MeasurementResult[];
  readonly failures: readonly { readonly key: string; readonly error: string }[];
  readonly machine: MachineInfo;
  readonly versions: Readonly<Record<string, string>>;
}

const ORDER = Object.keys(GOALS) as RatioKey[];

export function goalText(key: RatioKey): string {
  const goal = GOALS[key];
  return goal === null ? '(reported)' : `${{ '>=': '≥', '<=': '≤', '<': '<' }[goal.op]} ${goal.value}`;
}

/** `true` / `false`, or `null` for a measurement that has no goal. */
export function goalMet(key: RatioKey, ratio: number): boolean | null {
  const goal = GOALS[key];
  if (goal === null) return null;
  if (goal.op === '>=') return ratio >= goal.value;
  return goal.op === '<=' ? ratio <= goal.value : ratio < goal.value;
}

function metText(met: boolean | null): string {
  return met === null ? '–' : met ? 'yes' : 'no';
}

function formatNumber(value: number): string {
  const rounded = round3(value);
  return Math.abs(rounded) >= 1000 ? Math.round(rounded).toLocaleString('en-US') : String(rounded);
}

/** The figure a table cell shows for one side: throughput with its median latency, or the median latency alone. */
function sideCell(result: MeasurementResult, side: SideFigures): string {
  if (result.basis === 'throughput')
    return `${formatNumber(side.throughputPerSecond)}/s (median ${formatNumber(side.medianMs)} ms)`;
  return `${formatNumber(side.medianMs)} ms (p99 ${formatNumber(side.p99Ms)} ms)`;
}

function byKey(report: RunReport): Map<RatioKey, MeasurementResult> {
  return new Map(report.results.map((result) => [result.key, result]));
}

export function toJson(report: RunReport): Record<string, unknown> {
  const results = byKey(report);
  const ratios = Object.fromEntries(
    ORDER.map((key) => [key, results.has(key) ? round3(results.get(key)!.ratio) : null]),
  );
  const side = (s: SideFigures) => ({
    label: s.label,
    median_ms: s.medianMs,
    p99_ms: s.p99Ms,
    throughput_per_second: s.throughputPerSecond,
    operations: s.operations,
  });
  return {
    ...ratios,
    generated_at: report.generatedAt,
    mode: report.mode,
    wall_seconds: Math.round(report.wallSeconds),
    goals: Object.fromEntries(
      ORDER.map((key) => [
        key,
        { goal: goalText(key), met: results.has(key) ? goalMet(key, results.get(key)!.ratio) : null },
      ]),
    ),
    measurements: Object.fromEntries(
      report.results.map((result) => [
        result.key,
        {
          title: result.title,
          ratio: round3(result.ratio),
          ratio_of: result.ratioOf,
          basis: result.basis,
          ours: side(result.ours),
          peer: side(result.peer),
          method: result.method,
          ...(result.extra ? { extra: result.extra } : {}),
        },
      ]),
    ),
    failures: report.failures,
    machine: report.machine,
    versions: report.versions,
  };
}

/** A report back from latest.json, to write the docs again after notes.md changed (`BENCH_REPORT_ONLY=1`). */
export function fromJson(json: Record<string, unknown>): RunReport {
  type Side = { label: string; median_ms: number; p99_ms: number; throughput_per_second: number; operations: number };
  type Stored = {
    title: string;
    ratio: number;
    ratio_of: string;
    basis?: 'throughput' | 'latency';
    ours: Side;
    peer: Side;
    method: string;
    extra?: Record<string, unknown>;
  };
  const side = (s: Side): SideFigures => ({
    label: s.label,
    medianMs: s.median_ms,
    p99Ms: s.p99_ms,
    throughputPerSecond: s.throughput_per_second,
    operations: s.operations,
  });
  const measurements = json['measurements'] as Record<string, Stored>;
  return {
    generatedAt: String(json['generated_at']),
    mode: json['mode'] as RunReport['mode'],
    wallSeconds: Number(json['wall_seconds']),
    results: Object.entries(measurements).map(([key, m]) => ({
      key: key as RatioKey,
      title: m.title,
      ours: side(m.ours),
      peer: side(m.peer),
      ratio: m.ratio,
      ratioOf: m.ratio_of,
      basis:
        m.basis ?? (key === 'reattach_vs_open' || key.startsWith('authenticate_growth') ? 'latency' : 'throughput'),
      method: m.method,
      ...(m.extra ? { extra: m.extra } : {}),
    })),
    failures: (json['failures'] as RunReport['failures'] | undefined) ?? [],
    machine: json['machine'] as MachineInfo,
    versions: json['versions'] as Record<string, string>,
  };
}

/** The ratio table as aligned text, for the end of `pnpm bench`. */
export function consoleTable(report: RunReport): string {
  const results = byKey(report);
  const rows = [['measurement', 'ours', 'peer', 'ratio', 'goal', 'met?']];
  for (const key of ORDER) {
    const result = results.get(key);
    if (!result) {
      const failure = report.failures.find((f) => f.key === key);
      if (failure) rows.push([key, 'FAILED', '', '', goalText(key), '']);
      continue;
    }
    rows.push([
      key,
      sideCell(result, result.ours),
      sideCell(result, result.peer),
      formatNumber(result.ratio),
      goalText(key),
      metText(goalMet(key, result.ratio)),
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/**
 * A horizontal bar per measurement: its ratio on a logarithmic axis (0.01 … 100), a dashed mark at its goal, green
 * when the goal is met, red when not, grey when there is none.
 */
export function chartSvg(report: RunReport): string {
  const results = report.results;
  const left = 290;
  const plotWidth = 400;
  const right = 170;
  const top = 58;
  const rowHeight = 34;
  const width = left + plotWidth + right;
  const height = top + rowHeight * results.length + 46;
  const minLog = -2;
  const maxLog = 2;
  const x = (value: number) =>
    left +
    ((Math.log10(Math.min(10 ** maxLog, Math.max(10 ** minLog, value))) - minLog) / (maxLog - minLog)) * plotWidth;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">sessiontoken: ratio against each peer (log scale), goal marked</text>`,
    `<text x="${left}" y="40" fill="#555">${escapeXml(`${report.generatedAt.slice(0, 10)} · ${report.machine.cores} cores ${report.machine.cpu_model} · Node ${report.machine.node}`)}</text>`,
  );
  for (let exponent = minLog; exponent <= maxLog; exponent++) {
    const gx = x(10 ** exponent);
    parts.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + rowHeight * results.length}" stroke="${exponent === 0 ? '#888' : '#ddd'}" stroke-width="1"/>`,
      `<text x="${gx}" y="${top + rowHeight * results.length + 16}" text-anchor="middle" fill="#555">${10 ** exponent}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${height - 10}" text-anchor="middle" fill="#555">ratio (see the table for what each ratio divides; growth: lower is better)</text>`,
  );
  results.forEach((result, index) => {
    const y = top + index * rowHeight;
    const met = goalMet(result.key, result.ratio);
    const colour = met === null ? '#9e9e9e' : met ? '#2e7d32' : '#c62828';
    const barEnd = x(result.ratio);
    parts.push(
      `<text x="${left - 10}" y="${y + 20}" text-anchor="end">${escapeXml(result.key)}</text>`,
      `<rect x="${left}" y="${y + 8}" width="${Math.max(1, barEnd - left)}" height="16" fill="${colour}" rx="2"/>`,
      `<text x="${left + plotWidth + 8}" y="${y + 20}">${escapeXml(`${formatNumber(result.ratio)} ${GOALS[result.key] === null ? '(no goal)' : `(goal ${goalText(result.key)})`}`)}</text>`,
    );
    const goal = GOALS[result.key];
    if (goal !== null) {
      const gx = x(goal.value);
      parts.push(
        `<line x1="${gx}" y1="${y + 3}" x2="${gx}" y2="${y + 29}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/**
 * Replaces `{{path}}` in the hand-written notes with this run's figures, `path` being a dotted path into
 * latest.json: `{{query_vs_orientjs}}`, `{{measurements.query_vs_orientjs.ours.throughput_per_second}}`, …
 */
function fillNotes(template: string, report: RunReport): string {
  return fillTemplate(template, toJson(report), { format: formatNumber, missing: () => '(not measured)' });
}

/** How one figure was measured: its method, ratio, both sides' figures and its extras. */
function methodSection(key: RatioKey, result: MeasurementResult): string[] {
  const out: string[] = [];
  out.push(
    `### \`${key}\`: ${result.title}`,
    '',
    result.method,
    '',
    `Ratio = ${result.ratioOf} = **${formatNumber(result.ratio)}** (goal ${goalText(key)}).`,
    '',
  );
  out.push('| side | median | p99 | throughput | operations |', '|---|---|---|---|---|');
  for (const side of [result.ours, result.peer]) {
    out.push(
      `| ${side.label} | ${formatNumber(side.medianMs)} ms | ${formatNumber(side.p99Ms)} ms | ${formatNumber(side.throughputPerSecond)}/s | ${side.operations.toLocaleString('en-US')} |`,
    );
  }
  const sizes = (result.extra?.['sizes'] as Record<string, number>[] | undefined) ?? null;
  if (sizes) {
    out.push(
      '',
      '| sessions stored | filled in | authenticate median | authenticate p99 | store lookup median | store lookup p99 |',
      '|---|---|---|---|---|---|',
    );
    for (const size of sizes) {
      out.push(
        `| ${size['sessions']!.toLocaleString('en-US')} | ${formatNumber(size['seed_seconds']!)} s | ${formatNumber(size['authenticate_median_ms']!)} ms | ${formatNumber(size['authenticate_p99_ms']!)} ms | ${formatNumber(size['lookup_median_ms']!)} ms | ${formatNumber(size['lookup_p99_ms']!)} ms |`,
      );
    }
  }
  const others = Object.entries(result.extra ?? {}).filter(([name]) => name !== 'sizes');
  const show = (value: unknown): string =>
    value !== null && typeof value === 'object'
      ? Object.entries(value)
          .map(([name, item]) => `${name} ${typeof item === 'number' ? formatNumber(item) : String(item)}`)
          .join(', ')
      : typeof value === 'number'
        ? formatNumber(value)
        : String(value);
  if (others.length > 0) out.push('', others.map(([name, value]) => `\`${name}\`: ${show(value)}`).join(' · '));
  return out;
}

/** docs/benchmarks.md: the template benchmarks.md filled with this run, the notes in `notesFile` filled in it. */
export function markdown(report: RunReport, notesFile: string): string {
  const results = byKey(report);
  const m = report.machine;
  const ratioRows = ['| measurement | ours | peer | ratio | goal | met? |', '|---|---|---|---|---|---|'];
  for (const key of ORDER) {
    const result = results.get(key);
    if (!result) {
      ratioRows.push(`| \`${key}\` | not measured | | | ${goalText(key)} | |`);
      continue;
    }
    ratioRows.push(
      `| \`${key}\` | ${sideCell(result, result.ours)} | ${sideCell(result, result.peer)} | **${formatNumber(result.ratio)}** | ${goalText(key)} | ${metText(goalMet(key, result.ratio))} |`,
    );
  }
  const methods = ORDER.flatMap((key) => {
    const result = results.get(key);
    return result ? [methodSection(key, result).join('\n')] : [];
  });
  const machineRows = [
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpu_model}, ${m.cores} cores (shared) |`,
    `| memory | ${m.memory_gib} GiB |`,
    `| OS | ${m.os}, ${m.kernel} |`,
    `| load average (1, 5, 15 min) | ${m.load_average_at_start.join(', ')} at the start, ${(m.load_average_at_end ?? []).join(', ')} at the end |`,
    ...Object.entries(report.versions).map(([name, version]) => `| ${name} | ${version} |`),
  ];
  return fillTemplate(
    readTemplate(new URL('.', import.meta.url), 'benchmarks.md'),
    {
      generatedAt: report.generatedAt,
      date: report.generatedAt.slice(0, 10),
      minutes: String(Math.round(report.wallSeconds / 60)),
      machine: {
        cores: String(m.cores),
        cpu_model: m.cpu_model,
        memory_gib: String(m.memory_gib),
        os: m.os,
        node: m.node,
      },
      ratioTable: ratioRows.join('\n'),
      notes: fillNotes(readFileSync(notesFile, 'utf8'), report).trim(),
      methods: methods.join('\n\n'),
      machineTable: machineRows.join('\n'),
    },
    { format: formatNumber },
  );
}
