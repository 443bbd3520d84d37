import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
// What the Node client entry needs from Node; anything else (node:sqlite above all) means server code leaked in.
const NODE_CLIENT_BUILTINS = ['node:crypto', 'node:http', 'node:https'];
const SERVER_PACKAGES = ['fastify', 'pg', 'redis'];

/** Bundles `entry` from source and returns the source files it reaches and the imports left outside the bundle. */
async function entryGraph(entry: string): Promise<{ inputs: string[]; externals: string[] }> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PACKAGE_DIR,
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    packages: 'external',
    external: ['node:*'],
    logLevel: 'silent',
  });
  const outputs = Object.values(result.metafile.outputs);
  const externals = outputs.flatMap((output) =>
    output.imports.filter((imported) => imported.external).map((imported) => imported.path),
  );
  return { inputs: Object.keys(result.metafile.inputs), externals: [...new Set(externals)].sort() };
}

/**
 * Bundles `entry` for the browser, dependencies included, as a page's bundler would; resolves with the `node:`
 * imports esbuild refused (a browser has none of them), empty when the bundle builds.
 */
async function nodeImportsInBrowserBundle(entry: string): Promise<string[]> {
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: PACKAGE_DIR,
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    return Object.keys(result.metafile.inputs).filter((input) => input.startsWith('node:'));
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors ?? [];
    const refused = errors.flatMap((message) => /"(node:[\w/]+)"/.exec(message.text)?.[1] ?? []);
    if (refused.length === 0) throw error;
    return [...new Set(refused)].sort();
  }
}

describe('the client entry', () => {
  it('bundles for the browser with esbuild, dependencies included, with no node: import', async () => {
    expect(await nodeImportsInBrowserBundle('src/index.ts')).toEqual([]);
  });

  it('is told apart from the Node entry by the same check (the check can fail)', async () => {
    expect(await nodeImportsInBrowserBundle('src/node.ts')).toEqual(expect.arrayContaining(['node:http']));
  });

  it('reaches the browser provider and no server source or server package', async () => {
    const { inputs, externals } = await entryGraph('src/index.ts');
    expect(inputs).toContain('src/provider/browser-provider.ts');
    expect(inputs.filter((input) => input.startsWith('src/server/'))).toEqual([]);
    expect(externals.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(
      externals.filter((path) => SERVER_PACKAGES.some((name) => path === name || path.startsWith(`${name}/`))),
    ).toEqual([]);
  });

  it('has a Node entry that reaches no server source and needs only node:crypto, node:http and node:https', async () => {
    const { inputs, externals } = await entryGraph('src/node.ts');
    expect(inputs).toContain('src/provider/http-provider.ts');
    expect(inputs.filter((input) => input.startsWith('src/server/'))).toEqual([]);
    expect(externals.filter((path) => path.startsWith('node:') && !NODE_CLIENT_BUILTINS.includes(path))).toEqual([]);
  });

  it('is told apart from the server entry by the same check (the check can fail)', async () => {
    const { inputs, externals } = await entryGraph('src/server/index.ts');
    expect(inputs).toContain('src/server/store/sqlite.ts');
    expect(externals).toContain('fastify');
  });

  it('loads no node: module, Fastify or store code when the built package root is imported', () => {
    const loaded = loadedBy('@sessiontoken/stytch-like');
    expect(loaded.some((url) => url.endsWith('/dist/index.js'))).toBe(true);
    expect(loaded.filter((url) => url.startsWith('node:'))).toEqual([]);
    expect(loaded.filter((url) => /[/\\]node_modules[/\\](fastify|pg|redis)[/\\]/.test(url))).toEqual([]);
    const ownFiles = loaded.filter((url) => url.startsWith('file:') && url.includes('/packages/stytch-like/dist/'));
    for (const url of ownFiles)
      expect(readFileSync(new URL(url), 'utf8')).not.toMatch(
        /class (SqliteSessionStore|MemorySessionStore|StytchLikeSessionService)\b/,
      );
  });

  it('sees node:http load through the Node entry and Fastify through the server entry (the check can fail)', () => {
    expect(loadedBy('@sessiontoken/stytch-like/node')).toContain('node:http');
    const loaded = loadedBy('@sessiontoken/stytch-like/server');
    expect(loaded.some((url) => /[/\\]node_modules[/\\]fastify[/\\]/.test(url))).toBe(true);
  });
});

/** Imports `specifier` in a fresh Node process and returns every module URL it resolved, built-ins included. */
function loadedBy(specifier: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.push(result.url); return result; } });
    await import(${JSON.stringify(specifier)});
    process.stdout.write(JSON.stringify(loaded));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(output) as string[];
}
