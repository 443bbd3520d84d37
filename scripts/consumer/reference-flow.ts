// Runs in a fresh npm project that installed the packed tarballs: type-checked by tsc, run by node.
import assert from 'node:assert/strict';
import {
  SessionTokenError,
  isCookieSafeToken,
  isSessionTokenError,
  type SessionTokenProvider,
} from '@sessiontoken/core';
import {
  MemorySessionBackend,
  MemorySessionProvider,
  sessionTokenContract,
  type MemoryCredentials,
} from '@sessiontoken/contract';

assert.equal(typeof sessionTokenContract, 'function');

const backend = new MemorySessionBackend();
backend.addUser('ada', 'correct horse battery staple');

// Process A: open with credentials, enable tokens, read the token.
const first: SessionTokenProvider<MemoryCredentials> = new MemorySessionProvider(backend);
const opened = await first.open({ username: 'ada', password: 'correct horse battery staple' });
assert.equal(first.getSessionToken(), '', 'token mode is off by default');
first.setSessionToken(true);
const token = first.getSessionToken();
assert.ok(isCookieSafeToken(token), 'a cookie-safe token');

// Process B: a second instance reattaches with the token alone.
const second: SessionTokenProvider<MemoryCredentials> = new MemorySessionProvider(backend);
const reattached = await second.setSessionToken(token);
assert.equal(reattached.subject, opened.subject);
assert.equal(reattached.sessionId, opened.sessionId);

// Typed errors cross the package boundary.
const error: unknown = await second.setSessionToken('not-a-token').catch((e: unknown) => e);
assert.ok(error instanceof SessionTokenError, 'rejects with SessionTokenError');
assert.ok(isSessionTokenError(error, 'INVALID_TOKEN'));

await first.close();
await second.close();
console.log('reference flow: open -> enable -> token -> reattach passed');
