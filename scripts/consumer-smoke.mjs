// Consumer smoke test: what is published is what is tested.
// Packs every public package with `pnpm pack`, installs the tarballs with plain npm into a new project in a
// temporary directory outside the workspace, type-checks a TypeScript file against the published types, and runs
// it (Node strips the types) to drive the reference provider through open -> enable tokens -> get token -> reattach elsewhere.
// Packages may add their own check as `consumer-smoke.mjs` next to their package.json; it runs in the same project.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicPackages, runConsumerChecks, writeConsumerManifest } from './consumer/consumer-checks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
}

const packages = publicPackages(root);

const project = mkdtempSync(join(tmpdir(), 'sessiontoken-consumer-'));
if (!relative(root, project).startsWith('..'))
  throw new Error(`the consumer project must be outside the workspace: ${project}`);

try {
  console.log(`consumer project: ${project}`);
  const tarballs = {};
  for (const { dir, manifest } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${manifest.name} is not built: run pnpm build first`);
    const output = execFileSync('pnpm', ['pack', '--pack-destination', project], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const tarball = output.trim().split('\n').pop().trim();
    tarballs[manifest.name] = `file:./${tarball.split('/').pop()}`;
    console.log(`packed ${manifest.name} -> ${tarballs[manifest.name]}`);
  }

  writeConsumerManifest(root, project, tarballs);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
  await runConsumerChecks(root, project, packages, async (command, args, cwd) => run(command, args, cwd));
  console.log(`consumer smoke test passed for ${packages.map((p) => p.manifest.name).join(', ')}`);
} finally {
  if (keep) console.log(`kept ${project}`);
  else rmSync(project, { recursive: true, force: true });
}
