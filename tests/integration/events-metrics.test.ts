import { randomUUID } from 'node:crypto';
import { type JobClient, outboxPublisher } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireDeadline } from '../../plugins/events/src/server/overdue.ts';
import { compactRollup } from '../../plugins/events/src/server/rollup.ts';
import type { EventsSettings } from '../../plugins/events/src/server/settings.ts';
import { as, type Client, login } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/**
 * The three rates on a hand-built set with known answers, then who sees which events (the scope
 * matrix) and that another city sees none of them.
 */
let w: EventsWorld;
const ids = {} as Record<'e1' | 'e2' | 'e3' | 'e4' | 'e5' | 'e6' | 'e7', string>;
let t0: Date;
let t1: Date;

beforeAll(async () => {
  w = await eventsWorld('events_metrics');
  t0 = w.now();
  // Five counted events under 稠城街道 (yellow: accept within 120 min, resolve within 120 + 1440), a
  // merged duplicate (not counted) and one under 江东街道 (outside).
  const at = (unit: string) => ({ orgUnitId: w.city.units[unit as keyof typeof w.city.units] });
  ids.e1 = (await report(w, w.c.worker, at('gridA1a'))).id;
  ids.e2 = (await report(w, w.c.worker, at('gridA1a'))).id;
  ids.e3 = (await report(w, w.c.sec, at('gridA1b'))).id;
  ids.e4 = (await report(w, w.c.street, at('gridA2a'))).id;
  ids.e5 = (await report(w, w.c.worker, at('gridA1a'))).id;
  ids.e6 = (await report(w, w.c.worker, at('gridA1a'))).id;
  ids.e7 = (await report(w, w.c.admin, at('gridB1a'))).id;
  await act(w.c.worker, ids.e6, 'merge', { into: ids.e1 });
  await act(w.c.street, ids.e4, 'escalate', { reason: '跨社区' });
  w.advance(5);
  await act(w.c.sec, ids.e3, 'accept'); // on time, never resolved
  w.advance(5);
  for (const e of [ids.e1, ids.e5]) await act(w.c.worker, e, 'accept'); // on time
  w.advance(50);
  for (const e of [ids.e1, ids.e5]) {
    await act(w.c.worker, e, 'handle', { note: '已处理' });
    await act(w.c.worker, e, 'resolve'); // at 60 min: on time
  }
  w.advance(10);
  await act(w.c.sec, ids.e1, 'follow-ups', { satisfaction: 'satisfied' });
  await act(w.c.sec, ids.e5, 'follow-ups', { satisfaction: 'unsatisfied' }); // reopened: no longer resolved
  w.advance(130);
  await act(w.c.worker, ids.e2, 'accept'); // at 200 min: late
  w.advance(1800);
  await act(w.c.worker, ids.e2, 'handle', { note: '已处理' });
  await act(w.c.worker, ids.e2, 'resolve'); // at 2000 min: late
  await act(w.c.sec, ids.e2, 'follow-ups', { satisfaction: 'basically' });
  t1 = w.advance(1);
});
afterAll(async () => w?.close());

const metrics = async (client: Client, unit: string, from = t0, to = new Date(t1.getTime() + 1)) => {
  const res = await client.get(
    `/m/events/metrics?orgUnitId=${unit}&from=${from.toISOString()}&to=${to.toISOString()}`,
  );
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { units: Array<Record<string, number | string | null>> };
};

