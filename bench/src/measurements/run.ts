// `pnpm bench`: runs every measurement (each against its peer, in alternating rounds), then writes
// bench/results/latest.json, docs/benchmarks.md and docs/images/benchmarks.svg, and prints the ratio table.
// BENCH_QUICK=1 and BENCH_ONLY=… are for development: they print the table and write bench/results/dev/ only.
// BENCH_REPORT_ONLY=1 writes the docs again from latest.json (after notes.md changed), measuring nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { measureAuthenticateVsBetterAuth, measureAuthenticateVsFloor } from './authenticate.ts';
import { CHART_FILE, DOCS_FILE, ONLY, QUICK, RESULTS_DIR, type RatioKey } from './config.ts';
import { measureAuthenticateGrowth } from './growth.ts';
import { measureJwtVerifyVsSdk } from './jwt-verify.ts';
import { measureJwtVerifyFastJwtVsRawCrypto, measureJwtVerifyVsRawCrypto } from './jwt-raw.ts';
import { databaseVersions, machineInfo, versions } from '../shared/machine.ts';
import { measureClientCpuVsBareSocket } from './orientdb-cpu.ts';
import {
  measurePooledQueryVsOrientjsPool,
  measurePooledReattachVsOpen,
  measurePooledReattachWithoutPasswordCache,
  measureQueryVsOrientjs,
  measureReattachVsOpen,
  measureReattachVsOpenWithoutPasswordCache,
  startBenchServer,
} from './orientdb.ts';
import { measureShopCart } from './shop-cart.ts';
import { measureAuthenticateWorkersAutoVsOne } from './workers.ts';
import { chartSvg, consoleTable, fromJson, markdown, toJson, type RunReport } from './report.ts';
import type { MeasurementResult } from './results.ts';
import { nowMs } from './stats.ts';
import { Teardown } from '../shared/cleanup.ts';

/** The whole run must end by itself: past this, whatever runs is torn down and the run fails. */
const WATCHDOG_MS = 20 * 60_000;

interface Group {
  readonly keys: readonly RatioKey[];
  readonly run: (teardown: Teardown, wanted: (key: RatioKey) => boolean) => Promise<MeasurementResult[]>;
}

