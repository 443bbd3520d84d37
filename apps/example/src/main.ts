// Starts the shop: `node dist/main.js [--provider stytch-like|orientdb] [--port 3000] [--host 127.0.0.1]`.
import { join } from 'node:path';
import { CartStore } from './cart-store.js';
import { ConfigError, parseConfig } from './config.js';
import { createShopBackend } from './provider-factory.js';
import { buildShopApp } from './web/app.js';

let config;
try {
  config = parseConfig(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const backend = await createShopBackend(config);
const carts = new CartStore(join(config.dataDir, 'cart.sqlite'));
const app = await buildShopApp({ backend, carts, secureCookies: config.secureCookies });
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
console.log(`shop (${backend.name}) listening on http://${config.host}:${port}`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  await app.close();
  carts.close();
  await backend.close();
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
