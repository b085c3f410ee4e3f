import { errorResponses, IdParams, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, conflict, forbidden, notFound, type PluginDeps } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { eventWhistled, PERMISSIONS } from '../../common/index.ts';
import { limitDue } from '../calendar.ts';
import { clock } from '../clock.ts';
import {
  closeOpenDeadlines,
  currentDeadline,
  openDeadline,
  type Runtime,
  scheduleDeadline,
} from '../deadlines.ts';
import { actorOf, authorize, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { addTimeline, eventView, loadEvent, unitInfo } from '../store.ts';
import { move } from '../workflow.ts';
import { DecisionBody, EventView, ExtensionBody, ReplyBody, WhistleBody, WhistleView } from './schemas.ts';

interface WhistleRow {
  id: string;
  eventId: string;
  kind: string;
  orgUnitId: string;
  part: string;
  calledAt: Date;
  dueAt: Date;
  reportedAt: Date | null;
  reply: string | null;
  repliedAt: Date | null;
}
const W_COLUMNS = `id, event_id as "eventId", kind, org_unit_id as "orgUnitId", part, called_at as "calledAt",
  due_at as "dueAt", reported_at as "reportedAt", reply, replied_at as "repliedAt"`;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
/** Late: reported in after its limit, or not yet and the limit has passed. */
const whistleView = (w: WhistleRow, now: Date) => ({
  ...w,
  calledAt: iso(w.calledAt)!,
  dueAt: iso(w.dueAt)!,
  reportedAt: iso(w.reportedAt),
  repliedAt: iso(w.repliedAt),
  late: new Date(w.reportedAt ?? now).getTime() > new Date(w.dueAt).getTime(),
});
const WhistleParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const ExtensionParams = Type.Object({ id: Uuid, xid: Uuid }, { additionalProperties: false });

export function whistleRoutes(app: FastifyInstance, deps: PluginDeps) {
  const rt: Runtime = { jobs: deps.jobs, events: deps.events };

  app.post(
    '/events/:id/whistles',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.whistle } },
      schema: {
        params: IdParams,
        body: WhistleBody,
        response: { 201: Type.Array(WhistleView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const body = req.body as { units: Array<{ orgUnitId: string; part?: string }>; note?: string };
      const l = await visibleEvent(ctx, (req.params as { id: string }).id, true);
      authorize(ctx, l, 'whistle');
      // The joint meeting calls co-handling units in; the street blows the whistle to departments.
      if (l.ev.level !== 'joint-meeting' && l.ev.level !== 'street')
        throw conflict(
          'wrong_level',
          'escalate to the joint meeting or the street before calling units in',
          'level',
        );
      const kind = l.ev.level === 'street' ? 'department' : 'joint-meeting';
      const s = await deps.settings<EventsSettings>(ctx.tx);
      const now = clock.now();
      const seen = new Set<string>();
      for (const [i, u] of body.units.entries()) {
        const info = await unitInfo(ctx.tx, u.orgUnitId);
        if (!info) throw badInput(`units.${i}.orgUnitId`, 'no such org unit');
        if (kind === 'department' && info.kind !== 'department')
          throw badInput(`units.${i}.orgUnitId`, 'the street whistles to department units only');
        if (seen.has(u.orgUnitId)) throw badInput(`units.${i}.orgUnitId`, 'is listed twice');
        seen.add(u.orgUnitId);
      }
      const [taken] = await ctx.tx.query<{ orgUnitId: string }>(
        `select org_unit_id as "orgUnitId" from events_whistle where tenant_id = ? and event_id = ? and kind = ?
            and org_unit_id = any(?::uuid[]) limit 1`,
        [ctx.tx.tenantId, l.ev.id, kind, [...seen]],
      );
      if (taken) throw conflict('duplicate', 'that unit has been called in on this event already', 'units');
      // Calling units in is the upper level taking the event on: the dispatch stage ends.
      if (l.ev.status === 'escalated')
        await move(ctx.tx, rt, s, l.ev, { action: 'accept', to: 'accepted', actor: actorOf(ctx), now });
      const dueAt = await limitDue(ctx.tx, s, l.ev.urgency, now, s.limits[l.ev.urgency].accept);
      const made: WhistleRow[] = [];
      for (const u of body.units) {
        const [w] = await ctx.tx.query<WhistleRow>(
          `insert into events_whistle (tenant_id, event_id, kind, org_unit_id, part, called_by, called_at, due_at)
           values (?, ?, ?, ?, ?, ?, ?, ?) returning ${W_COLUMNS}`,
          [ctx.tx.tenantId, l.ev.id, kind, u.orgUnitId, u.part ?? '', ctx.user.id, now, dueAt],
        );
        await openDeadline(ctx.tx, rt, { eventId: l.ev.id, whistleId: w!.id, stage: 'report-in', dueAt });
        made.push(w!);
      }
      await addTimeline(ctx.tx, {
        eventId: l.ev.id,
        at: now,
        actor: actorOf(ctx),
        action: kind === 'department' ? 'whistle' : 'convene',
        note: body.note,
        data: { units: body.units },
      });
      await deps.events.publish(ctx.tx, eventWhistled, { eventId: l.ev.id, orgUnitIds: [...seen] });
      reply.code(201);
      return made.map((w) => whistleView(w, now));
    },
  );

  app.get(
    '/events/:id/whistles',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { params: IdParams, response: { 200: Type.Array(WhistleView), ...errorResponses } },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { ev } = await visibleEvent(ctx, (req.params as { id: string }).id);
      const rows = await ctx.tx.query<WhistleRow>(
        `select ${W_COLUMNS} from events_whistle where tenant_id = ? and event_id = ? order by called_at, id`,
        [ctx.tx.tenantId, ev.id],
      );
      const now = clock.now();
      return rows.map((w) => whistleView(w, now));
    },
  );

  /** A called-in unit's staff report in (报到), then reply; each once, each a timeline entry. */
  for (const step of ['report-in', 'reply'] as const) {
    app.post(
      `/whistles/:id/${step}`,
      {
        config: { access: { kind: 'permission', permission: PERMISSIONS.reportIn } },
        schema: {
          params: WhistleParams,
          body: step === 'reply' ? ReplyBody : Type.Object({}, { additionalProperties: false }),
          response: { 200: WhistleView, ...errorResponses },
        },
      },
      async (req) => {
        const ctx = userContextOf(req);
        const [w] = await ctx.tx.query<WhistleRow>(
          `select ${W_COLUMNS} from events_whistle where tenant_id = ? and id = ? for update`,
          [ctx.tx.tenantId, (req.params as { id: string }).id],
        );
        if (!w) throw notFound('whistle');
        await visibleEvent(ctx, w.eventId);
        const unit = (await unitInfo(ctx.tx, w.orgUnitId))!;
        if (!ctx.access.can(PERMISSIONS.reportIn, unit.ancestors))
          throw forbidden('only the called-in unit reports in and replies');
        const now = clock.now();
        if (step === 'report-in') {
          if (w.reportedAt)
            throw conflict('already_reported', 'this unit has reported in already', 'reportedAt');
          await ctx.tx.query(
            `update events_whistle set reported_at = ?, reported_by = ? where tenant_id = ? and id = ?`,
            [now, ctx.user.id, ctx.tx.tenantId, w.id],
          );
          await closeOpenDeadlines(ctx.tx, w.eventId, now, w.id);
          w.reportedAt = now;
        } else {
          if (!w.reportedAt) throw conflict('not_reported', 'report in before replying', 'reportedAt');
          if (w.repliedAt) throw conflict('already_replied', 'this unit has replied already', 'reply');
          const text = (req.body as { reply: string }).reply;
          await ctx.tx.query(
            `update events_whistle set reply = ?, replied_at = ?, replied_by = ? where tenant_id = ? and id = ?`,
            [text, now, ctx.user.id, ctx.tx.tenantId, w.id],
          );
          Object.assign(w, { reply: text, repliedAt: now });
        }
        const view = whistleView(w, now);
        await addTimeline(ctx.tx, {
          eventId: w.eventId,
          at: now,
          actor: actorOf(ctx),
          action: step,
          note: step === 'reply' ? (w.reply ?? '') : '',
          data: { whistleId: w.id, orgUnitId: w.orgUnitId, late: view.late },
        });
        return view;
      },
    );
  }

  app.post(
    '/events/:id/extensions',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.handle } },
      schema: {
        params: IdParams,
        body: ExtensionBody,
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const body = req.body as { minutes: number; reason: string };
      const l = await visibleEvent(ctx, (req.params as { id: string }).id, true);
      authorize(ctx, l, 'extend');
      const d = await currentDeadline(ctx.tx, l.ev.id);
      if (!d) throw conflict('no_deadline', 'no time limit is running for this event', 'status');
      const now = clock.now();
      const [x] = await ctx.tx.query<{ id: string }>(
        `insert into events_extension (tenant_id, event_id, deadline_id, minutes, reason, requested_by, requested_at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
        [ctx.tx.tenantId, l.ev.id, d.id, body.minutes, body.reason, ctx.user.id, now],
      );
      if (!x)
        throw conflict(
          'extension_pending',
          'an extension request is waiting for a decision already',
          'minutes',
        );
      await addTimeline(ctx.tx, {
        eventId: l.ev.id,
        at: now,
        actor: actorOf(ctx),
        action: 'extension-request',
        note: body.reason,
        data: { extensionId: x.id, minutes: body.minutes, stage: d.stage },
      });
      reply.code(201);
      return { id: x.id };
    },
  );

  app.post(
    '/events/:id/extensions/:xid/decision',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.approveExtension } },
      schema: {
        params: ExtensionParams,
        body: DecisionBody,
        response: { 200: EventView, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const p = req.params as { id: string; xid: string };
      const body = req.body as { decision: 'approved' | 'denied'; note?: string };
      const l = await visibleEvent(ctx, p.id, true);
      authorize(ctx, l, 'decide');
      const [x] = await ctx.tx.query<{ deadlineId: string; minutes: number; decision: string | null }>(
        `select deadline_id as "deadlineId", minutes, decision from events_extension
          where tenant_id = ? and id = ? and event_id = ? for update`,
        [ctx.tx.tenantId, p.xid, l.ev.id],
      );
      if (!x) throw notFound('extension request');
      if (x.decision) throw conflict('already_decided', `this request was ${x.decision} already`, 'decision');
      const now = clock.now();
      if (body.decision === 'approved') {
        // The same deadline, later: version + 1 queues a new job; the old one finds its version moved on.
        const [d] = await ctx.tx.query<{ id: string; version: number; dueAt: Date; stage: string }>(
          `update events_deadline set due_at = due_at + make_interval(mins => ?), version = version + 1
            where tenant_id = ? and id = ? and done_at is null and fired_at is null
            returning id, version, due_at as "dueAt", stage`,
          [x.minutes, ctx.tx.tenantId, x.deadlineId],
        );
        if (!d)
          throw conflict('stage_moved_on', 'the limit this request was for has ended already', 'decision');
        await ctx.tx.query(
          `update events_event set resolve_due_at = resolve_due_at + make_interval(mins => ?)${
            d.stage === 'accept' ? ', accept_due_at = accept_due_at + make_interval(mins => ?)' : ''
          } where tenant_id = ? and id = ?`,
          [x.minutes, ...(d.stage === 'accept' ? [x.minutes] : []), ctx.tx.tenantId, l.ev.id],
        );
        await scheduleDeadline(rt, ctx.tx.tenantId!, {
          id: d.id,
          version: d.version,
          dueAt: new Date(d.dueAt),
        });
      }
      await ctx.tx.query(
        `update events_extension set decision = ?, decided_by = ?, decided_at = ? where tenant_id = ? and id = ?`,
        [body.decision, ctx.user.id, now, ctx.tx.tenantId, p.xid],
      );
      await addTimeline(ctx.tx, {
        eventId: l.ev.id,
        at: now,
        actor: actorOf(ctx),
        action: `extension-${body.decision}`,
        note: body.note,
        data: { extensionId: p.xid, minutes: x.minutes },
      });
      return eventView((await loadEvent(ctx.tx, l.ev.id))!);
    },
  );
}
