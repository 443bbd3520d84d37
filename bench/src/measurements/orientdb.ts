// reattach_vs_open, the pooled reattaches, query_vs_orientjs and pooled_query_vs_orientjs_pool, against one real
// OrientDB server started for the run.
import { OrientDBSessionPool, OrientDBSessionProvider } from '@sessiontoken/orientdb';
import orientjs from 'orientjs';
import {
  ORIENTDB_VERSION,
  TEST_DB_PASSWORD,
  TEST_DB_USER,
  createDatabase,
  startOrientDBServer,
  type OrientDBServer,
} from '@sessiontoken/orientdb-server';
import { SETTINGS } from './config.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import { alternate, nowMs, round3, runFor } from './stats.ts';
import type { Teardown } from '../shared/cleanup.ts';

const DATABASE = 'bench';
const PRODUCTS = 200;
const QUERY = 'SELECT FROM BenchProduct WHERE sku = :sku';

export interface OrientDBBench {
  readonly server: OrientDBServer;
  readonly version: string;
}

/**
 * Starts a throwaway server (stopped by `teardown`), creates the database, its user and a small indexed class.
 * `passwordCache: false` starts it with OrientDB's cache of password hashes turned off
 * (`security.userPasswordSaltCacheSize=0`), so that every DB_OPEN pays for the PBKDF2 check of the password.
 */
export async function startBenchServer(
  teardown: Teardown,
  options: { passwordCache?: boolean } = {},
): Promise<OrientDBBench> {
  const log = (message: string) => console.error(`  ${message}`);
  const server = teardown.add(
    await startWithSettings(options.passwordCache === false ? ['-Dsecurity.userPasswordSaltCacheSize=0'] : [], log),
    'OrientDB server',
    (s) => s.stop({ removeDataDir: true }),
  );
  await createDatabase(server, DATABASE);
  const admin = teardown.add(provider(server), 'OrientDB setup provider', (p) => p.close());
  await admin.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  await admin.command('CREATE CLASS BenchProduct');
  await admin.command('CREATE PROPERTY BenchProduct.sku STRING');
  await admin.command('CREATE INDEX BenchProduct.sku ON BenchProduct (sku) UNIQUE');
  for (let i = 0; i < PRODUCTS; i++) {
    await admin.command(
      'INSERT INTO BenchProduct SET sku = :sku, name = :name, price = :price, stock = :stock, tags = :tags, created = :created',
      {
        sku: sku(i),
        name: `Product number ${i}`,
        price: 9.99 + i,
        stock: i * 3,
        tags: ['bench', `group-${i % 7}`],
        created: new Date(1_700_000_000_000 + i * 1000),
      },
    );
  }
  await admin.close();
  return { server, version: server.version ?? ORIENTDB_VERSION };
}

/** The harness passes our environment to the JVM, which reads extra system properties from JAVA_TOOL_OPTIONS. */
async function startWithSettings(properties: string[], log: (message: string) => void): Promise<OrientDBServer> {
  if (properties.length === 0) return startOrientDBServer({ log });
  const previous = process.env['JAVA_TOOL_OPTIONS'];
  process.env['JAVA_TOOL_OPTIONS'] = [previous, ...properties].filter(Boolean).join(' ');
  try {
    return await startOrientDBServer({ log });
  } finally {
    if (previous === undefined) delete process.env['JAVA_TOOL_OPTIONS'];
    else process.env['JAVA_TOOL_OPTIONS'] = previous;
  }
}

function sku(i: number): string {
  return `SKU-${String(i).padStart(5, '0')}`;
}

function provider(server: OrientDBServer): OrientDBSessionProvider {
  return new OrientDBSessionProvider({
    host: server.host,
    port: server.binaryPort,
    database: DATABASE,
    timeoutMs: 30_000,
  });
}

/**
 * A credential open (new socket, DB_OPEN, first query) against a reattach with a saved token (new socket, the
 * token validated by the server, first query), each with a fresh provider, alternating rounds.
 */
