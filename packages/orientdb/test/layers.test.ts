import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

/**
 * The package's layers, lowest first. A module may import its own folder or a strictly lower layer, never a sibling
 * or anything above: the adapter's name, error factory and limits sit below everything that uses them.
 */
const LAYERS: Readonly<Record<string, number>> = {
  'adapter.ts': 0,
  'limits.ts': 0,
  'deadline-timer.ts': 0,
  serializer: 1,
  token: 2,
  protocol: 2,
  provider: 3,
  // Pooled providers extend the provider layer's token provider and reuse its option checks.
  pool: 4,
  // Server admin reuses the provider's option checks (TLS).
  admin: 4,
  testing: 3,
  'index.ts': 9,
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(directory, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(directory, entry.name)]
        : [],
  );
}

/** The first path segment under src/: a folder (a layer) or a top-level file. */
function unit(file: string): string {
  return relative(SRC, file).split(/[\\/]/)[0]!.replace(/\.js$/, '.ts');
}

function relativeImports(source: string): string[] {
  return [...source.matchAll(/\b(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
}

it('every import inside src/ runs down the layers (no upward or sideways import, every unit has a layer)', () => {
  const files = sourceFiles(SRC);
  expect(files.length).toBeGreaterThan(10);
  const violations: string[] = [];
  for (const file of files) {
    const from = unit(file);
    if (LAYERS[from] === undefined) violations.push(`${relative(SRC, file)}: ${from} has no layer in LAYERS`);
    for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
      const to = unit(resolve(dirname(file), specifier));
      if (to === from) continue;
      if (!((LAYERS[to] ?? Infinity) < (LAYERS[from] ?? -Infinity)))
        violations.push(`${relative(SRC, file)} imports ${specifier} (${from} → ${to})`);
    }
  }
  expect(violations).toEqual([]);
});

it('the layer check sees an upward import', () => {
  // The rule above, on a made-up line, so the test cannot pass by matching nothing.
  expect(relativeImports("import { malformed } from '../protocol/frame-error.js';")).toEqual([
    '../protocol/frame-error.js',
  ]);
  expect(unit(resolve(SRC, 'serializer', '../protocol/frame-error.js'))).toBe('protocol');
  expect(LAYERS['protocol']! < LAYERS['serializer']!).toBe(false);
});
