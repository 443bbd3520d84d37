import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, runCliSync, startServerProcess, type ServerProcess } from '../helpers/cli-process.js';
import { testProject } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';

/** True while `pid` is a live process (a zombie, exited but not yet reaped by whoever inherited it, is not). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // The state follows the parenthesised command name: "pid (comm) S …".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live processes whose command line or environment holds `marker` (a test's unique project id). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(isAlive);
}

/** The JSON log lines a server process wrote to stderr. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .stderr.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Process ids of the workers that logged that they listen. */
function workerPids(server: ServerProcess): number[] {
  const listening = logLines(server).filter((line) => String(line['msg']).startsWith('Server listening'));
  return [...new Set(listening.map((line) => line['pid'] as number))];
}

/** The process that answered a request: its log line carries the request id the answer carries. */
function pidOf(server: ServerProcess, requestId: string): number | undefined {
  return logLines(server).find((line) => line['reqId'] === requestId)?.['pid'] as number | undefined;
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
}

function readAnswer(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.on('error', reject);
    response.on('end', () =>
      resolve({
        status: response.statusCode ?? 0,
        body: JSON.parse(text) as Record<string, unknown>,
        headers: response.headers,
      }),
    );
  });
}

/** A backend-API call on a connection of its own (a new connection goes to the next worker). */
function post(url: string, auth: string, path: string, body: object): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}${path}`, {
      method: 'POST',
      agent: false,
      auth,
      headers: { 'content-type': 'application/json' },
      timeout: 10_000,
    });
    outgoing.on('response', (response) => void readAnswer(response).then(resolve, reject));
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${path} timed out`)));
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

