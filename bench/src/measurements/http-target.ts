// The servers autocannon loads, in their own process so that the load generator does not share their event loop:
// the Stytch-like server over one store, and its peer: the bare-Fastify floor that answers the same request with a
// body of the same size, or better-auth on SQLite (better-auth-peer.ts) answering its session endpoint. Started with
// `fork()` by authenticate.ts (arguments: store, sessions, JWT algorithm, JWT reuse seconds, peer); talks over the IPC channel:
//   child → parent  { type: 'ready', target }      once both servers listen and the sessions exist
//   parent → child  { type: 'close' }              close everything, then exit
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import Fastify from 'fastify';
import type { SessionJwtAlgorithm } from '@sessiontoken/stytch-like/node';
import { StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';
import { startBetterAuth, type BetterAuthPeer } from './better-auth-peer.ts';
import { benchStoreLocation, type StoreKind } from './stores.ts';
import { Teardown } from '../shared/cleanup.ts';

export interface HttpTarget {
  readonly store: StoreKind;
  readonly oursUrl: string;
  /** The floor's origin, when the peer is the floor. */
  readonly floorUrl: string | null;
  /** better-auth's origin and one session cookie per user, when the peer is better-auth. */
  readonly betterAuth: BetterAuthPeer | null;
  readonly authorization: string;
  /** One `POST /v1/sessions/authenticate` body per session, cycled through by the load generator. */
  readonly bodies: readonly string[];
  /** Bytes of our authenticate response, which the floor's answer matches exactly. */
  readonly responseBytes: number;
}

/** What answers beside our server: the bare-HTTP floor, or better-auth. */
export type TargetPeer = 'floor' | 'better-auth';

export type TargetMessage =
  { readonly type: 'ready'; readonly target: HttpTarget } | { readonly type: 'failed'; readonly message: string };

const PATH = '/v1/sessions/authenticate';

async function start(
  kind: StoreKind,
  sessions: number,
  jwtAlgorithm: SessionJwtAlgorithm,
  jwtReuseSeconds: number,
  peer: TargetPeer,
  teardown: Teardown,
): Promise<HttpTarget> {
  const projectId = `project-test-${randomBytes(6).toString('hex')}`;
  const secret = `secret-${randomBytes(18).toString('base64url')}`;
  const location = teardown.add(benchStoreLocation(kind, 'http'), `${kind} store data`, (l) => l.remove());
  const store = teardown.add(await location.open(), `${kind} store`, (s) => s.close());
  // scrypt is lowered only to create the sessions quickly; authenticate never hashes a password.
  const service = teardown.add(
    new StytchLikeSessionService({
      store,
      projectId,
      passwordHashing: { cost: 2 ** 10 },
      jwtAlgorithm,
      jwtReuseSeconds,
    }),
    'service',
    (s) => s.close(),
  );
  const server = teardown.add(createStytchLikeServer({ service, secret }), 'Stytch-like server', (s) => s.close());
  const oursUrl = await server.listen({ port: 0, host: '127.0.0.1' });

  const bodies: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const created = await service.createPasswordUser({
      email: `bench-${i}-${randomBytes(4).toString('hex')}@example.test`,
      password: 'a bench password that is long enough',
      sessionDurationMinutes: 60,
      attributes: { ipAddress: '127.0.0.1', userAgent: 'autocannon' },
    });
    bodies.push(JSON.stringify({ session_token: created.sessionToken }));
  }
  const authorization = `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}`;

  // The floor answers with a real authenticate response, captured once: the same bytes and shape as ours.
  const sample = await fetch(`${oursUrl}${PATH}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: bodies[0]!,
  });
  const response = await sample.text();
  if (sample.status !== 200) throw new Error(`authenticate answered ${sample.status}: ${response.slice(0, 200)}`);
  const common = { store: kind, oursUrl, authorization, bodies, responseBytes: Buffer.byteLength(response) };
  if (peer === 'better-auth') {
    if (kind !== 'sqlite') throw new Error('better-auth is measured against the SQLite store only');
    // Its SQLite file beside ours: the same directory, so the same file system.
    const betterAuth = await startBetterAuth(dirname(location.where), sessions, teardown);
    return { ...common, floorUrl: null, betterAuth };
  }
  const floor = teardown.add(Fastify(), 'floor server', (f) => f.close());
  floor.post(PATH, async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(response),
  );
  await floor.listen({ port: 0, host: '127.0.0.1' });
  const address = floor.server.address();
  if (address === null || typeof address === 'string') throw new Error('the floor server has no TCP address');
  return { ...common, floorUrl: `http://127.0.0.1:${address.port}`, betterAuth: null };
}

async function main(): Promise<void> {
  const kind = process.argv[2] as StoreKind;
  const sessions = Number(process.argv[3] ?? 256);
  const jwtAlgorithm = (process.argv[4] ?? 'RS256') as SessionJwtAlgorithm;
  const jwtReuseSeconds = Number(process.argv[5] ?? 0);
  const peer = (process.argv[6] ?? 'floor') as TargetPeer;
  const teardown = new Teardown();
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= teardown.closeAll().then((failures) => {
      for (const failure of failures) console.error(`http-target: cleanup failed: ${failure}`);
      process.disconnect?.();
    });
    return closing;
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'close') void close();
  });
  // The parent went away: nobody will ask us to close, so close now.
  process.on('disconnect', () => void close());
  try {
    const target = await start(kind, sessions, jwtAlgorithm, jwtReuseSeconds, peer, teardown);
    process.send!({ type: 'ready', target } satisfies TargetMessage);
  } catch (error) {
    process.send!({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies TargetMessage);
    await close();
  }
}

await main();
