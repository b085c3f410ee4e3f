/**
 * `pnpm bench registry`, background-import pass: the same workbook imported the way
 * `POST /residents/imports` does it — stored sealed in `registry_import_chunk`, queued as the job
 * `registry/import`, run by a real worker (BullMQ on PostgreSQL, in this process) that reads the
 * chunks, writes batch by batch and stores the sealed report. The process's RSS includes the worker
 * itself, so this is the import's memory as a worker really holds it.
 *
 * Run by registry-import.ts as its child `job` mode, with BENCH_APP_URL, BENCH_TENANT, BENCH_USER,
 * BENCH_QUEUE_SCHEMA and PII_KEYS / PII_HASH_KEY in the environment.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type Database, DEFAULT_APP_ROLE, openDatabase } from '@civicgrid/db';
import { createUser } from '@civicgrid/identity';
import { createJobClient, type JobBackendConfig, prepareJobBackend, startWorker } from '@civicgrid/jobs';
import { PluginHost } from '@civicgrid/kernel';
import { chunkWriter, IMPORT_JOB, piiFromEnv, REGISTRY_JOBS, registryJobs } from '@civicgrid/registry';
import { coreEntities } from '../../apps/api/src/platform.ts';

/** In the parent: a queue schema and a user who uploads, for the child's environment. */
export async function prepareJobPass(
  db: Database,
  ownerUrl: string,
  appUrl: string,
  tenantId: string,
  unitId: string,
) {
  const schema = 'bench_import_queue';
  await prepareJobBackend({ kind: 'postgres', url: appUrl, schema }, ownerUrl, DEFAULT_APP_ROLE);
  const user = await db.withTenant(tenantId, (tx) =>
    createUser(tx, {
      username: 'importer',
      displayName: '导入员',
      orgUnitId: unitId,
      password: 'Bench-import-2026',
    }),
  );
  return { BENCH_QUEUE_SCHEMA: schema, BENCH_USER: user.id };
}

/** In the child: store, queue, wait; returns the import's counts and how long the job took. */
export async function runImportJob(file: string) {
  const env = process.env;
  const tenantId = env.BENCH_TENANT!;
  const pii = piiFromEnv(env)!;
  const host = new PluginHost([], { platformJobs: [registryJobs(pii)] });
  const db = await openDatabase(env.BENCH_APP_URL!, coreEntities, 8);
  const backend: JobBackendConfig = {
    kind: 'postgres',
    url: env.BENCH_APP_URL!,
    schema: env.BENCH_QUEUE_SCHEMA!,
  };
  const worker = await startWorker({ host, db, backend, concurrency: 1 });
  const jobs = createJobClient({ host, db, backend });
  const importId = crypto.randomUUID();
  try {
    await db.withTenant(tenantId, async (tx) => {
      await tx.query(
        `insert into registry_import (tenant_id, id, kind, file_size, created_by, actor, scope)
         values (?, ?, 'residents', 0, ?, ?::jsonb, '"all"')`,
        [
          tenantId,
          importId,
          env.BENCH_USER,
          JSON.stringify({ kind: 'user', id: env.BENCH_USER, name: 'importer' }),
        ],
      );
      const upload = chunkWriter(pii, { tenantId, importId, part: 'upload' }, (fn) => fn(tx));
      await pipeline(createReadStream(file), upload);
      await tx.query('update registry_import set file_size = ? where tenant_id = ? and id = ?', [
        upload.bytes(),
        tenantId,
        importId,
      ]);
    });
    const t0 = performance.now();
    await jobs.enqueue(REGISTRY_JOBS, IMPORT_JOB, { tenantId, importId }, { jobId: importId });
    for (;;) {
      const [r] = await db.withTenant(tenantId, (tx) =>
        tx.query<{
          state: string;
          rows: number;
          imported: number;
          failed: number;
          duplicates: number;
          error: string;
        }>(
          'select state, rows, imported, failed, duplicates, error from registry_import where tenant_id = ? and id = ?',
          [tenantId, importId],
        ),
      );
      if (r!.state === 'failed') throw new Error(`the import failed: ${r!.error}`);
      if (r!.state === 'completed') return { ms: performance.now() - t0, summary: r! };
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await worker.close();
    await jobs.close();
    await db.close();
  }
}
