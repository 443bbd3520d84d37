import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KeyEncryptionError,
  SigningKeyCipher,
  isEncryptedPrivateJwk,
  parseKeyEncryptionKeys,
} from '../../src/server/keys/key-encryption.js';

const jwk = { kty: 'RSA', d: 'private-exponent', n: 'modulus', e: 'AQAB' };

describe('the signing-key cipher', () => {
  it('parses 32-byte keys in base64, base64url and hex, several at once, and refuses others unechoed', () => {
    const bytes = randomBytes(32);
    const forms = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
    for (const form of forms) expect(Buffer.from(parseKeyEncryptionKeys(form)[0]!)).toEqual(bytes);
    expect(parseKeyEncryptionKeys(forms.join(' , '))).toHaveLength(3);
    for (const bad of [
      '',
      'short',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('hex'),
      `${forms[0]},`,
      'x'.repeat(64),
    ]) {
      let error: unknown;
      try {
        parseKeyEncryptionKeys(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(KeyEncryptionError);
      expect((error as KeyEncryptionError).code).toBe('INVALID_KEY');
      if (bad.length > 8) expect((error as Error).message).not.toContain(bad);
    }
  });

  it('round-trips, and refuses a flipped bit, a moved ciphertext and a wrong key with distinct errors', async () => {
    const key = randomBytes(32);
    const cipher = new SigningKeyCipher([key]);
    const stored = await cipher.encrypt('jwk-test-a', jwk);
    expect(isEncryptedPrivateJwk(stored)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('private-exponent');
    await expect(cipher.decrypt('jwk-test-a', stored)).resolves.toEqual(jwk);

    const text = stored['encrypted_jwk'] as string;
    const parts = text.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    await expect(cipher.decrypt('jwk-test-a', { encrypted_jwk: parts.join('.') })).rejects.toMatchObject({
      code: 'UNREADABLE',
    });
    await expect(cipher.decrypt('jwk-test-b', stored)).rejects.toMatchObject({ code: 'UNREADABLE' });
    await expect(new SigningKeyCipher([randomBytes(32)]).decrypt('jwk-test-a', stored)).rejects.toMatchObject({
      code: 'WRONG_KEY',
    });
    await expect(cipher.decrypt('jwk-test-a', { encrypted_jwk: 'not a jwe' })).rejects.toMatchObject({
      code: 'UNREADABLE',
    });
  });

  it('rotates the key-encryption key: the old one still decrypts, its ciphertexts are flagged', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = await new SigningKeyCipher([oldKey]).encrypt('jwk-test-a', jwk);
    const rotated = new SigningKeyCipher([newKey, oldKey]);
    expect(rotated.needsEncryption(before)).toBe(true);
    expect(rotated.needsEncryption(jwk)).toBe(true);
    await expect(rotated.decrypt('jwk-test-a', before)).resolves.toEqual(jwk);
    const after = await rotated.encrypt('jwk-test-a', jwk);
    expect(rotated.needsEncryption(after)).toBe(false);
    await expect(new SigningKeyCipher([newKey]).decrypt('jwk-test-a', after)).resolves.toEqual(jwk);
  });
});
