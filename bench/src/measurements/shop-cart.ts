// shop_cart_orientdb_pooled_vs_socket_per_request: the example shop's cart page over OrientDB, as shipped (one pool of
// sockets) against a provider with a socket of its own per request, both apps in one child process (shop-target.ts).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TEST_DB_PASSWORD, TEST_DB_USER } from '@sessiontoken/orientdb-server';
import { stopTarget } from './authenticate.ts';
import { PROFILE, PROFILES_DIR, SETTINGS } from './config.ts';
import type { OrientDBBench } from './orientdb.ts';
import { sideFromLatencies, type MeasurementResult } from './results.ts';
import type { ShopTarget, ShopTargetMessage } from './shop-target.ts';
import { alternate } from './stats.ts';
import type { Teardown } from '../shared/cleanup.ts';

const TARGET_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'shop-target.ts');
const DATABASE = 'bench';

async function startShops(bench: OrientDBBench, shoppers: number, teardown: Teardown): Promise<ShopTarget> {
  const endpoint = {
    host: bench.server.host,
    port: bench.server.binaryPort,
    database: DATABASE,
    user: TEST_DB_USER,
    password: TEST_DB_PASSWORD,
  };
  const execArgv = [
    ...process.execArgv.filter((flag) => !flag.startsWith('--cpu-prof')),
    ...(PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES_DIR}`, `--cpu-prof-name=shop-${Date.now()}.cpuprofile`]
      : []),
  ];
  const child = teardown.add(
    fork(TARGET_SCRIPT, [JSON.stringify(endpoint), String(shoppers)], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
    'shop target',
    stopTarget,
  );
  return new Promise<ShopTarget>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the shop target did not start within 120 s')), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the shop target exited with code ${code}`));
    });
    child.on('message', (message: ShopTargetMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message.target);
      else reject(new Error(`the shop target failed: ${message.message}`));
    });
  });
}

interface Load {
  readonly latenciesMs: number[];
  readonly failed: number;
  readonly seconds: number;
}

/** One autocannon run of `seconds` of `GET /cart`, cycling through the shoppers' cookies. */
async function load(url: string, cookies: readonly string[], seconds: number): Promise<Load> {
  const latenciesMs: number[] = [];
  let failed = 0;
  let next = 0;
  const instance = autocannon({
    url: `${url}/cart`,
    method: 'GET',
    connections: SETTINGS.http.connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => ({
          ...request,
          headers: { cookie: cookies[next++ % cookies.length] },
        }),
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) latenciesMs.push(responseTime);
    else failed++;
  });
  const result = await instance;
  return { latenciesMs, failed: failed + result.errors, seconds: result.duration };
}

export async function measureShopCart(bench: OrientDBBench, teardown: Teardown): Promise<MeasurementResult> {
  const { connections, warmupSeconds, rounds, roundSeconds, sessions } = SETTINGS.http;
  const shops = await startShops(bench, sessions, teardown);
  await load(shops.pooledUrl, shops.pooledCookies, warmupSeconds);
  await load(shops.socketUrl, shops.socketCookies, warmupSeconds);
  const runs: Record<'pooled' | 'socket', Load[]> = { pooled: [], socket: [] };
  await alternate(rounds, {
    pooled: async () => void runs.pooled.push(await load(shops.pooledUrl, shops.pooledCookies, roundSeconds)),
    socket: async () => void runs.socket.push(await load(shops.socketUrl, shops.socketCookies, roundSeconds)),
  });
  const merge = (side: Load[]) => ({
    latencies: side.flatMap((run) => run.latenciesMs),
    seconds: side.reduce((sum, run) => sum + run.seconds, 0),
    failed: side.reduce((sum, run) => sum + run.failed, 0),
  });
  const pooled = merge(runs.pooled);
  const socket = merge(runs.socket);
  if (pooled.failed > 0 || socket.failed > 0)
    throw new Error(`shop cart: ${pooled.failed} pooled and ${socket.failed} socket-per-request pages failed`);
  const ours = sideFromLatencies('cart page, OrientDBSessionPool', pooled.latencies, pooled.seconds * 1000);
  const peer = sideFromLatencies('cart page, a socket per request', socket.latencies, socket.seconds * 1000);
  return {
    key: 'shop_cart_orientdb_pooled_vs_socket_per_request',
    title: 'Example shop over OrientDB: GET /cart on the pool vs a socket per request',
    ours,
    peer,
    ratio: ours.throughputPerSecond / peer.throughputPerSecond,
    ratioOf: 'pooled cart pages per second / socket-per-request cart pages per second',
    basis: 'throughput',
    method:
      `autocannon 9 in the bench process, ${connections} connections, \`GET /cart\` with the \`shop_session\` cookies of ` +
      `${sessions} shoppers who logged in through that app, against two copies of the example shop (\`buildShopApp\`) in one ` +
      `child process. Ours: the backend as the example ships it (\`OrientDBSessionPool\`, 8 sockets; each request's provider ` +
      `reattaches with the cookie's token, whose session is live in the pool). Baseline: the same backend whose ` +
      `\`createProvider\` makes an \`OrientDBSessionProvider\` per request (new socket, DB_SIZE check). ${warmupSeconds} s ` +
      `warm-up per side, then ${rounds} alternating rounds of ${roundSeconds} s per side.`,
    extra: { shoppers: sessions },
  };
}
