// Figure 5a: fuzzed OrientDB wire frames, records, projections and tokens through the package's own decoder fuzzer.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ORIENTDB_DECODER_FUZZ, REPO_DIR } from './config.ts';

export interface FrameFuzzFigure {
  readonly runsPerTarget: number;
  readonly total: number;
  /** Per decoder target: cases, decoded, and rejected with the one allowed typed error (PROTOCOL, or INVALID_TOKEN for tokens). */
  readonly targets: { readonly target: string; readonly runs: number; readonly decoded: number; readonly rejected: number }[];
  /** Cases that threw anything else, took over 250 ms, or asked to buffer beyond the frame limit (the first one stops the run). */
  readonly crashes: number;
  readonly crash: string | null;
  readonly ms: number;
}

let hooksRegistered = false;

/**
 * The package's sources import each other as `./x.js` (TypeScript's NodeNext convention) while the files are `x.ts`.
 * Vitest resolves that itself; plain Node (the full run) needs this resolve hook, limited to the workspace's sources.
 */
function resolveWorkspaceTsSources(): void {
  if (hooksRegistered || process.env['VITEST']) return;
  hooksRegistered = true;
  const packagesUrl = pathToFileURL(`${REPO_DIR}/packages/`).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith(packagesUrl) && context.parentURL.endsWith('.ts')) {
          return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
        }
        throw error;
      }
    },
  });
}

interface DecoderFuzzModule {
  fuzzDecoders: (runs: number, seed?: number) => { target: string; runs: number; decoded: number; rejected: number }[];
}

/** Runs the orientdb package's decoder fuzzer with `runsPerTarget` cases for each of its targets. */
export async function wireFrameFuzz(options: { runsPerTarget: number; seed?: number }): Promise<FrameFuzzFigure> {
  resolveWorkspaceTsSources();
  const { fuzzDecoders } = (await import(pathToFileURL(ORIENTDB_DECODER_FUZZ).href)) as DecoderFuzzModule;
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
