import { errorResponses, IdParams, type UserContext, userContextOf } from '@civicgrid/http';
import { badInput, conflict, type PluginDeps } from '@civicgrid/kernel';
import type { FastifyInstance } from 'fastify';
import type { TSchema } from 'typebox';
import { eventClosed, PERMISSIONS } from '../../common/index.ts';
import { clock } from '../clock.ts';
import type { Runtime } from '../deadlines.ts';
import { type Action, actorOf, authorize, type Located, TRANSITIONS, visibleEvent } from '../machine.ts';
import type { EventsSettings } from '../settings.ts';
import { addTimeline, eventView, loadEvent } from '../store.ts';
import { escalateEvent, move } from '../workflow.ts';
import { EventView, FollowUpBody, HandleBody, MergeBody, NoteBody, ReasonBody } from './schemas.ts';

type Step = (
  ctx: UserContext,
  l: Located,
  body: Record<string, unknown>,
  env: { rt: Runtime; s: EventsSettings; now: Date; attachmentIds: string[] },
) => Promise<void>;

/** Each transition's effect; `authorize` has already checked who and from which status. */
const STEPS: Partial<Record<Action, { body: TSchema; run: Step }>> = {
  accept: {
    body: NoteBody,
    run: (ctx, { ev }, b, { rt, s, now, attachmentIds }) =>
      move(ctx.tx, rt, s, ev, {
        action: 'accept',
        to: 'accepted',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.note as string,
      }),
  },
  return: {
    body: ReasonBody,
    run: (ctx, { ev }, b, { rt, s, now, attachmentIds }) =>
      move(ctx.tx, rt, s, ev, {
        action: 'return',
        to: 'returned',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.reason as string,
        set: { return_reason: b.reason },
      }),
  },
  handle: {
    body: HandleBody,
    run: (ctx, { ev }, b, { rt, s, now, attachmentIds }) =>
      move(ctx.tx, rt, s, ev, {
        action: 'handle',
        to: 'handled',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.note as string,
      }),
  },
  escalate: {
    body: ReasonBody,
    run: (ctx, { ev }, b, { rt, s, now, attachmentIds }) =>
      escalateEvent(ctx.tx, rt, s, ev, {
        actor: actorOf(ctx),
        reason: b.reason as string,
        automatic: false,
        now,
        attachmentIds,
      }),
  },
  resolve: {
    body: NoteBody,
    async run(ctx, { ev }, b, { rt, s, now, attachmentIds }) {
      const [open] = await ctx.tx.query<{ n: number }>(
        `select count(*)::int as n from events_whistle where tenant_id = ? and event_id = ? and replied_at is null`,
        [ctx.tx.tenantId, ev.id],
      );
      if (open!.n > 0)
        throw conflict('whistles_open', `${open!.n} called-in unit(s) have not replied yet`, 'whistles');
      await move(ctx.tx, rt, s, ev, {
        action: 'resolve',
        to: 'resolved',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.note as string,
      });
    },
  },
  'follow-up': {
    body: FollowUpBody,
    async run(ctx, { ev }, b, { rt, s, now, attachmentIds }) {
      const satisfaction = b.satisfaction as string;
      await ctx.tx.query(
        `insert into events_follow_up (tenant_id, event_id, satisfaction, comment, by_id, at) values (?, ?, ?, ?, ?, ?)`,
        [ctx.tx.tenantId, ev.id, satisfaction, (b.comment as string) ?? '', ctx.user.id, now],
      );
      const data = { satisfaction };
      // The latest verdict is kept on the event too: the three rates' rollup reads it from there.
      if (satisfaction === 'unsatisfied') {
        // Not solved in the resident's eyes: back to the handler, the resolution undone, a new handle limit.
        await move(ctx.tx, rt, s, ev, {
          action: 'reopen',
          to: 'accepted',
          actor: actorOf(ctx),
          now,
          attachmentIds,
          note: b.comment as string,
          data,
          set: { reopen_count: ev.reopenCount + 1, handled_at: null, resolved_at: null, satisfaction },
        });
      } else
        await move(ctx.tx, rt, s, ev, {
          action: 'verify',
          to: 'verified',
          actor: actorOf(ctx),
          now,
          attachmentIds,
          note: b.comment as string,
          data,
          set: { satisfaction },
        });
    },
  },
  close: {
    body: NoteBody,
    async run(ctx, { ev }, b, { rt, s, now, attachmentIds }) {
      await move(ctx.tx, rt, s, ev, {
        action: 'close',
        to: 'closed',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.note as string,
      });
      await rt.events.publish(ctx.tx, eventClosed, { eventId: ev.id });
    },
  },
  merge: {
    body: MergeBody,
    async run(ctx, l, b, { rt, s, now, attachmentIds }) {
      const into = b.into as string;
      if (into === l.ev.id) throw conflict('invalid_merge', 'an event cannot be merged into itself', 'into');
      // The surviving event must be one she sees and may merge into; its own status must still be open.
      const target = await visibleEvent(ctx, into, true);
      if (!ctx.access.can(PERMISSIONS.merge, target.handler))
        throw conflict('invalid_merge', 'you may not merge into that event', 'into');
      if (!['reported', 'accepted', 'escalated', 'handled'].includes(target.ev.status))
        throw conflict('invalid_merge', `cannot merge into an event that is ${target.ev.status}`, 'into');
      await move(ctx.tx, rt, s, l.ev, {
        action: 'merge',
        to: 'merged',
        actor: actorOf(ctx),
        now,
        attachmentIds,
        note: b.note as string,
        data: { into },
        set: { merged_into: into },
      });
      await addTimeline(ctx.tx, {
        eventId: into,
        at: now,
        actor: actorOf(ctx),
        action: 'absorb',
        note: b.note as string,
        data: { duplicate: l.ev.id },
      });
    },
  },
};

