import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is the browser-safe client entry, `node` the Node client entry, `server` the server entry; `cli` is the package's bin and keeps the
  // `#!/usr/bin/env node` line of src/server/cli/main.ts. Shared code lands in chunks each entry imports as needed.
  entry: { index: 'src/index.ts', node: 'src/node.ts', server: 'src/server/index.ts', cli: 'src/server/cli/main.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts', server: 'src/server/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node22',
  // `node:sqlite` exists only with its prefix; keep every `node:` specifier as written.
  removeNodeProtocol: false,
});
