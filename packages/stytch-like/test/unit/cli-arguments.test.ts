import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CliUsageError, isLoopbackHost, parseCliArguments, scryptFromEnv } from '../../src/server/cli/arguments.js';
import { createStytchLikeServer } from '../../src/server/http/server.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';

const required = ['--project-id', 'project-test-a', '--secret', 's'.repeat(16)];

describe('CLI arguments', () => {
  it('apply defaults, then environment variables, then flags', () => {
    expect(parseCliArguments(['serve', ...required], {})).toEqual({
      command: 'serve',
      port: 3300,
      host: '127.0.0.1',
      storeUrl: 'sqlite:stytch-like.sqlite',
      projectId: 'project-test-a',
      secrets: ['s'.repeat(16)],
      logLevel: 'info',
      tls: undefined,
      keyEncryptionKeys: undefined,
      maxSessionLifetimeMinutes: undefined,
      expiredJwtMaxAgeSeconds: undefined,
      allowedOrigins: [],
      sessionCookies: 'none',
      cookieDomain: undefined,
      jwtAlgorithm: undefined,
      jwtReuseSeconds: undefined,
      workers: 1,
    });
    const env = {
      STYTCH_LIKE_PORT: '4000',
      STYTCH_LIKE_HOST: '0.0.0.0',
      STYTCH_LIKE_INSECURE_HTTP: '1',
      STYTCH_LIKE_STORE: 'memory:',
      STYTCH_LIKE_PROJECT_ID: 'project-test-env',
      STYTCH_LIKE_SECRET: 'e'.repeat(20),
    };
    expect(parseCliArguments(['serve'], env)).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      storeUrl: 'memory:',
      projectId: 'project-test-env',
    });
    expect(parseCliArguments(['serve', '--port', '5000', '--store', 'redis://r:6379'], env)).toMatchObject({
      port: 5000,
      storeUrl: 'redis://r:6379',
    });
    expect(parseCliArguments(['serve', '--port=0', ...required], {})).toMatchObject({ port: 0 });
  });

  it('parse the frontend-SDK options: repeatable --allowed-origin, --session-cookies and --cookie-domain', () => {
    const parsed = parseCliArguments(
      [
        'serve',
        ...required,
        '--allowed-origin',
        'https://app.shop.test',
        '--allowed-origin',
        'http://localhost:5173',
        '--session-cookies',
        'httponly',
        '--cookie-domain',
        'shop.test',
      ],
      {},
    );
    expect(parsed).toMatchObject({
      allowedOrigins: ['https://app.shop.test', 'http://localhost:5173'],
      sessionCookies: 'httponly',
      cookieDomain: 'shop.test',
    });
    const env = {
      STYTCH_LIKE_ALLOWED_ORIGINS: 'https://a.shop.test, https://b.shop.test',
      STYTCH_LIKE_SESSION_COOKIES: 'httponly',
      STYTCH_LIKE_COOKIE_DOMAIN: 'shop.test',
    };
    expect(parseCliArguments(['serve', ...required], env)).toMatchObject({
      allowedOrigins: ['https://a.shop.test', 'https://b.shop.test'],
      sessionCookies: 'httponly',
      cookieDomain: 'shop.test',
    });
    // A flag replaces the variable's list.
    expect(parseCliArguments(['serve', ...required, '--allowed-origin', 'https://c.shop.test'], env)).toMatchObject({
      allowedOrigins: ['https://c.shop.test'],
    });
  });

  it('refuse origins that are not exactly scheme://host[:port], unknown cookie modes and a stray cookie domain', () => {
    const refused: Array<[string[], RegExp]> = [
      [['--allowed-origin', 'https://app.shop.test/'], /--allowed-origin .*scheme:\/\/host\[:port\]/],
      [['--allowed-origin', 'https://app.shop.test/login'], /--allowed-origin/],
      [['--allowed-origin', '*'], /--allowed-origin/],
      [['--allowed-origin', 'ftp://app.shop.test'], /--allowed-origin/],
      [['--session-cookies', 'readable'], /--session-cookies .*none, httponly/],
      [['--cookie-domain', 'shop.test'], /--cookie-domain .*goes with --session-cookies httponly/],
      [['--session-cookies', 'httponly', '--cookie-domain', '.shop.test'], /--cookie-domain/],
      [['--session-cookies', 'httponly', '--cookie-domain', 'localhost:8443'], /--cookie-domain/],
    ];
    for (const [args, message] of refused) {
      expect(() => parseCliArguments(['serve', ...required, ...args], {}), args.join(' ')).toThrow(CliUsageError);
      expect(() => parseCliArguments(['serve', ...required, ...args], {}), args.join(' ')).toThrow(message);
    }
  });

  it('parse rotate-keys with its overlap', () => {
    expect(parseCliArguments(['rotate-keys', '--store', 'memory:'], {})).toEqual({
      command: 'rotate-keys',
      storeUrl: 'memory:',
      projectId: undefined,
      overlapMs: 30 * 86_400_000,
      dropPrevious: false,
      keyEncryptionKeys: undefined,
      jwtAlgorithm: undefined,
    });
    expect(parseCliArguments(['rotate-keys', '--overlap', '90m'], { STYTCH_LIKE_STORE: 'memory:' })).toMatchObject({
      overlapMs: 90 * 60_000,
    });
  });

  it('take the JWT reuse window from --jwt-reuse-seconds or STYTCH_LIKE_JWT_REUSE_SECONDS, and refuse bad ones', () => {
    expect(parseCliArguments(['serve', ...required, '--jwt-reuse-seconds', '30'], {})).toMatchObject({
      jwtReuseSeconds: 30,
    });
    expect(parseCliArguments(['serve', ...required], { STYTCH_LIKE_JWT_REUSE_SECONDS: '0' })).toMatchObject({
      jwtReuseSeconds: 0,
    });
    expect(
      parseCliArguments(['serve', ...required, '--jwt-reuse-seconds', '240'], { STYTCH_LIKE_JWT_REUSE_SECONDS: '5' }),
    ).toMatchObject({ jwtReuseSeconds: 240 });
    for (const bad of ['241', '300', '-1', '1.5', '1e2', ' 10', '10s', '0x10', '', 'x'.repeat(60)]) {
      const parse = () => parseCliArguments(['serve', ...required, `--jwt-reuse-seconds=${bad}`], {});
      expect(parse, bad).toThrow(CliUsageError);
      expect(parse, bad).toThrow(
        /^--jwt-reuse-seconds \(STYTCH_LIKE_JWT_REUSE_SECONDS\) must be a whole number of seconds from 0 \(off\) to 240/,
      );
    }
  });

  it('take the JWT algorithm from --jwt-alg or STYTCH_LIKE_JWT_ALG for serve and rotate-keys, and refuse others', () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      expect(parseCliArguments(['serve', ...required, '--jwt-alg', alg], {})).toMatchObject({ jwtAlgorithm: alg });
      expect(parseCliArguments(['serve', ...required], { STYTCH_LIKE_JWT_ALG: alg })).toMatchObject({
        jwtAlgorithm: alg,
      });
      expect(parseCliArguments(['rotate-keys', '--store', 'memory:', '--jwt-alg', alg], {})).toMatchObject({
        jwtAlgorithm: alg,
      });
    }
    for (const bad of ['HS256', 'none', 'rs256', 'ES384']) {
      expect(() => parseCliArguments(['serve', ...required, '--jwt-alg', bad], {})).toThrow(
        new CliUsageError('--jwt-alg (STYTCH_LIKE_JWT_ALG) must be one of RS256, ES256, EdDSA'),
      );
    }
  });

  it('take --workers or STYTCH_LIKE_WORKERS as 1 to 256 or auto (the usable cores), and refuse others', () => {
    const sqlite = ['--store', 'sqlite:./s.sqlite'];
    expect(parseCliArguments(['serve', ...required, ...sqlite, '--workers', '4'], {})).toMatchObject({ workers: 4 });
    expect(parseCliArguments(['serve', ...required, ...sqlite], { STYTCH_LIKE_WORKERS: '256' })).toMatchObject({
      workers: 256,
    });
    expect(parseCliArguments(['serve', ...required, ...sqlite, '--workers', 'auto'], {})).toMatchObject({
      workers: Math.min(availableParallelism(), 256),
    });
    // One worker is the single process of before, on any store.
    expect(parseCliArguments(['serve', ...required, '--store', 'memory:', '--workers', '1'], {})).toMatchObject({
      workers: 1,
    });
    for (const bad of ['0', '-1', '1.5', '257', '1000', 'AUTO', 'many', '0x2', ' 2', '2e0']) {
      expect(() => parseCliArguments(['serve', ...required, ...sqlite, `--workers=${bad}`], {})).toThrow(
        new CliUsageError(`--workers (STYTCH_LIKE_WORKERS) must be auto or a whole number from 1 to 256, got "${bad}"`),
      );
    }
    for (const store of ['memory:', 'sqlite::memory:']) {
      expect(() => parseCliArguments(['serve', ...required, '--store', store, '--workers', '2'], {})).toThrow(
        /^--workers 2 needs a store the worker processes share .*lives inside one process$/,
      );
    }
  });

  it('recognise help and version', () => {
    expect(parseCliArguments([], {})).toEqual({ command: 'help', topic: undefined });
    expect(parseCliArguments(['help', 'serve'], {})).toEqual({ command: 'help', topic: 'serve' });
    expect(parseCliArguments(['rotate-keys', '-h'], {})).toEqual({ command: 'help', topic: 'rotate-keys' });
    expect(parseCliArguments(['--version'], {})).toEqual({ command: 'version' });
  });

  it('refuse bad values with a CliUsageError that never repeats the secret', () => {
    const cases: [string[], Record<string, string>][] = [
      [['serve', '--port', '-1', ...required], {}],
      [['serve', '--port', '1.5', ...required], {}],
      [['serve', '--host', '', ...required], {}],
      [['serve', '--project-id', 'has space', '--secret', 's'.repeat(16)], {}],
      [['serve', '--project-id', 'p', '--secret', 'hunter2'], {}],
      [['serve', 'extra', ...required], {}],
      [['serve', ...required, '--port'], {}],
    ];
    for (const [argv, env] of cases) {
      let error: unknown;
      try {
        parseCliArguments(argv, env);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(CliUsageError);
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads scrypt N and p from STYTCH_LIKE_SCRYPT_LOG_COST (10 to 20) and _PARALLELIZATION (1 to 16), refusing anything else', () => {
    expect(scryptFromEnv({})).toBeUndefined();
    expect(scryptFromEnv({ STYTCH_LIKE_SCRYPT_LOG_COST: '', STYTCH_LIKE_SCRYPT_PARALLELIZATION: '' })).toBeUndefined();
    expect(scryptFromEnv({ STYTCH_LIKE_SCRYPT_LOG_COST: '18' })).toEqual({ cost: 2 ** 18 });
    expect(scryptFromEnv({ STYTCH_LIKE_SCRYPT_PARALLELIZATION: '1' })).toEqual({ parallelization: 1 });
    expect(scryptFromEnv({ STYTCH_LIKE_SCRYPT_LOG_COST: '17', STYTCH_LIKE_SCRYPT_PARALLELIZATION: '1' })).toEqual({
      cost: 2 ** 17,
      parallelization: 1,
    });
    for (const bad of ['9', '21', '17.5', '1e1', ' 17', '0x11', 'seventeen', '017']) {
      expect(() => scryptFromEnv({ STYTCH_LIKE_SCRYPT_LOG_COST: bad }), bad).toThrow(CliUsageError);
    }
    for (const bad of ['0', '17', '-1', '2.5', 'five', ' 5']) {
      expect(() => scryptFromEnv({ STYTCH_LIKE_SCRYPT_PARALLELIZATION: bad }), bad).toThrow(
        /STYTCH_LIKE_SCRYPT_PARALLELIZATION must be a whole number from 1 to 16/,
      );
    }
  });

  it('tell loopback from everything else, including look-alikes', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.10.0.1', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      'localhost.example.com',
      '127.0.0.1.nip.io',
      '',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('read TLS files, several secrets, the key-encryption key and lifetimes from flags and the environment', () => {
    const kek = randomBytes(32).toString('base64');
    const parsed = parseCliArguments(
      [
        'serve',
        '--project-id',
        'project-test-a',
        '--host',
        '0.0.0.0',
        '--tls-cert',
        'c.pem',
        '--max-session-lifetime',
        '30d',
        '--expired-jwt-max-age',
        '0s',
      ],
      {
        STYTCH_LIKE_TLS_KEY: 'k.pem',
        STYTCH_LIKE_SECRETS: `${'a'.repeat(16)}, ${'b'.repeat(16)}`,
        STYTCH_LIKE_KEY_ENCRYPTION_KEY: kek,
      },
    );
    expect(parsed).toMatchObject({
      tls: { certFile: 'c.pem', keyFile: 'k.pem' },
      secrets: ['a'.repeat(16), 'b'.repeat(16)],
      maxSessionLifetimeMinutes: 30 * 24 * 60,
      expiredJwtMaxAgeSeconds: 0,
    });
    expect((parsed as unknown as { keyEncryptionKeys: Uint8Array[] }).keyEncryptionKeys).toHaveLength(1);
    expect(parseCliArguments(['rotate-keys', '--store', 'memory:', '--drop-previous'], {})).toMatchObject({
      dropPrevious: true,
    });
    expect(
      parseCliArguments(['encrypt-keys', '--store', 'memory:'], { STYTCH_LIKE_KEY_ENCRYPTION_KEY: kek }),
    ).toMatchObject({ command: 'encrypt-keys' });
    expect(parseCliArguments(['revoke-sessions', '--store', 'memory:', '--user-id', 'user-test-a'], {})).toEqual({
      command: 'revoke-sessions',
      storeUrl: 'memory:',
      userId: 'user-test-a',
    });
  });

  it('refuse weak or ambiguous security settings, naming the setting and never the value', () => {
    const secret = 'super-secret-value-1234';
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['serve', '--project-id', 'p', '--host', '10.1.2.3'],
        { STYTCH_LIKE_SECRET: secret },
        /refusing plain HTTP on 10\.1\.2\.3/,
      ],
      [['serve', '--project-id', 'p', '--tls-key', 'k.pem'], { STYTCH_LIKE_SECRET: secret }, /give both or none/],
      [['serve', '--project-id', 'p'], { STYTCH_LIKE_SECRET: secret, STYTCH_LIKE_SECRETS: secret }, /not both/],
      [['serve', '--project-id', 'p'], { STYTCH_LIKE_SECRETS: `${secret},${secret}` }, /same secret twice/],
      [['serve', '--project-id', 'p'], { STYTCH_LIKE_SECRETS: `${secret},` }, /secret 2 must be at least 16/],
      [
        ['serve', '--project-id', 'p'],
        { STYTCH_LIKE_SECRET: secret, STYTCH_LIKE_KEY_ENCRYPTION_KEY: secret },
        /not 32 bytes/,
      ],
      [
        ['serve', '--project-id', 'p', '--max-session-lifetime', '1m'],
        { STYTCH_LIKE_SECRET: secret },
        /--max-session-lifetime .* at least 5m/,
      ],
      [['rotate-keys', '--store', 'memory:', '--drop-previous', '--overlap', '1d'], {}, /takes no --overlap/],
      [['encrypt-keys', '--store', 'memory:'], {}, /STYTCH_LIKE_KEY_ENCRYPTION_KEY is required/],
      [['revoke-sessions', '--store', 'memory:'], {}, /--user-id is required/],
    ];
    for (const [argv, env, message] of cases) {
      let error: unknown;
      try {
        parseCliArguments(argv, env);
      } catch (e) {
        error = e;
      }
      expect(error, argv.join(' ')).toBeInstanceOf(CliUsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('hold the library to the CLI’s secret rules', async () => {
    const service = new StytchLikeSessionService({
      store: new MemorySessionStore(),
      projectId: 'project-test-a',
      sweepIntervalMs: 0,
    });
    for (const secret of [
      '',
      'x',
      'fifteen-chars-!',
      [],
      ['a'.repeat(16), 'short'],
      ['a'.repeat(16), 'a'.repeat(16)],
    ]) {
      expect(() => createStytchLikeServer({ service, secret }), JSON.stringify(secret)).toThrow(TypeError);
    }
    const server = createStytchLikeServer({ service, secret: ['a'.repeat(16), 'b'.repeat(16)] });
    await server.close();
    await service.close();
  });
});
