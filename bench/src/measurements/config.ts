// The one place for what `pnpm bench` measures and how long: durations, sizes, goals; shared facts in ../shared/config.ts.
import { join } from 'node:path';
import { DOCS_DIR, RESULTS_DIR, uniqueName } from '../shared/config.ts';

/** `BENCH_QUICK=1`: short rounds and small sizes for development; the documented run is the full one. */
export const QUICK = process.env['BENCH_QUICK'] === '1';

/** `BENCH_ONLY=jwt,query`: run only the measurements whose names contain one of these words (development, profiling). */
export const ONLY: readonly string[] = (process.env['BENCH_ONLY'] ?? '')
  .split(',')
  .map((word) => word.trim())
  .filter((word) => word !== '');

/** `BENCH_PROFILE=1`: the HTTP servers run with `--cpu-prof`, their profiles go to `bench/results/profiles/`. */
export const PROFILE = process.env['BENCH_PROFILE'] === '1';

export { BENCH_DIR, POSTGRES_URL, REDIS_URL, REPO_DIR, RESULTS_DIR } from '../shared/config.ts';
export const PROFILES_DIR = join(RESULTS_DIR, 'profiles');
export const DOCS_FILE = join(DOCS_DIR, 'benchmarks.md');
export const CHART_FILE = join(DOCS_DIR, 'images', 'benchmarks.svg');

/** A name unique to this run, for Redis key prefixes, PostgreSQL schemas and temp directories. */
export const RUN_ID = uniqueName('bench');

/** The ratio each measurement should reach (growth: should stay under). */
export const GOALS = {
  reattach_vs_open: { op: '>=', value: 20 },
  orientdb_reattach_pooled_vs_open: { op: '>=', value: 20 },
  orientdb_reattach_stateless_vs_open: { op: '>=', value: 3 },
  query_vs_orientjs: { op: '>=', value: 1.5 },
  orientdb_client_cpu_vs_bare_socket: { op: '<=', value: 1.5 },
  pooled_query_vs_orientjs_pool: { op: '>=', value: 1.5 },
  shop_cart_orientdb_pooled_vs_socket_per_request: { op: '>=', value: 2 },
  authenticate_vs_floor_sqlite: { op: '>=', value: 0.5 },
  authenticate_vs_floor_redis: { op: '>=', value: 0.5 },
  authenticate_vs_floor_postgres: null,
  authenticate_vs_floor_sqlite_es256: { op: '>=', value: 0.5 },
  authenticate_vs_floor_redis_es256: { op: '>=', value: 0.5 },
  authenticate_vs_floor_postgres_es256: { op: '>=', value: 0.3 },
  authenticate_vs_floor_sqlite_es256_reuse: null,
  authenticate_workers_auto_vs_one: null,
  authenticate_vs_better_auth: null,
  authenticate_vs_better_auth_es256: { op: '>=', value: 1.0 },
  jwt_verify_vs_sdk: { op: '>=', value: 1.0 },
  jwt_verify_vs_raw_crypto: { op: '>=', value: 0.85 },
  jwt_verify_vs_raw_crypto_es256: { op: '>=', value: 0.85 },
  jwt_verify_fast_jwt_vs_raw_crypto: null,
  jwt_verify_fast_jwt_vs_raw_crypto_es256: null,
  authenticate_growth_sqlite: { op: '<', value: 1.5 },
  authenticate_growth_redis: { op: '<', value: 1.5 },
  authenticate_growth_redis_cluster: { op: '<', value: 1.5 },
} as const satisfies Record<string, { op: '>=' | '<=' | '<'; value: number } | null>;

export type RatioKey = keyof typeof GOALS;

export const SETTINGS = QUICK
  ? {
      reattach: { warmup: 10, rounds: 4, perRound: 10 },
      query: { warmupMs: 500, rounds: 4, roundMs: 500 },
      pooledQuery: { callers: 32, sockets: 4, warmupMs: 500, rounds: 4, roundMs: 500 },
      http: { connections: 64, warmupSeconds: 1, rounds: 2, roundSeconds: 1, sessions: 64 },
      jwt: { tokens: 64, warmupMs: 500, rounds: 4, roundMs: 500 },
      growth: { sizes: [1_000, 10_000, 100_000], warmup: 100, rounds: 4, perRound: 100 },
    }
  : {
      // Each side gets rounds × roundSeconds of load: 2 × 5 s = 10 s, alternating with its peer.
      reattach: { warmup: 30, rounds: 10, perRound: 20 },
      query: { warmupMs: 2000, rounds: 10, roundMs: 1000 },
      pooledQuery: { callers: 32, sockets: 4, warmupMs: 2000, rounds: 10, roundMs: 1000 },
      http: { connections: 64, warmupSeconds: 2, rounds: 2, roundSeconds: 5, sessions: 256 },
      jwt: { tokens: 256, warmupMs: 2000, rounds: 10, roundMs: 1000 },
      growth: { sizes: [1_000, 100_000, 1_000_000], warmup: 500, rounds: 10, perRound: 300 },
    };
