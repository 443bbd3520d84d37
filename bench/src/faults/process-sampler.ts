// Memory, open handles and child processes of this process, as the soak samples them and the figures check them.
import { readFileSync, readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface ProcessSample {
  /** Milliseconds since the sampler started. */
  readonly atMs: number;
  readonly rssMb: number;
  /** What V8 has reserved for the JS heap; RSS follows it in steps. */
  readonly heapTotalMb: number;
  readonly heapUsedMb: number;
  /** `process.getActiveResourcesInfo()` counted by type (TCPSocketWrap, Timeout, …). */
  readonly resources: Record<string, number>;
}

const MB = 1024 * 1024;
const round = (value: number): number => Math.round(value * 10) / 10;

/** Counts of what keeps the event loop alive: sockets, servers, timers, pending file operations. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export function sampleProcess(startedAt: number): ProcessSample {
  const memory = process.memoryUsage();
  return {
    atMs: Math.round(performance.now() - startedAt),
    rssMb: round(memory.rss / MB),
    heapTotalMb: round(memory.heapTotal / MB),
    heapUsedMb: round(memory.heapUsed / MB),
    resources: activeResources(),
  };
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection, so that "before" and "after" compare live memory, not garbage not yet collected. */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Sockets and servers in a resource count (what a leak of connections shows as). */
export function socketCount(resources: Record<string, number>): number {
  return (resources['TCPSocketWrap'] ?? 0) + (resources['TCPServerWrap'] ?? 0) + (resources['TCPWRAP'] ?? 0);
}

/** Processes whose parent is this process and that are still running (zombies excluded): servers a figure left behind. */
export function liveChildProcesses(): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may contain spaces and parentheses: the fields after it start at the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      children.push({
        pid: Number(entry),
        command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120),
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}
