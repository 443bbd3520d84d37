// Everything a measurement or a fault figure starts is registered the moment it exists, and closed newest first even
// when the run fails.

export class CleanupStack {
  readonly #steps: { readonly what: string; readonly close: () => unknown }[] = [];

  /** Registers `close` for the end; returns `value`, so that it reads `const x = cleanup.add(await open(), 'x', close)`. */
  add<T>(value: T, what: string, close: (value: T) => unknown): T {
    this.#steps.push({ what, close: () => close(value) });
    return value;
  }

  /** Registers a step with no value to hand back. */
  defer(what: string, close: () => unknown): void {
    this.#steps.push({ what, close });
  }

  /** Runs every step, newest first; a failing step does not stop the others. Returns the failures. */
  async closeAll(): Promise<string[]> {
    const failures: string[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.close();
      } catch (error) {
        failures.push(`${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failures;
  }
}

/** The measurements' name for a {@link CleanupStack}. */
export { CleanupStack as Teardown };

/**
 * Runs `body` with a fresh {@link CleanupStack} and closes it afterwards, whatever happened. A cleanup failure after a
 * successful body is an error of its own: a figure that leaks is not a passing figure.
 */
export async function withCleanup<T>(body: (cleanup: CleanupStack) => Promise<T>): Promise<T> {
  const cleanup = new CleanupStack();
  let result: T;
  try {
    result = await body(cleanup);
  } catch (error) {
    const failures = await cleanup.closeAll();
    for (const failure of failures) console.error(`bench: cleanup failed: ${failure}`);
    throw error;
  }
  const failures = await cleanup.closeAll();
  if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
  return result;
}
