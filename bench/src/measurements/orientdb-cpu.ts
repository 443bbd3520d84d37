// orientdb_client_cpu_vs_bare_socket: our client's CPU per query against a stand-in server replaying an answer the real
// server gave, divided by a bare socket doing the same write and read. Also the decoded-heap figures of the decoder.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import v8 from 'node:v8';
import vm from 'node:vm';
import { OrientDBSessionProvider, encodeRecord, type OrientDBRow } from '@sessiontoken/orientdb';
import { TEST_DB_PASSWORD, TEST_DB_USER } from '@sessiontoken/orientdb-server';
import { SETTINGS } from './config.ts';
import type { OrientDBBench } from './orientdb.ts';
import type { ReplayScript } from './replay-server.ts';
import { round3 } from './stats.ts';
import type { Teardown } from '../shared/cleanup.ts';
import type { MeasurementResult } from './results.ts';

const DATABASE = 'bench';
const QUERY = 'SELECT FROM BenchProduct WHERE sku = :sku';
const ALL_ROWS_QUERY = 'SELECT FROM BenchProduct';
const OPCODE_DB_OPEN = 3;
const OPCODE_QUERY = 45;

interface Exchange {
  readonly request: Buffer;
  readonly answer: Buffer;
}

interface Capture {
  readonly greeting: Buffer;
  readonly exchanges: readonly Exchange[];
}

/**
 * Runs `session` against a recording proxy in front of the real server and returns what crossed it: the greeting, then
 * each request with its answer (requests go one at a time, so consecutive bytes of one direction belong together).
 */
async function capture(host: string, port: number, session: (port: number) => Promise<void>): Promise<Capture> {
  const events: { from: 'client' | 'server'; bytes: Buffer }[] = [];
  const record = (from: 'client' | 'server', bytes: Buffer): void => {
    const last = events.at(-1);
    if (last?.from === from) last.bytes = Buffer.concat([last.bytes, bytes]);
    else events.push({ from, bytes });
  };
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect({ host, port });
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      record('client', chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      record('server', chunk);
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  try {
    await session((proxy.address() as { port: number }).port);
  } finally {
    for (const socket of sockets) socket.destroy();
    proxy.close();
  }
  const [greeting, ...rest] = events;
  if (greeting?.from !== 'server') throw new Error('capture: the server did not greet first');
  const exchanges: Exchange[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    if (rest[i]!.from !== 'client' || rest[i + 1]!.from !== 'server')
      throw new Error('capture: requests and answers do not alternate');
    exchanges.push({ request: rest[i]!.bytes, answer: rest[i + 1]!.bytes });
  }
  return { greeting: greeting.bytes, exchanges };
}

/** Starts a replay server in a child process for `exchanges` (one per opcode); stopped by `teardown`. */
async function startReplay(teardown: Teardown, greeting: Buffer, exchanges: readonly Exchange[]): Promise<number> {
  const dir = teardown.add(mkdtempSync(join(tmpdir(), 'sessiontoken-replay-')), 'replay script directory', (d) =>
    rmSync(d, { recursive: true, force: true }),
  );
  const script: ReplayScript = {
    greeting: greeting.toString('base64'),
    exchanges: exchanges.map((e) => ({
      opcode: e.request[0]!,
      requestLength: e.request.length,
      answer: e.answer.toString('base64'),
    })),
  };
  const file = join(dir, `script-${exchanges.map((e) => e.answer.length).join('-')}.json`);
  writeFileSync(file, JSON.stringify(script));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'replay-server.ts'), file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  teardown.add(child, 'replay server', async (c) => {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  });
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    for await (const line of lines) return (JSON.parse(line) as { port: number }).port;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('replay server: no port');
}

function provider(port: number): OrientDBSessionProvider {
  return new OrientDBSessionProvider({ host: '127.0.0.1', port, database: DATABASE, timeoutMs: 30_000 });
}

