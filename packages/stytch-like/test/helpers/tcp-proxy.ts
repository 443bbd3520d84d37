import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis) that breaks connections on demand, as a network or a
 * crashed peer would: after `cutWhen(marker)` a connection whose client sends bytes containing `marker` is reset
 * before they are forwarded (the request never arrives); after `refuse(true)` new connections are reset at once.
 * In front of Redis, `redisCommands()` counts the commands clients sent through it.
 */
export async function startTcpProxy(upstreamUrl: string) {
  const upstream = new URL(upstreamUrl);
  const upstreamPort = Number(upstream.port);
  const sockets = new Set<Socket>();
  let marker: string | null = null;
  let refusing = false;
  let cuts = 0;
  let redisCommands = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    return socket;
  };
  const server = createServer((client) => {
    track(client);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const target = track(connect({ host: upstream.hostname, port: upstreamPort }));
    // The end of the previous chunk, so that a marker split across two chunks is still seen.
    let tail = '';
    const commands = new RespCommandCounter();
    client.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      if (marker !== null && text.includes(marker)) {
        cuts++;
        target.destroy();
        client.resetAndDestroy();
        return;
      }
      tail = text.slice(-256);
      redisCommands += commands.count(chunk);
      target.write(chunk);
    });
    target.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => target.destroy());
    target.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    /** `upstreamUrl` with the proxy's host and port. */
    url: (() => {
      const url = new URL(upstreamUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    })(),
    /** Resets each connection that sends `text` from now on; `null` forwards everything again. */
    cutWhen(text: string | null) {
      marker = text;
    },
    /**
     * Resets every open connection now. With `cutWhen`, for clients that send a statement's text once per connection
     * (PostgreSQL prepared statements): their new connections send it again, and meet the marker.
     */
    resetAll() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    /** Resets new connections at once (`true`), or accepts them again (`false`). */
    refuse(on: boolean) {
      refusing = on;
    },
    /** How many connections were cut on a marker. */
    cuts: () => cuts,
    /** How many Redis commands clients sent through the proxy (meaningful in front of Redis only). */
    redisCommands: () => redisCommands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Counts the commands in a client's side of a RESP connection, chunk by chunk: each is an array of bulk strings
 * (`*<n>` then `$<length>` and the bytes, each line ending in CRLF).
 */
class RespCommandCounter {
  #pending = Buffer.alloc(0);
  /** Bulk strings still to read in the current command. */
  #bulks = 0;
  /** Set on the first bytes that are not RESP (a PostgreSQL connection): nothing is counted from then on. */
  #notResp = false;

  count(chunk: Buffer): number {
    if (this.#notResp) return 0;
    this.#pending = Buffer.concat([this.#pending, chunk]);
    let counted = 0;
    for (;;) {
      if (this.#bulks === 0 && this.#pending.length > 0 && this.#pending[0] !== 0x2a /* '*' */) {
        this.#notResp = true;
        this.#pending = Buffer.alloc(0);
        return counted;
      }
      const end = this.#pending.indexOf('\r\n');
      if (end < 0) return counted;
      const line = this.#pending.subarray(0, end).toString('latin1');
      if (this.#bulks === 0) {
        this.#bulks = Number(line.slice(1));
        counted++;
        this.#pending = this.#pending.subarray(end + 2);
        continue;
      }
      const length = Number(line.slice(1));
      if (this.#pending.length < end + 2 + length + 2) return counted;
      this.#pending = this.#pending.subarray(end + 2 + length + 2);
      this.#bulks--;
    }
  }
}
