import { afterEach, describe, expect, it } from 'vitest';
import { type OrientDBServerError, type OrientDBSessionProvider } from '../src/index.js';
import { randomSecretKey } from '@sessiontoken/orientdb-server';
import { createTestProvider, resignToken, testCredentials } from './support/orientdb.js';

const providers: OrientDBSessionProvider[] = [];

function provider(): OrientDBSessionProvider {
  const created = createTestProvider();
  providers.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

async function liveToken(): Promise<string> {
  const db = provider();
  db.setSessionToken(true);
  await db.open(testCredentials());
  return db.getSessionToken();
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string; cause: OrientDBServerError }> {
  return (await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  )) as Error & { code: string; cause: OrientDBServerError };
}

describe('expiry', () => {
  it('a session whose token has expired rejects with EXPIRED, with the server refusal as cause', async () => {
    // A real session's token, re-signed with the server's own key after moving its expiry a second into the past.
    const expired = resignToken(await liveToken(), (payload) => ({
      ...payload,
      expiresAt: new Date(Date.now() - 1_000),
    }));
    const error = await rejection(provider().setSessionToken(expired));
    expect(error.code).toBe('EXPIRED');
    expect(error.cause.simpleClassName).toBe('OTokenSecurityException');
    expect(error.message).not.toContain(expired.slice(0, 16));
  });

  it('a token the server did not sign rejects with INVALID_TOKEN, even when it has expired', async () => {
    const token = await liveToken();
    const otherKey = randomSecretKey();
    const forged = resignToken(token, (payload) => payload, otherKey);
    expect((await rejection(provider().setSessionToken(forged))).code).toBe('INVALID_TOKEN');
  });

  it('a token that claims more life than the server grants rejects with INVALID_TOKEN', async () => {
    const stretched = resignToken(await liveToken(), (payload) => ({
      ...payload,
      expiresAt: new Date(Date.now() + 2 * 3_600_000),
    }));
    expect((await rejection(provider().setSessionToken(stretched))).code).toBe('INVALID_TOKEN');
  });

  it('a failed reattach with an expired token leaves the held session as it was', async () => {
    const db = provider();
    db.setSessionToken(true);
    await db.open(testCredentials());
    const held = db.getSessionToken();
    const expired = resignToken(held, (payload) => ({ ...payload, expiresAt: new Date(Date.now() - 1_000) }));
    expect((await rejection(db.setSessionToken(expired))).code).toBe('EXPIRED');
    expect(db.getSessionToken()).toBe(held);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