describe('the three rates', () => {
  it('per unit and the units under it, with known answers', async () => {
    const { units } = await metrics(w.c.street, w.city.units.streetA);
    const by = Object.fromEntries(units.map((u) => [u.orgUnitId, u]));
    expect(units.map((u) => u.orgUnitId)).toEqual([
      w.city.units.streetA,
      w.city.units.commA2,
      w.city.units.commA1,
    ]);
    expect(by[w.city.units.streetA]).toMatchObject({
      reported: 5,
      respondedOnTime: 3, // e1, e3, e5
      resolvedOnTime: 1, // e1 (e2 late, e5 reopened)
      followedUp: 3,
      satisfied: 2,
      responseRate: 0.6,
      onTimeResolutionRate: 0.2,
      satisfactionRate: 0.6667,
      avgAcceptMinutes: 56.3, // (10 + 200 + 5 + 10) / 4
      escalations: 1,
    });
    expect(by[w.city.units.commA1]).toMatchObject({
      reported: 4,
      responseRate: 0.75,
      onTimeResolutionRate: 0.25,
      satisfactionRate: 0.6667,
    });
    expect(by[w.city.units.commA2]).toMatchObject({ reported: 1, responseRate: 0, escalations: 1 });
  });

  it('are scope-filtered: the secretary counts her community only; a grid worker may not read them', async () => {
    const { units } = await metrics(w.c.sec, w.city.units.streetA);
    expect(units[0]).toMatchObject({ reported: 4, responseRate: 0.75 });
    const all = await metrics(w.c.inspector, w.city.units.root);
    expect(all.units[0]).toMatchObject({ reported: 6 });
    expect(
      (
        await w.c.worker.get(
          `/m/events/metrics?orgUnitId=${w.city.units.gridA1a}&from=${t0.toISOString()}&to=${t1.toISOString()}`,
        )
      ).statusCode,
    ).toBe(403);
    const bad = await w.c.street.get(
      `/m/events/metrics?orgUnitId=${w.city.units.streetA}&from=${t1.toISOString()}&to=${t0.toISOString()}`,
    );
    expect(bad.json().details[0].field).toBe('to');
  });

  it('lists the overdue stages within scope', async () => {
    const list = (await w.c.street.get('/m/events/overdue?_end=100')).json() as Array<{
      eventId: string;
      stage: string;
    }>;
    // 2001 min in: e3's handle limit (5 + 1440), e4's dispatch (120), e5's handle after its reopening (70 + 1440).
    expect(list.map((x) => [x.eventId, x.stage]).sort()).toEqual(
      [
        [ids.e3, 'handle'],
        [ids.e4, 'dispatch'],
        [ids.e5, 'handle'],
      ].sort(),
    );
  });
});

describe('scope', () => {
  it('each role sees its own area’s events; department staff only what was whistled to them', async () => {
    const seen = async (client: Client) =>
      ((await client.get('/m/events/events?_end=100')).json() as Array<{ id: string }>)
        .map((e) => e.id)
        .sort();
    const sorted = (...keys: Array<keyof typeof ids>) => keys.map((k) => ids[k]).sort();
    expect(await seen(w.c.worker)).toEqual(sorted('e1', 'e2', 'e5', 'e6'));
    expect(await seen(w.c.sec)).toEqual(sorted('e1', 'e2', 'e3', 'e5', 'e6'));
    expect(await seen(w.c.street)).toEqual(sorted('e1', 'e2', 'e3', 'e4', 'e5', 'e6'));
    expect(await seen(w.c.streetB)).toEqual(sorted('e7'));
    expect(await seen(w.c.inspector)).toEqual(sorted('e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'));
    expect(await seen(w.c.dept)).toEqual([]);
    // "My tasks": open events standing on a unit where she handles.
    const tasks = (await w.c.worker.get('/m/events/events?mine=true&_sort=urgency')).json() as Array<{
      id: string;
    }>;
    expect(tasks.map((e) => e.id).sort()).toEqual(sorted('e5'));
    expect((await w.c.worker.get(`/m/events/events/${ids.e3}`)).statusCode).toBe(404);
    expect((await w.c.streetB.get(`/m/events/events/${ids.e1}/timeline`)).statusCode).toBe(404);
  });

  it('another city sees none of them, by list, by id, or by SQL under row-level security', async () => {
    const other = await buildCity(w.t.db);
    const admin = as(w.t.app, (await login(w.t.app, other.code, 'admin')).accessToken);
    await admin.put('/modules/events', { enabled: true });
    expect((await admin.get('/m/events/events')).json()).toEqual([]);
    expect((await admin.get(`/m/events/events/${ids.e1}`)).statusCode).toBe(404);
    expect((await act(admin, ids.e1, 'accept')).code).toBe(404);
    const leaked = await w.t.db.withTenant(other.tenantId, (tx) =>
      tx.query(`select id from events_event union all select event_id from events_timeline`),
    );
    expect(leaked).toEqual([]);
    // Its own catalogue, seeded when it enabled the module.
    const cats = (await admin.get('/m/events/categories')).json() as Array<{ id: string }>;
    expect(cats.length).toBeGreaterThan(10);
    expect(cats.map((c) => c.id)).not.toContain(w.categories['safety.fire']);
  });
});

