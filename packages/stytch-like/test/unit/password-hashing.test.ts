import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { HASHING_THREAD_NICE } from '../../src/server/service/scrypt-workers.js';
import {
  DEFAULT_SCRYPT_PARAMETERS,
  PasswordHasher,
  PasswordHashingBusyError,
} from '../../src/server/service/password-hashing.js';

describe('PasswordHasher (scrypt)', () => {
  const hasher = new PasswordHasher({ cost: 2 ** 10 });

  it("defaults to OWASP's scrypt minimum setting N=2^14, r=8, p=5 in one place, and lowers the cost only when asked explicitly", () => {
    expect(DEFAULT_SCRYPT_PARAMETERS).toMatchObject({ cost: 2 ** 14, blockSize: 8, parallelization: 5 });
    expect(new PasswordHasher().parameters).toMatchObject({ cost: 2 ** 14, blockSize: 8, parallelization: 5 });
    expect(hasher.parameters.cost).toBe(2 ** 10);
  });

  it('writes self-describing hashes with a fresh salt each time, and verifies them', async () => {
    const a = await hasher.hash('correct horse battery staple');
    const b = await hasher.hash('correct horse battery staple');
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=5\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
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

  it('upgrades a hash short on memory (N × r) or on work (N × r × p), and keeps one stronger on both', async () => {
    const current = new PasswordHasher({ cost: 2 ** 11, parallelization: 5 });
    const made = async (cost: number, parallelization: number, blockSize = 8) =>
      new PasswordHasher({ cost, parallelization, blockSize }).hash('correct horse battery staple');
    // The earlier default's shape (more memory, p = 1, more work overall) stays.
    expect(current.needsUpgrade(await made(2 ** 14, 1))).toBe(false);
    // Equal on both counts stays; more of either with no less of the other stays.
    expect(current.needsUpgrade(await made(2 ** 11, 5))).toBe(false);
    expect(current.needsUpgrade(await made(2 ** 11, 6))).toBe(false);
    expect(current.needsUpgrade(await made(2 ** 12, 3))).toBe(false);
    // Same memory, less work: upgraded.
    expect(current.needsUpgrade(await made(2 ** 11, 4))).toBe(true);
    // More work but less memory (OWASP's N = 2^13, p = 10 against N = 2^14, p = 5): upgraded.
    expect(current.needsUpgrade(await made(2 ** 10, 16))).toBe(true);
    expect(current.needsUpgrade(await made(2 ** 11, 5, 4))).toBe(true);
    // More memory but less work overall: upgraded.
    expect(current.needsUpgrade(await made(2 ** 12, 2))).toBe(true);
    await current.close();
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

// The worker threads: off libuv's pool, at a low CPU priority where the OS allows it, bounded, gone after close().
const FAST = { cost: 2 ** 12 };

/** Nice values of this process's threads (Linux), from /proc/self/task/<tid>/stat (field 19). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[16]);
  });
}

describe('password hashing in worker threads', () => {
  const hashers: PasswordHasher[] = [];
  afterEach(async () => {
    await Promise.all(hashers.splice(0).map((h) => h.close()));
  });

  it('hashes and verifies in a worker started on first use, at nice 10 on Linux', async () => {
    const hasher = new PasswordHasher({ ...FAST, concurrency: 1 });
    hashers.push(hasher);
    expect(hasher.threads).toBe(0);
    const before = threadNiceValues().filter((nice) => nice === HASHING_THREAD_NICE).length;
    const encoded = await hasher.hash('correct horse battery staple');
    expect(hasher.threads).toBe(1);
    expect(await hasher.verify('correct horse battery staple', encoded)).toBe(true);
    expect(await hasher.verify('wrong', encoded)).toBe(false);
    if (process.platform === 'linux') {
      expect(hasher.lowPriority).toBe(true);
      expect(threadNiceValues().filter((nice) => nice === HASHING_THREAD_NICE).length).toBe(before + 1);
    }
  });

  it('runs at most `concurrency` workers however many hashes are asked for, and refuses past the queue', async () => {
    const hasher = new PasswordHasher({ ...FAST, concurrency: 2, maxQueued: 3 });
    hashers.push(hasher);
    const accepted = Array.from({ length: 5 }, (_, i) => hasher.hash(`password ${i}`));
    await expect(hasher.hash('one too many')).rejects.toBeInstanceOf(PasswordHashingBusyError);
    const hashes = await Promise.all(accepted);
    expect(new Set(hashes).size).toBe(5);
    expect(hasher.threads).toBe(2);
  });

  it('ends its threads on close(): running and waiting hashes reject, later ones too, and no thread is left', async () => {
    const threadsBefore = readdirSync('/proc/self/task').length;
    const hasher = new PasswordHasher({ cost: 2 ** 16, concurrency: 1, maxQueued: 2 });
    const running = expect(hasher.hash('a')).rejects.toThrow('password hashing has been closed');
    const waiting = expect(hasher.hash('b')).rejects.toThrow('password hashing has been closed');
    await hasher.close();
    await running;
    await waiting;
    await expect(hasher.hash('c')).rejects.toThrow('password hashing has been closed');
    expect(hasher.threads).toBe(0);
    expect(readdirSync('/proc/self/task').length).toBeLessThanOrEqual(threadsBefore);
  });
});
