import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_PARAMETERS, PasswordHasher } from '../../src/server/service/password-hashing.js';

describe('PasswordHasher (scrypt)', () => {
  const hasher = new PasswordHasher({ cost: 2 ** 10 });

  it('defaults to N=2^15, r=8, p=1 in one place, and lowers the cost only when asked explicitly', () => {
    expect(DEFAULT_SCRYPT_PARAMETERS).toMatchObject({ cost: 2 ** 15, blockSize: 8, parallelization: 1 });
    expect(new PasswordHasher().parameters.cost).toBe(2 ** 15);
    expect(hasher.parameters.cost).toBe(2 ** 10);
  });

  it('writes self-describing hashes with a fresh salt each time, and verifies them', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('correct horse battery staple', a)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', a)).toBe(false);
    // A hash made with other parameters still verifies: parameters come from the hash.
    expect(await new PasswordHasher({ cost: 2 ** 11 }).verify('correct horse battery staple', a)).toBe(true);
  });

  it('refuses unreadable or absurd stored hashes instead of running them', async () => {
    for (const stored of ['', 'plain', '$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5', '$bcrypt$whatever']) {
      expect(await hasher.verify('x', stored)).toBe(false);
    }
  });

  it('spends the same work for an unknown user and answers false', async () => {
    await expect(hasher.verifyAgainstNothing('anything')).resolves.toBe(false);
  });

  it('refuses parameters out of range', () => {
    expect(() => new PasswordHasher({ cost: 1000 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ blockSize: 0 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ saltLength: 8 })).toThrow(RangeError);
  });
});