export async function measureReattachVsOpen(bench: OrientDBBench, teardown: Teardown): Promise<MeasurementResult> {
  const { warmup, rounds, perRound } = SETTINGS.reattach;
  const source = teardown.add(provider(bench.server), 'OrientDB token source', (p) => p.close());
  source.setSessionToken(true);
  await source.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const token = source.getSessionToken();

  const openOnce = async (): Promise<number> => {
    const db = provider(bench.server);
    try {
      const t0 = nowMs();
      db.setSessionToken(true);
      await db.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
      await db.query(QUERY, { sku: sku(1) });
      return nowMs() - t0;
    } finally {
      await db.close();
    }
  };
  const reattachOnce = async (): Promise<number> => {
    const db = provider(bench.server);
    try {
      const t0 = nowMs();
      await db.setSessionToken(token);
      await db.query(QUERY, { sku: sku(1) });
      return nowMs() - t0;
    } finally {
      await db.close();
    }
  };

  for (let i = 0; i < warmup; i++) {
    await openOnce();
    await reattachOnce();
  }
  const open: number[] = [];
  const reattach: number[] = [];
  // Attempt by attempt, alternating which goes first, so that each side follows the other's close() equally often
  // (the server tears a session down after its socket closes, while the next attempt runs).
  for (let pair = 0; pair < rounds * perRound; pair++) {
    if (pair % 2 === 0) {
      open.push(await openOnce());
      reattach.push(await reattachOnce());
    } else {
      reattach.push(await reattachOnce());
      open.push(await openOnce());
    }
  }
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const openElapsed = sum(open);
  const reattachElapsed = sum(reattach);
  await source.close();
  const ours = sideFromLatencies('reattach with a token', reattach, reattachElapsed);
  const peer = sideFromLatencies('open with credentials', open, openElapsed);
  return {
    key: 'reattach_vs_open',
    title: 'OrientDB: reattach with a token vs open with credentials',
    ours,
    peer,
    ratio: peer.medianMs / ours.medianMs,
    ratioOf: 'median open time / median reattach time',
    basis: 'latency',
    method:
      `A fresh \`OrientDBSessionProvider\` per attempt. Reattach: \`setSessionToken(token)\` (new socket; the server checks the token ` +
      `with a DB_SIZE round trip) then the first query. Open: \`setSessionToken(true)\`, \`open({ username, password })\` (new socket, DB_OPEN) ` +
      `then the same first query (\`${QUERY}\`, one indexed record). Timed from before the first call to the query's rows; \`close()\` ` +
      `is outside the timing. ${warmup} warm-up pairs, then ${rounds * perRound} pairs, the order within a pair alternating.`,
    extra: { token_bytes: token.length },
  };
}

/** reattach_vs_open again, on a server whose password-hash cache is off: what a DB_OPEN costs when the cache misses. */
export async function measureReattachVsOpenWithoutPasswordCache(
  bench: OrientDBBench,
  teardown: Teardown,
): Promise<Record<string, number>> {
  const result = await measureReattachVsOpen(bench, teardown);
  return {
    open_median_ms: result.peer.medianMs,
    open_p99_ms: result.peer.p99Ms,
    reattach_median_ms: result.ours.medianMs,
    reattach_p99_ms: result.ours.p99Ms,
    ratio: round3(result.ratio),
  };
}

