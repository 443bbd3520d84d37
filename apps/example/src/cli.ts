// The reattach-or-open flow as PyOrient documents it, over either backend:
//   a saved token reattaches without credentials; otherwise open with credentials, enable tokens, save the token.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isSessionTokenError } from '@sessiontoken/core';
import { ConfigError, parseConfig, type ExampleConfig } from './config.js';
import { createShopBackend } from './provider-factory.js';
import type { ShopBackend } from './shop-backend.js';

/** Exit codes a script can branch on. */
export const EXIT = { ok: 0, failed: 1, usage: 2, sessionEnded: 3, badCredentials: 4, unavailable: 5 } as const;

const USAGE = `Usage: pnpm --filter example cli [--provider stytch-like|orientdb] [--login L --password P] [--token-file F] [--logout]

  First run: opens a session with credentials (the demo user unless --login/--password or SHOP_LOGIN/SHOP_PASSWORD),
  enables token mode, saves the session token to the token file, and does the backend's work.
  Later runs: reattach with the saved token alone, no credentials.
  --logout   revoke the saved session and delete the token file.
Environment: PROVIDER, EXAMPLE_DATA_DIR, SHOP_LOGIN, SHOP_PASSWORD.`;

function readToken(file: string): string | null {
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return token || null;
}

function saveToken(file: string, token: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

async function run(
  config: ExampleConfig,
  backend: ShopBackend,
  provider: ReturnType<ShopBackend['createProvider']>,
): Promise<number> {
  const saved = readToken(config.tokenFile);

  if (config.logout) {
    if (!saved) {
      console.log('Not logged in: no saved token.');
      return EXIT.ok;
    }
    rmSync(config.tokenFile, { force: true });
    try {
      await provider.setSessionToken(saved);
      await provider.revoke();
      console.log(
        provider.capabilities.serverRevocation
          ? 'Logged out: the session was revoked.'
          : 'Logged out: the token was forgotten (this backend cannot revoke tokens server-side; it expires on its own).',
      );
    } catch (error) {
      if (!isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN', 'REVOKED')) throw error;
      console.log('Logged out: the session had already ended.');
    }
    return EXIT.ok;
  }

  if (saved) {
    try {
      const session = await provider.setSessionToken(saved);
      console.log(`Reattached with the saved token (no credentials): ${session.subject}, session ${session.sessionId}`);
    } catch (error) {
      if (!isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN', 'REVOKED')) throw error;
      rmSync(config.tokenFile, { force: true });
      console.error('Your session ended, log in again (run this command once more).');
      return EXIT.sessionEnded;
    }
  } else {
    provider.setSessionToken(true);
    const login = config.login ?? backend.demoUser?.login;
    const password = config.password ?? backend.demoUser?.password;
    if (login === undefined || password === undefined) {
      console.error(
        'No saved token and no credentials: pass --login and --password (or SHOP_LOGIN and SHOP_PASSWORD).',
      );
      return EXIT.usage;
    }
    const session = await backend.logIn(provider, login, password);
    const token = provider.getSessionToken();
    if (!token) throw new Error('token mode is on but the provider returned no token');
    saveToken(config.tokenFile, token);
    console.log(`Opened a session with credentials: ${session.subject}, session ${session.sessionId}`);
    console.log(`Saved the session token to ${config.tokenFile}`);
  }

  const report = await backend.work(provider);
  console.log(`\n${report.title}`);
  for (const line of report.lines) console.log(`  ${line}`);
  return EXIT.ok;
}

async function main(): Promise<number> {
  let config: ExampleConfig;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (config.help) {
    console.log(USAGE);
    return EXIT.ok;
  }
  const backend = await createShopBackend(config);
  const provider = backend.createProvider();
  try {
    return await run(config, backend, provider);
  } catch (error) {
    if (isSessionTokenError(error, 'BAD_CREDENTIALS')) {
      console.error('Login failed: wrong user or password.');
      return EXIT.badCredentials;
    }
    if (isSessionTokenError(error, 'UNAVAILABLE')) {
      console.error(`The ${backend.name} backend cannot be reached: ${error.message}`);
      return EXIT.unavailable;
    }
    if (isSessionTokenError(error)) {
      console.error(`Failed (${error.code}): ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  } finally {
    await provider.close();
    await backend.close();
  }
}

process.exitCode = await main();
