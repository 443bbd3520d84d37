#!/usr/bin/env node
// The bin points here rather than into dist/ so that pnpm can link it before the package is built.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('orientdb-server is not built: run `pnpm --filter @sessiontoken/orientdb-server build` first');
  process.exit(1);
}
await import(cli.href);
