// Everything a measurement starts is registered here the moment it exists, and closed in reverse order even on failure.

export class Teardown {
  readonly #steps: { readonly what: string; readonly close: () => unknown }[] = [];

  /** Registers `close` to run at the end; returns `value` so that it reads `const x = teardown.add(await open(), …)`. */
  add<T>(value: T, what: string, close: (value: T) => unknown): T {
    this.#steps.push({ what, close: () => close(value) });
    return value;
  }

  /** Closes everything registered, newest first; every step runs even when an earlier one fails. Returns the failures. */
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

/** Runs `body` with a fresh {@link Teardown} and closes it afterwards, whatever happened. */
export async function withTeardown<T>(body: (teardown: Teardown) => Promise<T>): Promise<T> {
  const teardown = new Teardown();
  try {
    return await body(teardown);
  } finally {
    const failures = await teardown.closeAll();
    for (const failure of failures) console.error(`bench: cleanup failed: ${failure}`);
  }
}
