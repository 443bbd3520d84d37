// Free loopback ports, and probes that tell whether an OrientDB server answers on one.
import net from 'node:net';
import tls from 'node:tls';
import { HOST } from './defaults.js';

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port, exclusive: true }, () => resolve(srv));
  });
}

function closeServer(srv: net.Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

/** Returns `count` distinct free TCP ports on 127.0.0.1 (all held open together while choosing). */
export async function findFreePorts(count = 1): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOn(0));
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/** true when nothing listens on 127.0.0.1:port (we could bind it). */
export async function isPortFree(port: number): Promise<boolean> {
  try {
    await closeServer(await listenOn(port));
    return true;
  } catch {
    return false;
  }
}

/** Throws unless `value` is a TCP port number; passes `undefined` through. */
export function checkPort(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`${name} must be an integer 1..65535, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Connects to the binary port (over TLS trusting `ca`, when given) and reads the 2-byte protocol version the server
 * writes on accept. Resolves the version number, or null when nothing (valid) answers within timeoutMs.
 */
export function probeBinaryPort(
  port: number,
  { host = HOST, timeoutMs = 1000, ca }: { host?: string; timeoutMs?: number; ca?: string } = {},
): Promise<number | null> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = ca === undefined ? net.connect({ host, port }) : tls.connect({ host, port, ca });
    const finish = (v: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2) {
        const v = buf.readInt16BE(0);
        finish(v > 0 && v < 1000 ? v : null);
      }
    });
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
  });
}

/** Resolves true once something accepts a TCP connection on the port, false on error or after timeoutMs. */
export function probeTcp(
  port: number,
  { host = HOST, timeoutMs = 1000 }: { host?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const finish = (v: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => finish(true));
    sock.on('error', () => finish(false));
  });
}
