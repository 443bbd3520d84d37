import { describe, expect, it } from 'vitest';
import {
  hashTokenSecret,
  issueSessionToken,
  parseSessionToken,
  tokenSecretMatches,
} from '../../src/server/service/session-token.js';

describe('session tokens (id + secret)', () => {
  it('are 44 URL-safe characters: a 16-character id and a 28-character secret (168 random bits)', () => {
    const issued = issueSessionToken();
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{44}$/);
    expect(issued.token.startsWith(issued.tokenId)).toBe(true);
    expect(parseSessionToken(issued.token)).toEqual({ tokenId: issued.tokenId, secret: issued.token.slice(16) });
    expect(Buffer.from(issued.token.slice(16), 'base64url')).toHaveLength(21);
  });

  it('are all different', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => issueSessionToken().token));
    expect(tokens.size).toBe(1000);
  });

  it('keep only the SHA-256 of the secret, and match it only for the right secret', () => {
    const issued = issueSessionToken();
    const secret = issued.token.slice(16);
    expect(issued.secretHash).toBe(hashTokenSecret(secret));
    expect(issued.secretHash).not.toContain(secret);
    expect(tokenSecretMatches(secret, issued.secretHash)).toBe(true);
    expect(tokenSecretMatches(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`, issued.secretHash)).toBe(
      false,
    );
    expect(tokenSecretMatches(secret, 'not hex')).toBe(false);
  });

  it('parse to null for anything not shaped like a token', () => {
    for (const bad of [
      '',
      'short',
      'x'.repeat(43),
      'x'.repeat(45),
      `${'x'.repeat(43)}=`,
      `${'x'.repeat(43)}.`,
      42,
      null,
      undefined,
      {},
    ]) {
      expect(parseSessionToken(bad)).toBeNull();
    }
  });
});
