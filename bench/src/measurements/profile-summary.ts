// Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and prints where the time went: self time and total (inclusive)
// time per function, as shares of the profile's busy (non-idle) time.
//   node src/measurements/profile-summary.ts <file.cpuprofile> [--top 30] [--filter text]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly selfShare: number;
  readonly totalShare: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file =
    url === ''
      ? ''
      : ` ${url.includes('node_modules') ? url.slice(url.lastIndexOf('node_modules/') + 13) : basename(url)}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${file}`;
}

/** Self and inclusive time per function name, as shares of busy time (idle excluded, GC and program kept apart). */
export function summarizeProfile(profile: CpuProfile): {
  busyMs: number;
  totalMs: number;
  lines: ProfileLine[];
  gcShare: number;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    totalUs += delta;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + delta);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idleUs = 0;
  let gcUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    if (name === '(garbage collector)') gcUs += us;
    const key = frameName(node);
    self.set(key, (self.get(key) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (frame.callFrame.functionName === '(root)') break;
      const name2 = frameName(frame);
      if (seen.has(name2)) continue;
      seen.add(name2);
      total.set(name2, (total.get(name2) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const lines = [...total.keys()].map((name) => ({
    name,
    selfShare: (self.get(name) ?? 0) / busyUs,
    totalShare: (total.get(name) ?? 0) / busyUs,
  }));
  return { busyMs: busyUs / 1000, totalMs: totalUs / 1000, lines, gcShare: gcUs / busyUs };
}

function main(argv: string[]): void {
  const file = argv[0];
  if (!file) {
    console.error('usage: node src/measurements/profile-summary.ts <file.cpuprofile> [--top N] [--filter text]');
    process.exitCode = 2;
    return;
  }
  const top = Number(argv[argv.indexOf('--top') + 1] ?? 30) || 30;
  const filterAt = argv.indexOf('--filter');
  const filter = filterAt >= 0 ? argv[filterAt + 1] : undefined;
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  console.log(
    `${basename(file)}: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms (GC ${pct(summary.gcShare)} of busy)`,
  );
  const lines = summary.lines.filter((line) => !filter || line.name.includes(filter));
  console.log('\nself   total  function (by self time)');
  for (const line of [...lines].sort((a, b) => b.selfShare - a.selfShare).slice(0, top))
    console.log(`${pct(line.selfShare)} ${pct(line.totalShare)}  ${line.name}`);
  console.log('\nself   total  function (by total time)');
  for (const line of [...lines].sort((a, b) => b.totalShare - a.totalShare).slice(0, top))
    console.log(`${pct(line.selfShare)} ${pct(line.totalShare)}  ${line.name}`);
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main(process.argv.slice(2));
