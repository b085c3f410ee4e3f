import type { JobClient } from '@civicgrid/jobs';
import { outboxPublisher } from '@civicgrid/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingMinutes, type WorkingCalendar } from '../../plugins/events/src/server/calendar.ts';
import { clock } from '../../plugins/events/src/server/clock.ts';
import { fireDeadline } from '../../plugins/events/src/server/overdue.ts';
import type { EventsSettings } from '../../plugins/events/src/server/settings.ts';
import { type EventsWorld, eventsWorld, report } from './events-support.ts';

/** Time limits on a working-time calendar: working days / working hours, holidays and 调休, red exempt. */
const TZ = 'Asia/Shanghai';
const cal = (over: Partial<WorkingCalendar> = {}): WorkingCalendar => ({
  mode: 'working-hours',
  dayStart: '08:30',
  dayEnd: '17:30',
  holidays: [],
  workdays: [],
  ...over,
});
// Friday 27 November 2026, 16:30 in Shanghai.
const FRIDAY_1630 = new Date('2026-11-27T08:30:00Z');
const local = (d: Date) => d.toLocaleString('sv-SE', { timeZone: TZ }).slice(0, 16);

describe('working-time arithmetic', () => {
  it('counts working hours only, across the weekend, holidays and make-up working days', () => {
    expect(local(addWorkingMinutes(FRIDAY_1630, 30, cal(), TZ))).toBe('2026-11-27 17:00');
    expect(local(addWorkingMinutes(FRIDAY_1630, 120, cal(), TZ))).toBe('2026-11-30 09:30');
    expect(local(addWorkingMinutes(FRIDAY_1630, 120, cal({ holidays: ['2026-11-30'] }), TZ))).toBe(
      '2026-12-01 09:30',
    );
    expect(local(addWorkingMinutes(FRIDAY_1630, 120, cal({ workdays: ['2026-11-28'] }), TZ))).toBe(
      '2026-11-28 09:30',
    );
    // Three working days of nine hours each, from Friday evening (after hours): Wednesday's close.
    expect(local(addWorkingMinutes(new Date('2026-11-27T12:00:00Z'), 3 * 540, cal(), TZ))).toBe(
      '2026-12-02 17:30',
    );
    // Working days: whole days count, weekends do not.
    expect(local(addWorkingMinutes(FRIDAY_1630, 1440, cal({ mode: 'working-days' }), TZ))).toBe(
      '2026-11-30 16:30',
    );
    expect(addWorkingMinutes(FRIDAY_1630, 90, cal({ mode: 'natural' }), TZ)).toEqual(
      new Date(FRIDAY_1630.getTime() + 90 * 60_000),
    );
  });
});

let w: EventsWorld;
beforeAll(async () => {
  w = await eventsWorld('events_calendar');
});
afterAll(async () => w?.close());

describe('limits on the working calendar', () => {
  it('sets non-red deadlines in working hours, red ones in minutes; the deadline fires only when due', async () => {
    const on = await w.c.admin.put('/modules/events', {
      enabled: true,
      settings: { workingCalendar: { mode: 'working-hours', holidays: ['2026-11-30'] } },
    });
    expect(on.statusCode, on.body).toBe(200);
    const bad = await w.c.admin.put('/modules/events', {
      enabled: true,
      settings: { workingCalendar: { mode: 'working-hours', holidays: ['30/11/2026'] } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details[0].field).toMatch(/^settings\.workingCalendar\.holidays/);

    clock.set(() => FRIDAY_1630);
    const yellow = await report(w, w.c.worker, { urgency: 'yellow' }); // accept 120, handle 1440
    const red = await report(w, w.c.worker, { urgency: 'red' });
    const get = async (id: string) =>
      (await w.c.worker.get(`/m/events/events/${id}`)).json() as {
        acceptDueAt: string;
        resolveDueAt: string;
      };
    // Friday's last hour, Monday a holiday, then Tuesday 08:30 + 60 minutes.
    expect(local(new Date((await get(yellow.id)).acceptDueAt))).toBe('2026-12-01 09:30');
    // accept + handle = 1,560 working minutes: Friday 60, Tuesday and Wednesday 540 each, Thursday 420 → 15:30.
    expect(local(new Date((await get(yellow.id)).resolveDueAt))).toBe('2026-12-03 15:30');
    expect(new Date((await get(red.id)).acceptDueAt)).toEqual(new Date(FRIDAY_1630.getTime() + 60_000));

    const [dl] = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ id: string; version: number; dueAt: Date }>(
        `select id, version, due_at as "dueAt" from events_deadline where event_id = ? and stage = 'accept'`,
        [yellow.id],
      ),
    );
    expect(local(new Date(dl!.dueAt))).toBe('2026-12-01 09:30');
    const rt = { jobs: w.t.app.deps.jobs as JobClient, events: outboxPublisher };
    const s = (await w.c.admin.get('/modules')).json().find((m: { id: string }) => m.id === 'events')
      .settings as EventsSettings;
    const fire = (now: Date) =>
      w.t.db.withTenant(w.city.tenantId, (tx) => fireDeadline(tx, rt, s, dl!.id, dl!.version, now));
    // Monday (the holiday) at noon: 20 wall-clock hours later, but not one working minute more.
    expect(await fire(new Date('2026-11-30T04:00:00Z'))).toBe('not-due');
    expect(await fire(new Date('2026-12-01T01:31:00Z'))).toBe('escalated-yellow');
    clock.reset();
  });
});
