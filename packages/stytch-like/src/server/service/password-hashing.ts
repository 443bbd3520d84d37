import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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

/**
 * N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds per hash): the interactive-login level of the scrypt paper
 * and RFC 7914. Tests lower `cost` through the service's `passwordHashing` option, never here.
 */
export const DEFAULT_SCRYPT_PARAMETERS: ScryptParameters = {
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
  keyLength: 32,
  saltLength: 16,
};

// Bounds on parameters read back from a stored hash, so a corrupt row cannot ask for gigabytes of memory.
const MAX_LOG_COST = 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELIZATION = 16;
const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,128})\$([A-Za-z0-9_-]{16,256})$/;

/**
 * Hashes and checks passwords with scrypt from `node:crypto`. Hashes are self-describing
 * (`$scrypt$ln=15,r=8,p=1$<salt>$<key>`, base64url), so parameters can be raised without invalidating old hashes.
 */
export class PasswordHasher {
  readonly parameters: ScryptParameters;
  #dummyHash: Promise<string> | undefined;

  constructor(parameters: Partial<ScryptParameters> = {}) {
    const merged = { ...DEFAULT_SCRYPT_PARAMETERS, ...parameters };
    const logCost = Math.log2(merged.cost);
    if (!Number.isInteger(logCost) || logCost < 1 || logCost > MAX_LOG_COST) throw new RangeError(`scrypt cost must be a power of two from 2 to 2^${MAX_LOG_COST}`);
    if (!Number.isInteger(merged.blockSize) || merged.blockSize < 1 || merged.blockSize > MAX_BLOCK_SIZE) throw new RangeError(`scrypt blockSize must be 1..${MAX_BLOCK_SIZE}`);
    if (!Number.isInteger(merged.parallelization) || merged.parallelization < 1 || merged.parallelization > MAX_PARALLELIZATION) {
      throw new RangeError(`scrypt parallelization must be 1..${MAX_PARALLELIZATION}`);
    }
    if (!Number.isInteger(merged.keyLength) || merged.keyLength < 16 || merged.keyLength > 64) throw new RangeError('scrypt keyLength must be 16..64 bytes');
    if (!Number.isInteger(merged.saltLength) || merged.saltLength < 16 || merged.saltLength > 64) throw new RangeError('scrypt saltLength must be 16..64 bytes');
    this.parameters = merged;
  }

  async hash(password: string): Promise<string> {
    const { cost, blockSize, parallelization, keyLength, saltLength } = this.parameters;
    const salt = randomBytes(saltLength);
    const key = await derive(password, salt, keyLength, { N: cost, r: blockSize, p: parallelization });
    return `$scrypt$ln=${Math.log2(cost)},r=${blockSize},p=${parallelization}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** True when `password` matches `encoded`; false for a wrong password or an unreadable hash. Constant time in the key. */
  async verify(password: string, encoded: string): Promise<boolean> {
    const match = ENCODED.exec(encoded);
    if (!match) return false;
    const [, ln, r, p, saltText, keyText] = match as unknown as [string, string, string, string, string, string];
    const logCost = Number(ln);
    const blockSize = Number(r);
    const parallelization = Number(p);
    if (logCost < 1 || logCost > MAX_LOG_COST || blockSize < 1 || blockSize > MAX_BLOCK_SIZE || parallelization < 1 || parallelization > MAX_PARALLELIZATION) {
      return false;
    }
    const expected = Buffer.from(keyText, 'base64url');
    const actual = await derive(password, Buffer.from(saltText, 'base64url'), expected.length, { N: 2 ** logCost, r: blockSize, p: parallelization });
    return timingSafeEqual(actual, expected);
  }

  /**
   * Spends the same work as a real check and returns false: used for unknown emails, so that response time does
   * not tell which emails have accounts.
   */
  async verifyAgainstNothing(password: string): Promise<false> {
    this.#dummyHash ??= this.hash('sessiontoken: no such user');
    await this.verify(password, await this.#dummyHash);
    return false;
  }
}

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions & { N: number; r: number; p: number }): Promise<Buffer> {
  const maxmem = 128 * options.N * options.r * options.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
