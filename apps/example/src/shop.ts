// The shop as a library, for the benchmarks that load its pages: the same pieces main.ts puts together.
export { buildShopApp, SESSION_COOKIE } from './web/app.js';
export type { ShopAppOptions } from './web/app.js';
export { CartStore } from './cart-store.js';
export { createShopBackend } from './provider-factory.js';
export { parseConfig } from './config.js';
export type { ExampleConfig } from './config.js';
export type { ShopBackend } from './shop-backend.js';
