import type { UserContext } from '@civicgrid/http';
import { conflict, forbidden, notFound } from '@civicgrid/kernel';
import { PERMISSIONS, type Status } from '../common/index.ts';
import { type Actor, ancestorsOf, type EventRow, loadEvent, unitInfo } from './store.ts';

/**
 * The workflow's transitions: the statuses each may start from, the permission it needs and where
 * that permission must hold — at the unit standing on the event's current rung (`handler`: a grid
 * worker acts on her grid's events, a secretary once it is the community's, the street admin at the
 * street), at the event's location (`location`: the follow-up visit and closing), or above the handler
 * (`above`: the level above approves an extension).
 */
export const TRANSITIONS = {
  accept: { from: ['reported', 'escalated'], permission: PERMISSIONS.handle, at: 'handler' },
  return: { from: ['reported', 'escalated'], permission: PERMISSIONS.handle, at: 'handler' },
  handle: { from: ['accepted'], permission: PERMISSIONS.handle, at: 'handler' },
  escalate: { from: ['reported', 'accepted', 'escalated'], permission: PERMISSIONS.escalate, at: 'handler' },
  resolve: { from: ['handled'], permission: PERMISSIONS.handle, at: 'handler' },
  'follow-up': { from: ['resolved'], permission: PERMISSIONS.verify, at: 'location' },
  close: { from: ['verified'], permission: PERMISSIONS.verify, at: 'location' },
  merge: { from: ['reported', 'accepted', 'escalated'], permission: PERMISSIONS.merge, at: 'handler' },
  extend: { from: ['reported', 'accepted', 'escalated'], permission: PERMISSIONS.handle, at: 'handler' },
  decide: {
    from: ['reported', 'accepted', 'escalated'],
    permission: PERMISSIONS.approveExtension,
    at: 'above',
  },
  whistle: { from: ['accepted', 'escalated'], permission: PERMISSIONS.whistle, at: 'handler' },
} as const satisfies Record<string, { from: readonly Status[]; permission: string; at: string }>;
export type Action = keyof typeof TRANSITIONS;

export const actorOf = (ctx: UserContext): Actor => ({ id: ctx.user.id, name: ctx.user.displayName });

export interface Located {
  ev: EventRow;
  location: string[];
  handler: string[];
}

/**
 * The event if the caller may see it — where it happened is in her read scope, or it was whistled to
 * a unit where she reports in (department staff see those and nothing else) — else 404, so ids reveal
 * nothing. `lock` takes the row for a transition.
 */
export async function visibleEvent(ctx: UserContext, id: string, lock = false): Promise<Located> {
  const ev = await loadEvent(ctx.tx, id, lock);
  const location = ev ? (await unitInfo(ctx.tx, ev.orgUnitId))?.ancestors : undefined;
  if (!ev || !location) throw notFound('event');
  const handler = (await unitInfo(ctx.tx, ev.handlerUnitId))!.ancestors;
  if (ctx.access.can(PERMISSIONS.read, location)) return { ev, location, handler };
  if (await reportsInOn(ctx, ev.id)) return { ev, location, handler };
  throw notFound('event');
}

/** Whether the caller reports in for one of the units called in on the event. */
async function reportsInOn(ctx: UserContext, eventId: string): Promise<boolean> {
  if (!ctx.access.holdsAnywhere(PERMISSIONS.reportIn)) return false;
  const units = await ctx.tx.query<{ id: string }>(
    `select org_unit_id as id from events_whistle where tenant_id = ? and event_id = ?`,
    [ctx.tx.tenantId, eventId],
  );
  const anc = await ancestorsOf(
    ctx.tx,
    units.map((u) => u.id),
  );
  return [...anc.values()].some((a) => ctx.access.can(PERMISSIONS.reportIn, a));
}

/** 403 unless the caller may make this transition where it must be made; 409 unless the status allows it. */
export function authorize(ctx: UserContext, l: Located, action: Action) {
  const t = TRANSITIONS[action];
  const units = t.at === 'location' ? l.location : t.at === 'above' ? l.handler.slice(0, -1) : l.handler;
  if (!ctx.access.can(t.permission, units))
    throw forbidden(`you may not ${action} this event where it stands (${l.ev.level} level)`);
  if (!(t.from as readonly string[]).includes(l.ev.status))
    throw conflict('invalid_transition', `cannot ${action} an event that is ${l.ev.status}`, 'status');
}
