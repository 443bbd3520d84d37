/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes (then throws with `what`). Never a fixed sleep. */
export async function pollUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }
}

/** Every text an error shows: message, String(), JSON form, and the same for each error in its cause chain. */
export function errorTexts(error: unknown): string {
  const texts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) texts.push(current.toString(), current.message, current.stack ?? '');
    try {
      texts.push(JSON.stringify(current, Object.getOwnPropertyNames(current)));
      texts.push(JSON.stringify(current));
    } catch {
      texts.push('[unserializable]');
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return texts.join('\n');
}
