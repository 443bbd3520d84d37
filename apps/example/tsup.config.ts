import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/cli.ts', 'src/shop.ts'],
  // Types for the one entry other workspaces import (bench loads the shop's pages).
  dts: { entry: 'src/shop.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node22',
  // Keep `node:sqlite` as written: it has no bare-name alias.
  removeNodeProtocol: false,
});
