import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a hostile server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** A plain HTTP server on a free loopback port that answers however a test tells it to. */
export interface HostileServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  openSockets(): number;
  close(): Promise<void>;
}

export async function startHostileServer(
  answer: (request: SeenRequest, response: ServerResponse) => void,
): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const seen = {
        method: request.method ?? '',
        path: (request.url ?? '').split('?')[0] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      answer(seen, response);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    openSockets: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` as JSON with `status`. */
export function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** A session in the shape the Stytch API returns it. */
export function stytchSession(sessionId: string, userId = 'user-test-1'): Record<string, unknown> {
  const now = Date.now();
  return {
    session_id: sessionId,
    user_id: userId,
    started_at: new Date(now).toISOString(),
    last_accessed_at: new Date(now).toISOString(),
    expires_at: new Date(now + 60 * 60_000).toISOString(),
    attributes: { ip_address: '', user_agent: '' },
    authentication_factors: [],
    custom_claims: {},
    roles: ['stytch_user'],
  };
}
