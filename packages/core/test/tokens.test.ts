import { describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_LENGTH,
  SessionTokenError,
  assertCookieSafeToken,
  decodeBase64Url,
  encodeBase64Url,
  isCookieSafeToken,
  parseSessionTokensInput,
} from '../src/index.js';

describe('cookie-safe tokens', () => {
  it('accepts URL-safe characters up to the length limit', () => {
    expect(isCookieSafeToken('abc-DEF_012.~')).toBe(true);
    expect(isCookieSafeToken('a'.repeat(MAX_TOKEN_LENGTH))).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(MAX_TOKEN_LENGTH + 1)],
    ['space', 'ab cd'],
    ['semicolon', 'ab;cd'],
    ['plus', 'ab+cd'],
    ['slash', 'ab/cd'],
    ['equals', 'abcd='],
    ['non-ascii', 'abcé'],
    ['newline', 'ab\ncd'],
  ])('rejects a token that is %s', (_why, token) => {
    expect(isCookieSafeToken(token)).toBe(false);
    expect(() => assertCookieSafeToken(token)).toThrow(SessionTokenError);
  });

  it('rejects non-strings with INVALID_TOKEN and never echoes the token', () => {
    for (const value of [null, undefined, 42, {}, []]) {
      expect(isCookieSafeToken(value)).toBe(false);
    }
    const secret = 'secret value with spaces';
    try {
      assertCookieSafeToken(secret, 'test');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SessionTokenError);
      expect((error as SessionTokenError).code).toBe('INVALID_TOKEN');
      expect((error as Error).message).not.toContain(secret);
      expect((error as Error).message).toMatch(/^test: /);
    }
  });
});

describe('base64url', () => {
  it('round-trips every byte length from 0 to 64', () => {
    for (let length = 0; length <= 64; length++) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + length) & 0xff);
      const text = encodeBase64Url(bytes);
      expect(isCookieSafeToken(text) || length === 0).toBe(true);
      expect([...decodeBase64Url(text)]).toEqual([...bytes]);
    }
  });

  it('rejects characters outside the alphabet, padding and impossible lengths', () => {
    for (const text of ['ab+c', 'ab/c', 'abc=', 'a', 'abcde', 'ab c']) {
      expect(() => decodeBase64Url(text), text).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    }
  });

  it('rejects a non-canonical last character, so a tampered token never decodes to the same bytes', () => {
    const text = encodeBase64Url(new Uint8Array([1, 2, 3, 4])); // 4 bytes: last character carries unused bits
    const last = text.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const decodedAlike = [...alphabet].filter(
      (c) => c !== last && Buffer.from(text.slice(0, -1) + c, 'base64url').equals(Buffer.from([1, 2, 3, 4])),
    );
    expect(decodedAlike.length).toBeGreaterThan(0);
    for (const c of decodedAlike) {
      expect(() => decodeBase64Url(text.slice(0, -1) + c)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    }
  });
});

describe('parseSessionTokensInput', () => {
  it('takes a string or a { sessionToken, sessionJwt } pair', () => {
    expect(parseSessionTokensInput('tok')).toEqual({ sessionToken: 'tok', sessionJwt: null });
    expect(parseSessionTokensInput({ sessionToken: 'tok', sessionJwt: 'a.b.c' })).toEqual({
      sessionToken: 'tok',
      sessionJwt: 'a.b.c',
    });
    expect(parseSessionTokensInput({ sessionToken: 'tok', sessionJwt: null })).toEqual({
      sessionToken: 'tok',
      sessionJwt: null,
    });
  });

  it('rejects anything else with INVALID_TOKEN', () => {
    for (const value of [null, 1, true, {}, { sessionToken: '' }, { sessionToken: 'a', sessionJwt: 'a b' }, 'a;b']) {
      expect(() => parseSessionTokensInput(value)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
    }
  });
});
