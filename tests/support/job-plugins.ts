import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationSource } from '@civicgrid/db';
import { defineServerPlugin, eventRef, type JobContext, type JobData, PluginHost } from '@civicgrid/kernel';

/**
 * Plugins for the job-system tests. Their tables (jt_*) come from ./job-plugins-sql. Each test file uses its own tenants; the scheduled and the subscribing plugins are used by
 * one test file each, so one file's worker never picks up another file's schedules or events.
 */

export const pinged = eventRef<{ marker: string }>('jt.pinged');

/** Their tables, for every test file that uses them (migrate() keeps two files from racing). */
export const jobTestMigrations: MigrationSource = {
  source: 'test:job-plugins',
  dir: new URL('./job-plugins-sql/', import.meta.url),
};

interface AssessData extends JobData {
  /** Pause between batches, so a test can watch progress or kill the worker half-way. */
  stepMs?: number;
}

const BATCH = 5;

/**
 * An assessment over the tenant's subjects, in batches (never all rows in memory): one deduction per
 * (subject, period, rule) under a unique key, then the period's total replaced. Running it again for
 * the same period, or after a crash, ends with the same rows.
 */
async function assess(ctx: JobContext<AssessData>) {
  const { tx, tenantId, period } = ctx;
  if (!period) throw new Error('assess needs a period');
  const [{ n } = { n: 0 }] = await tx.query<{ n: number }>(
    'select count(*)::int as n from jt_subject where tenant_id = ?',
    [tenantId],
  );
  let after = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  for (;;) {
    const batch = await tx.query<{ id: string; weight: number }>(
      'select id, weight from jt_subject where tenant_id = ? and id > ? order by id limit ?',
      [tenantId, after, BATCH],
    );
    if (!batch.length) break;
    for (const s of batch) {
      await tx.query(
        `insert into jt_deduction (tenant_id, subject_id, period, rule, points) values (?, ?, ?, 'late-report', ?)
         on conflict do nothing`,
        [tenantId, s.id, period, s.weight % 7],
      );
    }
    after = batch.at(-1)!.id;
    done += batch.length;
    await ctx.progress((done / Math.max(1, n)) * 90);
    if (ctx.data.stepMs) await sleep(ctx.data.stepMs);
  }
  await tx.query(
    `insert into jt_result (tenant_id, subject_kind, period, subjects, points)
     select ?, 'subject', ?, count(*), coalesce(sum(points), 0) from jt_deduction where tenant_id = ? and period = ?
     on conflict (tenant_id, subject_kind, period) do update set subjects = excluded.subjects, points = excluded.points`,
    [tenantId, period, tenantId, period],
  );
}

/** What the job's transaction can see: its own tenant's rows only, whatever the SQL says. */
async function peek(ctx: JobContext<JobData & { probe?: string }>) {
  const { tx, tenantId } = ctx;
  const [own] = await tx.query<{ n: number }>('select count(*)::int as n from jt_subject');
  const [other] = await tx.query<{ n: number }>(
    'select count(*)::int as n from jt_subject where tenant_id = ?',
    [ctx.data.probe ?? tenantId],
  );
  const [seen] = await tx.query<{ n: number }>('select count(distinct tenant_id)::int as n from jt_subject');
  await observe(ctx, { own: own!.n, other: other!.n, seen: seen!.n });
}

async function observe(ctx: JobContext, o: { own?: number; other?: number; seen?: number } = {}) {
  await ctx.tx.query(
    `insert into jt_observation (tenant_id, run_id, job, period, own_rows, other_rows, tenants_seen, attempt)
     values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      ctx.tenantId,
      ctx.runId,
      'peek',
      ctx.period,
      o.own ?? null,
      o.other ?? null,
      o.seen ?? null,
      ctx.attempt,
    ],
  );
}

async function gateClosed(ctx: JobContext, name: string) {
  const rows = await ctx.tx.query('select 1 from jt_gate where tenant_id = ? and name = ?', [
    ctx.tenantId,
    name,
  ]);
  return rows.length > 0;
}

export const workPlugin = defineServerPlugin({
  id: 'jt-work',
  version: '0.0.1',
  title: { 'zh-CN': '任务测试', en: 'Job test' },
  permissions: [{ key: 'jt-work.result.read', title: { 'zh-CN': '查看', en: 'View' } }],
  settings: {
    schema: {
      type: 'object',
      properties: { weight: { type: 'integer', minimum: 1, default: 3 } },
      additionalProperties: false,
    },
  },
  jobs: [
    {
      // Reads its settings as the tenant saved them, with the schema's defaults filled in.
      name: 'weigh',
      attempts: 1,
      async process(ctx) {
        await observe(ctx, { own: (await ctx.settings<{ weight: number }>()).weight });
      },
    },
    { name: 'assess', attempts: 3, backoffMs: 200, process: (ctx) => assess(ctx as JobContext<AssessData>) },
    { name: 'peek', attempts: 1, process: (ctx) => peek(ctx as JobContext<JobData & { probe?: string }>) },
    {
      name: 'flaky',
      attempts: 1,
      async process(ctx) {
        // Written before the failure: must roll back with it.
        await observe(ctx);
        if (await gateClosed(ctx, 'fail')) throw new Error('the gate is closed');
      },
    },
    {
      // Runs a while without reporting progress.
      name: 'wait',
      attempts: 1,
      process: (ctx) => sleep(Number(ctx.data.ms ?? 0)),
    },
    {
      name: 'retrying',
      attempts: 3,
      backoffMs: 100,
      async process(ctx) {
        if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} fails`);
        await observe(ctx);
      },
    },
  ],
});

export const schedPlugin = defineServerPlugin({
  id: 'jt-sched',
  version: '0.0.1',
  title: { 'zh-CN': '定时测试', en: 'Schedule test' },
  jobs: [
    // Every second (six-field cron): fires often enough for a test to watch.
    { name: 'tick', schedule: { cron: '* * * * * *', period: 'day' }, attempts: 1, process: async () => {} },
  ],
});

/** Records each handling; the payload is the event's, loaded by the wrapper from the outbox. */
const receive =
  (plugin: string) => async (ctx: JobContext<JobData & { payload: object; outboxId: string }>) => {
    const { marker } = ctx.data.payload as { marker?: string };
    await ctx.tx.query('insert into jt_received (tenant_id, plugin, outbox_id, marker) values (?, ?, ?, ?)', [
      ctx.tenantId,
      plugin,
      ctx.data.outboxId,
      marker ?? null,
    ]);
  };

/** Two subscribers of one event, in two plugins: each gets it once. */
export const listenPlugin = defineServerPlugin({
  id: 'jt-listen',
  version: '0.0.1',
  title: { 'zh-CN': '订阅测试', en: 'Subscriber test' },
  subscriptions: [{ event: pinged, handle: receive('jt-listen') }],
});
export const listenTwoPlugin = defineServerPlugin({
  id: 'jt-listen-two',
  version: '0.0.1',
  title: { 'zh-CN': '订阅测试二', en: 'Second subscriber' },
  subscriptions: [{ event: pinged, handle: receive('jt-listen-two') }],
});

export const jobTestPlugins = [workPlugin, schedPlugin, listenPlugin, listenTwoPlugin];
export const jobTestHost = (plugins = jobTestPlugins) => new PluginHost(plugins);
