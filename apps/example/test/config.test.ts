import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('example configuration', () => {
  it('defaults to the embedded stytch-like backend on 127.0.0.1:3000', () => {
    const config = parseConfig([], {});
    expect(config).toMatchObject({
      provider: 'stytch-like',
      host: '127.0.0.1',
      port: 3000,
      orientdb: null,
      logout: false,
    });
  });

  it('takes flags over environment variables', () => {
    expect(
      parseConfig(['--provider', 'orientdb', '--port', '8080'], { PROVIDER: 'stytch-like', PORT: '9090' }),
    ).toMatchObject({ provider: 'orientdb', port: 8080 });
    expect(parseConfig([], { PROVIDER: 'orientdb', PORT: '9090' })).toMatchObject({ provider: 'orientdb', port: 9090 });
  });

  it('reads the OrientDB server from ORIENTDB_* variables', () => {
    const config = parseConfig([], {
      ORIENTDB_PORT: '2425',
      ORIENTDB_USER: 'reader',
      ORIENTDB_PASSWORD: 'pw',
      ORIENTDB_DATABASE: 'shop',
    });
    expect(config.orientdb).toEqual({
      host: '127.0.0.1',
      port: 2425,
      database: 'shop',
      demoUser: { login: 'reader', password: 'pw' },
    });
    expect(parseConfig([], { ORIENTDB_PORT: '2425' }).orientdb).toMatchObject({
      database: 'sessiontoken',
      demoUser: null,
    });
  });

  it('serves HTTPS with a Secure cookie when given a certificate and key, and reads the public origin', () => {
    expect(parseConfig(['--tls-cert', '/c.pem', '--tls-key', '/k.pem'], {})).toMatchObject({
      tls: { certFile: '/c.pem', keyFile: '/k.pem' },
      secureCookies: true,
    });
    expect(parseConfig([], { TLS_CERT: '/c.pem', TLS_KEY: '/k.pem' })).toMatchObject({ secureCookies: true });
    expect(parseConfig(['--secure-cookies'], {})).toMatchObject({ tls: null, secureCookies: true });
    expect(parseConfig([], {})).toMatchObject({ tls: null, secureCookies: false, origin: undefined });
    expect(parseConfig(['--origin', 'https://shop.example'], {}).origin).toBe('https://shop.example');
  });

  it.each([
    [['--tls-cert', '/c.pem'], {}, /--tls-cert and --tls-key/],
    [[], { TLS_KEY: '/k.pem' }, /--tls-cert and --tls-key/],
    [['--origin', 'https://shop.example/'], {}, /must be an http\(s\) origin/],
    [['--origin', 'javascript:alert(1)'], {}, /must be an http\(s\) origin/],
    [[], { SHOP_ORIGIN: 'shop.example' }, /must be an http\(s\) origin/],
    [['--provider', 'mysql'], {}, /--provider must be one of/],
    [[], { PROVIDER: 'x' }, /PROVIDER must be one of/],
    [['--port', '70000'], {}, /--port must be a port number/],
    [[], { PORT: 'eighty' }, /PORT must be a port number/],
    [['--nope'], {}, /Unknown option/],
    [[], { ORIENTDB_PORT: '2424', ORIENTDB_USER: 'reader' }, /ORIENTDB_USER and ORIENTDB_PASSWORD go together/],
  ] as const)('rejects %j %j with a clear ConfigError', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(ConfigError);
    expect(() => parseConfig(argv, env)).toThrow(message);
  });
});
