// A contract failure must be a failed test under node:test too, not only under vitest.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { expect } from 'expect';

it('reports a broken provider as failed tests under node:test', async () => {
  const fixture = fileURLToPath(new URL('./broken-provider.fixture.mjs', import.meta.url));
  // Without this variable the child would report to this run instead of being a run of its own.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const outcome = await new Promise((resolve) => {
    execFile(process.execPath, ['--test', '--test-reporter=tap', fixture], { env, timeout: 60_000 }, (error, stdout) =>
      resolve({ code: error?.code ?? 0, stdout }),
    );
  });
  expect(outcome.code).toBe(1);
  expect(outcome.stdout).toMatch(/# fail [1-9]/);
  expect(outcome.stdout).toMatch(
    /not ok \d+ - is off by default: after open the session works and no token is exposed/,
  );
});
