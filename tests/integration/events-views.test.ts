import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventContext } from '../../plugins/events/src/common/index.ts';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/** The read routes the admin's event pages use: an event's context and actions, departments, duplicates. */
let w: EventsWorld;
beforeAll(async () => {
  w = await eventsWorld('events_views');
});
afterAll(async () => w?.close());

describe('event context', () => {
  it('names the places and lists only the actions the caller may take now', async () => {
    const ev = await report(w, w.c.worker);
    const ctx = async (c: typeof w.c.worker) =>
      (await c.get(`/m/events/events/${ev.id}/context`)).json() as EventContext;
    const mine = await ctx(w.c.worker);
    expect(mine.location.id).toBe(w.city.units.gridA1a);
    expect(mine.location.name).toBeTruthy();
    expect(mine.handler.id).toBe(w.city.units.gridA1a);
    expect(mine.category.domain).toBeTruthy();
    expect(mine.createdByName).toBe('workera1a');
    expect(mine.actions.sort()).toEqual(['accept', 'escalate', 'extend', 'merge', 'return']);
    // The secretary's grant covers the grid below her community: the same actions.
    expect((await ctx(w.c.sec)).actions.sort()).toEqual(mine.actions.sort());
    // An inspector reads; department staff see nothing that was not whistled to them.
    expect((await ctx(w.c.inspector)).actions).toEqual([]);
    expect((await w.c.dept.get(`/m/events/events/${ev.id}/context`)).statusCode).toBe(404);

    await act(w.c.worker, ev.id, 'accept');
    expect((await ctx(w.c.worker)).actions.sort()).toEqual(['escalate', 'extend', 'handle', 'merge']);
    // An extension waits for the level above: the handler no longer asks, the secretary decides.
    const x = await w.c.worker.post(`/m/events/events/${ev.id}/extensions`, {
      minutes: 60,
      reason: '待配件',
    });
    expect(x.statusCode).toBe(201);
    expect((await ctx(w.c.worker)).actions).not.toContain('extend');
    expect((await ctx(w.c.worker)).actions).not.toContain('decide');
    const sec = await ctx(w.c.sec);
    expect(sec.actions).toContain('decide');
    expect(sec.pendingExtension).toMatchObject({ id: x.json().id, minutes: 60 });
  });

  it('at the street: whistle for the street admin, report-in for the called-in department', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'orange' });
    await act(w.c.worker, ev.id, 'escalate', { reason: '网格无法处理' });
    await act(w.c.sec, ev.id, 'escalate', { reason: '需大党委协调' });
    await act(w.c.sec, ev.id, 'escalate', { reason: '超出社区职权' });
    const street = (await w.c.street.get(`/m/events/events/${ev.id}/context`)).json() as EventContext;
    expect(street.actions).toContain('whistle');
    const depts = (await w.c.street.get('/m/events/departments')).json() as Array<{
      id: string;
      name: string;
    }>;
    expect(depts.map((d) => d.id).sort()).toEqual([w.dept, w.dept2].sort());
    expect((await w.c.worker.get('/m/events/departments')).statusCode).toBe(403);
    const made = await w.c.street.post(`/m/events/events/${ev.id}/whistles`, {
      units: [{ orgUnitId: w.dept }, { orgUnitId: w.dept2 }],
    });
    const ids = (made.json() as Array<{ id: string; orgUnitId: string }>).find(
      (x) => x.orgUnitId === w.dept,
    )!;
    const dept = (await w.c.dept.get(`/m/events/events/${ev.id}/context`)).json() as EventContext;
    expect(dept.reportIn).toEqual([ids.id]);
    expect(dept.actions).toEqual([]);
    expect(dept.units[w.dept]).toBe('综合行政执法局');
  });
});

describe('duplicates of an event being typed in', () => {
  it('suggests the same type in the same building, refuses a unit outside her area', async () => {
    const first = await report(w, w.c.worker, {
      orgUnitId: w.building,
      categoryId: w.categories['safety.fire'],
    });
    const q = (c: typeof w.c.worker, unit: string, cat = w.categories['safety.fire']!) =>
      c.get(`/m/events/duplicates?categoryId=${cat}&orgUnitId=${unit}`);
    const hits = (await q(w.c.worker, w.building)).json() as Array<{ id: string; sameBuilding: boolean }>;
    expect(hits.map((h) => h.id)).toContain(first.id);
    expect(hits.find((h) => h.id === first.id)!.sameBuilding).toBe(true);
    expect((await q(w.c.worker, w.building, w.categories['other.other'])).json()).toEqual([]);
    const outside = await q(w.c.worker, w.city.units.gridB1a);
    expect(outside.statusCode).toBe(400);
    expect(outside.json().details[0].field).toBe('orgUnitId');
    // The inspector reads but does not report: refused.
    expect((await q(w.c.inspector, w.building)).statusCode).toBe(403);
  });
});

