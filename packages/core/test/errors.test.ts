import { describe, expect, it } from 'vitest';
import { SESSION_TOKEN_ERROR_CODES, SessionTokenError, isSessionTokenError } from '../src/index.js';

describe('SessionTokenError', () => {
  it('carries a code, the adapter name and the cause', () => {
    const cause = new Error('socket hang up');
    const error = new SessionTokenError('UNAVAILABLE', 'server unreachable', { cause, adapter: 'orientdb' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SessionTokenError');
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.adapter).toBe('orientdb');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('orientdb: server unreachable');
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('carries how long the backend asked to wait, when it said', () => {
    const error = new SessionTokenError('UNAVAILABLE', 'too many requests', { retryAfterMs: 2000 });
    expect(error.retryAfterMs).toBe(2000);
  });

  it('is recognised across copies of the package by its global brand', () => {
    const foreign = Object.assign(new Error('x'), { code: 'EXPIRED' });
    Object.defineProperty(foreign, Symbol.for('@sessiontoken/core/SessionTokenError'), { value: true });
    expect(foreign).toBeInstanceOf(SessionTokenError);
    expect(new Error('plain')).not.toBeInstanceOf(SessionTokenError);
  });

  it('isSessionTokenError narrows by code', () => {
    const error = new SessionTokenError('EXPIRED', 'gone');
    expect(isSessionTokenError(error)).toBe(true);
    expect(isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN')).toBe(true);
    expect(isSessionTokenError(error, 'CLOSED')).toBe(false);
    expect(isSessionTokenError(new Error('x'))).toBe(false);
    expect(isSessionTokenError(undefined)).toBe(false);
  });

  it('lists the codes the design names', () => {
    for (const code of [
      'NO_SESSION',
      'INVALID_TOKEN',
      'EXPIRED',
      'REVOKED',
      'BAD_CREDENTIALS',
      'UNAVAILABLE',
      'PROTOCOL',
      'CLOSED',
    ]) {
      expect(SESSION_TOKEN_ERROR_CODES).toContain(code);
    }
    // Token mode off is not an error: getSessionToken() returns '' and getTokens() null, as PyOrient and Stytch do.
    expect(SESSION_TOKEN_ERROR_CODES).not.toContain('TOKENS_DISABLED');
  });
});
