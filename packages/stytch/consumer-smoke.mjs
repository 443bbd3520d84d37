// Consumer check for the published @sessiontoken/stytch, run by scripts/consumer-smoke.mjs in a fresh npm project
// that installed the published packages (the official `stytch` SDK comes in as the peer npm installs): the provider
// opens, reattaches elsewhere and revokes against a Stytch-like server from the published @sessiontoken/stytch-like.
import assert from 'node:assert/strict';
import { isSessionTokenError } from '@sessiontoken/core';
import { StytchSessionProvider, STYTCH_CAPABILITIES } from '@sessiontoken/stytch';
import { MemorySessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like';

const projectId = 'project-test-consumer';
const secret = 'consumer-secret-1234567890';
const password = 'a long and unguessable password';
const warn = console.warn;
// The SDK warns about a custom env (this loopback origin); hosted Stytch needs none.
console.warn = () => {};
try {
  assert.equal(Object.isFrozen(STYTCH_CAPABILITIES), true);
  assert.throws(
    () => new StytchSessionProvider({ projectId, secret, baseUrl: 'http://example.test' }),
    (error) => isSessionTokenError(error, 'INVALID_ARGUMENT'),
  );

  const store = new MemorySessionStore();
  const service = new StytchLikeSessionService({ store, projectId, passwordHashing: { cost: 2 ** 10 } });
  const server = createStytchLikeServer({ service, secret, logger: false });
  const baseUrl = await server.listen({ port: 0, host: '127.0.0.1' });
  await service.createPasswordUser({ email: 'ada@example.test', password });

  const first = new StytchSessionProvider({ projectId, secret, baseUrl });
  first.setSessionToken(true);
  const opened = await first.open({ email: 'ada@example.test', password });
  const second = new StytchSessionProvider({ projectId, secret, baseUrl });
  assert.equal((await second.setSessionToken(first.getTokens())).sessionId, opened.sessionId);
  await first.revoke();
  await assert.rejects(second.authenticate(), (error) => isSessionTokenError(error, 'INVALID_TOKEN', 'REVOKED'));
  await first.close();
  await second.close();
  await server.close();
  await service.close();
  await store.close();
} finally {
  console.warn = warn;
}
console.log('@sessiontoken/stytch: open, reattach elsewhere and revoke work from the published package');