describe('serve --workers', { timeout: 120_000 }, () => {
  let location: TestStoreLocation;
  const servers: ServerProcess[] = [];
  const spawned = new Set<number>();
  beforeAll(() => {
    assertCliBuilt();
    location = testStoreLocation('sqlite');
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL').catch(() => {});
    for (const pid of spawned) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    spawned.clear();
  });
  afterAll(async () => {
    await location.cleanup();
  });

  /** `serve --workers 2` on the test's SQLite file; resolves once it printed its one "listening" line. */
  async function startTwoWorkers(): Promise<{
    server: ServerProcess;
    auth: string;
    workers: number[];
    projectId: string;
  }> {
    const { projectId, secret } = testProject();
    const server = await startServerProcess(
      ['--workers', '2', '--port', '0', '--store', location.url, '--project-id', projectId, '--log-level', 'info'],
      { STYTCH_LIKE_SECRET: secret },
    );
    servers.push(server);
    if (server.child.pid !== undefined) spawned.add(server.child.pid);
    // Both workers listen before the primary prints its line.
    const workers = workerPids(server);
    for (const pid of workers) spawned.add(pid);
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(server.child.pid);
    return { server, auth: `${projectId}:${secret}`, workers, projectId };
  }

  it('answers from two worker processes behind one port, and a session made through one authenticates through the other', async () => {
    const { server, auth, workers } = await startTwoWorkers();
    const { stdout } = server.output();
    expect(stdout.match(/^listening on /gm)).toHaveLength(1);
    expect(stdout.match(/^public token public-token-test-/gm)).toHaveLength(1);

    const created = await post(server.url, auth, '/v1/passwords', {
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    expect(created.status).toBe(200);
    const creator = await waitFor(() => pidOf(server, created.body['request_id'] as string), { what: 'its log line' });
    expect(workers).toContain(creator);
    // Round robin: the next connections alternate between the workers; find one answered by the other.
    const otherAnswer = await waitFor(
      async () => {
        const answer = await post(server.url, auth, '/v1/sessions/authenticate', {
          session_token: created.body['session_token'],
        });
        expect(answer.status).toBe(200);
        const pid = await waitFor(() => pidOf(server, answer.body['request_id'] as string), { what: 'its log line' });
        return pid !== creator ? { answer, pid } : undefined;
      },
      { timeoutMs: 20_000, what: 'an answer from the other worker' },
    );
    expect(workers).toContain(otherAnswer.pid);
    expect(otherAnswer.answer.body['session']).toMatchObject({
      session_id: (created.body['session'] as { session_id: string }).session_id,
    });
    // One signing key for both: the JWT the other worker signed carries the same kid as the creator's.
    const kid = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split('.')[0]!, 'base64url').toString())['kid'];
    expect(kid(otherAnswer.answer.body['session_jwt'])).toBe(kid(created.body['session_jwt']));
    // Pids are in the logs only, never in answers.
    expect(JSON.stringify(otherAnswer.answer)).not.toContain(String(otherAnswer.pid));
  });

  it('replaces a worker killed with SIGKILL, and the port keeps answering', async () => {
    const { server, auth, workers } = await startTwoWorkers();
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    await waitFor(() => !isAlive(victim), { what: 'the killed worker to be gone' });
    const replacement = await waitFor(() => workerPids(server).find((pid) => !workers.includes(pid)), {
      timeoutMs: 30_000,
      what: 'a new worker',
    });
    spawned.add(replacement);
    expect(server.output().stderr).toMatch(
      new RegExp(`worker \\d \\(pid ${victim}\\) was killed by SIGKILL; starting another`),
    );
    // Both the survivor and the replacement answer on the same port.
    const answeredBy = new Set<number>();
    await waitFor(
      async () => {
        const answer = await post(server.url, auth, '/v1/sessions/authenticate', { session_token: 'not-a-token' });
        expect(answer.status).toBe(400);
        answeredBy.add(await waitFor(() => pidOf(server, answer.body['request_id'] as string)));
        return answeredBy.has(replacement) && answeredBy.has(survivor);
      },
      { timeoutMs: 20_000, what: 'answers from the survivor and the replacement' },
    );
    expect(answeredBy.has(victim)).toBe(false);
    expect(isAlive(server.child.pid!)).toBe(true);
  });

  it('drains on SIGTERM: a request in flight is answered, then the primary and every worker exit 0', async () => {
    const { server, auth, workers, projectId } = await startTwoWorkers();
    const incoming = () => logLines(server).filter((line) => line['msg'] === 'incoming request').length;
    const before = incoming();
    // A request whose body is still on its way when the signal comes.
    const body = JSON.stringify({ session_token: 'not-a-token' });
    const slow = request(`${server.url}/v1/sessions/authenticate`, {
      method: 'POST',
      agent: false,
      auth,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<Answer>((resolve, reject) => {
      slow.on('response', (response) => void readAnswer(response).then(resolve, reject));
      slow.on('error', reject);
    });
    slow.write(body.slice(0, 5));
    await waitFor(() => incoming() > before, { what: 'the slow request to reach a worker' });

    const exit = server.stop('SIGTERM', 20_000);
    await waitFor(() => logLines(server).filter((line) => line['msg'] === 'shutting down').length === 2, {
      what: 'both workers to start draining',
    });
    slow.end(body.slice(5));
    const answer = await answered;
    expect(answer.status).toBe(400);
    expect(answer.body['error_type']).toBe('invalid_session_token');
    expect(answer.headers['connection']).toBe('close');
    expect(await exit).toBe(0);
    for (const pid of [server.child.pid!, ...workers]) {
      await waitFor(() => !isAlive(pid), { what: `process ${pid} to be gone` });
    }
    expect(processesWith(projectId)).toEqual([]);
  });

  it('stops with one line and exit code 1 when workers keep dying, instead of restarting them for ever', async () => {
    const { server, workers } = await startTwoWorkers();
    const killed = new Set<number>();
    // The sixth exit within a minute ends it.
    for (let round = 0; round < 6; round++) {
      const victim = await waitFor(() => workerPids(server).find((pid) => !killed.has(pid) && isAlive(pid)), {
        timeoutMs: 30_000,
        what: 'a live worker to kill',
      });
      killed.add(victim);
      spawned.add(victim);
      process.kill(victim, 'SIGKILL');
      if (round < 5) {
        await waitFor(() => workerPids(server).some((pid) => !killed.has(pid) && !workers.includes(pid)), {
          timeoutMs: 30_000,
          what: 'the replacement',
        });
        workers.push(...workerPids(server).filter((pid) => !workers.includes(pid)));
      }
    }
    await waitFor(() => server.child.exitCode !== null || server.child.signalCode !== null, {
      timeoutMs: 30_000,
      what: 'the primary to give up',
    });
    expect(server.child.exitCode).toBe(1);
    const notices = server
      .output()
      .stderr.split('\n')
      .filter((line) => line.startsWith('sessiontoken-stytch-like:'));
    expect(notices).toHaveLength(6);
    expect(notices.at(-1)).toMatch(
      /^sessiontoken-stytch-like: workers keep exiting \(6 times in 60 s; the last was killed by SIGKILL\): stopping$/,
    );
    for (const pid of [server.child.pid!, ...workerPids(server)]) {
      await waitFor(() => !isAlive(pid), { what: `process ${pid} to be gone` });
    }
  });

  it('leaves no worker behind when the primary is killed with SIGKILL', async () => {
    const { server, workers, projectId } = await startTwoWorkers();
    expect(processesWith(projectId).sort()).toEqual([server.child.pid!, ...workers].sort());
    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    for (const pid of workers) {
      await waitFor(() => !isAlive(pid), { what: `worker ${pid} to exit after its primary` });
    }
    expect(processesWith(projectId)).toEqual([]);
  });

  it('stops with one line and exit code 1 when the workers cannot listen, leaving no process behind', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { projectId, secret } = testProject();
      const result = runCliSync(
        ['serve', '--workers', '2', '--port', String(port), '--store', location.url, '--project-id', projectId],
        { STYTCH_LIKE_SECRET: secret, STYTCH_LIKE_LOG_LEVEL: 'warn' },
      );
      expect(result.status).toBe(1);
      expect(processesWith(projectId)).toEqual([]);
      expect(result.stdout).not.toContain('listening on');
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(`^sessiontoken-stytch-like: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
        ),
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses more than one worker on the memory store, and bad --workers values, with one line and exit code 2', () => {
    const { projectId, secret } = testProject();
    const base = ['serve', '--port', '0', '--project-id', projectId];
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[...base, '--store', 'memory:', '--workers', '2'], {}, /--workers 2 needs a store the worker processes share/],
      [[...base, '--store', 'sqlite::memory:'], { STYTCH_LIKE_WORKERS: '3' }, /--workers 3 needs a store/],
      [
        [...base, '--store', location.url, '--workers', '0'],
        {},
        /--workers \(STYTCH_LIKE_WORKERS\) must be auto or a whole number from 1 to 256, got "0"/,
      ],
      [[...base, '--store', location.url, '--workers=-2'], {}, /got "-2"/],
      [[...base, '--store', location.url], { STYTCH_LIKE_WORKERS: '9999' }, /got "9999"/],
      [[...base, '--store', location.url, '--workers', 'all'], {}, /got "all"/],
    ];
    for (const [args, env, message] of cases) {
      const result = runCliSync(args, { STYTCH_LIKE_SECRET: secret, ...env });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
