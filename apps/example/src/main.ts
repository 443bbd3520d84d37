// Starts the shop: `node dist/main.js [--provider stytch-like|orientdb] [--port 3000] [--host 127.0.0.1]
// [--tls-cert cert.pem --tls-key key.pem] [--secure-cookies] [--origin https://shop.example]`.
import { readFileSync } from 'node:fs';
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

// Read before anything opens, so a missing or unreadable file stops the start with one line.
let tls;
try {
  tls = config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined;
} catch (error) {
  console.error(`cannot read the TLS certificate or key: ${(error as Error).message}`);
  process.exit(2);
}

const backend = await createShopBackend(config);
const carts = new CartStore(join(config.dataDir, 'cart.sqlite'));
const app = await buildShopApp({
  backend,
  carts,
  secureCookies: config.secureCookies,
  ...(tls ? { tls } : {}),
  ...(config.origin ? { origin: config.origin } : {}),
});
await app.listen({ host: config.host, port: config.port });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
console.log(`shop (${backend.name}) listening on ${tls ? 'https' : 'http'}://${config.host}:${port}`);

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
