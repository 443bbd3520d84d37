// `pnpm start [-- --provider orientdb] [--port 3000]`: builds the example and what it needs, starts (or reuses) the
// OrientDB server when that provider is chosen, then runs the shop in the foreground.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkNode } from './check-node.mjs';

checkNode();

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2).filter((arg) => arg !== '--');

function providerOf(argv) {
  const i = argv.findIndex((a) => a === '--provider' || a.startsWith('--provider='));
  if (i === -1) return process.env.PROVIDER ?? 'stytch-like';
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
}

function runOrExit(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

runOrExit('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=example...', '--output-logs=errors-only']);
if (providerOf(args) === 'orientdb') {
  runOrExit(process.execPath, ['tools/orientdb-server/bin/orientdb-server.mjs', 'start']);
}

const shop = spawn(process.execPath, ['apps/example/dist/main.js', ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shop.kill(signal));
shop.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
