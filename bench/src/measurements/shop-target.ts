// The example shop over OrientDB, in its own process so that the load generator does not share its event loop: one
// app as the example ships it (a pool of sockets every request borrows), and one whose every request makes a provider
// with a socket of its own (the path the example had before the pool, kept here as the baseline). Talks over IPC:
//   child → parent  { type: 'ready', target }      once both apps listen and the shoppers have logged in
//   parent → child  { type: 'close' }              close everything, then exit
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import {
  CartStore,
  SESSION_COOKIE,
  buildShopApp,
  createShopBackend,
  parseConfig,
  type ShopBackend,
} from 'example/shop';
import { Teardown } from '../shared/cleanup.ts';

export interface ShopTarget {
  readonly pooledUrl: string;
  readonly socketUrl: string;
  /** `Cookie` headers of shoppers who logged in through each app. */
  readonly pooledCookies: readonly string[];
  readonly socketCookies: readonly string[];
}

export type ShopTargetMessage =
  { readonly type: 'ready'; readonly target: ShopTarget } | { readonly type: 'failed'; readonly message: string };

interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

async function logIn(url: string, login: string, password: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login, password }).toString(),
    redirect: 'manual',
  });
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${SESSION_COOKIE}=`));
  if (response.status !== 303 || !cookie) throw new Error(`login answered ${response.status} without a session cookie`);
  return cookie.split(';')[0]!;
}

async function start(endpoint: Endpoint, shoppers: number, teardown: Teardown): Promise<ShopTarget> {
  const dataDir = teardown.add(mkdtempSync(join(tmpdir(), 'sessiontoken-shop-bench-')), 'shop data', (dir) =>
    rmSync(dir, { recursive: true, force: true }),
  );
  const config = parseConfig(['--provider', 'orientdb', '--data-dir', dataDir], {
    ORIENTDB_HOST: endpoint.host,
    ORIENTDB_PORT: String(endpoint.port),
    ORIENTDB_DATABASE: endpoint.database,
    ORIENTDB_USER: endpoint.user,
    ORIENTDB_PASSWORD: endpoint.password,
  });
  const pooled = teardown.add(await createShopBackend(config), 'pooled shop backend', (b) => b.close());
  const perRequestSocket: ShopBackend = {
    ...pooled,
    createProvider: () =>
      new OrientDBSessionProvider({ host: endpoint.host, port: endpoint.port, database: endpoint.database }),
    close: async () => undefined,
  };
  const urls: string[] = [];
  for (const [name, backend] of [
    ['pooled', pooled],
    ['socket', perRequestSocket],
  ] as const) {
    const carts = teardown.add(new CartStore(join(dataDir, `${name}.sqlite`)), `${name} carts`, (c) => c.close());
    const app = teardown.add(await buildShopApp({ backend, carts }), `${name} shop`, (a) => a.close());
    urls.push(await app.listen({ host: '127.0.0.1', port: 0 }));
  }
  const [pooledUrl, socketUrl] = urls as [string, string];
  const pooledCookies: string[] = [];
  const socketCookies: string[] = [];
  for (let i = 0; i < shoppers; i++) {
    pooledCookies.push(await logIn(pooledUrl, endpoint.user, endpoint.password));
    socketCookies.push(await logIn(socketUrl, endpoint.user, endpoint.password));
  }
  return { pooledUrl, socketUrl, pooledCookies, socketCookies };
}

async function main(): Promise<void> {
  const [endpointJson, shoppers] = process.argv.slice(2);
  const teardown = new Teardown();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= teardown.closeAll().then((failures) => {
      for (const failure of failures) console.error(`shop-target: cleanup failed: ${failure}`);
      process.disconnect?.();
    });
    return closing;
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'close') void close();
  });
  // The parent went away: nobody will ask us to close, so close now.
  process.on('disconnect', () => void close());
  try {
    const target = await start(JSON.parse(endpointJson!) as Endpoint, Number(shoppers), teardown);
    process.send!({ type: 'ready', target } satisfies ShopTargetMessage);
  } catch (error) {
    process.send!({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies ShopTargetMessage);
    await close();
  }
}

await main();