/** A plain socket that writes `request` and waits for `answerLength` bytes, nothing else: the floor of a query. */
async function bareSocket(
  port: number,
  request: Buffer,
  answerLength: number,
): Promise<{ query: () => Promise<void>; close: () => void }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  let received = 0;
  let wanted = 2;
  let done: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= wanted && done) {
      received -= wanted;
      const resolve = done;
      done = null;
      resolve();
    }
  });
  await new Promise<void>((resolve, reject) => {
    done = resolve;
    socket.once('error', reject);
  });
  wanted = answerLength;
  return {
    query: () =>
      new Promise<void>((resolve) => {
        done = resolve;
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}

/** CPU microseconds (user + system) per call of `operation`, called back to back for `durationMs`. */
async function cpuPerCall(
  durationMs: number,
  operation: () => Promise<unknown>,
): Promise<{ cpuUs: number; calls: number }> {
  const start = process.cpuUsage();
  const end = performance.now() + durationMs;
  let calls = 0;
  while (performance.now() < end) {
    await operation();
    calls++;
  }
  const used = process.cpuUsage(start);
  return { cpuUs: used.user + used.system, calls };
}

const gc = ((): (() => void) => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Heap bytes that `copies` decoded answers keep alive, per byte of answer frame. */
async function heapPerFrameByte(
  run: () => Promise<OrientDBRow[]>,
  frameBytes: number,
  copies: number,
): Promise<number> {
  await run();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: OrientDBRow[][] = [];
  for (let i = 0; i < copies; i++) kept.push(await run());
  gc();
  const after = process.memoryUsage().heapUsed;
  if (kept.length !== copies) throw new Error('unreachable');
  return (after - before) / (frameBytes * copies);
}

/** A QUERY answer frame for `sessionId` with one document row holding `record`. */
export function answerWithRecord(sessionId: number, record: Uint8Array): Buffer {
  const head = Buffer.alloc(1 + 4 + 4 + 4 + 3 + 1 + 1 + 4 + 4);
  let at = head.writeUInt8(0, 0);
  at = head.writeInt32BE(sessionId, at);
  at = head.writeInt32BE(0, at); // no renewed token
  at = head.writeInt32BE(3, at);
  at += head.write('1_1', at);
  at = head.writeUInt8(0, at); // no tx changes
  at = head.writeUInt8(0, at); // no plan
  at = head.writeInt32BE(0, at);
  head.writeInt32BE(1, at);
  const row = Buffer.alloc(1 + 2 + 1 + 2 + 8 + 4 + 4);
  at = row.writeUInt8(3, 0);
  at = row.writeInt16BE(0, at);
  at = row.writeUInt8(0x64, at);
  at = row.writeInt16BE(12, at);
  at = row.writeBigInt64BE(1n, at);
  at = row.writeInt32BE(1, at);
  row.writeInt32BE(record.length, at);
  const tail = Buffer.from([0, 0, 0, 0, 0, 0]); // no next page, no statistics, no metadata reload
  return Buffer.concat([head, row, record, tail]);
}

/** The record of the old ×395 case: `fields` header entries all pointing at one string of `stringBytes` bytes. */
function aliasedRecord(fields: number, stringBytes: number): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    let z = n * 2;
    while (z >= 0x80) {
      out.push((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    out.push(z);
    return out;
  };
  const header: number[] = [0, ...varint(0)];
  const slots: number[] = [];
  for (let i = 0; i < fields; i++) {
    const name = Buffer.from(`f${i}`);
    header.push(...varint(name.length), ...name);
    slots.push(header.length);
    header.push(0, 0, 0, 0, 7);
  }
  header.push(...varint(0));
  const bytes = Buffer.concat([Buffer.from(header), Buffer.from(varint(stringBytes)), Buffer.alloc(stringBytes, 0x78)]);
  for (const slot of slots) bytes.writeInt32BE(header.length, slot);
  return bytes;
}

export async function measureClientCpuVsBareSocket(
  bench: OrientDBBench,
  teardown: Teardown,
): Promise<MeasurementResult> {
  const { warmupMs, rounds, roundMs } = SETTINGS.query;
  const { greeting, exchanges } = await capture(bench.server.host, bench.server.binaryPort, async (port) => {
    const db = provider(port);
    try {
      db.setSessionToken(true);
      await db.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
      await db.query(QUERY, { sku: 'SKU-00001' });
      await db.query(ALL_ROWS_QUERY);
    } finally {
      await db.close();
    }
  });
  const [open, one, all] = exchanges;
  if (
    !open ||
    !one ||
    !all ||
    open.request[0] !== OPCODE_DB_OPEN ||
    one.request[0] !== OPCODE_QUERY ||
    all.request[0] !== OPCODE_QUERY
  ) {
    throw new Error(
      `capture: expected DB_OPEN and two QUERY exchanges, got opcodes ${exchanges.map((e) => e.request[0]).join(', ')}`,
    );
  }
  const sessionId = open.answer.readInt32BE(5);

  // CPU: the one-row query, ours against the bare socket, alternating rounds.
  const port = await startReplay(teardown, greeting, [open, one]);
  const ours = teardown.add(provider(port), 'provider on the replay server', (p) => p.close());
  ours.setSessionToken(true);
  await ours.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const oursQuery = async (): Promise<void> => {
    const rows = await ours.query(QUERY, { sku: 'SKU-00001' });
    if (rows.length !== 1) throw new Error(`ours: expected one row, got ${rows.length}`);
  };
  const bare = teardown.add(await bareSocket(port, one.request, one.answer.length), 'bare socket', (b) => b.close());
  await cpuPerCall(warmupMs, oursQuery);
  await cpuPerCall(warmupMs, bare.query);
  const totals = { ours: { cpuUs: 0, calls: 0 }, bare: { cpuUs: 0, calls: 0 } };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
    for (const side of order) {
      const { cpuUs, calls } = await cpuPerCall(roundMs, side === 'ours' ? oursQuery : bare.query);
      totals[side].cpuUs += cpuUs;
      totals[side].calls += calls;
    }
  }
  const oursUs = totals.ours.cpuUs / totals.ours.calls;
  const bareUs = totals.bare.cpuUs / totals.bare.calls;

  // Heap per frame byte: an ordinary answer (all 200 products) and the densest honest record (a list of dates).
  const allPort = await startReplay(teardown, greeting, [open, all]);
  const allRows = teardown.add(provider(allPort), 'provider for the ordinary answer', (p) => p.close());
  allRows.setSessionToken(true);
  await allRows.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const ordinaryHeap = await heapPerFrameByte(() => allRows.query(ALL_ROWS_QUERY), all.answer.length, 20);

  const dates = encodeRecord({ dates: new Array<Date>(100_000).fill(new Date(0)) });
  const denseAnswer = answerWithRecord(sessionId, dates);
  const densePort = await startReplay(teardown, greeting, [open, { request: all.request, answer: denseAnswer }]);
  const dense = teardown.add(provider(densePort), 'provider for the dense answer', (p) => p.close());
  dense.setSessionToken(true);
  await dense.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const denseHeap = await heapPerFrameByte(() => dense.query(ALL_ROWS_QUERY), denseAnswer.length, 3);

  // The crafted record that decoded to ×395 its size: now refused.
  const aliasedAnswer = answerWithRecord(sessionId, aliasedRecord(400, 256 * 1024));
  const aliasedPort = await startReplay(teardown, greeting, [open, { request: all.request, answer: aliasedAnswer }]);
  const aliased = teardown.add(provider(aliasedPort), 'provider for the aliased answer', (p) => p.close());
  aliased.setSessionToken(true);
  await aliased.open({ username: TEST_DB_USER, password: TEST_DB_PASSWORD });
  const refusal = await aliased.query(ALL_ROWS_QUERY).then(
    () => 'decoded',
    (error: unknown) => (error as { code?: string }).code ?? 'error',
  );

  const side = (label: string, cpuUs: number, calls: number, elapsedMs: number) => ({
    label,
    medianMs: round3(cpuUs / 1000),
    p99Ms: round3(cpuUs / 1000),
    throughputPerSecond: round3((calls * 1000) / elapsedMs),
    operations: calls,
  });
  const elapsed = rounds * roundMs;
  return {
    key: 'orientdb_client_cpu_vs_bare_socket',
    title: 'OrientDB: client CPU per query vs a bare socket (stand-in server)',
    ours: side('@sessiontoken/orientdb query()', oursUs, totals.ours.calls, elapsed),
    peer: side('bare socket write + read', bareUs, totals.bare.calls, elapsed),
    ratio: oursUs / bareUs,
    ratioOf: 'our CPU per query / the bare socket CPU per query',
    basis: 'latency',
    method:
      `A stand-in server in its own process replays, for each request, the bytes the real OrientDB answered to it (captured ` +
      `through a recording proxy): \`${QUERY}\`, one record of ${one.answer.length} bytes. Ours: \`query()\` on an open session ` +
      `(request building, parameter encoding, frame reading, decoding). Peer: a plain \`net.Socket\` writing the same ` +
      `${one.request.length} request bytes and waiting for the ${one.answer.length} answer bytes. CPU is \`process.cpuUsage()\` ` +
      `(user + system) per query; the side figures show it in ms. ${warmupMs} ms warm-up per side, then ${rounds} alternating rounds ` +
      `of ${roundMs} ms per side.`,
    extra: {
      ours_cpu_us_per_query: round3(oursUs),
      bare_cpu_us_per_query: round3(bareUs),
      heap_per_frame_byte_ordinary: round3(ordinaryHeap),
      ordinary_answer_bytes: all.answer.length,
      heap_per_frame_byte_dense_dates: round3(denseHeap),
      dense_answer_bytes: denseAnswer.length,
      aliased_record_answer_bytes: aliasedAnswer.length,
      aliased_record_outcome: refusal,
    },
  };
}
