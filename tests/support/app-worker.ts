import type { Database } from '@civicgrid/db';
import { createJobClient, type RunningWorker, startWorker } from '@civicgrid/jobs';
import { inject } from 'vitest';
import { openCoreDatabase } from '../../apps/api/src/app.ts';
import { startApp, type TestApp } from './app.ts';
import { type BackendKind, type TestBackend, testBackend, waitFor } from './jobs.ts';

/**
 * The real API with a real worker beside it, on a queue namespace of their own: what a route that
 * queues a job (a background import) needs end to end. `close()` stops the worker, then the API.
 */
export async function startAppWithWorker(
  kind: BackendKind,
  name: string,
  /** Another database than the run's (a second instance): its application role's URL. */
  instance: { appUrl?: string } = {},
): Promise<TestApp> {
  const backend: TestBackend = await testBackend(kind, name);
  const opts = { backend: backend.cfg, prefix: backend.prefix };
  const jobs: Array<ReturnType<typeof createJobClient>> = [];
  let host: Parameters<typeof startWorker>[0]['host'] | undefined;
  const appUrl = instance.appUrl ?? inject('db').appUrl;
  const t = await startApp({
    appUrl,
    jobs: (h, db) => {
      host = h;
      jobs.push(createJobClient({ ...opts, host: h, db }));
      return jobs[0]!;
    },
  });
  // The worker's own pool, as apps/worker opens it: a running import holds a few connections.
  const workerDb: Database = await openCoreDatabase(appUrl, 8, host!);
  const worker: RunningWorker = await startWorker({ ...opts, host: host!, db: workerDb, concurrency: 2 });
  return {
    ...t,
    async close() {
      await worker.close();
      await jobs[0]?.close();
      await workerDb.close();
      await backend.drop();
      await t.close();
    },
  };
}

/** A background import as `GET /imports/:id` shows it. */
export interface ImportView {
  id: string;
  kind: string;
  state: string;
  progress: number;
  totalRows: number | null;
  rows: number;
  imported: number;
  failed: number;
  duplicates: number;
  error: string | null;
  fileSize: number;
  runId: string | null;
}

/** Polls an import until it is completed or failed (the worker runs it). */
export const importFinished = (t: TestApp, token: string, id: string) =>
  waitFor(
    `import ${id}`,
    async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/imports/${id}`,
        headers: { authorization: `Bearer ${token}` },
      });
      const v = res.json() as ImportView;
      return v.state === 'completed' || v.state === 'failed' ? v : null;
    },
    30_000,
  );
