import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` is the package's bin; it keeps the `#!/usr/bin/env node` line of src/server/cli/main.ts.
  entry: { index: 'src/index.ts', cli: 'src/server/cli/main.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `node:sqlite` exists only with its prefix; keep every `node:` specifier as written.
  removeNodeProtocol: false,
});
