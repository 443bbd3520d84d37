// The checks a consumer project runs once it has installed the public packages, by tarball (consumer-smoke.mjs) or
// from a registry (release-rehearsal.mjs): tsc against the published types, the reference flow, each package's own
// consumer-smoke.mjs.
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The public packages under packages/ of the workspace at `root`: `{ dir, manifest }`. */
export function publicPackages(root) {
  return readdirSync(join(root, 'packages'))
    .map((dir) => join(root, 'packages', dir))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private);
}

/** Writes the consumer project's package.json: `dependencies` as given, TypeScript and Node's types pinned as the workspace pins them. */
export function writeConsumerManifest(root, project, dependencies) {
  const workspace = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const devDependencies = {
    typescript: workspace.devDependencies.typescript,
    '@types/node': workspace.devDependencies['@types/node'],
  };
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      { name: 'sessiontoken-consumer', private: true, type: 'module', dependencies, devDependencies },
      null,
      2,
    ),
  );
}

/**
 * Type-checks and runs the reference flow, then each package's consumer-smoke.mjs, in `project`.
 * `run(command, args, cwd)` runs one command and throws when it fails.
 */
export async function runConsumerChecks(root, project, packages, run) {
  copyFileSync(join(root, 'scripts', 'consumer', 'reference-flow.ts'), join(project, 'reference-flow.ts'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: false,
      },
      include: ['*.ts'],
    }),
  );
  await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', '.'], project);
  console.log('published types: tsc --noEmit passed');

  await run(process.execPath, ['reference-flow.ts'], project);

  for (const { dir, manifest } of packages) {
    const own = join(dir, 'consumer-smoke.mjs');
    if (!existsSync(own)) continue;
    const target = `smoke-${manifest.name.replace(/[@/]/g, '_')}.mjs`;
    copyFileSync(own, join(project, target));
    await run(process.execPath, [target], project);
    console.log(`${manifest.name}: consumer check passed`);
  }
}
