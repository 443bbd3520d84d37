// Figure 5a: fuzzed OrientDB wire frames, records, projections and tokens through the package's own decoder fuzzer.
import { fuzzDecoders } from '@sessiontoken/orientdb/testing';

export interface FrameFuzzFigure {
  readonly runsPerTarget: number;
  readonly total: number;
  /** Per decoder target: cases, decoded, and rejected with the one allowed typed error (PROTOCOL, or INVALID_TOKEN for tokens). */
  readonly targets: {
    readonly target: string;
    readonly runs: number;
    readonly decoded: number;
    readonly rejected: number;
  }[];
  /** Cases that threw anything else, took over 250 ms, or asked to buffer beyond the frame limit (the first one stops the run). */
  readonly crashes: number;
  readonly crash: string | null;
  readonly ms: number;
}

/** Runs the orientdb package's decoder fuzzer with `runsPerTarget` cases for each of its targets. */
export async function wireFrameFuzz(options: { runsPerTarget: number; seed?: number }): Promise<FrameFuzzFigure> {
  const started = performance.now();
  try {
    const targets = fuzzDecoders(options.runsPerTarget, options.seed);
    return {
      runsPerTarget: options.runsPerTarget,
      total: targets.reduce((sum, t) => sum + t.runs, 0),
      targets,
      crashes: 0,
      crash: null,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    // fast-check stops at the first failing case and reports it shrunk.
    return {
      runsPerTarget: options.runsPerTarget,
      total: 0,
      targets: [],
      crashes: 1,
      crash: error instanceof Error ? error.message.split('\n').slice(0, 12).join('\n') : String(error),
      ms: Math.round(performance.now() - started),
    };
  }
}
