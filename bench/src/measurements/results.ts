// The shape of what each measurement reports, shared by the runner, latest.json and the docs.
import type { RatioKey } from './config.ts';
import { round3, summarize } from './stats.ts';

/** One side of a comparison: latency order statistics in milliseconds, and operations per second. */
export interface SideFigures {
  readonly label: string;
  readonly medianMs: number;
  readonly p99Ms: number;
  /** Completed operations (requests, queries, verifications) per second over the measured rounds. */
  readonly throughputPerSecond: number;
  /** How many operations the figures rest on. */
  readonly operations: number;
}

export interface MeasurementResult {
  readonly key: RatioKey;
  readonly title: string;
  readonly ours: SideFigures;
  readonly peer: SideFigures;
  /** As `ratioOf` says: larger is better except for growth, where smaller is. */
  readonly ratio: number;
  readonly ratioOf: string;
  /** What the side figures in the table show: operations per second, or time per operation. */
  readonly basis: 'throughput' | 'latency';
  /** How it was measured, one paragraph for docs/benchmarks.md. */
  readonly method: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Side figures from raw latencies (ms) measured back to back over `elapsedMs`. */
export function sideFromLatencies(label: string, latenciesMs: readonly number[], elapsedMs: number): SideFigures {
  const summary = summarize(latenciesMs);
  return {
    label,
    medianMs: round3(summary.median),
    p99Ms: round3(summary.p99),
    throughputPerSecond: round3((latenciesMs.length * 1000) / elapsedMs),
    operations: latenciesMs.length,
  };
}
