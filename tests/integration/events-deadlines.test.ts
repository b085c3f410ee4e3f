import { type RunningWorker, startWorker } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawQueue, runReaches } from '../support/jobs.ts';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/**
 * Time limits as delayed jobs, driven by the module's clock: the test moves the clock past a limit and
 * promotes the queued job (BullMQ runs it now instead of in n minutes), so nothing sleeps.
 */
let w: EventsWorld;
let worker: RunningWorker;
let queue: ReturnType<typeof rawQueue>;
beforeAll(async () => {
  w = await eventsWorld('events_dl');
  const host = w.t.app.deps.modules.host;
  worker = await startWorker({
    host,
    db: w.t.db,
    backend: w.backend.cfg,
    prefix: w.backend.prefix,
    concurrency: 2,
  });
  queue = rawQueue(w.backend, 'events');
});
afterAll(async () => {
  await queue?.close();
  await worker?.close();
  await w?.close();
});

const sql = <R>(text: string, params: unknown[] = []) =>
  w.t.db.withTenant(w.city.tenantId, (tx) => tx.query<R>(text, params));

/** The event's open deadline of a stage (the newest one). */
async function deadline(eventId: string, stage: string, whistleId?: string) {
  const [d] = await sql<{ id: string; version: number; dueAt: Date }>(
    `select id, version, due_at as "dueAt" from events_deadline where event_id = ? and stage = ?
        and ${whistleId ? 'whistle_id = ?' : 'whistle_id is null'} order by due_at desc limit 1`,
    [eventId, stage, ...(whistleId ? [whistleId] : [])],
  );
  return d!;
}

/** Runs a deadline's queued job now and waits for its run to finish. */
async function fire(d: { id: string; version: number }) {
  const jobId = `dl-${d.id}-v${d.version}`;
  const job = await queue.queue.getJob(jobId);
  expect(job, `job ${jobId} is queued`).toBeTruthy();
  expect(await job!.getState()).toBe('delayed');
  await job!.promote();
  expect((await runReaches(w.t.db, w.city.tenantId, jobId, 'completed', 'failed')).state).toBe('completed');
}

const cards = (eventId: string) =>
  sql<{ stage: string; card: string; orgUnitId: string }>(
    `select stage, card, org_unit_id as "orgUnitId" from events_supervision where event_id = ? order by issued_at`,
    [eventId],
  );

