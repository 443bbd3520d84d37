import { createServer, type Server, type Socket } from 'node:net';
import { SessionTokenError } from '@sessiontoken/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OrientDBConnection } from '../src/protocol/connection.js';
import { databaseSizeRequest } from '../src/protocol/requests.js';
import { findFreePorts } from '@sessiontoken/orientdb-server';

// These peers are not OrientDB: they misbehave on purpose (silence, garbage) to prove the client's time limits
// and frame checks. Everything about OrientDB's own behaviour is tested against the real server.
const peers: { server: Server; sockets: Set<Socket> }[] = [];

async function hostilePeer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peers.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  for (const { server, sockets } of peers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function rejection(promise: Promise<unknown>): Promise<SessionTokenError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SessionTokenError);
    return error as SessionTokenError;
  }
  throw new Error('expected a rejection');
}

const TOKEN = new Uint8Array(40);

describe('OrientDBConnection', () => {
  it('rejects with UNAVAILABLE when nothing listens on the port', async () => {
    const [port] = await findFreePorts(1);
    const error = await rejection(OrientDBConnection.open({ host: '127.0.0.1', port: port!, timeoutMs: 2000 }));
    expect(error.code).toBe('UNAVAILABLE');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('gives up with UNAVAILABLE when the server never greets', async () => {
    const port = await hostilePeer(() => undefined);
    const started = Date.now();
    const error = await rejection(OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 300 }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses a server older than protocol 36 with PROTOCOL', async () => {
    const port = await hostilePeer((socket) => socket.write(Uint8Array.of(0, 26)));
    expect((await rejection(OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 2000 }))).code).toBe(
      'PROTOCOL',
    );
  });

  it('fails a request with UNAVAILABLE when the answer does not come in time, and every queued one with it', async () => {
    const port = await hostilePeer((socket) => socket.write(Uint8Array.of(0, 38)));
    const connection = await OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 300 });
    const first = rejection(connection.send(databaseSizeRequest(1, TOKEN)));
    const second = rejection(connection.send(databaseSizeRequest(1, TOKEN)));
    expect((await first).code).toBe('UNAVAILABLE');
    expect((await second).code).toBe('UNAVAILABLE');
    expect(connection.isOpen).toBe(false);
    await connection.close();
  });

  it('fails with PROTOCOL on a malformed answer and does not read past it', async () => {
    const port = await hostilePeer((socket) => {
      socket.write(Uint8Array.of(0, 38));
      socket.once('data', () => socket.write(Uint8Array.of(7, 0, 0, 0, 1, 0xff, 0xff)));
    });
    const connection = await OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect((await rejection(connection.send(databaseSizeRequest(1, TOKEN)))).code).toBe('PROTOCOL');
    expect((await rejection(connection.send(databaseSizeRequest(1, TOKEN)))).code).toBe('PROTOCOL');
    await connection.close();
  });

  it('fails with PROTOCOL when the server talks without being asked', async () => {
    let peer: Socket | undefined;
    const port = await hostilePeer((socket) => {
      peer = socket;
      socket.write(Uint8Array.of(0, 38));
    });
    const connection = await OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    peer!.write(Uint8Array.of(1, 2, 3));
    const deadline = Date.now() + 2000;
    while (connection.isOpen && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await rejection(connection.send(databaseSizeRequest(1, TOKEN)))).code).toBe('PROTOCOL');
    await connection.close();
  });

  it('rejects with UNAVAILABLE when the server resets the connection mid-answer', async () => {
    const port = await hostilePeer((socket) => {
      socket.write(Uint8Array.of(0, 38));
      socket.once('data', () => {
        socket.write(Uint8Array.of(0, 0, 0, 0, 1));
        socket.resetAndDestroy();
      });
    });
    const connection = await OrientDBConnection.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect((await rejection(connection.send(databaseSizeRequest(1, TOKEN)))).code).toBe('UNAVAILABLE');
    await connection.close();
  });
});
