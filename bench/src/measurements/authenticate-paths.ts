// Compares the ways the service can answer one sessions/authenticate, in one process and without HTTP, in alternating
// rounds so that a busy machine weighs on every side alike:
//   three-calls   a store without recordAccess: find the session, update it, read the user (the path before recordAccess)
//   one-call      the store's recordAccess
//   one-call+reuse  the same with jwtReuseSeconds: 60 (the signature skipped)
// Prints checks per second and this process's CPU time per check (the store's own, for PostgreSQL and Redis, is not in
// it). Development figures for the notes; the documented ones are `pnpm bench`'s.
//   node src/measurements/authenticate-paths.ts [sqlite|postgres|redis] [ES256|RS256|EdDSA] [rounds] [ms per round] [sides]
// `sides` (comma-separated names) runs only those, e.g. one side under `node --cpu-prof` for its profile alone.
import { randomBytes } from 'node:crypto';
import type { SessionJwtAlgorithm } from '@sessiontoken/stytch-like/node';
import { StytchLikeSessionService, type SessionStore } from '@sessiontoken/stytch-like/server';
import { benchStoreLocation, type StoreKind } from './stores.ts';

const kind = (process.argv[2] ?? 'sqlite') as StoreKind;
const jwtAlgorithm = (process.argv[3] ?? 'ES256') as SessionJwtAlgorithm;
const rounds = Number(process.argv[4] ?? 6);
const roundMs = Number(process.argv[5] ?? 1000);
const only = process.argv[6]?.split(',');
const SESSIONS = 256;
const CALLERS = 32;

/** `store` as a store written before recordAccess existed. */
function withoutRecordAccess(store: SessionStore): SessionStore {
  return new Proxy(store, {
    get: (target, property) => {
      if (property === 'recordAccess') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const location = benchStoreLocation(kind, 'paths');
const store = await location.open();
const projectId = `project-test-${randomBytes(6).toString('hex')}`;
const common = { projectId, passwordHashing: { cost: 2 ** 10 }, jwtAlgorithm, sweepIntervalMs: 0 } as const;
const creator = new StytchLikeSessionService({ ...common, store });
const allSides = {
  'three-calls': () => new StytchLikeSessionService({ ...common, store: withoutRecordAccess(store) }),
  'one-call': () => new StytchLikeSessionService({ ...common, store }),
  'one-call+reuse': () => new StytchLikeSessionService({ ...common, store, jwtReuseSeconds: 60 }),
};
const sides = Object.fromEntries(
  Object.entries(allSides)
    .filter(([name]) => !only || only.includes(name))
    .map(([name, make]) => [name, make()]),
);
const totals = Object.fromEntries(Object.keys(sides).map((name) => [name, { checks: 0, ms: 0, cpuUs: 0 }]));
try {
  const tokens: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const created = await creator.createPasswordUser({
      email: `paths-${i}-${randomBytes(4).toString('hex')}@example.test`,
      password: 'a bench password that is long enough',
    });
    tokens.push(created.sessionToken);
  }
  let next = 0;
  const round = async (service: StytchLikeSessionService, ms: number) => {
    const deadline = performance.now() + ms;
    let checks = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (performance.now() < deadline) {
          await service.authenticateSession({ sessionToken: tokens[next++ % tokens.length]! });
          checks++;
        }
      }),
    );
    return checks;
  };
  for (const service of Object.values(sides)) await round(service, 300);
  for (let r = 0; r < rounds; r++) {
    // Each round in another order, so that no side always follows the same one.
    const order = Object.entries(sides);
    if (r % 2 === 1) order.reverse();
    for (const [name, service] of order) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      const checks = await round(service, roundMs);
      const total = totals[name]!;
      total.ms += performance.now() - start;
      total.checks += checks;
      const used = process.cpuUsage(cpu);
      total.cpuUs += used.user + used.system;
    }
  }
  console.log(
    `${kind}, ${jwtAlgorithm}, ${CALLERS} callers over ${SESSIONS} sessions, ${rounds} × ${roundMs} ms per side`,
  );
  for (const [name, total] of Object.entries(totals)) {
    const perSecond = Math.round((total.checks / total.ms) * 1000);
    const cpuPerCheck = (total.cpuUs / total.checks).toFixed(0);
    console.log(`  ${name.padEnd(15)} ${String(perSecond).padStart(7)}/s  ${cpuPerCheck.padStart(5)} µs CPU per check`);
  }
} finally {
  await Promise.all([creator, ...Object.values(sides)].map((service) => service.close()));
  await store.close();
  await location.remove();
}
