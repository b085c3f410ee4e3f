import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const metrics = async (client: Client, unit: string) => {
  const res = await client.get(
    `/m/events/metrics?orgUnitId=${unit}&from=${t0.toISOString()}&to=${new Date(t1.getTime() + 1).toISOString()}`,
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
