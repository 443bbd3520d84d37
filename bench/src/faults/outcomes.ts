// How an operation ended, as a short key the figures count: `ok`, a SessionTokenError code, or `raw <Name>`.
import { SessionTokenError } from '@sessiontoken/core';

/** Counts of outcome keys, printed and written as a plain object. */
export class Tally {
  readonly #counts = new Map<string, number>();

  add(key: string, by = 1): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + by);
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const count of this.#counts.values()) sum += count;
    return sum;
  }

  keys(): string[] {
    return [...this.#counts.keys()];
  }

  /** Sum of every key but the given ones. */
  totalExcept(...keys: string[]): number {
    let sum = 0;
    for (const [key, count] of this.#counts) if (!keys.includes(key)) sum += count;
    return sum;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/**
 * The outcome key of a rejection: the `SessionTokenError` code, or `raw <Name>` for anything else (a raw error that
 * escaped a provider is a bug the figures count and the tests refuse).
 */
export function outcomeOf(error: unknown): string {
  if (error instanceof SessionTokenError) return error.code;
  return `raw ${error instanceof Error ? error.name : typeof error}`;
}

/** One line on an error for a figure's notes (never a token: providers keep tokens out of messages). */
export function describeError(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}${error instanceof SessionTokenError ? ` ${error.code}` : ''}: ${error.message}`;
  return String(error);
}

/** Runs `operation`, timing it; resolves with how it ended instead of rejecting. */
export async function timed<T>(
  operation: () => Promise<T>,
): Promise<{ ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number }> {
  const started = performance.now();
  try {
    const value = await operation();
    return { ok: true, value, ms: performance.now() - started };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - started };
  }
}
