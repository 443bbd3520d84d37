import { randomBytes, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ScryptWorkers } from './scrypt-workers.js';

/** scrypt cost parameters. The one place they are set; see {@link DEFAULT_SCRYPT_PARAMETERS}. */
export interface ScryptParameters {
  /** CPU/memory cost N, a power of two. */
  readonly cost: number;
  /** Block size r. */
  readonly blockSize: number;
  /** Parallelization p. */
  readonly parallelization: number;
  /** Derived key bytes. */
  readonly keyLength: number;
  /** Random salt bytes. */
  readonly saltLength: number;
}

/** How many password hashes run at once, and how many may wait. */
export interface PasswordHashingQueueOptions {
  /**
   * Hashes computed at once, each in a worker thread of its own at a low CPU priority (nice 10). Default: one less than
   * the cores (at least 1), so the event loop keeps a core.
   */
  readonly concurrency?: number;
  /** Hashes that may wait for a turn; one more is refused at once with `PasswordHashingBusyError` (`too_many_requests`). Default 8 × concurrency. */
  readonly maxQueued?: number;
}

/** scrypt parameters and the bounds of the hashing queue. */
export type PasswordHashingOptions = Partial<ScryptParameters> & PasswordHashingQueueOptions;

/**
 * N = 2^14, r = 8, p = 5 (16 MiB per hash): one of the settings OWASP's Password Storage Cheat Sheet lists as its
 * minimum for scrypt, all giving "a similar minimal level of defense" (N = 2^17, p = 1 is another). Of those it takes
 * an eighth of the memory of N = 2^17 for about 0.6 of the CPU time: a server with a hashing thread per core does not
 * need gigabytes, a login took 150 ms against 750 ms on the reference machine, and a flood of wrong passwords slowed
 * session checks far less (`docs/reliability.md`, section 6). Tests lower `cost` through the service's
 * `passwordHashing` option, never here.
 */
export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = {
  cost: 2 ** 14,
  blockSize: 8,
  parallelization: 5,
  keyLength: 32,
  saltLength: 16,
};

// Bounds on parameters read back from a stored hash, so a corrupt row cannot ask for gigabytes of memory.
const MAX_LOG_COST = 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELIZATION = 16;
const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,256})$/;

/** The hashing queue is full: the caller should answer "too many requests" at once rather than wait. */
export class PasswordHashingBusyError extends Error {
  override readonly name = 'PasswordHashingBusyError';
  constructor() {
    super('password hashing is at capacity');
  }
}

interface DecodedHash {
  readonly logCost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function decodeHash(encoded: string): DecodedHash | null {
  const match = ENCODED.exec(encoded);
  if (!match) return null;
  const [, ln, r, p, saltText, keyText] = match as unknown as [string, string, string, string, string, string];
  const logCost = Number(ln);
  const blockSize = Number(r);
  const parallelization = Number(p);
  if (
    logCost < 1 ||
    logCost > MAX_LOG_COST ||
    blockSize < 1 ||
    blockSize > MAX_BLOCK_SIZE ||
    parallelization < 1 ||
    parallelization > MAX_PARALLELIZATION
  ) {
    return null;
  }
  return {
    logCost,
    blockSize,
    parallelization,
    salt: Buffer.from(saltText, 'base64url'),
    key: Buffer.from(keyText, 'base64url'),
  };
}

/** Password hashes at once by default: one less than the cores (at least 1), so the event loop keeps a core. */
export function defaultPasswordHashingConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Hashes and checks passwords with scrypt from `node:crypto`, through a bounded queue: at most `concurrency` hashes
 * run at once, each in a worker thread at a low CPU priority (nice 10) (so libuv's thread pool stays free, and a session
 * check takes a core from a hash whenever both want it), at most `maxQueued` wait, and one more is refused at once. Hashes are self-describing (`$scrypt$ln=14,r=8,p=5$<salt>$<key>`, base64url), so the
 * parameters can be raised without invalidating old hashes, which {@link needsUpgrade} then reports.
 */
export class PasswordHasher {
  readonly parameters: ScryptParameters;
  readonly concurrency: number;
  readonly maxQueued: number;
  /** A hash of nothing with the current parameters, made at construction: unknown emails cost one real check. */
  readonly #dummyHash: string;
  readonly #waiting: (() => void)[] = [];
  readonly #workers: ScryptWorkers;
  #running = 0;

