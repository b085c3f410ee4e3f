import type { Tx } from '@civicgrid/db';
import { notFound } from '@civicgrid/kernel';
import { idsOfPath } from '@civicgrid/tenancy';
import type { EventFields, Level } from '../common/index.ts';

export interface EventRow extends EventFields<Date> {
  createdBy: string | null;
  acceptedAt: Date | null;
  handledAt: Date | null;
  resolvedAt: Date | null;
  verifiedAt: Date | null;
  closedAt: Date | null;
}

export const EVENT_COLUMNS = `e.id, e.title, e.description, e.category_id as "categoryId", e.channel, e.urgency,
  e.org_unit_id as "orgUnitId", e.house_id as "houseId", e.lat::float8 as lat, e.lng::float8 as lng,
  e.reporter_id as "reporterId", e.external_ref as "externalRef", e.status, e.level,
  e.handler_unit_id as "handlerUnitId", e.merged_into as "mergedInto", e.reopen_count as "reopenCount",
  e.return_reason as "returnReason", e.supervision, e.created_by as "createdBy", e.created_at as "createdAt",
  e.accepted_at as "acceptedAt", e.handled_at as "handledAt", e.resolved_at as "resolvedAt",
  e.verified_at as "verifiedAt", e.closed_at as "closedAt", e.accept_due_at as "acceptDueAt",
  e.resolve_due_at as "resolveDueAt"`;

const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());

/** The API's shape of an event: ISO dates. */
export function eventView(r: EventRow) {
  return {
    ...r,
    createdAt: iso(r.createdAt)!,
    acceptedAt: iso(r.acceptedAt),
    handledAt: iso(r.handledAt),
    resolvedAt: iso(r.resolvedAt),
    verifiedAt: iso(r.verifiedAt),
    closedAt: iso(r.closedAt),
    acceptDueAt: iso(r.acceptDueAt)!,
    resolveDueAt: iso(r.resolveDueAt)!,
  };
}

/** One event, locked for the transition that reads it (`for update`): two clicks never both pass. */
export async function loadEvent(tx: Tx, id: string, lock = false): Promise<EventRow | null> {
  const [row] = await tx.query<EventRow>(
    `select ${EVENT_COLUMNS} from events_event e where e.tenant_id = ? and e.id = ?${lock ? ' for update' : ''}`,
    [tx.tenantId, id],
  );
  return row ?? null;
}

/** A unit's ancestor ids (root first, itself last) and kind. */
export async function unitInfo(tx: Tx, id: string): Promise<{ ancestors: string[]; kind: string } | null> {
  const [u] = await tx.query<{ path: string; kind: string }>(
    `select path::text as path, kind from org_unit where tenant_id = ? and id = ?`,
    [tx.tenantId, id],
  );
  return u ? { ancestors: idsOfPath(u.path), kind: u.kind } : null;
}

/** Ancestors of several units at once (the units of an event's whistles). */
export async function ancestorsOf(tx: Tx, ids: string[]): Promise<Map<string, string[]>> {
  const rows = await tx.query<{ id: string; path: string }>(
    `select id, path::text as path from org_unit where tenant_id = ? and id = any(?::uuid[])`,
    [tx.tenantId, ids],
  );
  return new Map(rows.map((r) => [r.id, idsOfPath(r.path)]));
}

/**
 * The rungs of the ladder above a location: the deepest grid holding it, its community and its
 * street. A location outside any grid (a building straight under a community) starts at the community.
 */
export async function ladderOf(tx: Tx, unitId: string) {
  const info = await unitInfo(tx, unitId);
  if (!info) throw notFound('org unit');
  const rows = await tx.query<{ id: string; kind: string }>(
    `select id, kind from org_unit where tenant_id = ? and id = any(?::uuid[])`,
    [tx.tenantId, info.ancestors],
  );
  const kindOf = new Map(rows.map((r) => [r.id, r.kind]));
  const deepest = (kind: string) => [...info.ancestors].reverse().find((a) => kindOf.get(a) === kind) ?? null;
  const community = deepest('community');
  const rungs: Record<Level, string | null> = {
    grid: deepest('grid'),
    community,
    'joint-meeting': community,
    street: deepest('street'),
  };
  return { kind: info.kind, ancestors: info.ancestors, rungs };
}

export interface Actor {
  id: string | null;
  name: string;
}
export const SYSTEM: Actor = { id: null, name: '系统' };

/** One timeline entry; every transition writes one in the transition's own transaction. */
export async function addTimeline(
  tx: Tx,
  e: {
    eventId: string;
    at: Date;
    actor: Actor;
    action: string;
    from?: { status: string; level: string };
    to?: { status: string; level: string };
    note?: string;
    data?: object;
  },
) {
  await tx.query(
    `insert into events_timeline (tenant_id, event_id, at, actor_id, actor_name, action, from_status, to_status,
       from_level, to_level, note, data) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
    [
      tx.tenantId,
      e.eventId,
      e.at,
      e.actor.id,
      e.actor.name,
      e.action,
      e.from?.status ?? null,
      e.to?.status ?? null,
      e.from?.level ?? null,
      e.to?.level ?? null,
      e.note ?? '',
      JSON.stringify(e.data ?? {}),
    ],
  );
}

/** The timeline of an event and of every event merged into it (both histories kept), oldest first. */
export async function timelineOf(tx: Tx, eventId: string) {
  return tx.query<Record<string, unknown>>(
    `with recursive family(id) as (
       select ?::uuid
       union select e.id from events_event e join family f on e.merged_into = f.id where e.tenant_id = ?)
     select t.id, t.event_id as "eventId", t.at, t.actor_id as "actorId", t.actor_name as "actorName",
            t.action, t.from_status as "fromStatus", t.to_status as "toStatus", t.from_level as "fromLevel",
            t.to_level as "toLevel", t.note, t.data
       from events_timeline t where t.tenant_id = ? and t.event_id in (select id from family)
      order by t.at, t.seq`,
    [eventId, tx.tenantId, tx.tenantId],
  );
}
