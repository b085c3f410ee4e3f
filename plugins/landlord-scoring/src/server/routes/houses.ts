import { errorResponses, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, conflict, forbidden, notFound } from '@civicgrid/kernel';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { checkDate, IsoDate, Month, visibleSubject } from './shared.ts';

const Ok = Type.Object({ ok: Type.Boolean() });

/** A subject the caller manages (404 outside her read scope, 403 outside her manage scope). */
async function managed(ctx: ReturnType<typeof userContextOf>, id: string) {
  const subject = await visibleSubject(ctx, id);
  if (!subject) throw notFound('subject');
  if (!ctx.access.can(PERMISSIONS.subjectManage, subject.ancestorIds))
    throw forbidden('you may keep files only inside your own scope');
  return subject;
}

/** A landlord's rental houses over time, and the improvement classes she attended. */
export function houseRoutes(app: FastifyInstance) {
  app.post(
    '/subjects/:id/houses',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: Type.Object({ houseId: Uuid, since: Type.Optional(IsoDate) }, { additionalProperties: false }),
        response: { 201: Ok, ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const subject = await managed(ctx, (req.params as { id: string }).id);
      const { houseId, since } = req.body as { houseId: string; since?: string };
      checkDate('since', since);
      if (subject.kind !== 'landlord') throw badInput('houseId', 'only landlords have rental houses');
      const [house] = await ctx.tx.query<{ use: string }>(
        'select use from house where tenant_id = ? and id = ?',
        [ctx.tx.tenantId, houseId],
      );
      if (!house) throw badInput('houseId', 'no such house');
      if (house.use !== 'rented') throw badInput('houseId', 'the registry does not list it as rented');
      const today = await tenantToday(ctx.tx);
      if (since && since > today) throw badInput('since', 'must not be in the future');
      const added = await ctx.tx.query(
        `insert into landlord_scoring_subject_house (tenant_id, subject_id, house_id, since) values (?, ?, ?, ?::date)
         on conflict do nothing returning 1`,
        [ctx.tx.tenantId, subject.id, houseId, since ?? today],
      );
      if (!added.length)
        throw conflict('duplicate', 'this house is on the landlord’s file already', 'houseId');
      await ctx.audit({
        action: 'landlord-scoring.house.add',
        targetType: 'landlord-scoring.subject',
        targetId: subject.id,
        orgUnitId: subject.orgUnitId,
        after: { houseId, since: since ?? today },
      });
      reply.code(201);
      return { ok: true };
    },
  );

  // The house stays on the file with the day it stopped being let: history is never deleted.
  app.post(
    '/subjects/:id/houses/:houseId/end',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: {
        params: Type.Object({ id: Uuid, houseId: Uuid }, { additionalProperties: false }),
        body: Type.Object({ until: IsoDate }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { id, houseId } = req.params as { id: string; houseId: string };
      const subject = await managed(ctx, id);
      const { until } = req.body as { until: string };
      checkDate('until', until);
      const [link] = await ctx.tx.query<{ since: string; until: string | null }>(
        `select to_char(since, 'YYYY-MM-DD') as since, to_char(until, 'YYYY-MM-DD') as until
           from landlord_scoring_subject_house where tenant_id = ? and subject_id = ? and house_id = ? for update`,
        [ctx.tx.tenantId, subject.id, houseId],
      );
      if (!link) throw notFound('house on this file');
      if (link.until) throw conflict('ended', `this house stopped being let on ${link.until}`);
      if (until < link.since)
        throw badInput('until', `must not be before ${link.since}, when it was first let`);
      await ctx.tx.query(
        `update landlord_scoring_subject_house set until = ?::date where tenant_id = ? and subject_id = ? and house_id = ?`,
        [until, ctx.tx.tenantId, subject.id, houseId],
      );
      await ctx.audit({
        action: 'landlord-scoring.house.end',
        targetType: 'landlord-scoring.subject',
        targetId: subject.id,
        orgUnitId: subject.orgUnitId,
        after: { houseId, until },
      });
      return { ok: true };
    },
  );

  app.post(
    '/subjects/:id/classes/:month/attendance',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectManage } },
      schema: {
        params: Type.Object({ id: Uuid, month: Month }, { additionalProperties: false }),
        body: Type.Object({ attendedOn: IsoDate }, { additionalProperties: false }),
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { id, month } = req.params as { id: string; month: string };
      const subject = await managed(ctx, id);
      const { attendedOn } = req.body as { attendedOn: string };
      checkDate('attendedOn', attendedOn);
      if (attendedOn > (await tenantToday(ctx.tx))) throw badInput('attendedOn', 'must not be in the future');
      const [e] = await ctx.tx.query<{ attendedOn: string | null }>(
        `select to_char(attended_on, 'YYYY-MM-DD') as "attendedOn" from landlord_scoring_enrolment
          where tenant_id = ? and subject_id = ? and class_month = ? for update`,
        [ctx.tx.tenantId, subject.id, month],
      );
      if (!e) throw notFound('enrolment');
      if (e.attendedOn) throw conflict('attended', `attendance was recorded already (${e.attendedOn})`);
      await ctx.tx.query(
        `update landlord_scoring_enrolment set attended_on = ?::date
          where tenant_id = ? and subject_id = ? and class_month = ?`,
        [attendedOn, ctx.tx.tenantId, subject.id, month],
      );
      await ctx.audit({
        action: 'landlord-scoring.class.attended',
        targetType: 'landlord-scoring.subject',
        targetId: subject.id,
        orgUnitId: subject.orgUnitId,
        after: { classMonth: month, attendedOn },
      });
      return { ok: true };
    },
  );
}