  constructor(options: PasswordHashingOptions = {}) {
    const { concurrency, maxQueued, ...parameters } = options;
    const merged = { ...DEFAULT_SCRYPT_PARAMETERS, ...parameters };
    const logCost = Math.log2(merged.cost);
    if (!Number.isInteger(logCost) || logCost < 1 || logCost > MAX_LOG_COST)
      throw new RangeError(`scrypt cost must be a power of two from 2 to 2^${MAX_LOG_COST}`);
    if (!Number.isInteger(merged.blockSize) || merged.blockSize < 1 || merged.blockSize > MAX_BLOCK_SIZE)
      throw new RangeError(`scrypt blockSize must be 1..${MAX_BLOCK_SIZE}`);
    if (
      !Number.isInteger(merged.parallelization) ||
      merged.parallelization < 1 ||
      merged.parallelization > MAX_PARALLELIZATION
    ) {
      throw new RangeError(`scrypt parallelization must be 1..${MAX_PARALLELIZATION}`);
    }
    if (!Number.isInteger(merged.keyLength) || merged.keyLength < 16 || merged.keyLength > 64)
      throw new RangeError('scrypt keyLength must be 16..64 bytes');
    if (!Number.isInteger(merged.saltLength) || merged.saltLength < 16 || merged.saltLength > 64)
      throw new RangeError('scrypt saltLength must be 16..64 bytes');
    this.parameters = merged;
    this.concurrency = concurrency ?? defaultPasswordHashingConcurrency();
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > 64)
      throw new RangeError('password hashing concurrency must be 1..64');
    this.maxQueued = maxQueued ?? 8 * this.concurrency;
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 0)
      throw new RangeError('password hashing maxQueued must be a whole number >= 0');
    this.#workers = new ScryptWorkers(this.concurrency);
    // Random salt and key: verifying against it costs exactly one hash with the current parameters and never matches.
    this.#dummyHash = this.#encode(randomBytes(merged.saltLength), randomBytes(merged.keyLength));
  }

  /** Whether hashes run at the low CPU priority (Linux); undefined until the first hash has started a worker. */
  get lowPriority(): boolean | undefined {
    return this.#workers.lowPriority;
  }

  /** Worker threads running now (they start on first use). */
  get threads(): number {
    return this.#workers.threads;
  }

  /** Ends the worker threads; hashes running or waiting reject. */
  async close(): Promise<void> {
    await this.#workers.close();
    for (const waiting of this.#waiting.splice(0)) waiting();
  }

  /** Hashes running now and waiting for a turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** True when one more hash would be refused: callers can refuse a request before doing any other work for it. */
  get saturated(): boolean {
    return this.#running >= this.concurrency && this.#waiting.length >= this.maxQueued;
  }

  /** A new hash with the current parameters. Rejects with `PasswordHashingBusyError` (`too_many_requests`) when the queue is full. */
  async hash(password: string): Promise<string> {
    const { cost, blockSize, parallelization, keyLength, saltLength } = this.parameters;
    const salt = randomBytes(saltLength);
    const key = await this.#queued(() =>
      this.#workers.derive(password, salt, keyLength, { N: cost, r: blockSize, p: parallelization }),
    );
    return this.#encode(salt, key);
  }

  /**
   * True when `password` matches `encoded`; false for a wrong password or an unreadable hash. Constant time in the
   * key. Rejects with `PasswordHashingBusyError` (`too_many_requests`) when the queue is full.
   */
  async verify(password: string, encoded: string): Promise<boolean> {
    const decoded = decodeHash(encoded);
    if (!decoded) return false;
    const { logCost, blockSize, parallelization, salt, key } = decoded;
    const actual = await this.#queued(() =>
      this.#workers.derive(password, salt, key.length, { N: 2 ** logCost, r: blockSize, p: parallelization }),
    );
    return timingSafeEqual(actual, key);
  }

  /**
   * Spends the same work as a real check and returns false: used for unknown emails, so that response time does
   * not tell which emails have accounts.
   */
  async verifyAgainstNothing(password: string): Promise<false> {
    await this.verify(password, this.#dummyHash);
    return false;
  }

  /**
   * True when `encoded` is weaker than the current parameters (and should be re-hashed on login): it uses less memory
   * (N × r), less work (N × r × p) or a shorter key. A hash that is stronger on both counts is kept even when its
   * parameters differ, so N = 2^17, p = 1 hashes are not rewritten as N = 2^14, p = 5 ones.
   */
  needsUpgrade(encoded: string): boolean {
    const decoded = decodeHash(encoded);
    if (!decoded) return false;
    const { cost, blockSize, parallelization, keyLength } = this.parameters;
    const memory = 2 ** decoded.logCost * decoded.blockSize;
    const currentMemory = cost * blockSize;
    return (
      memory < currentMemory ||
      memory * decoded.parallelization < currentMemory * parallelization ||
      decoded.key.length < keyLength
    );
  }

  #encode(salt: Buffer, key: Buffer): string {
    const { cost, blockSize, parallelization } = this.parameters;
    return `$scrypt$ln=${Math.log2(cost)},r=${blockSize},p=${parallelization}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  async #queued<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.maxQueued) throw new PasswordHashingBusyError();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (the running count stays), or free it.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
