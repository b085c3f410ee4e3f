import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKER_NODE_FLAGS } from '@civicgrid/jobs';

const WORKER_MAIN = fileURLToPath(new URL('../../worker/src/main.ts', import.meta.url));

/**
 * Runs `apps/worker` as a child process beside the API (`pnpm start`), restarting it if it dies, and
 * stopping it gracefully with the API. Deployments that run workers on their own set `WORKER=false`.
 */
export function superviseWorker(env: NodeJS.ProcessEnv, log: (msg: string) => void) {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const start = () => {
    child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', WORKER_MAIN], {
      env,
      stdio: 'inherit',
    });
    const started = Date.now();
    child.on('exit', (code, signal) => {
      child = undefined;
      if (stopping) return;
      // A worker that keeps dying at start (bad configuration) is not restarted in a tight loop.
      restarts = Date.now() - started > 60_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** restarts);
      log(`worker exited (${signal ?? code}); restarting in ${delay} ms`);
      setTimeout(() => !stopping && start(), delay).unref();
    });
  };
  start();

  return {
    pid: () => child?.pid,
    /** SIGTERM lets running jobs finish (the worker bounds that itself); resolves when it has exited. */
    stop(): Promise<void> {
      stopping = true;
      const c = child;
      if (!c || c.exitCode != null) return Promise.resolve();
      return new Promise((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
  };
}