const sql = <R>(text: string, params: unknown[] = []) =>
  w.t.db.withTenant(w.city.tenantId, (tx) => tx.query<R>(text, params));

/**
 * The rates computed straight from the events, their follow-ups, timeline and cards (the definitions
 * of docs/events.md, as the route read them before the rollup), for a unit and the units under it,
 * events located under `within` only (a reader's scope).
 */
async function direct(unit: string, from: Date, to: Date, within = w.city.units.root) {
  return sql<Record<string, number | string | null>>(
    `with ev as (
       select e.*, l.path_key as loc from events_event e join org_unit l on l.tenant_id = e.tenant_id and l.id = e.org_unit_id
        where e.created_at >= ? and e.created_at < ? and e.status not in ('merged', 'returned')
          and l.path_key >= (select path_key from org_unit where id = ?)
          and l.path_key < (select path_key || 'g' from org_unit where id = ?)),
     fu as (select distinct on (event_id) event_id, satisfaction from events_follow_up order by event_id, at desc)
     select u.id as "orgUnitId", count(ev.id)::int as reported,
            (count(*) filter (where ev.accepted_at <= ev.accept_due_at))::int as "respondedOnTime",
            (count(*) filter (where ev.resolved_at <= ev.resolve_due_at))::int as "resolvedOnTime",
            count(fu.event_id)::int as "followedUp",
            (count(*) filter (where fu.satisfaction in ('satisfied', 'basically')))::int as satisfied,
            round((avg(extract(epoch from ev.accepted_at - ev.created_at) / 60))::numeric, 1)::float8 as "avgAcceptMinutes",
            round((avg(extract(epoch from ev.resolved_at - ev.accepted_at) / 60))::numeric, 1)::float8 as "avgResolveMinutes",
            round((avg(extract(epoch from ev.verified_at - ev.resolved_at) / 60))::numeric, 1)::float8 as "avgVerifyMinutes",
            coalesce(sum((select count(*) from events_timeline x where x.event_id = ev.id and x.action = 'escalate')), 0)::int as escalations,
            coalesce(sum((select count(*) from events_supervision s where s.event_id = ev.id)), 0)::int as cards
       from org_unit u left join ev on ev.loc >= u.path_key and ev.loc < u.path_key || 'g'
       left join fu on fu.event_id = ev.id
      where (u.id = ? or u.parent_id = ?) and u.kind <> 'department'
      group by u.id order by u.id`,
    [from, to, within, within, unit, unit],
  );
}

const FIELDS = [
  'orgUnitId',
  'reported',
  'respondedOnTime',
  'resolvedOnTime',
  'followedUp',
  'satisfied',
  'avgAcceptMinutes',
  'avgResolveMinutes',
  'avgVerifyMinutes',
  'escalations',
  'cards',
] as const;
const pick = (units: Array<Record<string, unknown>>) =>
  units
    .map((u) => Object.fromEntries(FIELDS.map((f) => [f, u[f]])))
    .sort((a, b) => String(a.orgUnitId).localeCompare(String(b.orgUnitId)));

