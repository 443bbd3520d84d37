// The Stytch-like server of the flood figure, in its own process: the library's defaults (scrypt parameters, the
// hashing queue, the brute-force limits) over SQLite, with X-Forwarded-For trusted so that each flood client
// can come from an address of its own, as a botnet's do. Prints `listening on <url>`; stops on SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  SqliteSessionStore,
  StytchLikeSessionService,
  createStytchLikeServer,
} from '@sessiontoken/stytch-like/server';

const projectId = process.env['FLOOD_PROJECT_ID'] ?? '';
const secret = process.env['FLOOD_SECRET'] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'stytch-like-flood-'));
const store = await SqliteSessionStore.open({ path: join(dir, 'sessions.sqlite') });
// The short test lowers the cost; the documented run keeps the defaults.
const cost = 2 ** Number(process.env['FLOOD_SCRYPT_LOG_COST'] ?? Math.log2(DEFAULT_SCRYPT_PARAMETERS.cost));
const parallelization = Number(process.env['FLOOD_SCRYPT_P'] ?? DEFAULT_SCRYPT_PARAMETERS.parallelization);
const service = new StytchLikeSessionService({
  store,
  projectId,
  sweepIntervalMs: 0,
  passwordHashing: { cost, parallelization },
});
const server = createStytchLikeServer({ service, secret, trustProxy: true });
const url = await server.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  `listening on ${url} scrypt ${JSON.stringify({ logCost: Math.log2(cost), blockSize: DEFAULT_SCRYPT_PARAMETERS.blockSize, parallelization })}\n`,
);
process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await service.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
