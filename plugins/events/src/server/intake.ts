import type { Tx } from '@civicgrid/db';
import { badInput, conflict } from '@civicgrid/kernel';
import { pathLabel } from '@civicgrid/tenancy';
import { type Channel, eventReported, type Urgency } from '../common/index.ts';
import { limitDue } from './calendar.ts';
import { findCategory } from './catalogue.ts';
import { openDeadline, type Runtime } from './deadlines.ts';
import type { EventsSettings } from './settings.ts';
import { type Actor, addTimeline, type EventRow, ladderOf, loadEvent } from './store.ts';

export interface IntakeInput {
  title: string;
  description?: string;
  categoryId: string;
  channel: Channel;
  urgency: Urgency;
  orgUnitId: string;
  houseId?: string;
  lat?: number;
  lng?: number;
  reporterId?: string;
  externalRef?: string;
}

const LOCATION_KINDS = new Set(['grid', 'compound', 'building']);

/**
 * Checks what the schema cannot (the category is an active type, the location a grid, compound or
 * building, the house at that location, the reporter a registry person) — each a 400 naming the field
 * before anything is written — then writes the event, its first timeline entry and its accept limit.
 * The level it starts on is the grid holding the location (its community when there is none).
 */
export async function intake(
  tx: Tx,
  rt: Runtime,
  s: EventsSettings,
  input: IntakeInput,
  who: { actor: Actor; now: Date },
): Promise<EventRow> {
  const cat = await findCategory(tx, { id: input.categoryId });
  if (!cat?.parentId) throw badInput('categoryId', 'no such event type in the catalogue');
  if (!cat.active) throw badInput('categoryId', 'this event type is no longer in use');
  const ladder = await ladderOf(tx, input.orgUnitId).catch(() => null);
  if (!ladder) throw badInput('orgUnitId', 'no such org unit');
  if (!LOCATION_KINDS.has(ladder.kind))
    throw badInput('orgUnitId', 'an event happens at a grid, compound or building');
  const level = ladder.rungs.grid ? 'grid' : 'community';
  const handler = ladder.rungs[level];
  if (!handler) throw badInput('orgUnitId', 'the location lies under no community');
  if ((input.lat == null) !== (input.lng == null)) throw badInput('lng', 'give both lat and lng, or neither');
  if (input.houseId) {
    const [h] = await tx.query<{ pathKey: string }>(
      `select u.path_key as "pathKey" from house h join org_unit u on u.tenant_id = h.tenant_id and u.id = h.org_unit_id
        where h.tenant_id = ? and h.id = ?`,
      [tx.tenantId, input.houseId],
    );
    const here = ladder.ancestors.map(pathLabel).join('.');
    if (!h) throw badInput('houseId', 'no such house');
    if (!(h.pathKey === here || h.pathKey.startsWith(`${here}.`) || here.startsWith(`${h.pathKey}.`)))
      throw badInput('houseId', 'the house is not at this location');
  }
  if (input.reporterId) {
    const [p] = await tx.query(`select 1 from resident where tenant_id = ? and id = ?`, [
      tx.tenantId,
      input.reporterId,
    ]);
    if (!p) throw badInput('reporterId', 'no such person in the registry');
  }
  if (input.externalRef) {
    const [dup] = await tx.query(
      `select 1 from events_event where tenant_id = ? and channel = ? and external_ref = ?`,
      [tx.tenantId, input.channel, input.externalRef],
    );
    if (dup) throw conflict('duplicate', 'this work order has been received already', 'externalRef');
  }
  const limits = s.limits[input.urgency];
  const acceptDue = await limitDue(tx, s, input.urgency, who.now, limits.accept);
  const resolveDue = await limitDue(tx, s, input.urgency, who.now, limits.accept + limits.handle);
  const [row] = await tx.query<{ id: string }>(
    `insert into events_event (tenant_id, title, description, category_id, channel, urgency, org_unit_id, house_id,
       lat, lng, reporter_id, external_ref, level, handler_unit_id, created_by, created_at, accept_due_at, resolve_due_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    [
      tx.tenantId,
      input.title,
      input.description ?? '',
      cat.id,
      input.channel,
      input.urgency,
      input.orgUnitId,
      input.houseId ?? null,
      input.lat ?? null,
      input.lng ?? null,
      input.reporterId ?? null,
      input.externalRef ?? null,
      level,
      handler,
      who.actor.id,
      who.now,
      acceptDue,
      resolveDue,
    ],
  );
  const id = row!.id;
  await addTimeline(tx, {
    eventId: id,
    at: who.now,
    actor: who.actor,
    action: 'report',
    to: { status: 'reported', level },
    data: { channel: input.channel, urgency: input.urgency },
  });
  await openDeadline(tx, rt, { eventId: id, stage: 'accept', dueAt: acceptDue });
  await rt.events.publish(tx, eventReported, { eventId: id, orgUnitId: input.orgUnitId });
  return (await loadEvent(tx, id))!;
}

/**
 * Likely duplicates of an event: same type, reported within the window before it, not finished, and
 * either in the same building (or house) or within the radius (great-circle distance on the given
 * coordinates). `scope` restricts them to what the caller may read.
 */
export async function duplicatesOf(
  tx: Tx,
  s: EventsSettings,
  ev: EventRow,
  scope: { sql: string; params: unknown[] },
) {
  const ladder = await ladderOf(tx, ev.orgUnitId);
  const [bld] = await tx.query<{ pathKey: string }>(
    `select path_key as "pathKey" from org_unit where tenant_id = ? and id = any(?::uuid[]) and kind = 'building'
      order by length(path_key) desc limit 1`,
    [tx.tenantId, ladder.ancestors],
  );
  const from = new Date(new Date(ev.createdAt).getTime() - s.duplicateWindowHours * 3_600_000);
  const distance = `2 * 6371000 * asin(sqrt(power(sin(radians(e.lat::float8 - ?::float8) / 2), 2)
      + cos(radians(?::float8)) * cos(radians(e.lat::float8)) * power(sin(radians(e.lng::float8 - ?::float8) / 2), 2)))`;
  const hasCoords = ev.lat != null && ev.lng != null;
  const dParams = hasCoords ? [ev.lat, ev.lat, ev.lng] : [];
  const sameBuilding = bld
    ? `exists (select 1 from org_unit u where u.tenant_id = e.tenant_id and u.id = e.org_unit_id
         and u.path_key >= ? and u.path_key < ?)`
    : 'false';
  const bParams = bld ? [bld.pathKey, `${bld.pathKey}g`] : [];
  const sameHouse = ev.houseId ? 'e.house_id = ?' : 'false';
  const hParams = ev.houseId ? [ev.houseId] : [];
  return tx.query<{ id: string; title: string; status: string; createdAt: Date; distanceM: number | null }>(
    `select e.id, e.title, e.status, e.created_at as "createdAt",
            ${hasCoords ? `case when e.lat is null then null else round((${distance})::numeric, 1)::float8 end` : 'null::float8'} as "distanceM",
            (${sameBuilding} or ${sameHouse}) as "sameBuilding"
       from events_event e
      where e.tenant_id = ? and e.id <> ? and e.category_id = ? and e.created_at >= ? and e.created_at <= ?
        and e.status not in ('merged', 'returned', 'closed') and ${scope.sql}
        and (${sameBuilding} or ${sameHouse}${hasCoords ? ` or (e.lat is not null and ${distance} <= ?)` : ''})
      order by e.created_at desc limit 10`,
    [
      ...dParams,
      ...bParams,
      ...hParams,
      tx.tenantId,
      ev.id,
      ev.categoryId,
      from,
      ev.createdAt,
      ...scope.params,
      ...bParams,
      ...hParams,
      ...(hasCoords ? [...dParams, s.duplicateRadiusM] : []),
    ],
  );
}
