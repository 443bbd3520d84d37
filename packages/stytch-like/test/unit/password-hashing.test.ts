import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  PasswordHasher,
  PasswordHashingBusyError,
} from '../../src/server/service/password-hashing.js';

describe('PasswordHasher (scrypt)', () => {
  const hasher = new PasswordHasher({ cost: 2 ** 10 });

  it("defaults to OWASP's scrypt minimum N=2^17, r=8, p=1 in one place, and lowers the cost only when asked explicitly", () => {
    expect(DEFAULT_SCRYPT_PARAMETERS).toMatchObject({ cost: 2 ** 17, blockSize: 8, parallelization: 1 });
    expect(new PasswordHasher().parameters.cost).toBe(2 ** 17);
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
    for (const stored of [
      '',
      'plain',
      '$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5',
      '$bcrypt$whatever',
    ]) {
      expect(await hasher.verify('x', stored)).toBe(false);
    }
  });

  it('spends the same work for an unknown user and answers false', async () => {
    await expect(hasher.verifyAgainstNothing('anything')).resolves.toBe(false);
  });

  it('reports hashes made with weaker parameters as needing an upgrade, and only those', async () => {
    const weak = await new PasswordHasher({ cost: 2 ** 9 }).hash('correct horse battery staple');
    expect(hasher.needsUpgrade(weak)).toBe(true);
    expect(hasher.needsUpgrade(await hasher.hash('correct horse battery staple'))).toBe(false);
    expect(new PasswordHasher({ cost: 2 ** 9 }).needsUpgrade(await hasher.hash('x'))).toBe(false);
    expect(hasher.needsUpgrade('not a hash')).toBe(false);
  });

  it('runs at most `concurrency` hashes at once, queues `maxQueued`, and refuses one more at once', async () => {
    const bounded = new PasswordHasher({ cost: 2 ** 12, concurrency: 1, maxQueued: 2 });
    const stored = await bounded.hash('correct horse battery staple');
    const accepted = [0, 1, 2].map(() => bounded.verify('correct horse battery staple', stored));
    expect(bounded.load).toEqual({ running: 1, waiting: 2 });
    // The fourth is refused synchronously-fast: it never waits for a turn.
    await expect(bounded.verify('x', stored)).rejects.toBeInstanceOf(PasswordHashingBusyError);
    await expect(bounded.hash('x')).rejects.toBeInstanceOf(PasswordHashingBusyError);
    expect(await Promise.all(accepted)).toEqual([true, true, true]);
    expect(bounded.load).toEqual({ running: 0, waiting: 0 });
    await expect(bounded.verify('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it('defaults the queue to leave the event loop a core and libuv a thread', () => {
    const defaults = new PasswordHasher({ cost: 2 ** 10 });
    expect(defaults.concurrency).toBeGreaterThanOrEqual(1);
    expect(defaults.concurrency).toBeLessThanOrEqual(3);
    expect(defaults.maxQueued).toBe(8 * defaults.concurrency);
  });

  it('refuses parameters out of range', () => {
    expect(() => new PasswordHasher({ cost: 1000 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ blockSize: 0 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ saltLength: 8 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new PasswordHasher({ maxQueued: -1 })).toThrow(RangeError);
  });
});
