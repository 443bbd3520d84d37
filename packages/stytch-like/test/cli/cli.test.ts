import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { Client } from 'stytch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertCliBuilt, runCliSync, startServerProcess, serveArgs } from '../helpers/cli-process.js';
import { testProject } from '../helpers/config.js';

const PASSWORD = 'a long and unguessable password';

const sdkFor = (url: string, projectId: string, secret: string) => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const client = new Client({ project_id: projectId, secret, env: `${url}/` });
  warn.mockRestore();
  return client;
};

describe('the sessiontoken-stytch-like CLI', () => {
  let dir: string;
  beforeAll(() => {
    assertCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'stytch-like-cli-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents every command, flag and environment variable in --help', () => {
    const help = runCliSync(['--help']);
    expect(help.status).toBe(0);
    for (const text of [
      'serve',
      'rotate-keys',
      '--port',
      '--host',
      '--store',
      '--project-id',
      '--secret',
      '--log-level',
      '--overlap',
      '--workers',
      'STYTCH_LIKE_WORKERS',
      'STYTCH_LIKE_PORT',
      'STYTCH_LIKE_HOST',
      'STYTCH_LIKE_STORE',
      'STYTCH_LIKE_PROJECT_ID',
      'STYTCH_LIKE_SECRET',
      'memory:',
      'sqlite:',
      'postgres://',
      'redis://',
      'SIGTERM',
    ]) {
      expect(help.stdout).toContain(text);
    }
    const serveHelp = runCliSync(['serve', '--help']);
    expect(serveHelp.status).toBe(0);
    expect(serveHelp.stdout).toMatch(/^Usage: sessiontoken-stytch-like serve/);
  });

  const required = ['--project-id', 'project-test-cli', '--secret', 'a-secret-of-enough-length'];
  const badInvocations: [string, string[], Record<string, string>, RegExp][] = [
    ['a port that is not a number', ['serve', '--port', 'abc', ...required], {}, /--port .*0 to 65535/],
    ['a port out of range', ['serve', '--port', '70000', ...required], {}, /--port/],
    [
      'a port from the environment out of range',
      ['serve', ...required],
      { STYTCH_LIKE_PORT: '99999' },
      /STYTCH_LIKE_PORT/,
    ],
    ['a missing project id', ['serve', '--secret', 'a-secret-of-enough-length'], {}, /--project-id .*required/],
    ['a missing secret', ['serve', '--project-id', 'project-test-cli'], {}, /--secret .*required/],
    [
      'a short secret',
      ['serve', '--project-id', 'project-test-cli', '--secret', 'tiny-secret'],
      {},
      /at least 16 characters/,
    ],
    [
      'an unsupported store URL',
      ['serve', '--store', 'mysql://db/app', ...required],
      {},
      /--store .*unsupported store URL scheme "mysql:"/,
    ],
    ['an empty sqlite path', ['serve', ...required], { STYTCH_LIKE_STORE: 'sqlite:' }, /sqlite/],
    ['an unknown log level', ['serve', ...required], { STYTCH_LIKE_LOG_LEVEL: 'loud' }, /STYTCH_LIKE_LOG_LEVEL/],
    ['an unknown flag', ['serve', '--bogus', ...required], {}, /--bogus/],
    ['an unknown command', ['launch'], {}, /unknown command "launch"/],
    ['rotate-keys without a store', ['rotate-keys'], {}, /--store .*required/],
    [
      'rotate-keys with too short an overlap',
      ['rotate-keys', '--store', 'memory:', '--overlap', '1m'],
      {},
      /--overlap/,
    ],
  ];
  for (const [name, args, env, message] of badInvocations) {
    it(`exits with code 2 and one line on stderr for ${name}`, () => {
      const result = runCliSync(args, env);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toContain('tiny-secret');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('exits with code 1 and one line when the store cannot be reached, without echoing the URL password', () => {
    const result = runCliSync([
      'serve',
      ...required,
      '--store',
      'postgres://postgres:hunter2-password@127.0.0.1:1/test',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot open the store: \[postgres\]/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('serves from flags, prints "listening on", and exits 0 on SIGTERM even with a client connection open', async () => {
    const { projectId, secret } = testProject();
    const server = await startServerProcess([
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--store',
      'memory:',
      '--project-id',
      projectId,
      '--secret',
      secret,
    ]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const created = await sdkFor(server.url, projectId, secret).passwords.create({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    expect(created.session_token).toHaveLength(44);
    const started = Date.now();
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const { stderr } = server.output();
    expect(stderr).toContain('shutting down');
    expect(stderr).not.toContain(secret);
    expect(stderr).not.toContain(created.session_token);
  });

  it('prints the project public token, the same after a restart on the same store, and serves the SDK API', async () => {
    const { projectId, secret } = testProject();
    const args = ['--port', '0', '--store', `sqlite:${join(dir, 'public-token.sqlite')}`, '--project-id', projectId];
    const origin = 'https://app.shop.test';
    const publicTokenOf = (output: string) => /^public token (\S+)$/m.exec(output)?.[1];
    const first = await startServerProcess([...args, '--allowed-origin', origin], { STYTCH_LIKE_SECRET: secret });
    const publicToken = publicTokenOf(first.output().stdout);
    expect(publicToken).toMatch(/^public-token-test-[0-9a-f-]{36}$/);
    const bootstrap = await fetch(`${first.url}/sdk/v1/projects/bootstrap/${publicToken}`, { headers: { origin } });
    expect(bootstrap.status).toBe(200);
    expect(bootstrap.headers.get('access-control-allow-origin')).toBe(origin);
    const refused = await fetch(`${first.url}/sdk/v1/projects/bootstrap/${publicToken}`, {
      headers: { origin: 'https://other.test' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(await first.stop()).toBe(0);
    const second = await startServerProcess(args, { STYTCH_LIKE_SECRET: secret });
    expect(publicTokenOf(second.output().stdout)).toBe(publicToken);
    expect(await second.stop()).toBe(0);
  });

  it('serves from environment variables alone and exits 0 on SIGINT', async () => {
    const { projectId, secret } = testProject();
    const server = await startServerProcess([], {
      STYTCH_LIKE_PORT: '0',
      STYTCH_LIKE_HOST: '127.0.0.1',
      STYTCH_LIKE_STORE: `sqlite:${join(dir, 'env.sqlite')}`,
      STYTCH_LIKE_PROJECT_ID: projectId,
      STYTCH_LIKE_SECRET: secret,
      STYTCH_LIKE_LOG_LEVEL: 'warn',
    });
    const answer = await fetch(`${server.url}/v1/sessions?user_id=user-test-x`, {
      headers: { authorization: `Basic ${Buffer.from(`${projectId}:${secret}`).toString('base64')}` },
    });
    expect(answer.status).toBe(404);
    expect(await server.stop('SIGINT')).toBe(0);
  });

  it('rotate-keys starts a new signing key; after a restart the JWKS holds both and old JWTs still verify', async () => {
    const { projectId, secret } = testProject();
    const store = `sqlite:${join(dir, 'rotation.sqlite')}`;
    const args = serveArgs(store, projectId, secret);
    const first = await startServerProcess(args);
    const before = await sdkFor(first.url, projectId, secret).passwords.create({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    const oldKid = decodeProtectedHeader(before.session_jwt).kid;
    expect(await first.stop()).toBe(0);

    const rotation = runCliSync(['rotate-keys', '--store', store, '--overlap', '7d', '--project-id', projectId]);
    expect(rotation.status).toBe(0);
    const newKid = /signing with new key (\S+)/.exec(rotation.stdout)?.[1];
    expect(newKid).toMatch(/^jwk-test-/);
    expect(rotation.stdout).toContain(`previous key ${String(oldKid)} stays in the JWKS until`);

    const second = await startServerProcess(args);
    try {
      const sdk = sdkFor(second.url, projectId, secret);
      expect((await sdk.sessions.getJWKS({ project_id: projectId })).keys.map((k) => k.kid).sort()).toEqual(
        [oldKid, newKid].sort(),
      );
      await expect(sdk.sessions.authenticateJwtLocal({ session_jwt: before.session_jwt })).resolves.toMatchObject({
        user_id: before.user_id,
      });
      const after = await sdk.sessions.authenticate({ session_token: before.session_token });
      expect(decodeProtectedHeader(after.session_jwt).kid).toBe(newKid);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
