import { SessionStoreError } from './session-store.js';

/**
 * Loads an optional peer dependency (a database driver) the first time its store is used, so that importing this
 * package never needs it. A missing package becomes `DRIVER_MISSING` with the install command in the message.
 */
export async function importOptionalDriver<T>(store: string, packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new SessionStoreError(
        store,
        'DRIVER_MISSING',
        `the ${store} store needs the optional package "${packageName}", which is not installed: run \`npm install ${packageName}\``,
        { cause: error },
      );
    }
    throw new SessionStoreError(store, 'FAILED', `loading the package "${packageName}" failed`, { cause: error });
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)/.test(error.message)) &&
    error.message.includes(packageName)
  );
}
