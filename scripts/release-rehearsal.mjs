// Release rehearsal through a real registry (pnpm test:release).
// Starts Verdaccio on a loopback port with a temporary storage and no uplinks, clones the repository into a temporary
// directory, and runs the README's release commands there against it (pnpm build, changeset version, pnpm install
// --lockfile-only, changeset publish). Then a new project outside the workspace installs every public package by
// semver range from that registry and runs the consumer checks; a patch of core alone is released and taken by
// `npm update`; a major of core is released and npm must report the adapters' peer conflict.
// Each check is printed and written as .reports/vitest/release.json, so CI's closing totals count them.
// Usage: node scripts/release-rehearsal.mjs [--keep]   (--keep leaves the temporary directory for inspection)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServer } from 'verdaccio';
import { publicPackages, runConsumerChecks, writeConsumerManifest } from './consumer/consumer-checks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const COMMAND_TIMEOUT_MS = 240_000;
/**
 * Largest packed tarball we accept for one package; the release test reports every size. Source maps (with their
 * sources) are most of each package and stay, for readable stack traces; the largest package,
 * stytch-like, holds four entries (browser client, Node client, server with four stores and Redis Cluster, CLI with
 * workers) at about 280 KiB.
 */
const MAX_TARBALL_BYTES = 320 * 1024;
/** The packages the consumer installs from the registry. */
const CONSUMED = [
  '@sessiontoken/core',
  '@sessiontoken/contract',
  '@sessiontoken/orientdb',
  '@sessiontoken/stytch-like',
  '@sessiontoken/stytch',
];
/** What a published tarball may hold besides dist/. */
const ALLOWED_TOP_LEVEL = new Set(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']);

const checks = [];
const started = Date.now();

function check(name, ok, detail = '') {
  checks.push({ name, ok: Boolean(ok), detail });
  console.log(`${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
  return Boolean(ok);
}

/** Runs a command (its own process group, so a timeout ends all of it); resolves { code, output, stdout }. */
const children = new Set();
function run(command, args, { cwd, env = {}, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let output = '';
    let stdout = '';
    const collect = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      collect(chunk);
    });
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n[timed out after ${COMMAND_TIMEOUT_MS} ms]`;
      killGroup(child);
    }, COMMAND_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? 1, output, stdout });
    });
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs a command that must succeed. */
async function must(command, args, options) {
  const begin = Date.now();
  const result = await run(command, args, options);
  console.log(
    `[${((Date.now() - begin) / 1000).toFixed(1)} s] ${command === process.execPath ? 'node' : command} ${args.join(' ')}`,
  );
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed with exit code ${result.code}${options?.quiet ? `:\n${result.output.slice(-4000)}` : ''}`,
    );
  return result.output;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// --- Verdaccio: loopback, temporary storage, no uplinks (it cannot reach any other registry), no web UI, no audit proxy.
async function startRegistry(dir) {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    [
      'storage: ./storage',
      'auth:',
      '  htpasswd:',
      '    file: ./htpasswd',
      '    max_users: 1',
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      'web:',
      '  enable: false',
      'middlewares:',
      '  audit:',
      '    enabled: false',
      'max_body_size: 20mb',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  );
  const server = await runServer(configPath);
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return { server, port, url: `http://127.0.0.1:${port}/` };
}

async function stopRegistry(registry) {
  if (!registry) return;
  registry.server.closeAllConnections?.();
  await new Promise((resolve) => registry.server.close(() => resolve()));
}

/** Registers the publishing user and returns its token (npm adduser, without a terminal). */
async function addUser(url) {
  const name = 'release-rehearsal';
  const response = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: randomBytes(18).toString('base64url') }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json();
  if (!response.ok || typeof body.token !== 'string')
    throw new Error(`could not add the publishing user: HTTP ${response.status}`);
  return body.token;
}

async function packument(url, name) {
  const response = await fetch(new URL(name.replace('/', '%2f'), url), { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`GET ${name}: HTTP ${response.status}`);
  return response.json();
}

async function tarballFiles(tarballUrl, dir) {
  const response = await fetch(tarballUrl, { signal: AbortSignal.timeout(10_000) });
  const bytes = Buffer.from(await response.arrayBuffer());
  const file = join(dir, `${randomBytes(6).toString('hex')}.tgz`);
  writeFileSync(file, bytes);
  // GNU tar's verbose listing: mode, owner, size, date, time, path.
  const entries = (await run('tar', ['-tvzf', file], { quiet: true })).output
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/));
  return {
    bytes: bytes.length,
    unpacked: entries.reduce((sum, fields) => sum + Number(fields[2] ?? 0), 0),
    files: entries.map((fields) =>
      fields
        .slice(5)
        .join(' ')
        .replace(/^package\//, ''),
    ),
  };
}

