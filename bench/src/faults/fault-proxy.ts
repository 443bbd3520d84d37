// A loopback TCP proxy in front of a real server that damages one response: it closes the connection in the middle
// of it, or corrupts its bytes.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { LOOPBACK } from './config.ts';

/** Cut a response after forwarding `atByte` of its bytes: `fin` ends the client socket normally, `rst` resets it. */
export interface CutSpec {
  readonly kind: 'cut';
  readonly atByte: number;
  readonly close: 'fin' | 'rst';
}

/** One change to a byte of a response, at `position` (taken modulo the chunk's length): flip a bit, or overwrite it. */
export interface ByteEdit {
  readonly position: number;
  readonly op: 'xor' | 'set';
  readonly value: number;
}

/**
 * Corrupt the first chunk of a response with `edits`, forward it, then end the connection: the client gets damaged
 * bytes, and a close instead of whatever it would still wait for.
 */
export interface CorruptSpec {
  readonly kind: 'corrupt';
  readonly edits: readonly ByteEdit[];
}

export type FaultSpec = CutSpec | CorruptSpec;

/**
 * Decides for each response whether to damage it. Connections are numbered from 0 in arrival order; on each, response
 * 0 is what the server sends before the first request (OrientDB's greeting, nothing for HTTP), response n answers the
 * client's n-th burst of bytes.
 */
export type FaultPolicy = (connection: number, response: number) => FaultSpec | null;

/** What one connection through the proxy looked like: the bytes of each response, and the one it damaged. */
export interface ConnectionRecord {
  readonly connection: number;
  readonly responseBytes: number[];
  faulted: { readonly response: number; readonly spec: FaultSpec } | null;
}

export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Responses damaged so far. */
  readonly faults: number;
  /** Every connection's record, in arrival order. */
  readonly records: readonly ConnectionRecord[];
  /** Replaces the policy (for responses that start from now on). */
  setPolicy(policy: FaultPolicy): void;
  /** Damages the next response on `connection`, or response `nextConnectionResponse` of the next connection. */
  faultNext(spec: FaultSpec, where: { connection: number } | { nextConnectionResponse: number }): void;
  /** Stops listening and destroys every socket. Idempotent. */
  close(): Promise<void>;
}

function corrupted(chunk: Buffer, edits: readonly ByteEdit[]): Buffer {
  const bytes = Buffer.from(chunk);
  if (bytes.length === 0) return bytes;
  for (const edit of edits) {
    const at = edit.position % bytes.length;
    bytes[at] = edit.op === 'xor' ? bytes[at]! ^ (1 << (edit.value % 8)) : edit.value & 0xff;
  }
  return bytes;
}

/**
 * Starts a proxy on a free loopback port forwarding byte for byte to `upstreamPort`. A client burst starts a new
 * exchange; what the server sends until the next burst is that exchange's response.
 */
export async function startFaultProxy(options: { upstreamPort: number }): Promise<FaultProxy> {
  let policy: FaultPolicy = () => null;
  const sockets = new Set<Socket>();
  const records: ConnectionRecord[] = [];
  let faults = 0;
  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Resets are what this proxy is for; an unhandled 'error' would crash the run.
    socket.on('error', () => {});
    return socket;
  };

  const server: Server = createServer((client) => {
    track(client);
    const record: ConnectionRecord = { connection: records.length, responseBytes: [0], faulted: null };
    records.push(record);
    const upstream = track(connect({ host: LOOPBACK, port: options.upstreamPort }));
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let plan = policy(record.connection, 0);
    let lastFromClient = false;
    let done = false;

    client.on('data', (chunk: Buffer) => {
      if (done) return;
      if (!lastFromClient) {
        record.responseBytes.push(0);
        plan = policy(record.connection, record.responseBytes.length - 1);
      }
      lastFromClient = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (done) return;
      lastFromClient = false;
      const response = record.responseBytes.length - 1;
      const before = record.responseBytes[response]!;
      if (plan?.kind === 'cut' && before + chunk.length > plan.atByte) {
        done = true;
        record.faulted = { response, spec: plan };
        faults++;
        record.responseBytes[response] = plan.atByte;
        const head = chunk.subarray(0, plan.atByte - before);
        upstream.destroy();
        if (plan.close === 'fin') client.end(head);
        else client.write(head, () => client.resetAndDestroy());
        return;
      }
      if (plan?.kind === 'corrupt') {
        done = true;
        record.faulted = { response, spec: plan };
        faults++;
        record.responseBytes[response] = before + chunk.length;
        upstream.destroy();
        client.end(corrupted(chunk, plan.edits));
        return;
      }
      record.responseBytes[response] = before + chunk.length;
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!done) client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the fault proxy has no address');
  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    get connections() {
      return records.length;
    },
    get faults() {
      return faults;
    },
    records,
    setPolicy(next) {
      policy = next;
    },
    faultNext(spec, where) {
      if ('connection' in where) {
        const response = records[where.connection]!.responseBytes.length;
        policy = (c, r) => (c === where.connection && r === response ? spec : null);
      } else {
        const connection = records.length;
        policy = (c, r) => (c === connection && r === where.nextConnectionResponse ? spec : null);
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
