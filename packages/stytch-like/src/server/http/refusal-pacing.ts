/** Options for {@link RefusalPacer}. */
export interface RefusalPacingOptions {
  /** How long a refused login or sign-up waits before its 429 is sent. `0` answers at once. */
  readonly delayMs: number;
  /** Refusals held at once; past this, a refusal is answered at once (a held refusal costs a socket and a timer). */
  readonly maxHeld: number;
}

/**
 * Holds the 429 answers to logins and sign-ups refused while password hashing is saturated, for about as long as
 * their `Retry-After` asks. A client that waits as told loses nothing; a flood that ignores `Retry-After` and sends
 * again the moment it is refused — the cheapest flood to write — runs at `clients / delay` instead of as fast as the
 * event loop can refuse it, which left session checks queueing behind thousands of refusals a second. Bounded
 * (`maxHeld`), and {@link releaseAll} lets the server close without waiting for held answers.
 */
export class RefusalPacer {
  readonly #delayMs: number;
  readonly #maxHeld: number;
  readonly #held = new Map<NodeJS.Timeout, () => void>();
  #closed = false;

  constructor(options: RefusalPacingOptions) {
    if (!Number.isInteger(options.delayMs) || options.delayMs < 0 || options.delayMs > 60_000) {
      throw new RangeError('refusalDelayMs must be an integer from 0 to 60000');
    }
    if (!Number.isInteger(options.maxHeld) || options.maxHeld < 0) {
      throw new RangeError('maxHeldRefusals must be a non-negative integer');
    }
    this.#delayMs = options.delayMs;
    this.#maxHeld = options.maxHeld;
  }

  /** Refusals waiting now. */
  get held(): number {
    return this.#held.size;
  }

  /** Resolves when the refusal may be sent: after the delay, at once when too many wait or the server closes. */
  hold(): Promise<void> {
    if (this.#closed || this.#delayMs === 0 || this.#held.size >= this.#maxHeld) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#held.delete(timer);
        resolve();
      }, this.#delayMs);
      this.#held.set(timer, resolve);
    });
  }

  /** Sends every held refusal now and holds no more (the server is closing). */
  releaseAll(): void {
    this.#closed = true;
    for (const [timer, resolve] of this.#held) {
      clearTimeout(timer);
      resolve();
    }
    this.#held.clear();
  }
}