const GROUPS: readonly Group[] = [
  {
    keys: [
      'reattach_vs_open',
      'orientdb_reattach_pooled_vs_open',
      'orientdb_reattach_stateless_vs_open',
      'query_vs_orientjs',
      'pooled_query_vs_orientjs_pool',
      'shop_cart_orientdb_pooled_vs_socket_per_request',
      'orientdb_client_cpu_vs_bare_socket',
    ],
    run: async (teardown, wanted) => {
      const bench = await startBenchServer(teardown);
      const out: MeasurementResult[] = [];
      if (wanted('reattach_vs_open')) out.push(await measureReattachVsOpen(bench, teardown));
      if (wanted('orientdb_reattach_pooled_vs_open') || wanted('orientdb_reattach_stateless_vs_open')) {
        out.push(...(await measurePooledReattachVsOpen(bench, teardown)).filter((result) => wanted(result.key)));
      }
      if (wanted('query_vs_orientjs')) out.push(await measureQueryVsOrientjs(bench, teardown));
      if (wanted('pooled_query_vs_orientjs_pool')) out.push(await measurePooledQueryVsOrientjsPool(bench, teardown));
      if (wanted('shop_cart_orientdb_pooled_vs_socket_per_request')) out.push(await measureShopCart(bench, teardown));
      if (wanted('orientdb_client_cpu_vs_bare_socket')) out.push(await measureClientCpuVsBareSocket(bench, teardown));
      orientdbVersion = bench.version;
      return out;
    },
  },
  {
    // The same comparisons on a server that re-checks every password: stops its server before anything else runs.
    keys: ['reattach_vs_open', 'orientdb_reattach_pooled_vs_open', 'orientdb_reattach_stateless_vs_open'],
    run: async (teardown, wanted) => {
      const bench = await startBenchServer(teardown, { passwordCache: false });
      if (wanted('reattach_vs_open'))
        withoutPasswordCache['reattach_vs_open'] = await measureReattachVsOpenWithoutPasswordCache(bench, teardown);
      if (wanted('orientdb_reattach_pooled_vs_open') || wanted('orientdb_reattach_stateless_vs_open')) {
        Object.assign(withoutPasswordCache, await measurePooledReattachWithoutPasswordCache(bench, teardown));
      }
      return [];
    },
  },
  { keys: ['jwt_verify_vs_sdk'], run: async (teardown) => [await measureJwtVerifyVsSdk(teardown)] },
  {
    keys: ['jwt_verify_vs_raw_crypto'],
    run: async (teardown) => [await measureJwtVerifyVsRawCrypto(teardown, 'RS256')],
  },
  {
    keys: ['jwt_verify_vs_raw_crypto_es256'],
    run: async (teardown) => [await measureJwtVerifyVsRawCrypto(teardown, 'ES256')],
  },
  {
    keys: ['jwt_verify_fast_jwt_vs_raw_crypto'],
    run: async (teardown) => [await measureJwtVerifyFastJwtVsRawCrypto(teardown, 'RS256')],
  },
  {
    keys: ['jwt_verify_fast_jwt_vs_raw_crypto_es256'],
    run: async (teardown) => [await measureJwtVerifyFastJwtVsRawCrypto(teardown, 'ES256')],
  },
  {
    keys: ['authenticate_vs_floor_sqlite'],
    run: async (teardown) => [await measureAuthenticateVsFloor('sqlite', teardown)],
  },
  {
    keys: ['authenticate_vs_floor_redis'],
    run: async (teardown) => [await measureAuthenticateVsFloor('redis', teardown)],
  },
  {
    keys: ['authenticate_vs_floor_postgres'],
    run: async (teardown) => [await measureAuthenticateVsFloor('postgres', teardown)],
  },
  ...(['sqlite', 'redis', 'postgres'] as const).map((kind) => ({
    keys: [`authenticate_vs_floor_${kind}_es256` as RatioKey],
    run: async (teardown: Teardown) => [await measureAuthenticateVsFloor(kind, teardown, 'ES256')],
  })),
  {
    keys: ['authenticate_vs_floor_sqlite_es256_reuse'],
    run: async (teardown) => [await measureAuthenticateVsFloor('sqlite', teardown, 'ES256', true)],
  },
  {
    keys: ['authenticate_workers_auto_vs_one'],
    run: async (teardown) => [await measureAuthenticateWorkersAutoVsOne(teardown)],
  },
  {
    keys: ['authenticate_vs_better_auth'],
    run: async (teardown) => [await measureAuthenticateVsBetterAuth(teardown, 'RS256')],
  },
  {
    keys: ['authenticate_vs_better_auth_es256'],
    run: async (teardown) => [await measureAuthenticateVsBetterAuth(teardown, 'ES256')],
  },
  {
    keys: ['authenticate_growth_sqlite'],
    run: async (teardown) => [await measureAuthenticateGrowth('sqlite', teardown)],
  },
  {
    keys: ['authenticate_growth_redis'],
    run: async (teardown) => [await measureAuthenticateGrowth('redis', teardown)],
  },
  {
    keys: ['authenticate_growth_redis_cluster'],
    run: async (teardown) => [await measureAuthenticateGrowth('redis-cluster', teardown)],
  },
];

let orientdbVersion: string | null = null;
/** Per key: the figures against an open that misses the server's password cache. */
const withoutPasswordCache: Record<string, Record<string, unknown>> = {};
let active: Teardown | null = null;

function wanted(key: RatioKey): boolean {
  return ONLY.length === 0 || ONLY.some((word) => key.includes(word));
}

/** On a signal or the watchdog: close what the running group opened, then leave. */
function abort(reason: string, exitCode: number): void {
  console.error(`\nbench: ${reason}; closing everything it started`);
  const closing = active?.closeAll() ?? Promise.resolve([]);
  void closing.finally(() => process.exit(exitCode));
  setTimeout(() => process.exit(exitCode), 60_000).unref();
}

