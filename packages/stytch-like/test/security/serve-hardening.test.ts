import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'stytch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/server/cli/run.js';
import { SqliteSessionStore } from '../../src/server/store/sqlite.js';
import { cliEnv, runCliSync, startServerProcess, type ServerProcess } from '../helpers/cli-process.js';
import { testProject } from '../helpers/config.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls.js';

const PASSWORD = 'a long and unguessable password';
const mode = (path: string) => statSync(path).mode & 0o777;
const quietClient = (options: ConstructorParameters<typeof Client>[0]) => {
  // The SDK warns once about a custom env; that is expected here.
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    return new Client(options);
  } finally {
    warn.mockRestore();
  }
};
const oneLineFailure = (result: { status: number | null; stderr: string }, status: number) => {
  expect(result.status).toBe(status);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  return result.stderr;
};
/** The CLI's own code in this process (a process start costs seconds on a busy machine); refusals never serve. */
const runInProcess = async (argv: string[], env: Record<string, string> = {}) => {
  let stdout = '';
  let stderr = '';
  const status = await runCli(argv, env, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    waitForShutdown: () => Promise.reject(new Error('a refused command must not start serving')),
  });
  return { status, stdout, stderr };
};

// Each test starts real server processes, which take seconds each on a busy machine.
describe('serve, hardened', { timeout: 90_000 }, () => {
  let root: string;
  let certificates: TestCertificates;
  const processes: ServerProcess[] = [];
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'stytch-like-serve-'));
    certificates = makeTestCertificates();
  });
  afterAll(async () => {
    for (const server of processes) await server.stop('SIGKILL').catch(() => {});
    rmSync(root, { recursive: true, force: true });
    certificates?.cleanup();
  });
  const start = async (...args: Parameters<typeof startServerProcess>) => {
    const server = await startServerProcess(...args);
    processes.push(server);
    return server;
  };

  it('creates the SQLite database, WAL and shared memory 0600 in a 0700 directory under umask 000', async () => {
    const directory = join(root, 'modes', 'data');
    const path = join(directory, 'sessions.sqlite');
    const { projectId, secret } = testProject();
    const server = await start(
      ['--port', '0', '--store', `sqlite:${path}`, '--project-id', projectId, '--secret', secret],
      {},
      { umask: '000' },
    );
    const client = quietClient({ project_id: projectId, secret, env: `${server.url}/` });
    await client.passwords.create({ email: `modes-${randomUUID()}@example.test`, password: PASSWORD });
    expect(mode(directory)).toBe(0o700);
    expect(mode(join(root, 'modes'))).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect([file, mode(file)]).toEqual([file, 0o600]);
    expect(await server.stop()).toBe(0);
  });

  it('tightens an existing world-readable database, and warns about a world-writable directory', async () => {
    const directory = join(root, 'loose');
    mkdirSync(directory);
    chmodSync(directory, 0o777);
    const path = join(directory, 'sessions.sqlite');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const store = await SqliteSessionStore.open({ path });
    await store.close();
    expect(mode(path)).toBe(0o600);
    const { projectId, secret } = testProject();
    const server = await start([
      '--port',
      '0',
      '--store',
      `sqlite:${path}`,
      '--project-id',
      projectId,
      '--secret',
      secret,
    ]);
    expect(server.output().stderr).toMatch(/warning: .*loose is writable by other users/);
    await server.stop();
  });

  it('refuses plain HTTP on a non-loopback address with a one-line reason, unless --insecure-http', async () => {
    const { projectId, secret } = testProject();
    const base = ['--port', '0', '--store', 'memory:', '--project-id', projectId, '--secret', secret];
    // The real process once: the reason is one line on stderr and the exit code says "bad flags".
    expect(oneLineFailure(runCliSync(['serve', ...base, '--host', '0.0.0.0']), 2)).toMatch(
      /refusing plain HTTP on 0\.0\.0\.0, which is not a loopback address/,
    );
    for (const host of ['::', '192.0.2.10', 'sessions.example.com', '::ffff:10.0.0.1']) {
      expect(oneLineFailure(await runInProcess(['serve', ...base, '--host', host]), 2)).toMatch(
        /refusing plain HTTP .*give --tls-cert and --tls-key/,
      );
    }
    expect(oneLineFailure(await runInProcess(['serve', ...base], { STYTCH_LIKE_HOST: '0.0.0.0' }), 2)).toMatch(
      /refusing plain HTTP/,
    );
    expect(oneLineFailure(await runInProcess(['serve', ...base, '--tls-cert', certificates.certFile]), 2)).toMatch(
      /give both or none/,
    );
    const missingCert = await runInProcess([
      'serve',
      ...base,
      '--tls-cert',
      join(root, 'missing.pem'),
      '--tls-key',
      certificates.keyFile,
    ]);
    expect(oneLineFailure(missingCert, 1)).toMatch(/cannot read --tls-cert .*ENOENT/);
    const insecure = await start([...base, '--host', '0.0.0.0', '--insecure-http']);
    expect(insecure.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(await insecure.stop()).toBe(0);
  });

  it('serves HTTPS the official SDK trusts through NODE_EXTRA_CA_CERTS, refusing unknown CAs', async () => {
    const { projectId, secret } = testProject();
    const server = await start(
      ['--port', '0', '--host', '0.0.0.0', '--store', 'memory:', '--project-id', projectId, '--secret', secret],
      {
        STYTCH_LIKE_TLS_CERT: certificates.certFile,
        STYTCH_LIKE_TLS_KEY: certificates.keyFile,
      },
    );
    expect(server.url).toMatch(/^https:\/\//);
    const port = new URL(server.url).port;
    const stytchEntry = createRequire(import.meta.url).resolve('stytch');
    // The SDK in its own process, as an application would run it: create, authenticate, verify the JWT locally.
    const script = `
      const { Client } = require(${JSON.stringify(stytchEntry)});
      console.warn = () => {};
      const client = new Client({ project_id: process.env.PID, secret: process.env.SECRET, env: process.env.BASE });
      (async () => {
        const email = process.env.EMAIL;
        const created = await client.passwords.create({ email, password: ${JSON.stringify(PASSWORD)} });
        const local = await client.sessions.authenticateJwtLocal({ session_jwt: created.session_jwt });
        const remote = await client.sessions.authenticate({ session_token: created.session_token });
        const ids = { local: local.session_id, remote: remote.session.session_id, created: created.session.session_id };
        console.log(JSON.stringify(ids));
      })().catch((error) => {
        console.log(JSON.stringify({ error: String(error && (error.cause?.code || error.code || error.message)) }));
      });
    `;
    const runSdk = (extra: Record<string, string>) => {
      const result = spawnSync(process.execPath, ['-e', script], {
        env: cliEnv({
          PID: projectId,
          SECRET: secret,
          BASE: `https://localhost:${port}/`,
          EMAIL: `tls-${randomUUID()}@example.test`,
          ...extra,
        }),
        encoding: 'utf8',
        timeout: 20_000,
      });
      return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, string>;
    };
    const trusted = runSdk({ NODE_EXTRA_CA_CERTS: certificates.caFile });
    expect(trusted.error).toBeUndefined();
    expect(trusted.local).toBe(trusted.created);
    expect(trusted.remote).toBe(trusted.created);
    // Without the test CA the SDK refuses the certificate: nothing is sent to an unverified server.
    expect(runSdk({}).error).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify|fetch failed/i);
    // Plain HTTP to the TLS port gets no API answer.
    const plain = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('accepts several secrets while one rotates, then refuses the retired one', async () => {
    const path = join(root, 'secrets', 'sessions.sqlite');
    const { projectId } = testProject();
    const [oldSecret, newSecret] = [`old-${randomBytes(12).toString('hex')}`, `new-${randomBytes(12).toString('hex')}`];
    const args = ['--port', '0', '--store', `sqlite:${path}`, '--project-id', projectId];
    const during = await start(args, { STYTCH_LIKE_SECRETS: `${oldSecret}, ${newSecret}` });
    const viaOld = quietClient({ project_id: projectId, secret: oldSecret, env: `${during.url}/` });
    const created = await viaOld.passwords.create({ email: `rotate-${randomUUID()}@example.test`, password: PASSWORD });
    await expect(
      quietClient({ project_id: projectId, secret: newSecret, env: `${during.url}/` }).sessions.authenticate({
        session_token: created.session_token,
      }),
    ).resolves.toMatchObject({
      status_code: 200,
    });
    expect(await during.stop()).toBe(0);

    const after = await start(args, { STYTCH_LIKE_SECRETS: newSecret });
    const stale = await quietClient({ project_id: projectId, secret: oldSecret, env: `${after.url}/` })
      .sessions.authenticate({ session_token: created.session_token })
      .catch((error: unknown) => error);
    expect(stale).toMatchObject({ status_code: 401, error_type: 'invalid_secret_authentication' });
    await expect(
      quietClient({ project_id: projectId, secret: newSecret, env: `${after.url}/` }).sessions.authenticate({
        session_token: created.session_token,
      }),
    ).resolves.toMatchObject({
      status_code: 200,
    });
    expect(await after.stop()).toBe(0);
    expect(after.output().stderr).not.toContain(oldSecret);

    const both = await runInProcess(['serve', ...args], {
      STYTCH_LIKE_SECRET: newSecret,
      STYTCH_LIKE_SECRETS: newSecret,
    });
    expect(oneLineFailure(both, 2)).toMatch(/not both/);
    const short = await runInProcess(['serve', ...args], { STYTCH_LIKE_SECRETS: `${newSecret},hunter2` });
    expect(oneLineFailure(short, 2)).toMatch(/secret 2 must be at least 16 characters/);
    expect(short.stderr).not.toContain('hunter2');
  });

  it('encrypts a store’s keys, then refuses to start without the key-encryption key or with a wrong one', async () => {
    const path = join(root, 'kek', 'sessions.sqlite');
    const { projectId, secret } = testProject();
    const kek = randomBytes(32).toString('base64');
    const args = ['--port', '0', '--store', `sqlite:${path}`, '--project-id', projectId, '--secret', secret];
    const plain = await start(args);
    const created = await quietClient({ project_id: projectId, secret, env: `${plain.url}/` }).passwords.create({
      email: `kek-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    expect(await plain.stop()).toBe(0);

    const encrypted = runCliSync(['encrypt-keys', '--store', `sqlite:${path}`], {
      STYTCH_LIKE_KEY_ENCRYPTION_KEY: kek,
    });
    expect(encrypted.status).toBe(0);
    expect(encrypted.stdout).toMatch(/^encrypted the private key of jwk-test-/m);
    expect(encrypted.stdout + encrypted.stderr).not.toContain(kek);
    expect(oneLineFailure(await runInProcess(['encrypt-keys', '--store', `sqlite:${path}`]), 2)).toMatch(
      /STYTCH_LIKE_KEY_ENCRYPTION_KEY is required/,
    );

    // The real process once: no key, no start, one line.
    const missing = runCliSync(['serve', ...args]);
    expect(oneLineFailure(missing, 1)).toMatch(
      /the signing keys in the store are encrypted: set STYTCH_LIKE_KEY_ENCRYPTION_KEY/,
    );
    const wrongKey = randomBytes(32).toString('base64');
    const wrong = await runInProcess(['serve', ...args], { STYTCH_LIKE_KEY_ENCRYPTION_KEY: wrongKey });
    expect(oneLineFailure(wrong, 1)).toMatch(
      /STYTCH_LIKE_KEY_ENCRYPTION_KEY is not the key that encrypted signing key/,
    );
    expect(wrong.stderr).not.toContain(wrongKey);
    expect(
      oneLineFailure(await runInProcess(['serve', ...args], { STYTCH_LIKE_KEY_ENCRYPTION_KEY: 'not-a-key' }), 2),
    ).toMatch(/openssl rand -base64 32/);
    expect(oneLineFailure(await runInProcess(['rotate-keys', '--store', `sqlite:${path}`]), 1)).toMatch(
      /encrypted: set STYTCH_LIKE_KEY_ENCRYPTION_KEY/,
    );

    const good = await start(args, { STYTCH_LIKE_KEY_ENCRYPTION_KEY: kek });
    const client = quietClient({ project_id: projectId, secret, env: `${good.url}/` });
    await expect(client.sessions.authenticateJwtLocal({ session_jwt: created.session_jwt })).resolves.toMatchObject({
      session_id: created.session?.session_id,
    });

    // Sign out everywhere from the command line, against the running server's store.
    await client.passwords.authenticate({ email: created.user.emails[0]!.email, password: PASSWORD });
    const revoked = runCliSync(['revoke-sessions', '--store', `sqlite:${path}`, '--user-id', created.user_id]);
    expect(revoked.stdout).toBe(`revoked 2 sessions of ${created.user_id}\n`);
    await expect(client.sessions.authenticate({ session_token: created.session_token })).rejects.toMatchObject({
      error_type: 'session_not_found',
    });
    const nobody = await runInProcess([
      'revoke-sessions',
      '--store',
      `sqlite:${path}`,
      '--user-id',
      'user-test-nobody',
    ]);
    expect(oneLineFailure(nobody, 1)).toMatch(/there is no user/);
    expect(await good.stop()).toBe(0);
  });
});
