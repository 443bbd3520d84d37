import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrientDBSessionProvider, type OrientDBSessionPool } from '../src/index.js';
import { createTestPool, testCredentials, testServer, uniqueClassName, waitFor } from './support/orientdb.js';

const QUERY_OPCODE = 45;
const servers: { server: Server; sockets: Set<Socket> }[] = [];
const pools: OrientDBSessionPool[] = [];

/** A TCP server on a free loopback port; every socket it accepts is destroyed at the end of the test. */
async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

/**
 * A proxy to the real server that, when armed, cuts the connection instead of forwarding the next QUERY request
 * (the request never reaches the server, but the client cannot know that). Counts the QUERY requests it saw.
 */
async function cuttingProxy(): Promise<{ port: number; armed: { cut: boolean }; queries: () => number }> {
  const armed = { cut: false };
  let queries = 0;
  const port = await listen((client) => {
    const upstream = connect({ host: testServer().host, port: testServer().port });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (chunk[0] === QUERY_OPCODE) {
        queries++;
        if (armed.cut) {
          armed.cut = false;
          client.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
  });
  return { port, armed, queries: () => queries };
}

/** Greets like OrientDB (protocol 38), then never answers anything. */
function silentPeer(): Promise<number> {
  return listen((socket) => socket.write(Buffer.from([0, 38])));
}

function pool(overrides: Parameters<typeof createTestPool>[0]): OrientDBSessionPool {
  const created = createTestPool(overrides);
  pools.push(created);
  return created;
}

let token: string;
let className: string;

beforeAll(async () => {
  const provider = new OrientDBSessionProvider({
    host: testServer().host,
    port: testServer().port,
    database: testServer().database,
  });
  try {
    provider.setSessionToken(true);
    await provider.open(testCredentials());
    token = provider.getSessionToken();
    className = uniqueClassName('PoolFault');
    await provider.command(`CREATE CLASS ${className}`);
  } finally {
    await provider.close();
  }
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterAll(async () => {
  const provider = new OrientDBSessionProvider({
    host: testServer().host,
    port: testServer().port,
    database: testServer().database,
  });
  await provider.setSessionToken(token);
  await provider.command(`DROP CLASS ${className} UNSAFE`);
  await provider.close();
});

describe('a socket that dies before the answer', () => {
  it('a query is sent once more on another socket and answers', async () => {
    const proxy = await cuttingProxy();
    const db = pool({ port: proxy.port, maxSockets: 2 }).createProvider();
    db.setSessionToken(true);
    await db.open(testCredentials());
    proxy.armed.cut = true;
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(proxy.queries()).toBe(2);
    await db.close();
  });

  it('a command is not sent again: it rejects with UNAVAILABLE, and the pool serves the next call', async () => {
    const proxy = await cuttingProxy();
    const db = pool({ port: proxy.port, maxSockets: 2 }).createProvider();
    await db.setSessionToken(token);
    proxy.armed.cut = true;
    await expect(db.command(`INSERT INTO ${className} SET n = 1`)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(proxy.queries()).toBe(1);
    expect(await db.query(`SELECT count(*) AS n FROM ${className}`)).toEqual([{ n: 0 }]);
    await db.close();
  });
});

describe('deadlines and bounds', () => {
  it('one deadline per call: a caller queued behind a silent socket rejects at its own deadline, not one per step', async () => {
    const timeoutMs = 1_500;
    const silent = pool({ port: await silentPeer(), maxSockets: 1, timeoutMs });
    const first = silent.createProvider();
    const second = silent.createProvider();
    const started = Date.now();
    // The first holds the only socket until its deadline; the second waits, then would need a socket and an answer.
    const outcomes = await Promise.all(
      [first, second].map((p) =>
        p.setSessionToken(token).then(
          () => 'ok',
          (error: { code?: string }) => ({ code: error.code, elapsedMs: Date.now() - started }),
        ),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ code: 'UNAVAILABLE' });
      // Per step it would be 2 × timeoutMs (the wait, then a fresh deadline for the request); one deadline ends sooner.
      expect((outcome as { elapsedMs: number }).elapsedMs).toBeLessThan(1.8 * timeoutMs);
    }
  });

  it('the wait queue is bounded: one caller too many rejects at once with UNAVAILABLE', async () => {
    const silent = pool({ port: await silentPeer(), maxSockets: 1, maxWaiting: 1, timeoutMs: 2_000 });
    const order: string[] = [];
    const calls = [0, 1, 2].map((i) =>
      silent
        .createProvider()
        .setSessionToken(token)
        .catch((error: { code?: string }) => order.push(`${i}:${String(error.code)}`)),
    );
    await Promise.all(calls);
    // The third found the socket busy and the queue full, and did not wait for anyone's deadline.
    expect(order[0]).toBe('2:UNAVAILABLE');
    expect(order.slice(1).sort()).toEqual(['0:UNAVAILABLE', '1:UNAVAILABLE']);
  });

  it('close() rejects waiting callers with CLOSED, ends the call in flight, and leaves no socket open', async () => {
    const tcp = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
    const before = tcp();
    const silent = pool({ port: await silentPeer(), maxSockets: 1, timeoutMs: 2_000 });
    const first = silent
      .createProvider()
      .setSessionToken(token)
      .catch((error: { code?: string }) => error.code);
    const waiting = silent
      .createProvider()
      .setSessionToken(token)
      .catch((error: { code?: string }) => error.code);
    expect(silent.stats).toMatchObject({ sockets: 1, waiting: 1 });
    await silent.close();
    expect(silent.stats.sockets).toBe(0);
    expect(await waiting).toBe('CLOSED');
    // Connecting, or waiting for its answer, when close() began.
    expect(['CLOSED', 'UNAVAILABLE']).toContain(await first);
    // The peer's end of each socket is in this process too: both ends go.
    await waitFor(() => tcp() <= before, 5_000, 'every socket to close');
  });
});
