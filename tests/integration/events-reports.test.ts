import type { JobClient } from '@civicgrid/jobs';
import { type RunningWorker, startWorker } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clock } from '../../plugins/events/src/server/clock.ts';
import { login } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { rawQueue, runReaches } from '../support/jobs.ts';
import { download, rowsOf } from '../support/xlsx.ts';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/**
 * Monthly and quarterly three-rate reports written by the scheduled job (its cron from the settings,
 * in the tenant's time zone), stored once per period, downloaded as xlsx within the reader's scope;
 * and the metrics view as xlsx.
 */
let w: EventsWorld;
let worker: RunningWorker;
let jobs: JobClient;
const tokens: Record<string, string> = {};
const at = (iso: string) => clock.set(() => new Date(iso));

beforeAll(async () => {
  w = await eventsWorld('events_reports');
  jobs = w.t.app.deps.jobs as JobClient;
  for (const u of ['streeta', 'streetb', 'workera1a', 'admin'])
    tokens[u] = (await login(w.t.app, w.city.code, u)).accessToken;
  // October 2026 in Shanghai (UTC+8): the first event at 01:00 on the 1st (still 30 September in UTC),
  // the last one at 01:00 on 1 November (31 October in UTC), which belongs to November.
  const { gridA1a, gridA1b, gridA2a, gridB1a } = w.city.units;
  at('2026-09-30T17:00:00Z');
  const e3 = await report(w, w.c.street, { orgUnitId: gridA2a });
  at('2026-09-30T20:00:00Z'); // three hours later: past the two-hour accept limit
  expect((await act(w.c.street, e3.id, 'accept')).code).toBe(200);
  at('2026-10-10T02:00:00Z');
  const e1 = await report(w, w.c.worker, { orgUnitId: gridA1a });
  at('2026-10-10T02:30:00Z');
  expect((await act(w.c.worker, e1.id, 'accept')).code).toBe(200);
  at('2026-10-12T02:00:00Z');
  await report(w, w.c.sec, { orgUnitId: gridA1b });
  at('2026-10-20T02:00:00Z');
  await report(w, w.c.admin, { orgUnitId: gridB1a });
  at('2026-10-31T17:00:00Z');
  await report(w, w.c.worker, { orgUnitId: gridA1a });
  // Back before every limit, so the deadline jobs the worker picks up find nothing due.
  at('2026-09-01T00:00:00Z');
  worker = await startWorker({
    host: w.t.app.deps.modules.host,
    db: w.t.db,
    backend: w.backend.cfg,
    prefix: w.backend.prefix,
    concurrency: 2,
  });
});
afterAll(async () => {
  await worker?.close();
  await w?.close();
});

async function runReport(period: string) {
  const jobId = await jobs.enqueue('events', 'three-rate-report', { tenantId: w.city.tenantId, period });
  await runReaches(w.t.db, w.city.tenantId, jobId, 'completed');
}
const listed = async (token = tokens.admin!) =>
  (await download(w.t.app, token, '/m/events/reports')).json() as Array<{
    id: string;
    kind: string;
    period: string;
    periodStart: string;
    units: number;
  }>;
const byName = (rows: string[][]) => new Map(rows.slice(1).map((r) => [r[0], r]));

