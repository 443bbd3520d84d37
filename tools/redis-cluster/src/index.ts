// Throwaway Redis Clusters for tests and benchmarks: three masters (no replicas) from the machine's redis-server on
// loopback ports picked free, in a temporary directory, created with `redis-cli --cluster create`, and removed again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const HOST = '127.0.0.1';
const run = promisify(execFile);

/** One master of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly port: number;
  /** The cluster bus port (`cluster-port`). */
  readonly busPort: number;
  readonly pid: number;
  /** The slot ranges this master serves, `[first, last]` inclusive, as `CLUSTER SLOTS` reported them at start. */
  readonly slots: readonly (readonly [number, number])[];
  /** Whether the process is still running. */
  alive(): boolean;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A running cluster; {@link RedisCluster.stop} ends every process and removes the directory. */
export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3`. */
  readonly url: string;
  readonly nodes: readonly RedisClusterNode[];
  /** The temporary directory holding every node's config and log. */
  readonly dir: string;
  /** The node serving `slot`. */
  nodeOfSlot(slot: number): RedisClusterNode;
  /** Kills every process (SIGKILL), waits for each to exit, removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Masters to start. Default 3 (the fewest `redis-cli --cluster create` accepts). */
  readonly masters?: number;
  /** How long the whole start may take before it gives up and cleans up. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** `cluster-node-timeout`: how long before the others mark a silent master failed. Default 2000 ms. */
  readonly nodeTimeoutMs?: number;
  /** The `redis-server` to run. Default `redis-server` on the PATH (as `redis-cli`). */
  readonly redisServer?: string;
  readonly redisCli?: string;
}

// Processes still running when this process exits are killed then, whatever happened to the test that started them.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a cluster and resolves once every node reports `cluster_state:ok` and knows every master. Nothing is
 * persisted (`--save ""`, `--appendonly no`); masters keep serving their slots while another is down
 * (`cluster-require-full-coverage no`). On any failure it stops what it started before rejecting.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const server = options.redisServer ?? 'redis-server';
  const cli = options.redisCli ?? 'redis-cli';
  const dir = mkdtempSync(join(tmpdir(), 'sessiontoken-redis-cluster-'));
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(children.map((child) => killAndWait(child, 'SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const ports = await findFreePorts(masters * 2);
    const nodePorts = ports.slice(0, masters);
    for (const [i, port] of nodePorts.entries()) {
      const child = spawn(
        server,
        [
          '--port',
          String(port),
          '--cluster-port',
          String(ports[masters + i]),
          '--bind',
          HOST,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 2000),
          '--cluster-require-full-coverage',
          'no',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--logfile',
          join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      running.add(child);
      child.once('exit', () => running.delete(child));
      child.once('error', () => running.delete(child));
    }
    for (const port of nodePorts) {
      await until(deadline, `redis-server on port ${port} to answer PING`, async () => {
        for (const child of children) {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error('a redis-server exited at start');
        }
        return (await redisCli(cli, port, ['PING']).catch(() => '')) === 'PONG';
      });
    }
    await run(
      cli,
      [
        '--cluster',
        'create',
        ...nodePorts.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: Math.max(1000, deadline - Date.now()) },
    );
    for (const port of nodePorts) {
      await until(deadline, `the node on port ${port} to report cluster_state:ok`, async () => {
        const info = await redisCli(cli, port, ['CLUSTER', 'INFO']).catch(() => '');
        return (
          /cluster_state:ok/.test(info) &&
          new RegExp(`cluster_known_nodes:${masters}\\b`).test(info) &&
          /cluster_slots_ok:16384\b/.test(info)
        );
      });
    }
    const slots = parseClusterNodes(await redisCli(cli, nodePorts[0]!, ['CLUSTER', 'NODES']));
    const nodes: RedisClusterNode[] = nodePorts.map((port, i) => {
      const child = children[i]!;
      return {
        port,
        busPort: ports[masters + i]!,
        pid: child.pid!,
        slots: slots.filter((range) => range.port === port).map((range) => [range.first, range.last] as const),
        alive: () => child.exitCode === null && child.signalCode === null,
        kill: (signal: NodeJS.Signals = 'SIGKILL') => killAndWait(child, signal),
      };
    });
    return {
      url: `redis+cluster://${nodePorts.map((port) => `${HOST}:${port}`).join(',')}`,
      nodes,
      dir,
      nodeOfSlot: (slot) => {
        const node = nodes.find((n) => n.slots.some(([first, last]) => slot >= first && slot <= last));
        if (!node) throw new Error(`no node serves slot ${slot}`);
        return node;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One `redis-cli -p <port> …` command; its output, trimmed. */
async function redisCli(cli: string, port: number, args: readonly string[]): Promise<string> {
  const { stdout } = await run(cli, ['-h', HOST, '-p', String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

/** The slot ranges of each master in `CLUSTER NODES` (`<id> <ip:port@bus> <flags> … <first>-<last> …`). */
function parseClusterNodes(text: string): { first: number; last: number; port: number }[] {
  const ranges: { first: number; last: number; port: number }[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
    if (!fields[2]?.includes('master') || !Number.isInteger(port)) continue;
    for (const range of fields.slice(8)) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(range);
      if (match) ranges.push({ first: Number(match[1]), last: Number(match[2] ?? match[1]), port });
    }
  }
  if (ranges.reduce((sum, r) => sum + r.last - r.first + 1, 0) !== 16384) {
    throw new Error('CLUSTER NODES did not assign every slot');
  }
  return ranges;
}

async function until(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills a child and resolves once it has exited (at once when it already had). */
function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** `count` distinct free loopback ports, all held open together while choosing. */
async function findFreePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(
        await new Promise<net.Server>((resolve, reject) => {
          const srv = net.createServer();
          srv.once('error', reject);
          srv.listen({ host: HOST, port: 0, exclusive: true }, () => resolve(srv));
        }),
      );
    }
    return servers.map((srv) => (srv.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}