describe('time limits', () => {
  it('a red event nobody accepts within 1 minute goes up on its own with a yellow card, then a red one', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'red', title: '燃气泄漏' });
    const accept = await deadline(ev.id, 'accept');
    expect(new Date(accept.dueAt).getTime() - w.now().getTime()).toBe(60_000);
    const job = await queue.queue.getJob(`dl-${accept.id}-v1`);
    expect(job?.opts.delay).toBeGreaterThan(50_000);
    expect(job?.opts.delay).toBeLessThanOrEqual(60_000);

    w.advance(2);
    await fire(accept);
    const after = (await w.c.sec.get(`/m/events/events/${ev.id}`)).json();
    expect(after).toMatchObject({ status: 'escalated', level: 'community', supervision: 'yellow' });
    expect(await cards(ev.id)).toEqual([
      { stage: 'accept', card: 'yellow', orgUnitId: w.city.units.gridA1a },
    ]);
    const entries = (await w.c.sec.get(`/m/events/events/${ev.id}/timeline`)).json() as Array<{
      action: string;
      actorName: string;
      data: { automatic?: boolean };
    }>;
    expect(entries.slice(1).map((e) => [e.action, e.actorName])).toEqual([
      ['overdue', '系统'],
      ['escalate', '系统'],
    ]);
    expect(entries[2]!.data.automatic).toBe(true);

    // The community has 5 minutes to take it on; it does not.
    const dispatch = await deadline(ev.id, 'dispatch');
    w.advance(6);
    await fire(dispatch);
    expect((await w.c.sec.get(`/m/events/events/${ev.id}`)).json()).toMatchObject({
      level: 'joint-meeting',
      supervision: 'red',
    });
    expect((await cards(ev.id)).map((c) => c.card)).toEqual(['yellow', 'red']);
  });

  it('a deadline job that finds its stage done does nothing', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'yellow' });
    const accept = await deadline(ev.id, 'accept');
    await act(w.c.worker, ev.id, 'accept');
    w.advance(180);
    await fire(accept);
    expect((await w.c.worker.get(`/m/events/events/${ev.id}`)).json()).toMatchObject({
      status: 'accepted',
      level: 'grid',
      supervision: null,
    });
    expect(await cards(ev.id)).toEqual([]);
  });

  it('an approved extension moves the deadline: the old job finds its version moved on', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'red' });
    await act(w.c.worker, ev.id, 'accept');
    const handle = await deadline(ev.id, 'handle');
    const x = await w.c.worker.post(`/m/events/events/${ev.id}/extensions`, {
      minutes: 60,
      reason: '等待物业',
    });
    await w.c.sec.post(`/m/events/events/${ev.id}/extensions/${x.json().id}/decision`, {
      decision: 'approved',
    });
    w.advance(20); // past the 15 minutes, within the extension
    await fire(handle); // version 1
    expect(await cards(ev.id)).toEqual([]);
    const moved = await deadline(ev.id, 'handle');
    expect(moved.version).toBe(2);
    w.advance(60);
    await fire(moved);
    expect((await cards(ev.id)).map((c) => c.stage)).toEqual(['handle']);
    expect((await w.c.sec.get(`/m/events/events/${ev.id}`)).json().level).toBe('community');
  });

  it('whistle → report-in: the late department gets a card and is marked late; the prompt one is not', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'orange' });
    await act(w.c.worker, ev.id, 'escalate', { reason: '需协调' });
    await act(w.c.sec, ev.id, 'escalate', { reason: '需协调' });
    await act(w.c.sec, ev.id, 'escalate', { reason: '超出社区职权' });
    const whistled = await w.c.street.post(`/m/events/events/${ev.id}/whistles`, {
      units: [{ orgUnitId: w.dept }, { orgUnitId: w.dept2 }],
    });
    const [late, prompt] = whistled.json() as Array<{ id: string; orgUnitId: string }>;
    // dept2 reports in at once (its staff: a street admin acting for it would not do; grant one).
    await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query(
        `insert into role_grant (tenant_id, user_id, role_id, org_unit_id)
         select ?, id, ?, ? from app_user where username = 'dept1'`,
        [w.city.tenantId, w.city.roleIds.get('department-staff'), w.dept2],
      ),
    );
    expect((await w.c.dept.post(`/m/events/whistles/${prompt!.id}/report-in`, {})).json().late).toBe(false);
    const reportIn = await deadline(ev.id, 'report-in', late!.id);
    w.advance(31); // orange: 30 minutes to report in
    await fire(reportIn);
    expect(await cards(ev.id)).toEqual([{ stage: 'report-in', card: 'yellow', orgUnitId: w.dept }]);
    const list = (await w.c.street.get(`/m/events/events/${ev.id}/whistles`)).json() as Array<{
      orgUnitId: string;
      late: boolean;
    }>;
    expect(Object.fromEntries(list.map((x) => [x.orgUnitId, x.late]))).toEqual({
      [w.dept]: true,
      [w.dept2]: false,
    });
    // The prompt department's own deadline was done when it reported in: firing it changes nothing.
    await fire(await deadline(ev.id, 'report-in', prompt!.id));
    expect(await cards(ev.id)).toHaveLength(1);
    // Reporting in late is recorded as late, and ends the second report-in limit.
    const res = await w.c.dept.post(`/m/events/whistles/${late!.id}/report-in`, {});
    expect(res.json()).toMatchObject({ late: true });
    const open = await sql(
      `select 1 from events_deadline where whistle_id = ? and done_at is null and fired_at is null`,
      [late!.id],
    );
    expect(open).toEqual([]);
  });
});
