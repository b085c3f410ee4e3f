import type { Tx } from '@civicgrid/db';
import { type JobContext, type JobDefinition, serviceRef } from '@civicgrid/kernel';
import { limitDue } from './calendar.ts';
import { clock } from './clock.ts';
import { openDeadline, type Runtime } from './deadlines.ts';
import type { EventsSettings } from './settings.ts';
import { addTimeline, loadEvent, SYSTEM } from './store.ts';
import { escalateEvent } from './workflow.ts';

/** The worker's jobs and outbox, handed to the module's jobs through its own service. */
export const eventsRuntime = serviceRef<Runtime>('events.runtime');

const OPEN = new Set(['reported', 'accepted', 'escalated', 'handled']);
/** Stages whose miss moves the event up the ladder; a missed follow-up visit only draws a card. */
const ESCALATING = new Set(['accept', 'dispatch', 'handle']);

interface DeadlineRow {
  id: string;
  eventId: string;
  whistleId: string | null;
  stage: string;
  dueAt: Date;
  version: number;
  doneAt: Date | null;
  firedAt: Date | null;
}

/**
 * What a due deadline does, once: nothing when its stage is done, its version was moved on (an
 * approved extension) or it is not due by the module's clock; otherwise a supervision card (yellow,
 * red when the event — or that department — already had one) and, for a stage the handler missed,
 * an automatic escalation. At the top of the ladder, or for a department that has not reported in,
 * the same limit runs again so the next miss draws the red card.
 */
export async function fireDeadline(
  tx: Tx,
  rt: Runtime,
  s: EventsSettings,
  id: string,
  version: number | null,
  now: Date,
): Promise<string> {
  const [d] = await tx.query<DeadlineRow>(
    `select id, event_id as "eventId", whistle_id as "whistleId", stage, due_at as "dueAt", version,
            done_at as "doneAt", fired_at as "firedAt"
       from events_deadline where tenant_id = ? and id = ? for update`,
    [tx.tenantId, id],
  );
  if (!d) return 'missing';
  if (d.doneAt || d.firedAt) return 'stage-done';
  if (version != null && d.version !== version) return 'moved';
  if (new Date(d.dueAt).getTime() > now.getTime()) return 'not-due';
  await tx.query(`update events_deadline set fired_at = ? where tenant_id = ? and id = ?`, [
    now,
    tx.tenantId,
    d.id,
  ]);
  const ev = (await loadEvent(tx, d.eventId, true))!;
  const card = async (unitId: string, whistleId: string | null) => {
    const [prior] = await tx.query(
      `select 1 from events_supervision where tenant_id = ? and event_id = ?
          and ${whistleId ? 'whistle_id = ?' : 'whistle_id is null'} limit 1`,
      [tx.tenantId, ev.id, ...(whistleId ? [whistleId] : [])],
    );
    const colour = prior ? 'red' : 'yellow';
    await tx.query(
      `insert into events_supervision (tenant_id, event_id, deadline_id, whistle_id, stage, card, org_unit_id, issued_at)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [tx.tenantId, ev.id, d.id, whistleId, d.stage, colour, unitId, now],
    );
    // Counted on the event for the three rates' rollup.
    await tx.query(`update events_event set cards = cards + 1 where tenant_id = ? and id = ?`, [
      tx.tenantId,
      ev.id,
    ]);
    await addTimeline(tx, {
      eventId: ev.id,
      at: now,
      actor: SYSTEM,
      action: 'overdue',
      note: `${d.stage} overdue: ${colour} card`,
      data: { stage: d.stage, card: colour, orgUnitId: unitId, whistleId, dueAt: d.dueAt },
    });
    return colour;
  };

  if (d.whistleId) {
    const [w] = await tx.query<{ orgUnitId: string; reportedAt: Date | null }>(
      `select org_unit_id as "orgUnitId", reported_at as "reportedAt" from events_whistle
        where tenant_id = ? and id = ?`,
      [tx.tenantId, d.whistleId],
    );
    if (!w || w.reportedAt) return 'stage-done';
    const colour = await card(w.orgUnitId, d.whistleId);
    if (colour === 'yellow')
      await openDeadline(tx, rt, {
        eventId: ev.id,
        whistleId: d.whistleId,
        stage: 'report-in',
        dueAt: await limitDue(tx, s, ev.urgency, now, s.limits[ev.urgency].accept),
      });
    return `card-${colour}`;
  }

  if (!OPEN.has(ev.status) && d.stage !== 'feedback') return 'stage-done';
  const colour = await card(ev.handlerUnitId, null);
  await tx.query(`update events_event set supervision = ? where tenant_id = ? and id = ?`, [
    colour,
    tx.tenantId,
    ev.id,
  ]);
  if (ESCALATING.has(d.stage) && ev.level !== 'street') {
    await escalateEvent(tx, rt, s, ev, {
      actor: SYSTEM,
      reason: `${d.stage} limit passed`,
      automatic: true,
      now,
    });
    return `escalated-${colour}`;
  }
  const stage = d.stage as 'accept' | 'dispatch' | 'handle' | 'feedback';
  await openDeadline(tx, rt, {
    eventId: ev.id,
    stage,
    dueAt: await limitDue(tx, s, ev.urgency, now, s.limits[ev.urgency][stage]),
  });
  return `card-${colour}`;
}

type DeadlineData = { tenantId: string; deadlineId: string; version: number };

export const deadlineJob: JobDefinition = {
  name: 'deadline',
  title: { 'zh-CN': '事件时限到期', en: 'Event deadline' },
  attempts: 5,
  backoffMs: 2_000,
  async process(ctx: JobContext) {
    const data = ctx.data as unknown as DeadlineData;
    const rt = ctx.services.get(eventsRuntime);
    const outcome = await fireDeadline(
      ctx.tx,
      rt,
      await ctx.settings<EventsSettings>(),
      data.deadlineId,
      data.version,
      clock.now(),
    );
    return { outcome };
  },
};

/**
 * Every minute: fires deadlines that are due but whose job never came (the queue was lost, or it was
 * unreachable when the stage opened). With the queue healthy it finds nothing.
 */
export const sweepJob: JobDefinition = {
  name: 'deadline-sweep',
  title: { 'zh-CN': '事件时限补查', en: 'Event deadline sweep' },
  schedule: { cron: '* * * * *' },
  async process(ctx: JobContext) {
    const now = clock.now();
    // Older than a minute: a deadline just due is its own job's to fire.
    const due = await ctx.tx.query<{ id: string }>(
      `select id from events_deadline where tenant_id = ? and done_at is null and fired_at is null
          and due_at <= ? order by due_at limit 500`,
      [ctx.tenantId, new Date(now.getTime() - 60_000)],
    );
    const rt = ctx.services.get(eventsRuntime);
    const s = await ctx.settings<EventsSettings>();
    for (const d of due) await fireDeadline(ctx.tx, rt, s, d.id, null, now);
    return { fired: due.length };
  },
};