/** Writes docs/benchmarks.md and the chart again from bench/results/latest.json, without measuring anything. */
function reportOnly(): number {
  const report = fromJson(
    JSON.parse(readFileSync(join(RESULTS_DIR, 'latest.json'), 'utf8')) as Record<string, unknown>,
  );
  writeFileSync(CHART_FILE, chartSvg(report));
  writeFileSync(DOCS_FILE, markdown(report, join(import.meta.dirname, 'notes.md')));
  console.error('bench: wrote docs/benchmarks.md and docs/images/benchmarks.svg from bench/results/latest.json');
  console.log(`\n${consoleTable(report)}`);
  return 0;
}

async function main(): Promise<number> {
  if (process.env['BENCH_REPORT_ONLY'] === '1') return reportOnly();
  const started = nowMs();
  const machine = machineInfo();
  const [load1] = machine.load_average_at_start;
  console.error(
    `bench: ${machine.cores} cores ${machine.cpu_model}, Node ${machine.node}, load average ${machine.load_average_at_start.join(' ')}${QUICK ? ' (quick)' : ''}`,
  );
  if ((load1 ?? 0) > 0.7) console.error('bench: warning: the machine is busy; figures will be noisier than usual');
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const watchdog = setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} minutes`, 1), WATCHDOG_MS);
  watchdog.unref();

  const results: MeasurementResult[] = [];
  const failures: { key: string; error: string }[] = [];
  for (const group of GROUPS) {
    const keys = group.keys.filter(wanted);
    if (keys.length === 0) continue;
    const t0 = nowMs();
    console.error(`bench: ${keys.join(', ')} …`);
    const teardown = new Teardown();
    active = teardown;
    try {
      results.push(...(await group.run(teardown, wanted)));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`bench: ${keys.join(', ')} failed: ${message}`);
      for (const key of keys) failures.push({ key, error: message.split('\n')[0]! });
    } finally {
      for (const failure of await teardown.closeAll()) console.error(`bench: cleanup failed: ${failure}`);
      active = null;
    }
    console.error(`bench: … ${((nowMs() - t0) / 1000).toFixed(0)} s`);
  }
  clearTimeout(watchdog);

  for (const [key, figures] of Object.entries(withoutPasswordCache)) {
    const index = results.findIndex((result) => result.key === key);
    if (index >= 0)
      results[index] = { ...results[index]!, extra: { ...results[index]!.extra, without_password_cache: figures } };
  }
  machine.load_average_at_end = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const report: RunReport = {
    generatedAt: new Date().toISOString(),
    mode: QUICK ? 'quick' : ONLY.length > 0 ? 'partial' : 'full',
    wallSeconds: (nowMs() - started) / 1000,
    results,
    failures,
    machine,
    versions: { ...versions(orientdbVersion), ...(await databaseVersions()) },
  };

  mkdirSync(RESULTS_DIR, { recursive: true });
  if (report.mode === 'full') {
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(toJson(report), null, 2)}\n`);
    mkdirSync(join(CHART_FILE, '..'), { recursive: true });
    writeFileSync(CHART_FILE, chartSvg(report));
    writeFileSync(DOCS_FILE, markdown(report, join(import.meta.dirname, 'notes.md')));
    console.error(`bench: wrote bench/results/latest.json, docs/benchmarks.md, docs/images/benchmarks.svg`);
  } else {
    // A preview of what a full run would write, kept out of the docs (bench/results/dev/ is ignored by git).
    const dev = join(RESULTS_DIR, 'dev');
    mkdirSync(dev, { recursive: true });
    writeFileSync(join(dev, 'results.json'), `${JSON.stringify(toJson(report), null, 2)}\n`);
    writeFileSync(join(dev, 'benchmarks.svg'), chartSvg(report));
    writeFileSync(join(dev, 'benchmarks.md'), markdown(report, join(import.meta.dirname, 'notes.md')));
    console.error(`bench: ${report.mode} run: wrote bench/results/dev/ only (docs untouched)`);
  }
  console.log(`\n${consoleTable(report)}\n\n(${(report.wallSeconds / 60).toFixed(1)} minutes)`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
