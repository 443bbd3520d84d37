// authenticate_growth_<store>: the cost of one authenticate with 10³, 10⁵ and 10⁶ sessions stored. One store per size,
// all filled before measuring, so that rounds can alternate between the sizes and drift hits them all.
import { randomBytes } from 'node:crypto';
import { StytchLikeSessionService, type SessionStore } from '@sessiontoken/stytch-like/server';
import { SETTINGS, type RatioKey } from './config.ts';
import { sideFromLatencies, type MeasurementResult, type SideFigures } from './results.ts';
import { nowMs, round3, summarize } from './stats.ts';
import { startRedisCluster, type RedisCluster } from '@sessiontoken/redis-cluster';
import { seedRedis, seedRedisCluster, seedSqlite, type SeedPlan } from './seed.ts';
import { benchStoreLocation, type StoreKind } from './stores.ts';
import type { Teardown } from '../shared/cleanup.ts';

const USERS = 1000;
const SAMPLE = 1000;

interface SizedStore {
  readonly size: number;
  readonly store: SessionStore;
  readonly service: StytchLikeSessionService;
  readonly tokens: readonly string[];
  readonly seedSeconds: number;
  readonly authenticate: number[];
  readonly lookup: number[];
  authenticateElapsed: number;
  next: number;
}

async function prepare(
  kind: StoreKind,
  size: number,
  teardown: Teardown,
  cluster: RedisCluster | undefined,
): Promise<SizedStore> {
  const location = teardown.add(
    benchStoreLocation(kind, `growth-${size}`, cluster),
    `${kind} growth data (${size})`,
    (l) => l.remove(),
  );
  const plan: SeedPlan = { sessions: size, users: Math.min(USERS, size), sample: Math.min(SAMPLE, size) };
  const t0 = nowMs();
  let tokens: string[];
  if (kind === 'sqlite') {
    // Opening the store once creates its schema; the rows then go in directly, in one transaction.
    await (await location.open()).close();
    tokens = seedSqlite(location.where, plan);
  } else if (kind === 'redis-cluster') {
    tokens = await seedRedisCluster(cluster!, location.where, plan);
  } else {
    tokens = await seedRedis(location.where, plan);
  }
  const seedSeconds = (nowMs() - t0) / 1000;
  const store = teardown.add(await location.open(), `${kind} growth store (${size})`, (s) => s.close());
  const projectId = `project-test-${randomBytes(6).toString('hex')}`;
  const service = teardown.add(
    new StytchLikeSessionService({ store, projectId, sweepIntervalMs: 0 }),
    `growth service (${size})`,
    (s) => s.close(),
  );
  // Shuffle, so that consecutive authenticates touch unrelated parts of the indexes.
  const shuffled = [...tokens];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return {
    size,
    store,
    service,
    tokens: shuffled,
    seedSeconds,
    authenticate: [],
    lookup: [],
    authenticateElapsed: 0,
    next: 0,
  };
}

async function authenticateOnce(sized: SizedStore): Promise<number> {
  const token = sized.tokens[sized.next++ % sized.tokens.length]!;
  const t0 = nowMs();
  await sized.service.authenticateSession({ sessionToken: token });
  return nowMs() - t0;
}

async function lookupOnce(sized: SizedStore): Promise<number> {
  const token = sized.tokens[sized.next++ % sized.tokens.length]!;
  const t0 = nowMs();
  const found = await sized.store.findSessionByTokenId(token.slice(0, 16));
  const ms = nowMs() - t0;
  if (!found) throw new Error(`a seeded session is missing from the ${sized.size} store`);
  return ms;
}

function storeTitle(kind: StoreKind): string {
  return kind === 'sqlite' ? 'SQLite' : kind === 'redis-cluster' ? 'Redis Cluster, three masters' : 'Redis';
}

export async function measureAuthenticateGrowth(
  kind: 'sqlite' | 'redis' | 'redis-cluster',
  teardown: Teardown,
): Promise<MeasurementResult> {
  const { sizes, warmup, rounds, perRound } = SETTINGS.growth;
  // The cluster is the bench's own (three masters on loopback ports it picks), thrown away at the end.
  const cluster =
    kind === 'redis-cluster'
      ? teardown.add(await startRedisCluster(), 'the growth Redis Cluster', (c) => c.stop())
      : undefined;
  const stores: SizedStore[] = [];
  for (const size of sizes) {
    const sized = await prepare(kind, size, teardown, cluster);
    console.error(`  ${kind}: ${size} sessions stored in ${sized.seedSeconds.toFixed(1)} s`);
    stores.push(sized);
  }
  for (const sized of stores) for (let i = 0; i < warmup; i++) await authenticateOnce(sized);
  for (let round = 0; round < rounds; round++) {
    // Rotate which size goes first, so that no size always follows the same one.
    for (let k = 0; k < stores.length; k++) {
      const sized = stores[(round + k) % stores.length]!;
      for (let i = 0; i < perRound; i++) {
        const ms = await authenticateOnce(sized);
        sized.authenticate.push(ms);
        sized.authenticateElapsed += ms;
      }
      for (let i = 0; i < perRound; i++) sized.lookup.push(await lookupOnce(sized));
    }
  }
  const side = (sized: SizedStore): SideFigures =>
    sideFromLatencies(`${sized.size.toLocaleString('en-US')} sessions`, sized.authenticate, sized.authenticateElapsed);
  const smallest = stores[0]!;
  const largest = stores[stores.length - 1]!;
  const ours = side(largest);
  const peer = side(smallest);
  return {
    key: `authenticate_growth_${kind.replace('-', '_')}` as RatioKey,
    title: `authenticate cost, ${largest.size.toLocaleString('en-US')} vs ${smallest.size.toLocaleString('en-US')} stored sessions (${storeTitle(kind)})`,
    ours,
    peer,
    ratio: ours.medianMs / peer.medianMs,
    ratioOf: `median authenticate time with ${largest.size.toLocaleString('en-US')} sessions / with ${smallest.size.toLocaleString('en-US')}`,
    basis: 'latency',
    method:
      `One ${storeTitle(kind)} store per size (${sizes.map((s) => s.toLocaleString('en-US')).join(', ')} sessions over ${USERS} users), ` +
      `filled directly in the store's own layout (${kind === 'sqlite' ? 'one transaction' : 'pipelined batches'}). ` +
      (kind === 'redis-cluster'
        ? "The cluster is started by the bench from the machine's redis-server (three masters, no replicas, loopback); " +
          "a token lookup there reads the token pointer, then the session in its user's slot: two round trips. "
        : '') +
      `\`StytchLikeSessionService.authenticateSession({ sessionToken })\` in-process (token lookup, secret hash check, ` +
      `last-access write, user read, RS256 JWT), one at a time, with ${SAMPLE} sampled tokens spread over the whole set, ` +
      `shuffled. ${warmup} warm-up calls per size, then ${rounds} rounds of ${perRound} calls per size, the sizes rotating. ` +
      `The store lookup alone (\`findSessionByTokenId\`) is timed the same way and reported beside it.`,
    extra: {
      sizes: stores.map((sized) => {
        const a = summarize(sized.authenticate);
        const l = summarize(sized.lookup);
        return {
          sessions: sized.size,
          seed_seconds: round3(sized.seedSeconds),
          authenticate_median_ms: round3(a.median),
          authenticate_p99_ms: round3(a.p99),
          lookup_median_ms: round3(l.median),
          lookup_p99_ms: round3(l.p99),
        };
      }),
      lookup_growth: round3(summarize(largest.lookup).median / summarize(smallest.lookup).median),
    },
  };
}