/**
 * The files a transition comes with: each must have been uploaded to this very event (through its
 * attachments route) — another event's, another tenant's or an unknown id is a 400 naming
 * `attachmentIds`, before anything is written.
 */
async function attachmentsOf(ctx: UserContext, eventId: string, ids: string[] | undefined) {
  const wanted = [...new Set(ids ?? [])];
  if (wanted.length === 0) return [];
  const found = await ctx.tx.query<{ id: string }>(
    `select id from events_attachment where tenant_id = ? and event_id = ? and id = any(?::uuid[])`,
    [ctx.tx.tenantId, eventId, wanted],
  );
  const known = new Set(found.map((r) => r.id));
  const missing = wanted.filter((id) => !known.has(id));
  if (missing.length) throw badInput('attachmentIds', `not attachments of this event: ${missing.join(', ')}`);
  return wanted;
}

export function transitionRoutes(app: FastifyInstance, deps: PluginDeps) {
  const rt: Runtime = { jobs: deps.jobs, events: deps.events };
  for (const [action, step] of Object.entries(STEPS) as Array<
    [Action, NonNullable<(typeof STEPS)[Action]>]
  >) {
    const path = action === 'follow-up' ? 'follow-ups' : action;
    app.post(
      `/events/:id/${path}`,
      {
        config: { access: { kind: 'permission', permission: TRANSITIONS[action].permission } },
        schema: { params: IdParams, body: step.body, response: { 200: EventView, ...errorResponses } },
      },
      async (req) => {
        const ctx = userContextOf(req);
        const l = await visibleEvent(ctx, (req.params as { id: string }).id, true);
        authorize(ctx, l, action);
        const before = { status: l.ev.status, level: l.ev.level };
        const body = (req.body ?? {}) as Record<string, unknown>;
        const attachmentIds = await attachmentsOf(ctx, l.ev.id, body.attachmentIds as string[] | undefined);
        const env = { rt, s: await deps.settings<EventsSettings>(ctx.tx), now: clock.now(), attachmentIds };
        await step.run(ctx, l, body, env);
        await ctx.audit({
          action: `events.event.${action}`,
          targetType: 'events.event',
          targetId: l.ev.id,
          orgUnitId: l.ev.orgUnitId,
          before,
          after: { status: l.ev.status, level: l.ev.level },
        });
        return eventView((await loadEvent(ctx.tx, l.ev.id))!);
      },
    );
  }
}