function hasWorkspaceRange(manifest) {
  return ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'].some((field) =>
    Object.values(manifest[field] ?? {}).some((range) => String(range).startsWith('workspace:')),
  );
}

function versionsOf(clone) {
  return Object.fromEntries(publicPackages(clone).map(({ manifest }) => [manifest.name, manifest.version]));
}

function writeChangeset(clone, name, bumps, summary) {
  const lines = Object.entries(bumps).map(([pkg, bump]) => `"${pkg}": ${bump}`);
  writeFileSync(join(clone, '.changeset', `${name}.md`), `---\n${lines.join('\n')}\n---\n\n${summary}\n`);
}

function formatKiB(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

async function rehearse(temp) {
  const registry = await startRegistry(join(temp, 'registry'));
  state.registry = registry;
  console.log(`registry: ${registry.url} (storage in ${join(temp, 'registry', 'storage')})`);
  check(
    'registry: has no uplink (a package from the npm registry is not found there)',
    (await packument(registry.url, 'left-pad')) === null,
  );
  const token = await addUser(registry.url);
  const host = registry.url.replace(/^http:/, '');
  const npmrc = `@sessiontoken:registry=${registry.url}\n${host}:_authToken=${token}\n`;
  // Keep the user's own npm configuration out of every command.
  const userconfig = join(temp, 'user.npmrc');
  writeFileSync(userconfig, '');
  const env = {
    npm_config_userconfig: userconfig,
    CI: 'true',
    FORCE_COLOR: '0',
    // changeset publish makes annotated tags in the clone, which need an identity a bare CI machine may not have.
    GIT_AUTHOR_NAME: 'release rehearsal',
    GIT_AUTHOR_EMAIL: 'release-rehearsal@localhost',
    GIT_COMMITTER_NAME: 'release rehearsal',
    GIT_COMMITTER_EMAIL: 'release-rehearsal@localhost',
  };

  // --- the README's release, in a clean clone
  const clone = join(temp, 'clone');
  await must('git', ['clone', '--quiet', root, clone], { env });
  writeFileSync(join(clone, '.npmrc'), npmrc);
  await must('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], {
    cwd: clone,
    env,
    quiet: true,
  });
  // The README's release command. Builds reuse this checkout's turbo cache: same inputs, same outputs.
  await must('pnpm', ['release'], { cwd: clone, env: { ...env, TURBO_CACHE_DIR: join(root, '.turbo', 'cache') } });

  const packages = publicPackages(clone);
  const released = versionsOf(clone);
  check(
    'changeset publish released every public package',
    CONSUMED.every((name) => released[name]),
    JSON.stringify(released),
  );
  const sizes = [];
  for (const { dir, manifest } of packages) {
    const doc = await packument(registry.url, manifest.name);
    const published = doc?.versions?.[manifest.version];
    if (!check(`${manifest.name}@${manifest.version} is in the registry`, published)) continue;
    check(`${manifest.name}: no workspace: range in the published manifest`, !hasWorkspaceRange(published));
    check(`${manifest.name}: CHANGELOG.md written by changeset version`, existsSync(join(dir, 'CHANGELOG.md')));
    for (const field of ['license', 'repository', 'homepage', 'bugs', 'keywords']) {
      check(
        `${manifest.name}: published manifest has ${field}`,
        published[field] !== undefined && published[field] !== '',
      );
    }
    const { bytes, unpacked, files } = await tarballFiles(published.dist.tarball, temp);
    const stray = files.filter((file) => !file.startsWith('dist/') && !ALLOWED_TOP_LEVEL.has(file));
    check(
      `${manifest.name}: tarball holds only dist/, package.json, README, CHANGELOG`,
      stray.length === 0,
      stray.join(', '),
    );
    check(`${manifest.name}: tarball has its CHANGELOG.md`, files.includes('CHANGELOG.md'));
    check(
      `${manifest.name}: tarball under ${formatKiB(MAX_TARBALL_BYTES)}`,
      bytes <= MAX_TARBALL_BYTES,
      `${formatKiB(bytes)} packed, ${formatKiB(unpacked)} unpacked, ${files.length} files`,
    );
    sizes.push({ name: manifest.name, version: manifest.version, packed: bytes, unpacked, files: files.length });
  }

  // --- a consumer outside the workspace installs by semver range from the registry
  const project = join(temp, 'consumer');
  mkdirSync(project);
  if (!relative(root, project).startsWith('..'))
    throw new Error(`the consumer project must be outside the workspace: ${project}`);
  writeFileSync(join(project, '.npmrc'), npmrc);
  writeConsumerManifest(clone, project, Object.fromEntries(CONSUMED.map((name) => [name, `^${released[name]}`])));
  // --prefer-offline: third-party packages from npm's cache; ours are new to it (a new registry on a new port).
  await must('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    env,
  });
  const lock = readJson(join(project, 'package-lock.json'));
  for (const name of CONSUMED) {
    const entry = lock.packages?.[`node_modules/${name}`];
    check(
      `consumer: ${name}@^${released[name]} resolved from the rehearsal registry`,
      entry?.resolved?.startsWith(registry.url),
      entry?.resolved ?? 'missing',
    );
  }
  let consumerOk = true;
  try {
    await runConsumerChecks(clone, project, packages, (command, args, cwd) => must(command, args, { cwd, env }));
  } catch (error) {
    consumerOk = false;
    console.log(String(error));
  }
  check('consumer: published types compile, the reference flow and every package consumer check pass', consumerOk);

  // --- a patch of core alone: inside the adapters' peer ranges, npm update takes it
  writeChangeset(
    clone,
    'rehearsal-core-patch',
    { '@sessiontoken/core': 'patch' },
    'Rehearsal: a patch release of core alone.',
  );
  await must('pnpm', ['changeset', 'version'], { cwd: clone, env });
  const afterPatch = versionsOf(clone);
  const patched = afterPatch['@sessiontoken/core'];
  const othersUnchanged = CONSUMED.filter((name) => name !== '@sessiontoken/core').every(
    (name) => afterPatch[name] === released[name],
  );
  check(
    `core patch: changeset version bumps core alone (${released['@sessiontoken/core']} -> ${patched})`,
    patched !== released['@sessiontoken/core'] && othersUnchanged,
  );
  await must('pnpm', ['changeset', 'publish'], { cwd: clone, env });
  check(
    `core patch: @sessiontoken/core@${patched} is in the registry`,
    (await packument(registry.url, '@sessiontoken/core'))?.versions?.[patched],
  );
  await must('npm', ['update', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, env });
  const installed = readJson(join(project, 'node_modules', '@sessiontoken', 'core', 'package.json')).version;
  check(
    `core patch: the consumer's npm update takes @sessiontoken/core@${patched}`,
    installed === patched,
    `installed ${installed}`,
  );
  const ls = await run('npm', ['ls', '--all', '--json'], { cwd: project, env, quiet: true });
  const problems = JSON.parse(ls.stdout).problems ?? [];
  check(
    'core patch: npm ls finds no peer problem (the adapters accept the new core)',
    ls.code === 0 && problems.length === 0,
    problems.join('; '),
  );

  // --- a breaking release of core, as the README says to make one: core and every package that has it as a peer, major.
  // (changesets alone would give those packages a patch with the new peer range, which `npm update` could not install.)
  const peerDependents = packages
    .filter(({ manifest }) => manifest.peerDependencies?.['@sessiontoken/core'])
    .map(({ manifest }) => manifest.name);
  writeChangeset(
    clone,
    'rehearsal-core-major',
    Object.fromEntries(['@sessiontoken/core', ...peerDependents].map((name) => [name, 'major'])),
    'Rehearsal: a breaking release of core.',
  );
  await must('pnpm', ['changeset', 'version'], { cwd: clone, env });
  const afterMajor = versionsOf(clone);
  const major = afterMajor['@sessiontoken/core'];
  check(
    `core major: core and its peer dependents leave the consumer's ranges (${peerDependents.map((name) => `${name}@${afterMajor[name]}`).join(', ')})`,
    major.split('.')[0] !== patched.split('.')[0] &&
      peerDependents.every((name) => afterMajor[name].split('.')[0] !== released[name].split('.')[0]),
  );
  await must('pnpm', ['changeset', 'publish'], { cwd: clone, env });
  check(
    `core major: @sessiontoken/core@${major} is in the registry`,
    (await packument(registry.url, '@sessiontoken/core'))?.versions?.[major],
  );
  const update = await run('npm', ['update', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    env,
    quiet: true,
  });
  const afterUpdate = readJson(join(project, 'node_modules', '@sessiontoken', 'core', 'package.json')).version;
  check(
    "core major: the consumer's npm update stays on the old line without error",
    update.code === 0 && afterUpdate === patched,
    update.code === 0 ? `installed ${afterUpdate}` : update.output.slice(-2000),
  );
  // npm lets an explicit request override the adapters' peer ranges, with an ERESOLVE warning for each; npm ls then
  // reports every adapter's peer as invalid.
  const asked = await run('npm', ['install', '--no-audit', '--no-fund', `@sessiontoken/core@^${major}`], {
    cwd: project,
    env,
    quiet: true,
  });
  const warned = CONSUMED.filter((name) => name !== '@sessiontoken/core').filter((name) =>
    new RegExp(
      `ERESOLVE[\\s\\S]*peer @sessiontoken/core@"\\^${released['@sessiontoken/core'].replaceAll('.', '\\.')}" from ${name}@`,
    ).test(asked.output),
  );
  check(
    `core major: npm warns ERESOLVE for every adapter's peer range when the consumer asks for core ^${major}`,
    warned.length === CONSUMED.length - 1,
    `warned for ${warned.join(', ') || 'none'}`,
  );
  const lsAfter = await run('npm', ['ls', '--all', '--json'], { cwd: project, env, quiet: true });
  const invalid = (JSON.parse(lsAfter.stdout).problems ?? []).filter((problem) =>
    /invalid: @sessiontoken\/core@/.test(problem),
  );
  check(
    "core major: npm ls then reports the adapters' peer on core as invalid",
    lsAfter.code !== 0 && invalid.length > 0,
    invalid.join('; '),
  );

  console.log('\npublished tarballs:');
  for (const size of sizes)
    console.log(
      `  ${size.name}@${size.version}: ${formatKiB(size.packed)} packed, ${formatKiB(size.unpacked)} unpacked, ${size.files} files`,
    );
}

