import { describe, expect, it } from 'vitest';
import { CliUsageError, parseCliArguments } from '../../src/server/cli/arguments.js';

const required = ['--project-id', 'project-test-a', '--secret', 's'.repeat(16)];

describe('CLI arguments', () => {
  it('apply defaults, then environment variables, then flags', () => {
    expect(parseCliArguments(['serve', ...required], {})).toEqual({
      command: 'serve',
      port: 3300,
      host: '127.0.0.1',
      storeUrl: 'sqlite:stytch-like.sqlite',
      projectId: 'project-test-a',
      secret: 's'.repeat(16),
      logLevel: 'info',
    });
    const env = { STYTCH_LIKE_PORT: '4000', STYTCH_LIKE_HOST: '0.0.0.0', STYTCH_LIKE_STORE: 'memory:', STYTCH_LIKE_PROJECT_ID: 'project-test-env', STYTCH_LIKE_SECRET: 'e'.repeat(20) };
    expect(parseCliArguments(['serve'], env)).toMatchObject({ port: 4000, host: '0.0.0.0', storeUrl: 'memory:', projectId: 'project-test-env' });
    expect(parseCliArguments(['serve', '--port', '5000', '--store', 'redis://r:6379'], env)).toMatchObject({ port: 5000, storeUrl: 'redis://r:6379' });
    expect(parseCliArguments(['serve', '--port=0', ...required], {})).toMatchObject({ port: 0 });
  });

  it('parse rotate-keys with its overlap', () => {
    expect(parseCliArguments(['rotate-keys', '--store', 'memory:'], {})).toEqual({ command: 'rotate-keys', storeUrl: 'memory:', projectId: undefined, overlapMs: 30 * 86_400_000 });
    expect(parseCliArguments(['rotate-keys', '--overlap', '90m'], { STYTCH_LIKE_STORE: 'memory:' })).toMatchObject({ overlapMs: 90 * 60_000 });
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
});