/** Sequential query round trips on one open session: ours against orientjs, same server, database, query and parameters. */
export async function measureQueryVsOrientjs(bench: OrientDBBench, teardown: Teardown): Promise<MeasurementResult> {
  const { warmupMs, rounds, roundMs } = SETTINGS.query;
  const ours = teardown.add(provider(bench.server), 'OrientDB query provider', (p) => p.close());
  ours.setSessionToken(true);
  await ours.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const client = teardown.add(
    await orientjs.OrientDBClient.connect({ host: bench.server.host, port: bench.server.binaryPort }),
    'orientjs client',
    (c) => c.close(),
  );
  const session = teardown.add(
    await client.session({ name: DATABASE, username: TEST_DB_USER, password: TEST_DB_PASSWORD }),
    'orientjs session',
    (s) => s.close(),
  );

  // Both clients ask for the same sequence of records.
  let oursNext = 0;
  let peerNext = 0;
  const oursQuery = async (): Promise<void> => {
    const rows = await ours.query(QUERY, { sku: sku(oursNext++ % PRODUCTS) });
    if (rows.length !== 1) throw new Error(`ours: expected one row, got ${rows.length}`);
  };
  const peerQuery = async (): Promise<void> => {
    const rows = await session.query(QUERY, { params: { sku: sku(peerNext++ % PRODUCTS) } }).all();
    if (rows.length !== 1) throw new Error(`orientjs: expected one row, got ${rows.length}`);
  };

  await runFor(warmupMs, oursQuery);
  await runFor(warmupMs, peerQuery);
  const oursLatencies: number[] = [];
  const peerLatencies: number[] = [];
  let oursElapsed = 0;
  let peerElapsed = 0;
  await alternate(rounds, {
    ours: async () => {
      const t0 = nowMs();
      const { latenciesMs } = await runFor(roundMs, oursQuery);
      oursElapsed += nowMs() - t0;
      oursLatencies.push(...latenciesMs);
    },
    orientjs: async () => {
      const t0 = nowMs();
      const { latenciesMs } = await runFor(roundMs, peerQuery);
      peerElapsed += nowMs() - t0;
      peerLatencies.push(...latenciesMs);
    },
  });
  const oursSide = sideFromLatencies('@sessiontoken/orientdb', oursLatencies, oursElapsed);
  const peerSide = sideFromLatencies('orientjs 3.2.0', peerLatencies, peerElapsed);
  return {
    key: 'query_vs_orientjs',
    title: 'OrientDB: query round trips on one session vs orientjs',
    ours: oursSide,
    peer: peerSide,
    ratio: oursSide.throughputPerSecond / peerSide.throughputPerSecond,
    ratioOf: 'our queries per second / orientjs queries per second',
    basis: 'throughput',
    method:
      `One session each, opened with credentials (ours: legacy protocol 36 with a token; orientjs: \`client.session()\`, protocol 37). ` +
      `Back-to-back \`${QUERY}\` with the same sequence of ${PRODUCTS} SKUs (one full record per answer, 6 fields), awaited one at a time. ` +
      `${warmupMs} ms warm-up per side, then ${rounds} alternating rounds of ${roundMs} ms per side.`,
  };
}

function sessionPool(
  server: OrientDBServer,
  options: { maxSockets?: number; verifiedTokenTtlMs?: number } = {},
): OrientDBSessionPool {
  return new OrientDBSessionPool({
    host: server.host,
    port: server.binaryPort,
    database: DATABASE,
    timeoutMs: 30_000,
    ...options,
  });
}

/**
 * Per request of a web server on a warm pool: a fresh pooled provider, `setSessionToken(token)`, one query; against a
 * credential open and the same query on a new socket. Two tokens: one this process opened through the pool (its
 * session is live there), and one another process opened (here: a provider with a socket of its own, closed since).
 * `verifiedTokenTtlMs: 0` gives the stateless figure when the server checks the token on every request too.
 */
