import type { Tx } from '@civicgrid/db';
import { conflict } from '@civicgrid/kernel';
import { eventEscalated, LEVELS, type Level, type Stage, type Status } from '../common/index.ts';
import { limitDue } from './calendar.ts';
import { closeOpenDeadlines, openDeadline, type Runtime } from './deadlines.ts';
import type { EventsSettings } from './settings.ts';
import { type Actor, addTimeline, type EventRow, ladderOf } from './store.ts';

/** Timestamp columns a status sets when the event enters it (the three rates read them). */
const STAMP: Partial<Record<Status, string>> = {
  accepted: 'accepted_at',
  handled: 'handled_at',
  resolved: 'resolved_at',
  verified: 'verified_at',
  closed: 'closed_at',
};

/** The stage whose limit runs while the event is in a status; none for the finished ones. */
const STAGE_OF: Partial<Record<Status, Stage>> = {
  reported: 'accept',
  escalated: 'dispatch',
  accepted: 'handle',
  resolved: 'feedback',
};

/**
 * Moves the event to `to` and writes the timeline entry (who, when, from → to, note), closes the
 * stage that ended and opens the next one's deadline: the one way a status changes.
 */
export async function move(
  tx: Tx,
  rt: Runtime,
  s: EventsSettings,
  ev: EventRow,
  t: {
    action: string;
    to: Status;
    actor: Actor;
    now: Date;
    note?: string;
    data?: object;
    level?: Level;
    handlerUnitId?: string;
    /** extra `column = ?` assignments */
    set?: Record<string, unknown>;
    /** files of the event the step comes with (checked by the caller): named in the timeline entry */
    attachmentIds?: string[];
  },
) {
  const level = t.level ?? ev.level;
  const sets: Record<string, unknown> = {
    status: t.to,
    level,
    handler_unit_id: t.handlerUnitId ?? ev.handlerUnitId,
    ...t.set,
  };
  const cols = Object.keys(sets);
  // The first time counts: an event accepted by the grid and again by the community after escalating
  // was responded to when the grid accepted it. (A reopen clears resolved_at, so it is set anew.)
  const stamp =
    STAMP[t.to] && !(STAMP[t.to]! in sets) ? `, ${STAMP[t.to]} = coalesce(${STAMP[t.to]}, ?)` : '';
  await tx.query(
    `update events_event set ${cols.map((c) => `${c} = ?`).join(', ')}${stamp} where tenant_id = ? and id = ?`,
    [...cols.map((c) => sets[c]), ...(stamp ? [t.now] : []), tx.tenantId, ev.id],
  );
  await addTimeline(tx, {
    eventId: ev.id,
    at: t.now,
    actor: t.actor,
    action: t.action,
    from: { status: ev.status, level: ev.level },
    to: { status: t.to, level },
    note: t.note,
    data: t.attachmentIds?.length ? { ...t.data, attachmentIds: t.attachmentIds } : t.data,
  });
  await closeOpenDeadlines(tx, ev.id, t.now);
  const stage = STAGE_OF[t.to];
  if (stage)
    await openDeadline(tx, rt, {
      eventId: ev.id,
      stage,
      dueAt: await limitDue(tx, s, ev.urgency, t.now, s.limits[ev.urgency][stage]),
    });
  Object.assign(ev, { status: t.to, level, handlerUnitId: sets.handler_unit_id });
}

/**
 * One rung up the ladder (grid → community → joint meeting → street), by hand with a reason or by an
 * overdue stage. Rungs the location lacks (no grid above a building) are skipped; past the street
 * there is no rung: the street blows the whistle to departments instead.
 */
export async function escalateEvent(
  tx: Tx,
  rt: Runtime,
  s: EventsSettings,
  ev: EventRow,
  a: { actor: Actor; reason: string; automatic: boolean; now: Date; attachmentIds?: string[] },
) {
  const ladder = await ladderOf(tx, ev.orgUnitId);
  const next = LEVELS.slice(LEVELS.indexOf(ev.level) + 1).find((l) => ladder.rungs[l]);
  if (!next)
    throw conflict(
      'top_of_ladder',
      'the event is at the street already: blow the whistle to departments instead',
      'level',
    );
  await move(tx, rt, s, ev, {
    action: 'escalate',
    to: 'escalated',
    actor: a.actor,
    now: a.now,
    note: a.reason,
    data: { automatic: a.automatic },
    level: next,
    handlerUnitId: ladder.rungs[next]!,
    attachmentIds: a.attachmentIds,
  });
  // Counted on the event for the three rates' rollup (the timeline holds the entries themselves).
  await tx.query(`update events_event set escalations = escalations + 1 where tenant_id = ? and id = ?`, [
    tx.tenantId,
    ev.id,
  ]);
  await rt.events.publish(tx, eventEscalated, { eventId: ev.id, level: next, automatic: a.automatic });
}
