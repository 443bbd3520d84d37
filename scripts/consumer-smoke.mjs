// Consumer smoke test: what is published is what is tested.
// Packs every public package with `pnpm pack`, installs the tarballs with plain npm into a new project in a
// temporary directory outside the workspace, type-checks a TypeScript file against the published types, and runs
// it (Node strips the types) to drive the reference provider through open -> enable tokens -> get token -> reattach elsewhere.
// Packages may add their own check as `consumer-smoke.mjs` next to their package.json; it runs in the same project.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');

function run(command, args, cwd) {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const project = mkdtempSync(join(tmpdir(), 'sessiontoken-consumer-'));
if (!relative(root, project).startsWith('..')) throw new Error(`the consumer project must be outside the workspace: ${project}`);

try {
  console.log(`consumer project: ${project}`);
  const tarballs = {};
  for (const { dir, manifest } of packages) {
    if (!existsSync(join(dir, 'dist'))) throw new Error(`${manifest.name} is not built: run pnpm build first`);
    const output = execFileSync('pnpm', ['pack', '--pack-destination', project], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const tarball = output.trim().split('\n').pop().trim();
    tarballs[manifest.name] = `file:./${tarball.split('/').pop()}`;
    console.log(`packed ${manifest.name} -> ${tarballs[manifest.name]}`);
  }

  const typescript = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.typescript;
  const nodeTypes = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['@types/node'];
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'sessiontoken-consumer', private: true, type: 'module', dependencies: tarballs, devDependencies: { typescript, '@types/node': nodeTypes } }, null, 2),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);

  copyFileSync(join(root, 'scripts', 'consumer', 'reference-flow.ts'), join(project, 'reference-flow.ts'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
      include: ['*.ts'],
    }),
  );
  run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project);
  console.log('published types: tsc --noEmit passed');

  run(process.execPath, ['reference-flow.ts'], project);

  for (const { dir, manifest } of packages) {
    const own = join(dir, 'consumer-smoke.mjs');
    if (!existsSync(own)) continue;
    const target = `smoke-${manifest.name.replace(/[@/]/g, '_')}.mjs`;
    copyFileSync(own, join(project, target));
    run(process.execPath, [target], project);
    console.log(`${manifest.name}: consumer check passed`);
  }
  console.log(`consumer smoke test passed for ${packages.map((p) => p.manifest.name).join(', ')}`);
} finally {
  if (keep) console.log(`kept ${project}`);
  else rmSync(project, { recursive: true, force: true });
}
