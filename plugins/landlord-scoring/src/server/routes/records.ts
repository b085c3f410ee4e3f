import { errorResponses, IdParams, listQuery, pageOf, sendList, Uuid, userContextOf } from '@civicgrid/http';
import { AppError, badInput, conflict, forbidden, notFound } from '@civicgrid/kernel';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { itemOn } from '../catalogue.ts';
import { checkDate, IsoDate, iso, Line, mayOn, scopedPage, visibleSubject } from './shared.ts';

const RecordBody = Type.Object(
  {
    subjectId: Uuid,
    itemCode: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    occurredOn: IsoDate,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    witness: Type.Optional(Line(100)),
  },
  { additionalProperties: false },
);
const RecordView = Type.Object({
  id: Type.String(),
  subjectId: Type.String(),
  itemId: Type.String(),
  itemCode: Type.String(),
  effect: Type.String(),
  points: Type.Integer(),
  occurredOn: Type.String(),
});
const AppealView = Type.Object({
  id: Type.String(),
  recordId: Type.String(),
  subjectId: Type.String(),
  reason: Type.String(),
  state: Type.String(),
  decisionNote: Type.Union([Type.String(), Type.Null()]),
  filedAt: Type.String(),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
});

/**
 * A record with its subject, if the caller may read the subject; null otherwise (a 404 to her).
 * `lock`: the record's row is locked (two uploads at once cannot both pass the photo count).
 */
export async function visibleRecord(ctx: ReturnType<typeof userContextOf>, id: string, lock = false) {
  const [r] = await ctx.tx.query<{ id: string; subjectId: string; voided: boolean }>(
    `select id, subject_id as "subjectId", voided from landlord_scoring_record where tenant_id = ? and id = ?${lock ? ' for update' : ''}`,
    [ctx.tx.tenantId, id],
  );
  const subject = r ? await visibleSubject(ctx, r.subjectId) : null;
  return r && subject ? { record: r, subject } : null;
}

