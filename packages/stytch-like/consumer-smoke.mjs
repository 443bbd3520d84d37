// Consumer check for @sessiontoken/stytch-like, run by scripts/consumer-smoke.mjs in a fresh npm project that
// installed the packed tarballs (no pg, no redis): the published build must work as users get it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSessionTokenError } from '@sessiontoken/core';
import { StytchLikeBrowserSessionProvider } from '@sessiontoken/stytch-like';
import { StytchLikeSessionProvider } from '@sessiontoken/stytch-like/node';
import {
  EmbeddedStytchLikeSessionProvider,
  MemorySessionStore,
  StytchLikeSessionService,
  createStytchLikeServer,
  openStore,
} from '@sessiontoken/stytch-like/server';

const password = 'a long and unguessable password';

// The client entry loads no server code and no node: module at all (it runs in browsers).
const loadedByRoot = JSON.parse(
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '--eval',
      `import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.push(result.url); return result; } });
      await import('@sessiontoken/stytch-like');
      process.stdout.write(JSON.stringify(loaded));`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  ),
);
assert.ok(
  loadedByRoot.some((url) => url.endsWith('/@sessiontoken/stytch-like/dist/index.js')),
  'the root entry was not loaded',
);
assert.deepEqual(
  loadedByRoot.filter((url) => /[/\\]node_modules[/\\](fastify|pg|redis)[/\\]|^node:/.test(url)),
  [],
);

// The bin is installed and documents itself.
const help = execFileSync(join('node_modules', '.bin', 'sessiontoken-stytch-like'), ['--help'], {
  encoding: 'utf8',
  timeout: 20_000,
});
assert.match(help, /sessiontoken-stytch-like serve/);

// Optional drivers are loaded only when their store is used, with a message naming the package.
for (const [url, driver] of [
  ['postgres://127.0.0.1:5432/test', 'pg'],
  ['redis://127.0.0.1:6379', 'redis'],
]) {
  let installed = true;
  try {
    import.meta.resolve(driver);
  } catch {
    installed = false;
  }
  if (installed) continue;
  const error = await openStore(url).catch((e) => e);
  assert.equal(error?.code, 'DRIVER_MISSING', `${driver}: ${error}`);
  assert.match(error.message, new RegExp(`npm install ${driver}`));
}

// The HTTP API and the HTTP provider.
const store = new MemorySessionStore();
const service = new StytchLikeSessionService({
  store,
  projectId: 'project-test-consumer',
  passwordHashing: { cost: 2 ** 10 },
});
const server = createStytchLikeServer({ service, secret: 'consumer-secret-1234567890' });
const baseUrl = await server.listen({ port: 0 });
await service.createPasswordUser({ email: 'ada@example.test', password });

const first = new StytchLikeSessionProvider({
  baseUrl,
  projectId: 'project-test-consumer',
  secret: 'consumer-secret-1234567890',
});
const opened = await first.open({ email: 'ada@example.test', password });
first.setSessionToken(true);
const tokens = first.getTokens();
assert.ok(tokens?.sessionToken && tokens.sessionJwt);
const second = new StytchLikeSessionProvider({
  baseUrl,
  projectId: 'project-test-consumer',
  secret: 'consumer-secret-1234567890',
});
assert.equal((await second.setSessionToken(tokens)).sessionId, opened.sessionId);
await first.revoke();
const revoked = await second.authenticate().catch((e) => e);
assert.ok(isSessionTokenError(revoked, 'INVALID_TOKEN', 'REVOKED'), String(revoked));
await first.close();
await second.close();

// The browser provider over the frontend-SDK API, with the project's public token.
const browser = new StytchLikeBrowserSessionProvider({ baseUrl, publicToken: await service.publicToken() });
await browser.open({ email: 'ada@example.test', password });
await browser.authenticate({ durationMinutes: 30 });
await browser.revoke();
await browser.close();
await server.close();
await service.close();
await store.close();

// The embedded default: SQLite through node:sqlite.
const dir = mkdtempSync(join(tmpdir(), 'stytch-like-consumer-'));
try {
  const sqlite = await openStore(`sqlite:${join(dir, 'sessions.sqlite')}`);
  const embeddedService = new StytchLikeSessionService({
    store: sqlite,
    projectId: 'project-test-consumer',
    passwordHashing: { cost: 2 ** 10 },
  });
  await embeddedService.createPasswordUser({ email: 'grace@example.test', password });
  const embedded = new EmbeddedStytchLikeSessionProvider({ service: embeddedService });
  await embedded.open({ email: 'grace@example.test', password });
  await embedded.authenticate({ durationMinutes: 30 });
  await embedded.close();
  await embeddedService.close();
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  '@sessiontoken/stytch-like: published build works (client entry without node: modules, server, HTTP and browser providers, embedded SQLite, bin, optional drivers)',
);
