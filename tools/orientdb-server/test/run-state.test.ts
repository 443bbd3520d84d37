import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readRunState,
  removeRunState,
  RunStateError,
  runStateFile,
  writeRunState,
  type RunState,
} from '../src/run-state.js';

const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'orientdb-server-state-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const state: RunState = {
  host: '127.0.0.1',
  binaryPort: 2424,
  httpPort: 2480,
  rootPassword: 'root-pw',
  secretKey: 'c2Vzc2lvbnRva2VuL29yaWVudGRiIHRlc3Qga2V5ISE',
  dataDir: '/tmp/data',
  pid: 12345,
  logFile: '/tmp/data/log/server.log',
  version: '3.2.25',
  protocolVersion: 38,
  startMs: 1,
  readyMs: 2,
  ssl: null,
  database: 'sessiontoken',
  dbUser: 'sessiontoken',
  dbPassword: 'user-pw',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('run state', () => {
  it('lives under SESSIONTOKEN_CACHE_DIR/orientdb/run', () => {
    expect(runStateFile({ SESSIONTOKEN_CACHE_DIR: cacheDir })).toBe(
      path.join(cacheDir, 'orientdb', 'run', 'server.json'),
    );
  });

  it('is null when no server was recorded, and reads back what was written, owner-only', async () => {
    const file = runStateFile({ SESSIONTOKEN_CACHE_DIR: cacheDir });
    expect(readRunState(file)).toBeNull();
    await writeRunState(state, file);
    expect(readRunState(file)).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await removeRunState(file);
    expect(readRunState(file)).toBeNull();
  });

  it.each([
    ['not JSON', '{'],
    ['null', 'null'],
    ['no port', JSON.stringify({ ...state, binaryPort: undefined })],
    ['a port out of range', JSON.stringify({ ...state, binaryPort: 70_000 })],
    ['no database', JSON.stringify({ ...state, database: 3 })],
  ])('rejects a file that is %s with RunStateError naming the file', (_, text) => {
    const file = path.join(cacheDir, 'bad.json');
    writeFileSync(file, text);
    expect(() => readRunState(file)).toThrow(RunStateError);
    expect(() => readRunState(file)).toThrow(file);
  });
});