function writeReport(error) {
  const failed = checks.filter((c) => !c.ok).length + (error ? 1 : 0);
  const assertionResults = checks.map((c) => ({
    title: c.name,
    fullName: `release rehearsal ${c.name}`,
    status: c.ok ? 'passed' : 'failed',
    failureMessages: c.ok ? [] : [c.detail],
  }));
  if (error)
    assertionResults.push({
      title: 'the rehearsal ran to the end',
      fullName: 'release rehearsal ran to the end',
      status: 'failed',
      failureMessages: [String(error)],
    });
  const report = {
    numPassedTests: checks.filter((c) => c.ok).length,
    numFailedTests: failed,
    numPendingTests: 0,
    numTodoTests: 0,
    success: failed === 0,
    testResults: [
      { name: 'scripts/release-rehearsal.mjs', status: failed === 0 ? 'passed' : 'failed', assertionResults },
    ],
  };
  const dir = join(root, '.reports', 'vitest');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'release.json'), JSON.stringify(report, null, 2));
}

const state = { registry: null };
const temp = mkdtempSync(join(tmpdir(), 'sessiontoken-release-'));
let cleanedUp = false;
async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) killGroup(child);
  await stopRegistry(state.registry);
  if (keep) console.log(`kept ${temp}`);
  else rmSync(temp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130)); // exit after cleanup, whatever it threw
  });
}

let failure = null;
try {
  await rehearse(temp);
} catch (error) {
  failure = error;
  console.error(`release rehearsal stopped: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanup();
  writeReport(failure);
}
const failed = checks.filter((c) => !c.ok).length + (failure ? 1 : 0);
console.log(
  `\nrelease rehearsal: ${checks.length - checks.filter((c) => !c.ok).length} checks passed, ${failed} failed, in ${Math.round((Date.now() - started) / 1000)} s`,
);
process.exit(failed === 0 ? 0 : 1);