export function recordRoutes(app: FastifyInstance) {
  app.post(
    '/records',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.recordCreate } },
      schema: { body: RecordBody, response: { 201: RecordView, ...errorResponses } },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const input = req.body as {
        subjectId: string;
        itemCode: string;
        occurredOn: string;
        note?: string;
        witness?: string;
      };
      // Locked: two bonuses recorded at once cannot both slip under the month's cap.
      const subject = await visibleSubject(ctx, input.subjectId, true);
      if (!subject) throw badInput('subjectId', 'no such landlord or shop');
      if (!ctx.access.can(PERMISSIONS.recordCreate, subject.ancestorIds))
        throw forbidden('you may record deductions and bonuses only inside your own scope');
      checkDate('occurredOn', input.occurredOn);
      if (input.occurredOn > (await tenantToday(ctx.tx)))
        throw badInput('occurredOn', 'must not be in the future');
      // The rule in force on the day it happened, for this kind of subject.
      const item = await itemOn(ctx.tx, subject.kind, input.itemCode, input.occurredOn);
      if (!item)
        throw badInput(
          'itemCode',
          `no ${subject.kind} rule with this code is in force on ${input.occurredOn}`,
        );
      if (item.monthlyCap != null) {
        const [m] = await ctx.tx.query<{ points: number }>(
          `select coalesce(sum(r.points), 0)::int as points from landlord_scoring_record r
             join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
            where r.tenant_id = ? and r.subject_id = ? and i.code = ? and not r.voided
              and date_trunc('month', r.occurred_on) = date_trunc('month', ?::date)`,
          [ctx.tx.tenantId, subject.id, item.code, input.occurredOn],
        );
        if (m!.points + item.points > item.monthlyCap)
          throw badInput(
            'itemCode',
            `this bonus is capped at ${item.monthlyCap} points a month and ${m!.points} are recorded already`,
          );
      }
      const [row] = await ctx.tx.query<{ id: string }>(
        `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on, note,
           witness, recorded_by) values (?, ?, ?, ?, ?, ?::date, ?, ?, ?) returning id`,
        [
          ctx.tx.tenantId,
          subject.id,
          item.id,
          item.effect,
          item.points,
          input.occurredOn,
          input.note ?? null,
          input.witness ?? null,
          ctx.user.id,
        ],
      );
      await ctx.audit({
        action: `landlord-scoring.${item.effect}.create`,
        targetType: 'landlord-scoring.record',
        targetId: row!.id,
        orgUnitId: subject.orgUnitId,
        after: { subjectId: subject.id, item: item.code, points: item.points, occurredOn: input.occurredOn },
      });
      reply.code(201);
      return {
        id: row!.id,
        subjectId: subject.id,
        itemId: item.id,
        itemCode: item.code,
        effect: item.effect,
        points: item.points,
        occurredOn: input.occurredOn,
      };
    },
  );

  app.post(
    '/records/:id/appeals',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.appealCreate } },
      schema: {
        params: IdParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const found = await visibleRecord(ctx, (req.params as { id: string }).id);
      if (!found) throw notFound('record');
      if (!mayOn(ctx, PERMISSIONS.appealCreate, found.subject))
        throw forbidden('you may file appeals only inside your own scope');
      if (found.record.voided) throw conflict('voided', 'this record is void already');
      const [row] = await ctx.tx.query<{ id: string }>(
        `insert into landlord_scoring_appeal (tenant_id, record_id, reason, filed_by) values (?, ?, ?, ?)
         on conflict do nothing returning id`,
        [ctx.tx.tenantId, found.record.id, (req.body as { reason: string }).reason, ctx.user.id],
      );
      if (!row) throw conflict('appeal_pending', 'an appeal against this record awaits its review');
      await ctx.audit({
        action: 'landlord-scoring.appeal.create',
        targetType: 'landlord-scoring.appeal',
        targetId: row.id,
        orgUnitId: found.subject.orgUnitId,
        after: { recordId: found.record.id },
      });
      reply.code(201);
      return { id: row.id };
    },
  );

  app.get(
    '/appeals',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: {
        querystring: listQuery(['filedAt'], {
          state: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('upheld'), Type.Literal('rejected')]),
          ),
        }),
        response: { 200: Type.Array(AppealView), ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const q = req.query as { state?: string };
      const page = pageOf(req.query as never, 'filedAt');
      const result = await scopedPage<{ filedAt: Date; decidedAt: Date | null }>(
        ctx,
        PERMISSIONS.subjectRead,
        {
          columns: `a.id, a.record_id as "recordId", r.subject_id as "subjectId", a.reason, a.state,
          a.decision_note as "decisionNote", a.filed_at as "filedAt", a.decided_at as "decidedAt"`,
          from: `landlord_scoring_appeal a
          join landlord_scoring_record r on r.tenant_id = a.tenant_id and r.id = a.record_id
          join landlord_scoring_subject s on s.tenant_id = r.tenant_id and s.id = r.subject_id`,
          unitColumn: 's.org_unit_id',
          where: ['a.tenant_id = ?', ...(q.state ? ['a.state = ?'] : [])],
          params: [ctx.tx.tenantId, ...(q.state ? [q.state] : [])],
          orderBy: `a.filed_at ${page.order}, a.id`,
          page,
        },
      );
      const rows = result.rows.map((r) => ({ ...r, filedAt: iso(r.filedAt)!, decidedAt: iso(r.decidedAt) }));
      return sendList(reply, { ...result, rows });
    },
  );

  app.post(
    '/appeals/:id/decision',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.appealReview } },
      schema: {
        params: IdParams,
        body: Type.Object(
          {
            decision: Type.Union([Type.Literal('upheld'), Type.Literal('rejected')]),
            note: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.String(), state: Type.String() }), ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const { decision, note } = req.body as { decision: 'upheld' | 'rejected'; note?: string };
      const [appeal] = await ctx.tx.query<{ id: string; recordId: string; state: string }>(
        `select id, record_id as "recordId", state from landlord_scoring_appeal where tenant_id = ? and id = ?
           for update`,
        [ctx.tx.tenantId, (req.params as { id: string }).id],
      );
      const found = appeal ? await visibleRecord(ctx, appeal.recordId) : null;
      if (!appeal || !found) throw notFound('appeal');
      if (!ctx.access.can(PERMISSIONS.appealReview, found.subject.ancestorIds))
        throw forbidden('appeals are reviewed at community level');
      if (appeal.state !== 'pending')
        throw conflict('appeal_decided', `this appeal was ${appeal.state} already`);
      if (decision === 'upheld' && !note) throw badInput('note', 'say why the record is void');
      await ctx.tx.query(
        `update landlord_scoring_appeal set state = ?, decision_note = ?, decided_by = ?, decided_at = now()
          where tenant_id = ? and id = ?`,
        [decision, note ?? null, ctx.user.id, ctx.tx.tenantId, appeal.id],
      );
      if (decision === 'upheld') {
        // Voided, never deleted: the file keeps the record with the reason.
        const voided = await ctx.tx.query(
          `update landlord_scoring_record set voided = true, void_reason = ?, voided_by = ?, voided_at = now()
            where tenant_id = ? and id = ? and not voided returning 1`,
          [note, ctx.user.id, ctx.tx.tenantId, appeal.recordId],
        );
        if (!voided.length) throw new AppError(409, 'voided', 'this record is void already');
      }
      await ctx.audit({
        action: `landlord-scoring.appeal.${decision}`,
        targetType: 'landlord-scoring.appeal',
        targetId: appeal.id,
        orgUnitId: found.subject.orgUnitId,
        before: { state: 'pending' },
        after: { state: decision, recordId: appeal.recordId, note: note ?? null },
      });
      return { id: appeal.id, state: decision };
    },
  );
}
