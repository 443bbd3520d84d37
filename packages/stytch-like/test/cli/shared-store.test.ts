import { afterAll } from 'vitest';
import { testStoreLocation } from '../helpers/stores.js';
import { describeTwoServersSharingStore } from './shared-store.js';

for (const kind of ['postgres', 'redis'] as const) {
  const location = testStoreLocation(kind);
  afterAll(() => location.cleanup());
  describeTwoServersSharingStore(kind, location);
}