describe('the rollup (events_unit_day)', () => {
  const H = 3_600_000;
  const utcMidnight = (d: Date) => new Date(Math.floor(d.getTime() / 86_400_000) * 86_400_000);

  it('answers the known figures over whole days too (a range of whole UTC days around them)', async () => {
    const from = new Date(utcMidnight(t0).getTime() - 48 * H);
    const { units } = await metrics(w.c.street, w.city.units.streetA, from, new Date(t1.getTime() + 48 * H));
    expect(units[0]).toMatchObject({ reported: 5, respondedOnTime: 3, resolvedOnTime: 1, followedUp: 3 });
    expect(units[0]).toMatchObject({ satisfied: 2, avgAcceptMinutes: 56.3, escalations: 1 });
  });

  it('equals the direct computation after reopening, merging, extensions and cards, over any range', async () => {
    // A second day of events: the clock is a day and a half on from the first batch.
    const day2 = w.advance(60 * 12);
    const at = (unit: keyof typeof w.city.units) => ({ orgUnitId: w.city.units[unit] });
    const f1 = (await report(w, w.c.worker, at('gridA1a'))).id;
    const f2 = (await report(w, w.c.worker, { ...at('gridA1a'), urgency: 'red' })).id;
    const f3 = (await report(w, w.c.sec, at('gridA1b'))).id;
    const f4 = (await report(w, w.c.street, at('gridA2a'))).id;
    const f5 = (await report(w, w.c.admin, at('gridB1a'))).id;
    await act(w.c.street, f4, 'return', { reason: '不属于本街道' });
    w.advance(30);
    await act(w.c.worker, f1, 'accept');
    const x = await w.c.worker.post(`/m/events/events/${f1}/extensions`, {
      minutes: 600,
      reason: '等待物业',
    });
    await w.c.sec.post(`/m/events/events/${f1}/extensions/${x.json().id}/decision`, { decision: 'approved' });
    await act(w.c.worker, f1, 'handle', { note: '已处理' });
    await act(w.c.worker, f1, 'resolve');
    await act(w.c.sec, f1, 'follow-ups', { satisfaction: 'unsatisfied' }); // reopened
    w.advance(200);
    await act(w.c.worker, f1, 'handle', { note: '再处理' });
    await act(w.c.worker, f1, 'resolve');
    await act(w.c.sec, f1, 'follow-ups', { satisfaction: 'satisfied' });
    await act(w.c.sec, f1, 'close');
    await act(w.c.sec, f3, 'escalate', { reason: '需联席' });
    await act(w.c.worker, f2, 'merge', { into: ids.e5 });
    // A missed accept limit: a yellow card and an automatic escalation, then a red card.
    const [dl] = await sql<{ id: string; version: number }>(
      `select id, version from events_deadline where event_id = ? and done_at is null`,
      [f5],
    );
    const rt = { jobs: w.t.app.deps.jobs as JobClient, events: outboxPublisher };
    const s = (await w.c.admin.get('/modules')).json().find((m: { id: string }) => m.id === 'events')
      .settings as EventsSettings;
    const now = w.advance(600);
    expect(
      await w.t.db.withTenant(w.city.tenantId, (tx) => fireDeadline(tx, rt, s, dl!.id, dl!.version, now)),
    ).toBe('escalated-yellow');
    const end = new Date(now.getTime() + 1);

    const ranges: Array<[Date, Date]> = [
      [t0, end], // partial days only at the edges, whole days between
      [new Date(t0.getTime() - 72 * H), new Date(end.getTime() + 72 * H)], // whole days only
      [new Date(t0.getTime() + 1), end], // the first batch's second left out
      [utcMidnight(day2), end], // from a midnight exactly
      [new Date(day2.getTime() - 1), new Date(day2.getTime() + 1)], // inside one day
      [t0, utcMidnight(day2)],
    ];
    for (const [from, to] of ranges)
      for (const [client, unit, within] of [
        [w.c.inspector, w.city.units.root, w.city.units.root],
        [w.c.street, w.city.units.streetA, w.city.units.root],
        [w.c.sec, w.city.units.streetA, w.city.units.commA1],
      ] as const) {
        const { units } = await metrics(client, unit, from, to);
        expect(pick(units), `${unit} ${from.toISOString()}–${to.toISOString()}`).toEqual(
          pick(await direct(unit, from, to, within)),
        );
      }

    const wide = await metrics(w.c.inspector, w.city.units.root, ranges[1]![0], ranges[1]![1]);
    // e1–e5, e7 and f1, f3, f5 (f2 merged, f4 returned); 2 by hand + 1 automatic escalation; one card.
    expect(wide.units[0]).toMatchObject({
      reported: 9,
      escalations: 3,
      cards: 1,
      followedUp: 4,
      satisfied: 3,
    });

    // The rollup's rows summed per (location, day) are what a fresh count from the events makes —
    // before and after the compaction job folds them into one row each.
    const SUMS = `sum(x.reported)::int as reported, sum(x.responded_on_time)::int as responded_on_time,
      sum(x.resolved_on_time)::int as resolved_on_time, sum(x.followed_up)::int as followed_up,
      sum(x.satisfied)::int as satisfied, sum(x.accepted)::int as accepted, sum(x.accept_secs)::float8 as accept_secs,
      sum(x.resolved)::int as resolved, sum(x.resolve_secs)::float8 as resolve_secs, sum(x.verified)::int as verified,
      sum(x.verify_secs)::float8 as verify_secs, sum(x.escalations)::int as escalations, sum(x.cards)::int as cards`;
    const kept = () =>
      sql(
        `select x.org_unit_id, x.day, ${SUMS} from events_unit_day x group by 1, 2
          having sum(x.reported) <> 0 or sum(x.accepted) <> 0 or sum(x.escalations) <> 0 or sum(x.cards) <> 0
          order by 1, 2`,
      );
    const fresh = await sql(
      `select x.org_unit_id, x.day, ${SUMS}
         from events_event e cross join lateral events_measure(e.tenant_id, e.org_unit_id, e.status, e.created_at,
              e.accepted_at, e.accept_due_at, e.resolved_at, e.resolve_due_at, e.verified_at, e.satisfaction,
              e.escalations, e.cards) x
        group by 1, 2 order by 1, 2`,
    );
    expect(await kept()).toEqual(fresh);
    expect(fresh.length).toBeGreaterThan(3);
    const rowsOf = () => sql<{ n: number }>(`select count(*)::int as n from events_unit_day`);
    const before = (await rowsOf())[0]!.n;
    const done = await w.t.db.withTenant(w.city.tenantId, (tx) => compactRollup(tx));
    expect(done.folded).toBeGreaterThan(0);
    expect((await rowsOf())[0]!.n).toBeLessThan(before);
    expect((await rowsOf())[0]!.n).toBe(fresh.length);
    expect(await kept()).toEqual(fresh);
    const { units } = await metrics(w.c.inspector, w.city.units.root, ranges[1]![0], ranges[1]![1]);
    expect(pick(units)).toEqual(pick(await direct(w.city.units.root, ranges[1]![0], ranges[1]![1])));
    // Another tenant's rows are not there under row-level security: the table is a tenant table.
    const [seen] = await w.t.db.withTenant(randomUUID(), (tx) =>
      tx.query<{ n: number }>(`select count(*)::int as n from events_unit_day`),
    );
    expect(seen?.n).toBe(0);
  });
});

describe('writers of the rollup', () => {
  it('do not wait for each other: an open transaction that took in an event holds no row a report needs', async () => {
    const timeout = (ms: number) =>
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the report waited')), ms));
    // A long import: its transaction has taken in an event at the grid today and not committed yet.
    await w.t.db.withTenant(w.city.tenantId, async (tx) => {
      await tx.query(
        `insert into events_event (tenant_id, title, category_id, channel, urgency, org_unit_id, handler_unit_id,
           created_at, accept_due_at, resolve_due_at)
         values (?, '导入中', ?, 'hotline', 'yellow', ?, ?, ?, ?, ?)`,
        [
          w.city.tenantId,
          w.categories['safety.fire'],
          w.city.units.gridA1a,
          w.city.units.gridA1a,
          w.now(),
          w.now(),
          w.now(),
        ],
      );
      // Meanwhile a grid worker reports at the same grid the same day, and accepts it.
      const ev = await Promise.race([report(w, w.c.worker), timeout(10_000)]);
      expect((await Promise.race([act(w.c.worker, ev.id, 'accept'), timeout(10_000)])).code).toBe(200);
    });
  });
});
