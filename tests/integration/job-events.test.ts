import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@civicgrid/db';
import {
  createJobClient,
  deliveryJobId,
  type JobClient,
  type RunningWorker,
  startWorker,
} from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobTestHost, listenPlugin, listenTwoPlugin, pinged, workPlugin } from '../support/job-plugins.ts';
import {
  BACKENDS,
  jobTenant,
  openJobTestDatabase,
  rawQueue,
  rowsOf,
  runReaches,
  setModule,
  type TestBackend,
  testBackend,
  waitFor,
} from '../support/jobs.ts';

const host = jobTestHost([listenPlugin, listenTwoPlugin]);

interface Received {
  plugin: string;
  outbox_id: string;
  marker: string;
}

describe.each(BACKENDS)('events outbox on %s', (kind) => {
  let db: Database;
  let backend: TestBackend;
  let client: JobClient;
  let worker: RunningWorker | undefined;
  let both: string;
  let one: string;

  // A sweep far apart: what arrives while the worker runs must come by NOTIFY.
  const start = async () => {
    worker = await startWorker({
      host,
      db,
      backend: backend.cfg,
      prefix: backend.prefix,
      concurrency: 4,
      outboxSweepMs: 60_000,
    });
  };
  const publish = (tenantId: string, marker: string) =>
    db.withTenant(tenantId, (tx) => client.events.publish(tx, pinged, { marker }));
  const received = (tenantId: string) =>
    rowsOf<Received>(
      db,
      tenantId,
      'select plugin, outbox_id, marker from jt_received order by plugin, marker',
    );
  const outboxId = async (tenantId: string, marker: string) =>
    (
      await rowsOf<{ id: string }>(
        db,
        tenantId,
        `select id from event_outbox where payload->>'marker' = '${marker}'`,
      )
    )[0]!.id;

  beforeAll(async () => {
    db = await openJobTestDatabase();
    backend = await testBackend(kind, 'events');
    client = createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix });
    both = await jobTenant(db, ['jt-listen', 'jt-listen-two']);
    one = await jobTenant(db, ['jt-listen']);
  });
  afterAll(async () => {
    for (const id of [both, one]) {
      await setModule(db, id, 'jt-listen', false);
      await setModule(db, id, 'jt-listen-two', false);
    }
    await worker?.close();
    await client?.close();
    await backend?.drop();
    await db?.close();
  });

  it('delivers what was published while no worker ran, once to each subscriber, after one starts', async () => {
    await publish(both, 'before-start');
    await publish(one, 'before-start');
    // Rolled back: never written, never delivered.
    await expect(
      db.withTenant(both, async (tx) => {
        await client.events.publish(tx, pinged, { marker: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');

    await start();
    const got = await waitFor('both deliveries', async () => {
      const r = await received(both);
      return r.length >= 2 ? r : null;
    });
    expect(got.map((r) => [r.plugin, r.marker])).toEqual([
      ['jt-listen', 'before-start'],
      ['jt-listen-two', 'before-start'],
    ]);
    // Tenant `one` has only jt-listen on: jt-listen-two's delivery is skipped, not run.
    const id = await outboxId(one, 'before-start');
    await runReaches(db, one, deliveryJobId(id), 'completed', 'skipped');
    await waitFor('tenant one delivery', async () => (await received(one)).length === 1);
    expect((await received(one)).map((r) => r.plugin)).toEqual(['jt-listen']);
    expect(await rowsOf(db, both, 'select relayed_at from event_outbox where relayed_at is null')).toEqual(
      [],
    );
  });

  it('wakes on the notification sent at commit while the worker runs', async () => {
    await publish(one, 'while-running');
    await waitFor(
      'the delivery',
      async () => (await received(one)).some((r) => r.marker === 'while-running'),
      5_000,
    );
  });

  it('survives a worker restart: an event published in between is delivered once by the next worker', async () => {
    await worker!.close();
    worker = undefined;
    await publish(both, 'during-restart');
    await start();
    await waitFor(
      'deliveries after restart',
      async () => (await received(both)).filter((r) => r.marker === 'during-restart').length === 2,
    );
  });

  it('a worker whose plugins do not subscribe leaves the event to one whose plugins do', async () => {
    await worker!.close();
    // As during a rolling deploy: a worker on an older plugin list, sweeping often.
    const older = await startWorker({
      host: jobTestHost([workPlugin]),
      db,
      backend: backend.cfg,
      prefix: backend.prefix,
      outboxSweepMs: 50,
    });
    try {
      await publish(one, 'rolling');
      await sleep(400);
      expect(
        await rowsOf(
          db,
          one,
          `select 1 from event_outbox where payload->>'marker' = 'rolling' and relayed_at is null`,
        ),
      ).toHaveLength(1);
    } finally {
      await older.close();
    }
    await start();
    await waitFor('the delivery', async () => (await received(one)).some((r) => r.marker === 'rolling'));
  });

  it('a re-delivered event, even one the queue forgot, changes nothing', async () => {
    const id = await outboxId(both, 'before-start');
    const before = await received(both);
    // As if the relay died after queueing but before marking the row: relayed again, jobs re-run.
    const raw = rawQueue(backend, 'jt-listen');
    try {
      await raw.queue.remove(deliveryJobId(id));
    } finally {
      await raw.close();
    }
    await db.withTenant(both, async (tx) => {
      // Its run record gone too (say, pruned): only the delivery record can tell it was handled.
      await tx.query(`delete from job_run where plugin = 'jt-listen' and queue_job_id = ?`, [
        deliveryJobId(id),
      ]);
      await tx.query('update event_outbox set relayed_at = null where tenant_id = ? and id = ?', [both, id]);
      await tx.query('insert into outbox_pending (outbox_id, tenant_id) values (?, ?)', [id, both]);
    });
    // The sweep runs at start: restart to make it relay now.
    await worker!.close();
    await start();
    await waitFor(
      'the row relayed again',
      async () =>
        (await rowsOf(db, both, `select 1 from event_outbox where id = '${id}' and relayed_at is not null`))
          .length > 0,
    );
    // Its delivery job ran (completed) and found the delivery record: no second handling.
    await waitFor(
      'the re-delivery to complete',
      async () =>
        (
          await rowsOf(
            db,
            both,
            `select 1 from job_run where plugin = 'jt-listen' and queue_job_id = '${deliveryJobId(id)}' and state = 'completed'`,
          )
        ).length,
    );
    await publish(both, 'after');
    await waitFor('a later event', async () => (await received(both)).some((r) => r.marker === 'after'));
    expect((await received(both)).filter((r) => r.marker !== 'after')).toEqual(before);
  });
});
