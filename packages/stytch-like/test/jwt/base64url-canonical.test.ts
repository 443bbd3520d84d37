import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCanonicalBase64url } from '../../src/jwt/jws-verify.js';
import { prng } from '../helpers/prng.js';

// The verifier decides canonical base64url from what Node's lenient decoder produced (see jws-verify.ts); this holds
// that to the plain definition: the alphabet only, no padding, a length some byte string has, zero unused last bits.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function definition(part: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return false;
  const rest = part.length % 4;
  if (rest === 0) return true;
  return (ALPHABET.indexOf(part[part.length - 1]!) & (rest === 2 ? 0x0f : 0x03)) === 0;
}

// What a forger would try: the other base64 alphabet, padding, whitespace, separators, latin1 and non-ASCII letters
// whose low byte is a base64 character (U+0130 'İ' ends in 0x30 '0', U+0441 'с' in 0x41 'A'), a lone surrogate.
const TRICKY = [
  '+',
  '/',
  '=',
  ' ',
  '\n',
  '\t',
  '\r',
  '.',
  '%',
  '\0',
  'é',
  'ÿ',
  'İ',
  'с',
  'Ł',
  'K',
  '\u2028',
  '\uFEFF',
  '\uD83D',
  '😀',
];

describe('canonical base64url', () => {
  it('accepts exactly what the definition accepts, on 200,000 strings seeded with tricky characters', () => {
    const random = prng(0x5eed);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 200_000; i++) {
      let part = '';
      const length = Math.floor(random() * 14);
      for (let j = 0; j < length; j++) {
        const r = random();
        part +=
          r < 0.85
            ? ALPHABET[Math.floor(random() * 64)]!
            : r < 0.95
              ? TRICKY[Math.floor(random() * TRICKY.length)]!
              : String.fromCharCode(Math.floor(random() * 0x10000));
      }
      const expected = definition(part);
      if (expected) accepted++;
      if (isCanonicalBase64url(part) !== expected) disagreements.push(JSON.stringify(part));
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
    // Both answers occur often enough to mean something.
    expect(accepted).toBeGreaterThan(20_000);
    expect(accepted).toBeLessThan(180_000);
  });

  it('accepts every encoding Node makes, and none of the other spellings of the same bytes', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = randomBytes(length);
      const encoded = bytes.toString('base64url');
      expect(isCanonicalBase64url(encoded)).toBe(true);
      // Standard base64 ('+', '/', padding) is another spelling unless it happens to be the same string.
      const standard = bytes.toString('base64');
      expect(isCanonicalBase64url(standard)).toBe(standard === encoded);
      if (length % 3 !== 0) {
        // Same bytes, other unused bits in the last character: decodes the same, must be refused.
        const last = ALPHABET.indexOf(encoded[encoded.length - 1]!);
        const spelled = `${encoded.slice(0, -1)}${ALPHABET[last | 1]!}`;
        expect(Buffer.from(spelled, 'base64url')).toEqual(Buffer.from(encoded, 'base64url'));
        expect(isCanonicalBase64url(spelled)).toBe(false);
        expect(isCanonicalBase64url(`${encoded}=`)).toBe(false);
      }
    }
  });
});
