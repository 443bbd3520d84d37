import os from 'node:os';
import path from 'node:path';

/** `${SESSIONTOKEN_CACHE_DIR || ~/.cache/sessiontoken}/orientdb`: the distribution and the CLI's server live here. */
export function orientdbCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['SESSIONTOKEN_CACHE_DIR'] || path.join(os.homedir(), '.cache', 'sessiontoken');
  return path.join(path.resolve(base), 'orientdb');
}

/** Where the CLI keeps its run state and the data directory of its persistent server. */
export function orientdbRunDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(orientdbCacheDir(env), 'run');
}
