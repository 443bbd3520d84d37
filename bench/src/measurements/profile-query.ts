// Profiles our query() hot path alone against a stand-in server replaying a synthetic one-record answer shaped like the
// bench's (six fields), so a `--cpu-prof` run shows the client and nothing else:
//   node --cpu-prof --cpu-prof-dir=bench/results/profiles src/measurements/profile-query.ts [seconds] [ours|bare|both]
// `both` alternates our query() with a bare socket writing the same request and prints the CPU ratio.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { OrientDBSessionProvider, RecordId, encodeOrientDBTokenPayload, encodeRecord } from '@sessiontoken/orientdb';
import { answerWithRecord } from './orientdb-cpu.ts';
import type { ReplayScript } from './replay-server.ts';

const seconds = Number(process.argv[2] ?? 5);
/** `ours` (for a profile of the client alone), `bare`, or `both` in alternating rounds (for a ratio). */
const side = (process.argv[3] ?? 'ours') as 'ours' | 'bare' | 'both';
const SESSION_ID = 7;
const token = Buffer.concat([
  Buffer.from(
    encodeOrientDBTokenPayload({
      database: 'bench',
      databaseType: 'plocal',
      userRid: new RecordId(5, 2),
      expiresAt: new Date(Date.now() + 3_600_000),
      serverUser: false,
      userName: null,
      protocolVersion: 36,
      serializer: 'onet_ser_v0',
      driverName: 'sessiontoken-orientdb',
      driverVersion: '1+abcdefghijklmnop',
    }),
  ),
  Buffer.alloc(32, 7),
]);
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const str = (s: string): Buffer => Buffer.concat([int32(Buffer.byteLength(s)), Buffer.from(s)]);
// DB_OPEN answer: status, -1, session id, token, no clusters, null cluster config, server version.
const openAnswer = Buffer.concat([
  Buffer.from([0]),
  int32(-1),
  int32(SESSION_ID),
  int32(token.length),
  token,
  Buffer.from([0, 0]),
  int32(-1),
  str('3.2.25'),
]);
const record = encodeRecord(
  {
    sku: 'SKU-00001',
    name: 'Product number 1',
    price: 10.99,
    stock: 3,
    tags: ['bench', 'group-1'],
    created: new Date(1_700_000_001_000),
  },
  'BenchProduct',
);
const queryAnswer = answerWithRecord(SESSION_ID, record);

/** The QUERY request our client writes for the loop's statement (opcode, session, token, the statement, its params). */
function queryRequestBytes(): Buffer {
  const params = encodeRecord({ params: new Map([['sku', 'SKU-00001']]) });
  return Buffer.concat([
    Buffer.from([45]),
    int32(SESSION_ID),
    int32(token.length),
    token,
    str('sql'),
    str('SELECT FROM BenchProduct WHERE sku = :sku'),
    Buffer.from([1]),
    int32(1000),
    int32(-1),
    int32(params.length),
    Buffer.from(params),
    Buffer.from([1]),
  ]);
}

const dir = mkdtempSync(join(tmpdir(), 'sessiontoken-profile-'));
const script: ReplayScript = {
  greeting: Buffer.from([0, 36]).toString('base64'),
  // Request length 0: answer once per arrival (one sequential client, one write per request).
  exchanges: [
    { opcode: 3, requestLength: 0, answer: openAnswer.toString('base64') },
    { opcode: 45, requestLength: 0, answer: queryAnswer.toString('base64') },
  ],
};
const file = join(dir, 'script.json');
writeFileSync(file, JSON.stringify(script));
const child = spawn(process.execPath, [join(import.meta.dirname, 'replay-server.ts'), file], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let port = 0;
for await (const line of createInterface({ input: child.stdout })) {
  port = (JSON.parse(line) as { port: number }).port;
  break;
}
const db = new OrientDBSessionProvider({ host: '127.0.0.1', port, database: 'bench' });
db.setSessionToken(true);
await db.open({ username: 'u', password: 'p' });
const ours = async (): Promise<void> => {
  await db.query('SELECT FROM BenchProduct WHERE sku = :sku', { sku: 'SKU-00001' });
};
// The bare side: the same request bytes (what our client writes) and the same answer length.
const request = queryRequestBytes();
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
await new Promise<void>((resolve) => (done = resolve));
wanted = queryAnswer.length;
const bare = (): Promise<void> =>
  new Promise<void>((resolve) => {
    done = resolve;
    socket.write(request);
  });

async function cpuPerCall(ms: number, operation: () => Promise<void>): Promise<{ us: number; calls: number }> {
  const end = performance.now() + ms;
  const cpu = process.cpuUsage();
  let calls = 0;
  while (performance.now() < end) {
    await operation();
    calls++;
  }
  const used = process.cpuUsage(cpu);
  return { us: used.user + used.system, calls };
}

const sides = side === 'both' ? (['ours', 'bare'] as const) : ([side] as const);
const totals = { ours: { us: 0, calls: 0 }, bare: { us: 0, calls: 0 } };
for (const name of sides) await cpuPerCall(500, name === 'ours' ? ours : bare);
const rounds = 10;
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const name of order) {
    const { us, calls } = await cpuPerCall((seconds * 1000) / rounds / sides.length, name === 'ours' ? ours : bare);
    totals[name].us += us;
    totals[name].calls += calls;
  }
}
for (const name of sides)
  console.log(
    `${name}: ${totals[name].calls} queries, ${(totals[name].us / totals[name].calls).toFixed(1)} µs CPU per query`,
  );
if (side === 'both')
  console.log(`ratio ${(totals.ours.us / totals.ours.calls / (totals.bare.us / totals.bare.calls)).toFixed(2)}`);
socket.destroy();
await db.close();
child.kill('SIGTERM');
await once(child, 'exit');
rmSync(dir, { recursive: true, force: true });
