// The one place in the example that names an adapter package. Everything else sees core types and ShopBackend.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '@sessiontoken/core';
import {
  OrientDBSessionPool,
  type OrientDBPooledSessionProvider,
  type OrientDBTokenProvider,
} from '@sessiontoken/orientdb';
import { readRunState, RunStateError, type RunState } from '@sessiontoken/orientdb-server';
import { StytchLikeApiError, type StytchLikeSessionAttributes } from '@sessiontoken/stytch-like';
import {
  EmbeddedStytchLikeSessionProvider,
  StytchLikeSessionService,
  openStore,
} from '@sessiontoken/stytch-like/server';
import { ConfigError, type ExampleConfig, type OrientDBEndpoint } from './config.js';
import type { ShopBackend } from './shop-backend.js';

/** The shop's demo account on the embedded Stytch-like service. */
const STYTCH_DEMO_USER = { login: 'shopper@example.com', password: 'correct horse battery staple' };
const STYTCH_PROJECT_ID = 'project-test-example-shop';

/** Makes the backend the configuration names. */
export async function createShopBackend(config: ExampleConfig): Promise<ShopBackend> {
  return config.provider === 'orientdb' ? createOrientDBBackend(config) : createStytchLikeBackend(config);
}

/** The embedded Stytch-like service over a SQLite file in the data directory: no server to install. */
async function createStytchLikeBackend(config: ExampleConfig): Promise<ShopBackend<EmbeddedStytchLikeSessionProvider>> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = await openStore(`sqlite:${join(config.dataDir, 'sessions.sqlite')}`);
  const service = new StytchLikeSessionService({ projectId: STYTCH_PROJECT_ID, store });
  try {
    const { session } = await service.createPasswordUser({
      email: STYTCH_DEMO_USER.login,
      password: STYTCH_DEMO_USER.password,
    });
    await service.revokeSession({ sessionId: session.session_id });
  } catch (error) {
    if (!(error instanceof StytchLikeApiError && error.errorType === 'duplicate_email')) {
      await service.close();
      await store.close();
      throw error;
    }
  }
  return {
    name: 'stytch-like',
    loginLabel: 'Email',
    demoUser: STYTCH_DEMO_USER,
    createProvider: () => new EmbeddedStytchLikeSessionProvider({ service }),
    // The email rides along as a custom claim, so every reattached session can greet its user without a lookup.
    logIn: (provider, login, password) =>
      provider.open({ email: login, password }, { sessionCustomClaims: { email: login } }),
    displayName: (session) => emailOf(session) ?? session.subject,
    async work(provider) {
      const session = provider.getSession();
      const tokens = provider.getTokens();
      return {
        title: 'Your Stytch-like session',
        lines: [
          `user:     ${session?.subject ?? 'none'}${session && emailOf(session) ? ` (${emailOf(session)})` : ''}`,
          `session:  ${session?.sessionId ?? 'none'}`,
          `started:  ${session?.startedAt?.toISOString() ?? 'unknown'}`,
          `expires:  ${session?.expiresAt?.toISOString() ?? 'unknown'}`,
          `jwt:      ${tokens?.sessionJwt ? 'a five-minute session JWT is held alongside the token' : 'none'}`,
        ],
      };
    },
    async close() {
      await service.close();
      await store.close();
    },
  };
}

function emailOf(session: SessionInfo): string | undefined {
  const email = (session.attributes as Partial<StytchLikeSessionAttributes>).customClaims?.['email'];
  return typeof email === 'string' ? email : undefined;
}

/** The server `ORIENTDB_*` names, or else the one `pnpm --filter @sessiontoken/orientdb server:start` recorded. */
function orientdbEndpoint(config: ExampleConfig): OrientDBEndpoint {
  if (config.orientdb) return config.orientdb;
  const stateFile = config.orientdbStateFile;
  let state: RunState | null;
  try {
    state = readRunState(stateFile);
  } catch (error) {
    if (error instanceof RunStateError) throw new ConfigError(error.message);
    throw error;
  }
  if (!state) {
    throw new ConfigError(
      `no OrientDB server: start one with \`pnpm --filter @sessiontoken/orientdb server:start\` (or \`pnpm start -- --provider orientdb\`), or set ORIENTDB_PORT, ORIENTDB_USER and ORIENTDB_PASSWORD`,
    );
  }
  return {
    host: state.host,
    port: state.binaryPort,
    database: state.database,
    demoUser: state.dbUser && state.dbPassword ? { login: state.dbUser, password: state.dbPassword } : null,
  };
}

/** Sockets the shop's OrientDB pool may hold: requests beyond that wait their turn (the server reads a socket's requests one at a time). */
const ORIENTDB_SOCKETS = 8;

const SEED_DEVICES = [
  { name: 'Thermostat', zone: 'hallway' },
  { name: 'Kettle', zone: 'kitchen' },
  { name: 'Fridge', zone: 'kitchen' },
  { name: 'Lamp', zone: 'living room' },
  { name: 'Speaker', zone: 'living room' },
];

/** Creates the `Device` class and its records once, so the CLI has something to query. */
async function seedDevices(provider: OrientDBTokenProvider): Promise<void> {
  await provider.command('CREATE CLASS Device IF NOT EXISTS');
  const [row] = await provider.query('SELECT count(*) AS n FROM Device');
  if (Number(row?.['n'] ?? 0) === 0) {
    for (const device of SEED_DEVICES)
      await provider.command('INSERT INTO Device SET name = :name, zone = :zone', device);
  }
}

/**
 * Token sessions against an OrientDB server the orientdb package's script started (or the one the env names), over
 * one pool of sockets: each request's provider borrows them, so reattaching with a cookie's token opens no socket.
 */
async function createOrientDBBackend(config: ExampleConfig): Promise<ShopBackend<OrientDBPooledSessionProvider>> {
  const endpoint = orientdbEndpoint(config);
  const pool = new OrientDBSessionPool({
    host: endpoint.host,
    port: endpoint.port,
    database: endpoint.database,
    maxSockets: ORIENTDB_SOCKETS,
  });
  return {
    name: 'orientdb',
    loginLabel: 'Username',
    demoUser: endpoint.demoUser,
    createProvider: () => pool.createProvider(),
    async logIn(provider, login, password) {
      const session = await provider.open({ username: login, password });
      // The first session on a fresh database seeds what the CLI shows; later ones find it there.
      await seedDevices(provider);
      return session;
    },
    displayName: (session) => {
      const userName = session.attributes['userName'];
      return typeof userName === 'string' && userName ? userName : session.subject;
    },
    async work(provider) {
      const rows = await provider.query('SELECT name, zone FROM Device ORDER BY zone, name');
      const byZone = new Map<string, string[]>();
      for (const row of rows) {
        const zone = typeof row['zone'] === 'string' ? row['zone'] : '';
        byZone.set(zone, [...(byZone.get(zone) ?? []), typeof row['name'] === 'string' ? row['name'] : '']);
      }
      return {
        title: `Devices by zone (database ${endpoint.database})`,
        lines: [...byZone].map(([zone, names]) => `${zone}: ${names.join(', ')}`),
      };
    },
    close: () => pool.close(),
  };
}
