#!/usr/bin/env node
import cluster from 'node:cluster';
import { runCli } from './run.js';

const waitForShutdown = () =>
  new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // A second signal while shutting down means "now".
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  stdout: process.stdout,
  stderr: process.stderr,
  waitForShutdown,
});
// A `serve --workers` worker is done once it has drained (or failed to start), but its IPC channel to the primary
// would keep it alive: leave now, with its own exit code (stdout and stderr are written synchronously).
if (cluster.isWorker) process.exit();