export async function measurePooledReattachVsOpen(
  bench: OrientDBBench,
  teardown: Teardown,
): Promise<MeasurementResult[]> {
  const { warmup, rounds, perRound } = SETTINGS.reattach;
  const pool = teardown.add(sessionPool(bench.server), 'OrientDB session pool', (p) => p.close());
  const uncheckedPool = teardown.add(
    sessionPool(bench.server, { verifiedTokenTtlMs: 0 }),
    'OrientDB session pool (no verified tokens)',
    (p) => p.close(),
  );
  const opener = pool.createProvider();
  opener.setSessionToken(true);
  await opener.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const ownToken = opener.getSessionToken();
  await opener.close();
  const elsewhere = provider(bench.server);
  elsewhere.setSessionToken(true);
  await elsewhere.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const foreignToken = elsewhere.getSessionToken();
  // Another process that has ended: its socket and server connection are gone, its token lives on.
  await elsewhere.close();

  const openOnce = async (): Promise<number> => {
    const db = provider(bench.server);
    try {
      const t0 = nowMs();
      db.setSessionToken(true);
      await db.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
      await db.query(QUERY, { sku: sku(1) });
      return nowMs() - t0;
    } finally {
      await db.close();
    }
  };
  const reattachOnce = async (on: OrientDBSessionPool, token: string): Promise<number> => {
    const db = on.createProvider();
    try {
      const t0 = nowMs();
      await db.setSessionToken(token);
      await db.query(QUERY, { sku: sku(1) });
      return nowMs() - t0;
    } finally {
      await db.close();
    }
  };
  const sides = {
    open: openOnce,
    pooled: () => reattachOnce(pool, ownToken),
    stateless: () => reattachOnce(pool, foreignToken),
    statelessChecked: () => reattachOnce(uncheckedPool, foreignToken),
  };
  type Side = keyof typeof sides;
  const names = Object.keys(sides) as Side[];
  const samples: Record<Side, number[]> = { open: [], pooled: [], stateless: [], statelessChecked: [] };
  for (let i = 0; i < warmup; i++) for (const name of names) await sides[name]();
  for (let turn = 0; turn < rounds * perRound; turn++) {
    // Rotate the order, so that each side follows every other equally often.
    for (let k = 0; k < names.length; k++) {
      const name = names[(turn + k) % names.length]!;
      samples[name].push(await sides[name]());
    }
  }
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const side = (name: Side, label: string) => sideFromLatencies(label, samples[name], sum(samples[name]));
  const open = side('open', 'open with credentials on a new socket');
  const pooled = side('pooled', 'reattach on a warm pool, token opened here');
  const stateless = side('stateless', 'reattach on a warm pool, token from elsewhere');
  const checked = side('statelessChecked', 'the same, server check on every reattach');
  const common =
    `Per attempt, as a web server does per request: a fresh provider from a warm \`OrientDBSessionPool\` (default 4 sockets), ` +
    `\`setSessionToken(token)\`, then \`${QUERY}\` (one indexed record); \`close()\` outside the timing. Peer: a fresh ` +
    `\`OrientDBSessionProvider\`, \`open({ username, password })\` on a new socket, then the same query. ${warmup} warm-up ` +
    `attempts per side, then ${rounds * perRound} per side, the order rotating.`;
  return [
    {
      key: 'orientdb_reattach_pooled_vs_open',
      title: 'OrientDB: reattach + query on a warm pool (token opened by this process) vs open + query',
      ours: pooled,
      peer: open,
      ratio: open.medianMs / pooled.medianMs,
      ratioOf: 'median open time / median pooled reattach time',
      basis: 'latency',
      method:
        `${common} The token's session was opened through the pool, so it is live there: \`setSessionToken\` recognises the ` +
        `exact token bytes without a round trip, and the query carries the live session id (one round trip, no database open).`,
    },
    {
      key: 'orientdb_reattach_stateless_vs_open',
      title: 'OrientDB: reattach + query on a warm pool (token from another process) vs open + query',
      ours: stateless,
      peer: open,
      ratio: open.medianMs / stateless.medianMs,
      ratioOf: 'median open time / median stateless reattach time',
      basis: 'latency',
      method:
        `${common} The token was opened by another provider on its own socket, closed before measuring: the pool checked it ` +
        `with the server once (stateless DB_SIZE) and reattaches the same exact bytes without a round trip for ` +
        `\`verifiedTokenTtlMs\` (30 s); each query is stateless (session id -1 with the token: one round trip in which the ` +
        `server opens the database). \`checked_every_time\` is a pool with \`verifiedTokenTtlMs: 0\`: check + query per request.`,
      extra: {
        checked_every_time: {
          median_ms: checked.medianMs,
          p99_ms: checked.p99Ms,
          ratio: round3(open.medianMs / checked.medianMs),
        },
      },
    },
  ];
}

/** The pooled reattaches again on a server whose password-hash cache is off (every open pays PBKDF2). */
export async function measurePooledReattachWithoutPasswordCache(
  bench: OrientDBBench,
  teardown: Teardown,
): Promise<Record<string, Record<string, unknown>>> {
  const results = await measurePooledReattachVsOpen(bench, teardown);
  return Object.fromEntries(
    results.map((result) => [
      result.key,
      {
        open_median_ms: result.peer.medianMs,
        open_p99_ms: result.peer.p99Ms,
        reattach_median_ms: result.ours.medianMs,
        reattach_p99_ms: result.ours.p99Ms,
        ratio: round3(result.ratio),
      },
    ]),
  );
}

/** `callers` loops calling `operation(caller)` back to back for `durationMs`; completed operations and latencies. */
async function runConcurrently(
  callers: number,
  durationMs: number,
  operation: (caller: number) => Promise<void>,
): Promise<{ latenciesMs: number[]; elapsedMs: number }> {
  const latenciesMs: number[] = [];
  const start = nowMs();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let t = nowMs(); t < end;) {
        await operation(caller);
        const next = nowMs();
        latenciesMs.push(next - t);
        t = next;
      }
    }),
  );
  return { latenciesMs, elapsedMs: nowMs() - start };
}