describe('three-rate reports', () => {
  it('writes the month per street and community with known answers, once per period', async () => {
    await runReport('2026-10');
    const [oct] = await listed();
    expect(oct).toMatchObject({ kind: 'month', period: '2026-10', periodStart: '2026-09-30T16:00:00.000Z' });
    const file = await download(w.t.app, tokens.admin!, `/m/events/reports/${oct!.id}.xlsx`);
    expect(file.statusCode, file.body).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const rows = await rowsOf(file.rawPayload);
    expect(rows[0]!.slice(0, 6)).toEqual(['单位', '层级', '上级', '事件数', '按时响应', '响应率(%)']);
    const m = byName(rows);
    // 稠城街道: three events (the 1 November one is not October's), one accepted in time.
    expect(m.get('稠城街道')!.slice(3, 6)).toEqual(['3', '1', '33.3']);
    expect(m.get('绣湖社区')!.slice(1, 6)).toEqual(['社区', '稠城街道', '2', '1', '50']);
    expect(m.get('宾王社区')!.slice(3, 6)).toEqual(['1', '0', '0']);
    expect(m.get('江东街道')!.slice(3, 5)).toEqual(['1', '0']);
    expect(m.get('青口社区')!.slice(3, 5)).toEqual(['1', '0']);

    // Again for the same period: the same row rewritten, not a second one.
    await runReport('2026-10');
    const again = (await listed()).filter((r) => r.period === '2026-10');
    expect(again).toHaveLength(1);
    expect(again[0]!.id).toBe(oct!.id);
  });

  it('adds the quarter after its last month, and keeps each reader to her own streets', async () => {
    await runReport('2026-12');
    const reports = await listed();
    const q4 = reports.find((r) => r.period === '2026-Q4')!;
    expect(q4).toMatchObject({ kind: 'quarter', periodStart: '2026-09-30T16:00:00.000Z' });
    expect(reports.find((r) => r.period === '2026-12')).toMatchObject({ kind: 'month' });
    expect((await listed()).filter((r) => r.kind === 'quarter')).toHaveLength(1);
    const url = `/m/events/reports/${q4.id}.xlsx`;
    const a = byName(await rowsOf((await download(w.t.app, tokens.streeta!, url)).rawPayload));
    expect([...a.keys()].sort()).toEqual(['宾王社区', '稠城街道', '绣湖社区'].sort());
    expect(a.get('稠城街道')![3]).toBe('4'); // October's three and the 1 November one
    const b = byName(await rowsOf((await download(w.t.app, tokens.streetb!, url)).rawPayload));
    expect([...b.keys()].sort()).toEqual(['江东街道', '青口社区'].sort());
    // No metrics permission: 403; another tenant: the report does not exist.
    expect((await download(w.t.app, tokens.workera1a!, url)).statusCode).toBe(403);
    const other = await buildCity(w.t.db);
    const otherAdmin = (await login(w.t.app, other.code, 'admin')).accessToken;
    await w.t.app.inject({
      method: 'PUT',
      url: '/api/v1/modules/events',
      headers: { authorization: `Bearer ${otherAdmin}` },
      payload: { enabled: true },
    });
    expect((await download(w.t.app, otherAdmin, url)).statusCode).toBe(404);
    expect(await listed(otherAdmin)).toEqual([]);
    const audit = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query(`select 1 from audit_log where action = 'events.report.download' and target_id = ?`, [q4.id]),
    );
    expect(audit).toHaveLength(2);
  });

  it('schedules the job with the tenant’s cron and time zone; refuses a cron that is not one', async () => {
    const bad = await w.c.admin.put('/modules/events', {
      enabled: true,
      settings: { reportCron: 'monthly' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toBe('settings.reportCron');
    const q = rawQueue(w.backend, 'events');
    try {
      const id = `events-three-rate-report-${w.city.tenantId}`;
      await jobs.reconcileTenant(w.city.tenantId);
      expect(await q.queue.getJobScheduler(id)).toMatchObject({ pattern: '30 2 1 * *', tz: 'Asia/Shanghai' });
      const ok = await w.c.admin.put('/modules/events', {
        enabled: true,
        settings: { reportCron: '0 6 2 * *' },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      await jobs.reconcileTenant(w.city.tenantId);
      expect(await q.queue.getJobScheduler(id)).toMatchObject({ pattern: '0 6 2 * *', tz: 'Asia/Shanghai' });
    } finally {
      await q.close();
    }
  });

  it('exports the metrics view as xlsx, the same figures as the JSON', async () => {
    const query = `orgUnitId=${w.city.units.streetA}&from=2026-09-30T16:00:00Z&to=2026-10-31T16:00:00Z`;
    const json = (await w.c.street.get(`/m/events/metrics?${query}`)).json();
    const file = await download(w.t.app, tokens.streeta!, `/m/events/metrics.xlsx?${query}`);
    expect(file.statusCode, file.body).toBe(200);
    const m = byName(await rowsOf(file.rawPayload));
    for (const u of json.units as Array<{ name: string; reported: number }>)
      expect(m.get(u.name)![3]).toBe(String(u.reported));
    expect(m.get('稠城街道')![3]).toBe('3');
    const late = await download(w.t.app, tokens.streeta!, `/m/events/metrics.xlsx?${query}&to=x`);
    expect(late.statusCode).toBe(400);
  });
});
