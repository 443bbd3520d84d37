import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * The package's layers, lowest first. A module may import modules of its own layer or of a lower one; the client
 * layers (model, jwt, provider) sit below every server layer, and nothing imports an entry.
 */
const LAYERS = [
  'model',
  'jwt',
  'provider',
  'server/store',
  'server/keys',
  'server/service',
  'server/http',
  'server/provider',
  'server/cli',
] as const;
const ENTRIES = ['index.ts', 'node.ts', 'server/index.ts'];
// Same rank: neither may import the other (the HTTP server and the embedded provider both stand on the service).
const RANK: Record<string, number> = { 'server/http': 6, 'server/provider': 6, 'server/cli': 7 };

function layerOf(file: string): string {
  const layer = LAYERS.filter((name) => file.startsWith(`${name}/`)).sort((a, b) => b.length - a.length)[0];
  if (!layer) throw new Error(`${file} is in no layer: add its folder to LAYERS`);
  return layer;
}

function rankOf(layer: string): number {
  return RANK[layer] ?? LAYERS.indexOf(layer as (typeof LAYERS)[number]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Relative import specifiers of a module, static and dynamic, resolved to paths under src/. */
function relativeImports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.\.?\/[^']+)'/gm)].map(
    (match) => match[1]!,
  );
  return specifiers.map((specifier) => relative(SRC, join(dirname(path), specifier)).replace(/\.js$/, '.ts'));
}

/** The relative imports of every module in src/, keyed by its path under src/. */
function importGraph(): Map<string, string[]> {
  return new Map(sourceFiles(SRC).map((path) => [relative(SRC, path), relativeImports(path)]));
}

/** Every import of `graph` that runs up the layers, as `importer -> imported`. */
function upwardImports(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    for (const imported of imports) {
      if (imported === '../package.json') continue;
      if (ENTRIES.includes(imported)) {
        found.push(`${file} -> ${imported}`);
        continue;
      }
      if (ENTRIES.includes(file)) {
        if (file !== 'server/index.ts' && imported.startsWith('server/')) found.push(`${file} -> ${imported}`);
        continue;
      }
      const from = layerOf(file);
      const to = layerOf(imported);
      if (from !== to && rankOf(to) >= rankOf(from)) found.push(`${file} -> ${imported}`);
    }
  }
  return found;
}

describe('the layers of src/', () => {
  it('import downwards only', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(30);
    expect(upwardImports(graph)).toEqual([]);
  });

  it('are checked by a rule that finds imports running upwards or sideways (the check can fail)', () => {
    const graph = new Map([
      ['provider/session-operations.ts', ['server/service/session-service.ts', 'model/json.ts']],
      ['jwt/session-jwt.ts', ['server/keys/signing-key-ring.ts', 'provider/http-client.ts']],
      ['server/http/server.ts', ['server/provider/embedded-provider.ts', 'server/service/session-service.ts']],
      ['server/store/memory.ts', ['index.ts']],
      ['index.ts', ['provider/http-provider.ts', 'server/store/memory.ts']],
      ['server/index.ts', ['server/store/memory.ts', 'provider/http-provider.ts']],
    ]);
    expect(upwardImports(graph)).toEqual([
      'provider/session-operations.ts -> server/service/session-service.ts',
      'jwt/session-jwt.ts -> server/keys/signing-key-ring.ts',
      'jwt/session-jwt.ts -> provider/http-client.ts',
      'server/http/server.ts -> server/provider/embedded-provider.ts',
      'server/store/memory.ts -> index.ts',
      'index.ts -> server/store/memory.ts',
    ]);
  });
});