/**
 * 32 concurrent callers, each with a session of its own, querying back to back over the same number of sockets:
 * ours through one `OrientDBSessionPool`, orientjs through `client.sessions()` on a client with the same socket pool.
 */
export async function measurePooledQueryVsOrientjsPool(
  bench: OrientDBBench,
  teardown: Teardown,
): Promise<MeasurementResult> {
  const { callers, sockets, warmupMs, rounds, roundMs } = SETTINGS.pooledQuery;
  const pool = teardown.add(
    sessionPool(bench.server, { maxSockets: sockets }),
    'OrientDB session pool (queries)',
    (p) => p.close(),
  );
  const ours = await Promise.all(
    Array.from({ length: callers }, async () => {
      const db = pool.createProvider();
      await db.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
      return db;
    }),
  );
  teardown.add(ours, 'pooled providers', (list) => Promise.all(list.map((db) => db.close())).then(() => undefined));
  const client = teardown.add(
    await orientjs.OrientDBClient.connect({
      host: bench.server.host,
      port: bench.server.binaryPort,
      pool: { min: 1, max: sockets },
    }),
    'orientjs pooled client',
    (c) => c.close(),
  );
  const sessions = teardown.add(
    await client.sessions({
      name: DATABASE,
      username: TEST_DB_USER,
      password: TEST_DB_PASSWORD,
      pool: { min: 1, max: callers },
    }),
    'orientjs session pool',
    (p) => p.close(),
  );
  const peer = await Promise.all(Array.from({ length: callers }, () => sessions.acquire()));

  const next = { ours: 0, peer: 0 };
  const oursQuery = async (caller: number): Promise<void> => {
    const rows = await ours[caller]!.query(QUERY, { sku: sku(next.ours++ % PRODUCTS) });
    if (rows.length !== 1) throw new Error(`ours: expected one row, got ${rows.length}`);
  };
  const peerQuery = async (caller: number): Promise<void> => {
    const rows = await peer[caller]!.query(QUERY, { params: { sku: sku(next.peer++ % PRODUCTS) } }).all();
    if (rows.length !== 1) throw new Error(`orientjs: expected one row, got ${rows.length}`);
  };
  await runConcurrently(callers, warmupMs, oursQuery);
  await runConcurrently(callers, warmupMs, peerQuery);
  const collected = {
    ours: { latencies: [] as number[], elapsed: 0 },
    peer: { latencies: [] as number[], elapsed: 0 },
  };
  await alternate(rounds, {
    ours: async () => {
      const run = await runConcurrently(callers, roundMs, oursQuery);
      collected.ours.latencies.push(...run.latenciesMs);
      collected.ours.elapsed += run.elapsedMs;
    },
    orientjs: async () => {
      const run = await runConcurrently(callers, roundMs, peerQuery);
      collected.peer.latencies.push(...run.latenciesMs);
      collected.peer.elapsed += run.elapsedMs;
    },
  });
  await Promise.all(peer.map((session) => session.close()));
  const oursSide = sideFromLatencies(
    `OrientDBSessionPool, ${sockets} sockets`,
    collected.ours.latencies,
    collected.ours.elapsed,
  );
  const peerSide = sideFromLatencies(
    `orientjs 3.2.0 sessions(), ${sockets} sockets`,
    collected.peer.latencies,
    collected.peer.elapsed,
  );
  return {
    key: 'pooled_query_vs_orientjs_pool',
    title: `OrientDB: ${callers} concurrent callers over ${sockets} sockets vs orientjs pools`,
    ours: oursSide,
    peer: peerSide,
    ratio: oursSide.throughputPerSecond / peerSide.throughputPerSecond,
    ratioOf: 'our queries per second / orientjs queries per second',
    basis: 'throughput',
    method:
      `${callers} callers, each with a session of its own opened with credentials, each awaiting \`${QUERY}\` back to back ` +
      `(the same SKU sequence). Ours: one \`OrientDBSessionPool\` with \`maxSockets: ${sockets}\`, a pooled provider per caller ` +
      `(its live session id on whichever socket is free). orientjs: \`OrientDBClient.connect({ pool: { max: ${sockets} } })\` ` +
      `and \`client.sessions({ pool: { max: ${callers} } })\`, one acquired session per caller. ${warmupMs} ms warm-up per side, ` +
      `then ${rounds} alternating rounds of ${roundMs} ms per side.`,
  };
}
