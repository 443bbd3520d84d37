// Order statistics of timing samples, and the alternation that makes drift hit both sides of a comparison.

/** Median, p99 and friends of a set of samples (any unit). */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Milliseconds since an arbitrary origin, with sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs `rounds` rounds of every side, alternating which side goes first (ABBA…), so that slow drift of the machine
 * (another process, thermal, GC of an earlier phase) falls on both sides alike.
 */
export async function alternate<K extends string>(
  rounds: number,
  sides: Record<K, (round: number) => Promise<void>>,
): Promise<void> {
  const names = Object.keys(sides) as K[];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) await sides[name](round);
  }
}

/** Calls `operation` back to back for about `durationMs` and returns how many completed per second and each one's latency. */
export async function runFor(
  durationMs: number,
  operation: () => Promise<unknown>,
): Promise<{ perSecond: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  const start = nowMs();
  const end = start + durationMs;
  let t = start;
  while (t < end) {
    await operation();
    const next = nowMs();
    latenciesMs.push(next - t);
    t = next;
  }
  return { perSecond: (latenciesMs.length * 1000) / (t - start), latenciesMs };
}

/** Rounds to three significant digits for tables and JSON. */
export function round3(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}
