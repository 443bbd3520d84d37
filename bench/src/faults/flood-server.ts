// The Stytch-like server of the flood figure, in its own process: the library's defaults (scrypt N = 2^17, the default
// hashing queue, the default brute-force limits) over SQLite, with X-Forwarded-For trusted so that each flood client
// can come from an address of its own, as a botnet's do. Prints `listening on <url>`; stops on SIGTERM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';

const projectId = process.env['FLOOD_PROJECT_ID'] ?? '';
const secret = process.env['FLOOD_SECRET'] ?? '';
const dir = mkdtempSync(join(tmpdir(), 'stytch-like-flood-'));
const store = await SqliteSessionStore.open({ path: join(dir, 'sessions.sqlite') });
const logCost = Number(process.env['FLOOD_SCRYPT_LOG_COST'] ?? 17);
const service = new StytchLikeSessionService({
  store,
  projectId,
  sweepIntervalMs: 0,
  passwordHashing: { cost: 2 ** logCost },
});
const server = createStytchLikeServer({ service, secret, trustProxy: true });
const url = await server.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening on ${url}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await service.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
