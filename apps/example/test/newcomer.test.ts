// A newcomer's first minute on a Node.js older than the project's `engines.node`: `pnpm install` and `pnpm start`
// stop with one line that names the required version and how to get it, exit non-zero, and print no stack trace.
// Runs the real pnpm under a real older Node.js (the machine's /usr/bin/node, or SESSIONTOKEN_OLD_NODE) on a copy of
// the repository's root files, so nothing in the checkout is touched.
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const required = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines
  .node;
const minimum = required.replace(/^>=\s*/, '');

function olderThanRequired(version: string): boolean {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An installed Node.js older than `engines.node`, or null when the machine has none. */
function findOldNode(): { path: string; version: string } | null {
  const candidates = [process.env['SESSIONTOKEN_OLD_NODE'], '/usr/bin/node', '/usr/local/bin/node'];
  for (const path of candidates) {
    if (!path || !executable(path)) continue;
    const version = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
    if (version && olderThanRequired(version)) return { path, version };
  }
  return null;
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

const oldNode = findOldNode();
const pnpm = findOnPath('pnpm');

describe.skipIf(!oldNode || !pnpm)(`on Node.js older than ${required}`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sessiontoken-newcomer-'));
    for (const file of ['package.json', 'pnpm-workspace.yaml', 'scripts/check-node.mjs', 'scripts/start-example.mjs']) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(root, file), join(dir, file));
    }
    // The older Node.js first on PATH, as on a newcomer's machine; pnpm itself stays the pinned one.
    env = {
      PATH: [dirname(oldNode!.path), dirname(pnpm!), '/usr/bin', '/bin'].join(delimiter),
      HOME: dir,
      CI: 'true',
      NO_COLOR: '1',
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    const result = spawnSync(pnpm!, args, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  function expectOneLineStop(output: string) {
    const ours = output.split('\n').filter((line) => line.includes('sessiontoken needs Node.js'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain(`>= ${minimum}`);
    expect(ours[0]).toContain(`this is ${oldNode!.version}`);
    expect(ours[0]).toMatch(/install Node\.js 24 from https:\/\/nodejs\.org/);
    expect(ours[0]).toContain('npm install --prefix');
    // No stack trace, and pnpm does not repeat the version once per workspace package.
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('Unsupported engine');
  }

  it('pnpm start prints one line naming the version and how to get it, and exits non-zero', () => {
    const { status, output } = run(['start']);
    expect(status).not.toBe(0);
    expectOneLineStop(output);
  });

  it('pnpm install stops before installing anything, with the same line', () => {
    const { status, output } = run(['install', '--offline']);
    expect(status).not.toBe(0);
    expectOneLineStop(output);
    // pnpm may leave its own scratch directory; no dependency got installed.
    const installed = existsSync(join(dir, 'node_modules')) ? readdirSync(join(dir, 'node_modules')) : [];
    expect(installed.filter((name) => !name.startsWith('.'))).toEqual([]);
  });
});
