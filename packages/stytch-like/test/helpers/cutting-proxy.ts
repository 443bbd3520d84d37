import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server that closes the first connection in the middle of its `response`-th answer
 * (after `atByte` bytes of it), with a FIN or a reset. Counts the requests (client bursts) it forwarded.
 */
export async function startCuttingProxy(
  upstreamUrl: string,
  cut: { response: number; atByte: number; close: 'fin' | 'rst' },
) {
  const upstreamPort = Number(new URL(upstreamUrl).port);
  const sockets = new Set<Socket>();
  let connections = 0;
  let requests = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    return socket;
  };
  const server = createServer((client) => {
    const cutHere = connections++ === 0;
    track(client);
    const upstream = track(connect({ host: '127.0.0.1', port: upstreamPort }));
    let response = 0;
    let sent = 0;
    let lastFromClient = false;
    client.on('data', (chunk) => {
      if (!lastFromClient) {
        requests++;
        response++;
        sent = 0;
      }
      lastFromClient = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      lastFromClient = false;
      if (cutHere && response === cut.response && sent + chunk.length > cut.atByte) {
        const head = chunk.subarray(0, cut.atByte - sent);
        upstream.destroy();
        if (cut.close === 'fin') client.end(head);
        else client.write(head, () => client.resetAndDestroy());
        return;
      }
      sent += chunk.length;
      client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Requests forwarded to the server, retries included. */
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
