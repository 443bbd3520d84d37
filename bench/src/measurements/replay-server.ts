// A stand-in OrientDB server for CPU figures: it greets like the real one and answers each request with bytes captured
// from the real server for that request's opcode, doing no work of its own. Runs in its own process so its CPU is
// not counted against the client:  node replay-server.ts <script.json>   (prints the port it listens on)
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';

/**
 * What to replay: the greeting, and per opcode the request length to wait for (0: whatever arrived) and the answer.
 */
export interface ReplayScript {
  readonly greeting: string;
  readonly exchanges: readonly { readonly opcode: number; readonly requestLength: number; readonly answer: string }[];
}

function serve(script: ReplayScript, socket: Socket): void {
  const exchanges = new Map(
    script.exchanges.map((e) => [
      e.opcode,
      { requestLength: e.requestLength, answer: Buffer.from(e.answer, 'base64') },
    ]),
  );
  let pending: Buffer = Buffer.alloc(0);
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.write(Buffer.from(script.greeting, 'base64'));
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length === 0) return;
      const exchange = exchanges.get(pending[0]!);
      // Anything else (DB_CLOSE at the end) gets no answer: the client closes next.
      if (!exchange) {
        pending = Buffer.alloc(0);
        return;
      }
      if (pending.length < exchange.requestLength) return;
      pending = exchange.requestLength === 0 ? Buffer.alloc(0) : pending.subarray(exchange.requestLength);
      socket.write(exchange.answer);
    }
  });
}

if (import.meta.main) {
  const script = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ReplayScript;
  const server = createServer((socket) => serve(script, socket));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
  });
  process.on('SIGTERM', () => {
    server.close();
    process.exit(0);
  });
}
