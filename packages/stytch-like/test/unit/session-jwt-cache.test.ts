import { describe, expect, it } from 'vitest';
import {
  MAX_JWT_REUSE_SECONDS,
  SessionJwtCache,
  checkJwtReuseSeconds,
} from '../../src/server/service/session-jwt-cache.js';

const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

describe('SessionJwtCache', () => {
  it('answers an entry younger than its window with the same fingerprint, and drops it otherwise', () => {
    const cache = new SessionJwtCache(30_000);
    cache.set('session-a', 'user-a', 'jwt-a', 'fp-1', at(0));
    expect(cache.get('session-a', 'fp-1', at(29_999))).toBe('jwt-a');
    expect(cache.get('session-a', 'fp-2', at(1000))).toBeUndefined();
    // A miss on the fingerprint dropped the entry: the right fingerprint no longer finds it either.
    expect(cache.get('session-a', 'fp-1', at(1000))).toBeUndefined();
    cache.set('session-a', 'user-a', 'jwt-a', 'fp-1', at(0));
    expect(cache.get('session-a', 'fp-1', at(30_000))).toBeUndefined();
    cache.set('session-a', 'user-a', 'jwt-a', 'fp-1', at(0));
    // A clock that went back does not make an entry usable.
    expect(cache.get('session-a', 'fp-1', at(-1))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the one signed first', () => {
    const cache = new SessionJwtCache(30_000, 3);
    for (const [index, id] of ['a', 'b', 'c', 'd'].entries()) cache.set(id, 'user', `jwt-${id}`, 'fp', at(index));
    expect(cache.size).toBe(3);
    expect(cache.get('a', 'fp', at(10))).toBeUndefined();
    // Signing b again makes it the newest: c goes next.
    cache.set('b', 'user', 'jwt-b2', 'fp', at(20));
    cache.set('e', 'user', 'jwt-e', 'fp', at(21));
    expect(['b', 'c', 'd', 'e'].map((id) => cache.get(id, 'fp', at(22)))).toEqual([
      'jwt-b2',
      undefined,
      'jwt-d',
      'jwt-e',
    ]);
  });

  it("forgets one session, one user's sessions, or everything", () => {
    const cache = new SessionJwtCache(30_000);
    cache.set('a1', 'user-a', 'jwt-a1', 'fp', at(0));
    cache.set('a2', 'user-a', 'jwt-a2', 'fp', at(0));
    cache.set('b1', 'user-b', 'jwt-b1', 'fp', at(0));
    cache.set('b2', 'user-b', 'jwt-b2', 'fp', at(0));
    cache.deleteSession('b2');
    expect(cache.get('b2', 'fp', at(1))).toBeUndefined();
    cache.deleteUser('user-a');
    expect([cache.get('a1', 'fp', at(1)), cache.get('a2', 'fp', at(1))]).toEqual([undefined, undefined]);
    expect(cache.get('b1', 'fp', at(1))).toBe('jwt-b1');
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('refuses a window or a bound it cannot keep', () => {
    expect(() => new SessionJwtCache(0)).toThrow(RangeError);
    expect(() => new SessionJwtCache(1000, 0)).toThrow(RangeError);
    expect(() => new SessionJwtCache(1000, 1.5)).toThrow(RangeError);
    expect(checkJwtReuseSeconds(MAX_JWT_REUSE_SECONDS)).toBe(240);
    expect(() => checkJwtReuseSeconds(MAX_JWT_REUSE_SECONDS + 1)).toThrow(RangeError);
  });
});
