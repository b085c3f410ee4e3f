import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/** The workflow's transitions, allowed and refused per role, up the whole escalation ladder. */
let w: EventsWorld;
beforeAll(async () => {
  w = await eventsWorld('events_wf');
});
afterAll(async () => w?.close());

const timeline = async (id: string) =>
  (
    (await w.c.sec.get(`/m/events/events/${id}/timeline`)).json() as Array<{
      eventId: string;
      action: string;
      fromStatus: string | null;
      toStatus: string | null;
      actorName: string;
    }>
  ).map((e) => e.action);

describe('intake', () => {
  it('refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const base = {
      title: '井盖缺失',
      categoryId: w.categories['utilities.road'],
      channel: 'resident',
      urgency: 'orange',
      orgUnitId: w.city.units.gridA1a,
    };
    const cases: Array<[object, string]> = [
      [{ ...base, title: undefined }, 'title'],
      [{ ...base, urgency: 'purple' }, 'urgency'],
      [{ ...base, channel: 'fax' }, 'channel'],
      [{ ...base, categoryId: w.categories.utilities }, 'categoryId'], // a domain, not a type
      [{ ...base, orgUnitId: w.city.units.streetA }, 'orgUnitId'], // events happen at grids and below
      [{ ...base, orgUnitId: w.city.units.gridB1a }, 'orgUnitId'], // outside her scope: unknown
      [{ ...base, lat: 29.3 }, 'lng'],
      [{ ...base, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await w.c.worker.post('/m/events/events', body);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const list = await w.c.admin.get('/m/events/events?_end=100');
    expect(list.json()).toEqual([]);
  });

  it('a building leader reports; an inspector may not', async () => {
    const res = await w.c.inspector.post('/m/events/events', {
      title: 'x',
      categoryId: w.categories['other.other'],
      channel: 'other',
      urgency: 'green',
      orgUnitId: w.city.units.gridA1a,
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('the grid handles it', () => {
  it('reported → accepted → handled → resolved → (unsatisfied: reopened) → verified → closed', async () => {
    const ev = await report(w, w.c.worker);
    expect(ev).toMatchObject({ status: 'reported', level: 'grid', handlerUnitId: w.city.units.gridA1a });
    expect((await act(w.c.streetB, ev.id, 'accept')).code).toBe(404); // another street: not even visible
    expect((await act(w.c.inspector, ev.id, 'accept')).code).toBe(403);
    expect((await act(w.c.worker, ev.id, 'resolve')).body.code).toBe('invalid_transition');
    expect((await act(w.c.worker, ev.id, 'accept')).body.status).toBe('accepted');
    expect((await act(w.c.worker, ev.id, 'accept')).code).toBe(409);
    const noNote = await act(w.c.worker, ev.id, 'handle', {});
    expect(noNote.code).toBe(400);
    expect(noNote.body.details?.[0]?.field).toBe('note');
    expect((await act(w.c.worker, ev.id, 'handle', { note: '已清理' })).body.status).toBe('handled');
    expect((await act(w.c.worker, ev.id, 'resolve')).body.status).toBe('resolved');
    // The follow-up visit is not the handler's to make.
    expect((await act(w.c.worker, ev.id, 'follow-ups', { satisfaction: 'satisfied' })).code).toBe(403);
    const reopened = await act(w.c.sec, ev.id, 'follow-ups', {
      satisfaction: 'unsatisfied',
      comment: '仍有杂物',
    });
    expect(reopened.body).toMatchObject({ status: 'accepted', reopenCount: 1 });
    await act(w.c.worker, ev.id, 'handle', { note: '再次清理' });
    await act(w.c.worker, ev.id, 'resolve');
    expect((await act(w.c.sec, ev.id, 'follow-ups', { satisfaction: 'basically' })).body.status).toBe(
      'verified',
    );
    expect((await act(w.c.worker, ev.id, 'close')).code).toBe(403);
    expect((await act(w.c.sec, ev.id, 'close')).body.status).toBe('closed');
    expect((await act(w.c.sec, ev.id, 'close')).code).toBe(409);
    expect(await timeline(ev.id)).toEqual([
      'report',
      'accept',
      'handle',
      'resolve',
      'reopen',
      'handle',
      'resolve',
      'verify',
      'close',
    ]);
  });

  it('returned with a reason; a returned event takes no further step', async () => {
    const ev = await report(w, w.c.worker);
    expect((await act(w.c.worker, ev.id, 'return', {})).code).toBe(400);
    const r = await act(w.c.worker, ev.id, 'return', { reason: '不属于本网格' });
    expect(r.body).toMatchObject({ status: 'returned' });
    expect((await act(w.c.worker, ev.id, 'accept')).code).toBe(409);
  });
});

describe('the escalation ladder', () => {
  it('grid → community → joint meeting → street → departments, each rung acted on by its own level', async () => {
    const ev = await report(w, w.c.worker, { urgency: 'orange' });
    expect((await act(w.c.worker, ev.id, 'escalate', {})).code).toBe(400); // a reason is required
    const up = await act(w.c.worker, ev.id, 'escalate', { reason: '涉及多户，网格无法处理' });
    expect(up.body).toMatchObject({
      status: 'escalated',
      level: 'community',
      handlerUnitId: w.city.units.commA1,
    });
    expect((await act(w.c.worker, ev.id, 'accept')).code).toBe(403); // no longer her rung
    expect((await act(w.c.leader, ev.id, 'accept')).code).toBe(403);
    expect((await act(w.c.sec, ev.id, 'accept')).body.status).toBe('accepted');
    // Calling units in belongs to the joint meeting and the street, not to the community rung.
    expect(
      (await w.c.sec.post(`/m/events/events/${ev.id}/whistles`, { units: [{ orgUnitId: w.dept }] })).json()
        .code,
    ).toBe('wrong_level');
    expect((await act(w.c.sec, ev.id, 'escalate', { reason: '需大党委协调' })).body.level).toBe(
      'joint-meeting',
    );
    const convened = await w.c.sec.post(`/m/events/events/${ev.id}/whistles`, {
      units: [{ orgUnitId: w.dept, part: '清运违建材料' }],
    });
    expect(convened.statusCode).toBe(201);
    expect(convened.json()[0]).toMatchObject({ kind: 'joint-meeting', part: '清运违建材料', late: false });
    expect((await act(w.c.sec, ev.id, 'escalate', { reason: '超出社区职权' })).body).toMatchObject({
      level: 'street',
      handlerUnitId: w.city.units.streetA,
    });
    expect((await act(w.c.sec, ev.id, 'accept')).code).toBe(403);
    expect((await act(w.c.street, ev.id, 'escalate', { reason: 'x' })).body.code).toBe('top_of_ladder');
    const notDept = await w.c.street.post(`/m/events/events/${ev.id}/whistles`, {
      units: [{ orgUnitId: w.city.units.gridA1a }],
    });
    expect(notDept.json().details[0].field).toBe('units.0.orgUnitId');
    const whistled = await w.c.street.post(`/m/events/events/${ev.id}/whistles`, {
      units: [{ orgUnitId: w.dept }, { orgUnitId: w.dept2 }],
      note: '街道吹哨',
    });
    expect(whistled.statusCode).toBe(201);
    expect((await w.c.street.get(`/m/events/events/${ev.id}`)).json().status).toBe('accepted');

    // Department staff: the events whistled to them, nothing else; they report in and reply only.
    expect((await w.c.dept.get(`/m/events/events/${ev.id}`)).statusCode).toBe(200);
    const other = await report(w, w.c.worker);
    expect((await w.c.dept.get(`/m/events/events/${other.id}`)).statusCode).toBe(404);
    expect(
      ((await w.c.dept.get('/m/events/events')).json() as Array<{ id: string }>).map((e) => e.id),
    ).toEqual([ev.id]);
    expect((await act(w.c.dept, ev.id, 'accept')).code).toBe(403);
    const mine = (
      (await w.c.dept.get(`/m/events/events/${ev.id}/whistles`)).json() as Array<{
        id: string;
        orgUnitId: string;
      }>
    ).filter((x) => x.orgUnitId === w.dept);
    expect(mine).toHaveLength(2);
    const dept2Whistle = (
      (await w.c.street.get(`/m/events/events/${ev.id}/whistles`)).json() as Array<{
        id: string;
        orgUnitId: string;
      }>
    ).find((x) => x.orgUnitId === w.dept2)!;
    expect((await w.c.dept.post(`/m/events/whistles/${dept2Whistle.id}/report-in`, {})).statusCode).toBe(403);
    for (const x of mine) {
      expect((await w.c.dept.post(`/m/events/whistles/${x.id}/reply`, { reply: '已处理' })).json().code).toBe(
        'not_reported',
      );
      expect((await w.c.dept.post(`/m/events/whistles/${x.id}/report-in`, {})).json().late).toBe(false);
      expect((await w.c.dept.post(`/m/events/whistles/${x.id}/report-in`, {})).statusCode).toBe(409);
      expect((await w.c.dept.post(`/m/events/whistles/${x.id}/reply`, { reply: '已处理' })).statusCode).toBe(
        200,
      );
    }
    await act(w.c.street, ev.id, 'handle', { note: '联合执法完成' });
    // One department has not replied: the event cannot be resolved yet.
    expect((await act(w.c.street, ev.id, 'resolve')).body.code).toBe('whistles_open');
    const acts = await timeline(ev.id);
    expect(acts).toEqual([
      'report',
      'escalate',
      'accept',
      'escalate',
      'accept', // convening is the joint meeting taking the event on
      'convene',
      'escalate',
      'accept',
      'whistle',
      'report-in',
      'reply',
      'report-in',
      'reply',
      'handle',
    ]);
  });
});

describe('extensions', () => {
  it('the handler asks, the level above decides; an approved extension moves the deadline', async () => {
    const ev = await report(w, w.c.worker);
    await act(w.c.worker, ev.id, 'accept');
    const asked = await w.c.worker.post(`/m/events/events/${ev.id}/extensions`, {
      minutes: 30,
      reason: '等待配件',
    });
    expect(asked.statusCode).toBe(201);
    const again = await w.c.worker.post(`/m/events/events/${ev.id}/extensions`, {
      minutes: 30,
      reason: '再等',
    });
    expect(again.json().code).toBe('extension_pending');
    const xid = asked.json().id as string;
    const url = `/m/events/events/${ev.id}/extensions/${xid}/decision`;
    expect((await w.c.worker.post(url, { decision: 'approved' })).statusCode).toBe(403);
    expect((await w.c.leader.post(url, { decision: 'approved' })).statusCode).toBe(403);
    const before = (await w.c.sec.get(`/m/events/events/${ev.id}`)).json().resolveDueAt;
    const ok = await w.c.sec.post(url, { decision: 'approved' });
    expect(ok.statusCode).toBe(200);
    expect(new Date(ok.json().resolveDueAt).getTime() - new Date(before).getTime()).toBe(30 * 60_000);
    expect((await w.c.sec.post(url, { decision: 'denied' })).json().code).toBe('already_decided');
    const [d] = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ version: number; stage: string }>(
        `select version, stage from events_deadline where event_id = ? and done_at is null`,
        [ev.id],
      ),
    );
    expect(d).toEqual({ version: 2, stage: 'handle' });
    expect(await timeline(ev.id)).toEqual(['report', 'accept', 'extension-request', 'extension-approved']);
  });
});

describe('duplicates', () => {
  it('suggests same type in the same building or within the radius, and merging keeps both histories', async () => {
    const first = await report(w, w.c.worker, {
      title: '1幢电动车楼道充电',
      categoryId: w.categories['safety.ebike'],
      orgUnitId: w.building,
      lat: 29.3061,
      lng: 120.0763,
    });
    const second = await report(w, w.c.worker, {
      title: '1幢又有电动车充电',
      categoryId: w.categories['safety.ebike'],
      orgUnitId: w.building,
    });
    expect(second.duplicates.map((d) => [d.id, d.sameBuilding])).toEqual([[first.id, true]]);
    // 50 m away in the next grid: within the 100 m radius.
    const near = await report(w, w.c.sec, {
      title: '附近电动车充电',
      categoryId: w.categories['safety.ebike'],
      orgUnitId: w.city.units.gridA1b,
      lat: 29.30655,
      lng: 120.0763,
    });
    expect(near.duplicates.map((d) => d.id)).toEqual([first.id]);
    expect(near.duplicates[0]!.distanceM).toBeGreaterThan(40);
    expect(near.duplicates[0]!.distanceM).toBeLessThan(60);
    const other = await report(w, w.c.worker, {
      categoryId: w.categories['order.parking'],
      orgUnitId: w.building,
    });
    expect(other.duplicates).toEqual([]);

    expect((await act(w.c.worker, second.id, 'merge', { into: second.id })).body.code).toBe('invalid_merge');
    const merged = await act(w.c.worker, second.id, 'merge', { into: first.id, note: '同一事件' });
    expect(merged.body).toMatchObject({ status: 'merged', mergedInto: first.id });
    expect((await act(w.c.worker, second.id, 'merge', { into: first.id })).body.code).toBe(
      'invalid_transition',
    );
    const entries = (await w.c.sec.get(`/m/events/events/${first.id}/timeline`)).json() as Array<{
      eventId: string;
      action: string;
    }>;
    expect(entries.map((e) => [e.eventId === first.id ? 'first' : 'second', e.action])).toEqual([
      ['first', 'report'],
      ['second', 'report'],
      ['second', 'merge'],
      ['first', 'absorb'],
    ]);
    // The duplicate's own deadline is done: nothing will fire for it.
    const open = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query(`select 1 from events_deadline where event_id = ? and done_at is null`, [second.id]),
    );
    expect(open).toEqual([]);
  });
});