describe('supervision cards', () => {
  it('lists the cards on events the caller sees, with the unit held to account; open ones on request', async () => {
    const ev = await report(w, w.c.worker, { title: '占道堆物' });
    const other = await report(w, w.c.worker, { title: '已办结的' });
    await w.t.db.withTenant(w.city.tenantId, async (tx) => {
      for (const [id, card] of [
        [ev.id, 'yellow'],
        [other.id, 'red'],
      ] as const) {
        const [d] = await tx.query<{ id: string }>(
          `select id from events_deadline where event_id = ? and stage = 'accept'`,
          [id],
        );
        await tx.query(
          `insert into events_supervision (tenant_id, event_id, deadline_id, stage, card, org_unit_id, issued_at)
           values (?, ?, ?, 'accept', ?, ?, now())`,
          [w.city.tenantId, id, d!.id, card, w.city.units.gridA1a],
        );
      }
    });
    await act(w.c.worker, other.id, 'return', { reason: '不属于本网格' });
    type Card = {
      eventId: string;
      card: string;
      unitName: string;
      unitKind: string;
      status: string;
      title: string;
    };
    const list = async (c: typeof w.c.worker, q = '') => {
      const res = await c.get(`/m/events/supervision?_sort=issuedAt&_order=desc${q}`);
      expect(res.statusCode).toBe(200);
      return (res.json() as Card[]).filter((x) => x.eventId === ev.id || x.eventId === other.id);
    };
    const all = await list(w.c.sec);
    expect(all.map((c) => [c.title, c.card, c.unitKind]).sort()).toEqual([
      ['占道堆物', 'yellow', 'grid'],
      ['已办结的', 'red', 'grid'],
    ]);
    expect((await list(w.c.sec, '&open=true')).map((c) => c.title)).toEqual(['占道堆物']);
    expect((await list(w.c.sec, '&card=red')).map((c) => c.status)).toEqual(['returned']);
    // Another street's admin sees none of them; department staff (no read permission) are refused.
    expect(await list(w.c.streetB)).toEqual([]);
    expect((await w.c.dept.get('/m/events/supervision')).statusCode).toBe(403);
  });
});

describe('my tasks', () => {
  it('each level gets what stands on its own rung, not everything below it', async () => {
    const atGrid = await report(w, w.c.worker, { title: '网格的' });
    const atCommunity = await report(w, w.c.worker, { title: '社区的' });
    await act(w.c.worker, atCommunity.id, 'escalate', { reason: '网格无法处理' });
    const atStreet = await report(w, w.c.worker, { title: '街道的' });
    await act(w.c.worker, atStreet.id, 'escalate', { reason: '网格无法处理' });
    await act(w.c.sec, atStreet.id, 'escalate', { reason: '需大党委协调' });
    await act(w.c.sec, atStreet.id, 'escalate', { reason: '超出社区职权' });
    const done = await report(w, w.c.worker, { title: '已退回' });
    await act(w.c.worker, done.id, 'return', { reason: '不属于本网格' });
    const ours = new Set([atGrid.id, atCommunity.id, atStreet.id, done.id]);
    const mine = async (c: typeof w.c.worker) => {
      const res = await c.get('/m/events/events?mine=true&_sort=urgency&_end=200');
      expect(res.statusCode).toBe(200);
      return (res.json() as Array<{ id: string }>).map((e) => e.id).filter((id) => ours.has(id));
    };
    expect(await mine(w.c.worker)).toEqual([atGrid.id]);
    expect(await mine(w.c.sec)).toEqual([atCommunity.id]);
    expect(await mine(w.c.street)).toEqual([atStreet.id]);
    // The inspector handles nowhere; another street's admin has none of these.
    expect(await mine(w.c.inspector)).toEqual([]);
    expect(await mine(w.c.streetB)).toEqual([]);
    // Her grant still lets the secretary act on the grid's event, and she still sees it in the full list.
    const all = (await w.c.sec.get('/m/events/events?_end=200')).json() as Array<{ id: string }>;
    expect(all.map((e) => e.id)).toContain(atGrid.id);
  });
});
