import { afterAll, expect } from 'vitest';
import { liveChildProcesses } from '../../src/faults/process-sampler.ts';
import { waitFor } from '../../src/shared/wait.ts';

/** After the file's figures: no server process (OrientDB JVM, Stytch-like bin) they started is still running. */
export function expectNoServerLeftBehind(): void {
  afterAll(async () => {
    await waitFor(() => liveChildProcesses().length === 0, {
      timeoutMs: 15_000,
      what: 'the servers the figures started to exit',
    }).catch(() => undefined);
    expect(liveChildProcesses()).toEqual([]);
  });
}
