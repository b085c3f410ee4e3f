import { errorResponses, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, conflict, type PluginDeps } from '@civicgrid/kernel';
import { moveOut } from '@civicgrid/registry';
import { tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS, type ScoringSettings } from '../../common/index.ts';
import { itemOn } from '../catalogue.ts';
import { checkDate, IsoDate } from './shared.ts';
import { landlordFor, letHouse, residenceIn } from './tenants.ts';

const VisitBody = Type.Object(
  {
    houseId: Uuid,
    visitedOn: Type.Optional(IsoDate),
    /** the tenants of the house (registry residences) the worker saw living there */
    present: Type.Array(Uuid, { maxItems: 200, uniqueItems: true }),
    /** people found living there whom the registry does not place in the house: they move in */
    found: Type.Optional(
      Type.Array(
        Type.Object({ personId: Uuid, movedIn: Type.Optional(IsoDate) }, { additionalProperties: false }),
        {
          maxItems: 50,
        },
      ),
    ),
    /** tenants of the house who no longer live there: their residence ends */
    gone: Type.Optional(
      Type.Array(
        Type.Object({ residenceId: Uuid, movedOut: Type.Optional(IsoDate) }, { additionalProperties: false }),
        {
          maxItems: 200,
        },
      ),
    ),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
interface VisitInput {
  houseId: string;
  visitedOn?: string;
  present: string[];
  found?: Array<{ personId: string; movedIn?: string }>;
  gone?: Array<{ residenceId: string; movedOut?: string }>;
  note?: string;
}
const VisitResult = Type.Object({
  id: Type.String(),
  present: Type.Integer(),
  /** verified by this visit (not verified before) */
  verified: Type.Integer(),
  undeclared: Type.Integer(),
  movedOut: Type.Integer(),
  /** the deductions recorded for the tenants found undeclared */
  recordIds: Type.Array(Type.String()),
});

/**
 * A grid worker's round at one of a landlord's rental houses: the tenants she saw there are verified —
 * written as verified tenants (`landlord_scoring_declaration`, what the monthly assessment and the
 * live rate count) with source `landlord` when the landlord had declared them by the visit's day, else
 * `visit`; people living there unknown to the registry's residences move in; tenants gone move out.
 * Each tenant found undeclared (verified for the first time, not declared by the landlord) becomes a
 * population-management deduction on the landlord — the settings' `undeclaredTenantItem` in the
 * catalogue in force that day — with the visit as its evidence; so does each tenant found gone (a
 * departure the landlord did not declare: a declared one ends the residence before the visit) unless
 * the settings' `deductUndeclaredDeparture` is off. All in the request's one transaction.
 */
export function visitRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.post(
    '/subjects/:id/visits',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.tenantVerify } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: VisitBody,
        response: { 201: VisitResult, ...errorResponses },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const t = ctx.tx.tenantId;
      const s = await landlordFor(
        ctx,
        (req.params as { id: string }).id,
        PERMISSIONS.tenantVerify,
        'verify tenants',
      );
      const input = req.body as VisitInput;
      checkDate('visitedOn', input.visitedOn);
      const today = await tenantToday(ctx.tx);
      const on = input.visitedOn ?? today;
      if (on > today) throw badInput('visitedOn', 'must not be in the future');
      const unit = await letHouse(ctx, s, input.houseId, on, 'houseId');
      const living = new Map(
        (
          await ctx.tx.query<{ id: string; residentId: string; name: string; movedIn: string }>(
            `select rs.id, rs.resident_id as "residentId", r.name, to_char(rs.moved_in, 'YYYY-MM-DD') as "movedIn"
               from residence rs join resident r on r.tenant_id = rs.tenant_id and r.id = rs.resident_id
              where rs.tenant_id = ? and rs.house_id = ? and rs.moved_out is null`,
            [t, input.houseId],
          )
        ).map((r) => [r.id, r]),
      );
      for (const [i, id] of input.present.entries())
        if (!living.has(id)) throw badInput(`present.${i}`, 'not a tenant living in this house');
      for (const [i, g] of (input.gone ?? []).entries()) {
        const r = living.get(g.residenceId);
        if (!r) throw badInput(`gone.${i}.residenceId`, 'not a tenant living in this house');
        if (input.present.includes(g.residenceId))
          throw badInput(`gone.${i}.residenceId`, 'is also listed as present');
        checkDate(`gone.${i}.movedOut`, g.movedOut);
        const out = g.movedOut ?? on;
        if (out > on || out < r.movedIn)
          throw badInput(`gone.${i}.movedOut`, `must be from ${r.movedIn} (moved in) to ${on} (the visit)`);
      }
      // People found living there whom the registry places elsewhere (or nowhere) move in now.
      const present = [...input.present];
      const names = new Map([...living].map(([id, r]) => [id, r.name]));
      const seen = new Set<string>();
      for (const [i, f] of (input.found ?? []).entries()) {
        if (seen.has(f.personId)) throw badInput(`found.${i}.personId`, 'is listed twice');
        seen.add(f.personId);
        checkDate(`found.${i}.movedIn`, f.movedIn);
        if (f.movedIn && f.movedIn > on) throw badInput(`found.${i}.movedIn`, 'must not be after the visit');
        const r = await residenceIn(ctx, f.personId, { id: input.houseId, unit }, f.movedIn ?? on, {
          person: `found.${i}.personId`,
          date: `found.${i}.movedIn`,
        });
        if (!present.includes(r.residenceId)) present.push(r.residenceId);
        names.set(r.residenceId, r.name);
      }
      const [visit] = await ctx.tx.query<{ id: string }>(
        `insert into landlord_scoring_visit (tenant_id, subject_id, house_id, visited_on, visited_by, note, present,
           undeclared, moved_out) values (?, ?, ?, ?::date, ?, ?, ?, 0, ?) returning id`,
        [
          t,
          s.id,
          input.houseId,
          on,
          ctx.user.id,
          input.note ?? null,
          present.length,
          input.gone?.length ?? 0,
        ],
      );
      const visitId = visit!.id;
      // Verified now: declared by the landlord by the visit's day, or found undeclared. A tenant verified
      // before keeps her first verification (and is not deducted for twice).
      const verified = await ctx.tx.query<{ residenceId: string; source: string }>(
        `insert into landlord_scoring_declaration (tenant_id, residence_id, house_id, source, declared_on, recorded_by,
           visit_id)
         select ?, p.id, ?, case when td.declared_on <= ?::date then 'landlord' else 'visit' end, ?::date, ?, ?
           from unnest(?::uuid[]) as p(id)
           left join landlord_scoring_tenant_declaration td on td.tenant_id = ? and td.residence_id = p.id
         on conflict do nothing returning residence_id as "residenceId", source`,
        [t, input.houseId, on, on, ctx.user.id, visitId, present, t],
      );
      const undeclared = verified.filter((v) => v.source === 'visit');
      const settings = await deps.settings<ScoringSettings>(ctx.tx);
      const deductions = [
        ...undeclared.map((u) => ({
          residenceId: u.residenceId,
          zh: '走访核查发现未申报租客',
          en: 'Tenant found undeclared on a visit',
        })),
        ...(settings.deductUndeclaredDeparture ? (input.gone ?? []) : []).map((g) => ({
          residenceId: g.residenceId,
          zh: '走访核查发现租客已搬离未申报',
          en: 'Tenant gone without the departure declared',
        })),
      ];
      const recordIds: string[] = [];
      if (deductions.length) {
        const item = await itemOn(ctx.tx, 'landlord', settings.undeclaredTenantItem, on);
        if (item?.effect !== 'deduction')
          throw conflict(
            'no_rule',
            `no landlord deduction "${settings.undeclaredTenantItem}" is in force on ${on}: a tenant admin sets the module's undeclaredTenantItem`,
            'visitedOn',
          );
        for (const d of deductions) {
          const [row] = await ctx.tx.query<{ id: string }>(
            `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on, note,
               recorded_by, visit_id) values (?, ?, ?, 'deduction', ?, ?::date, ?, ?, ?) returning id`,
            [
              t,
              s.id,
              item.id,
              item.points,
              on,
              `${d.zh}：${names.get(d.residenceId) ?? ''} / ${d.en}`,
              ctx.user.id,
              visitId,
            ],
          );
          recordIds.push(row!.id);
          await ctx.audit({
            action: 'landlord-scoring.deduction.create',
            targetType: 'landlord-scoring.record',
            targetId: row!.id,
            orgUnitId: s.orgUnitId,
            after: { subjectId: s.id, item: item.code, points: item.points, occurredOn: on, visitId },
          });
        }
        await ctx.tx.query(
          'update landlord_scoring_visit set undeclared = ? where tenant_id = ? and id = ?',
          [undeclared.length, t, visitId],
        );
      }
      for (const g of input.gone ?? [])
        await moveOut(ctx.tx, living.get(g.residenceId)!.residentId, g.movedOut ?? on);
      await ctx.audit({
        action: 'landlord-scoring.visit.create',
        targetType: 'landlord-scoring.subject',
        targetId: s.id,
        orgUnitId: s.orgUnitId,
        after: {
          visitId,
          houseId: input.houseId,
          visitedOn: on,
          present: present.length,
          verified: verified.length,
          undeclared: undeclared.length,
          movedOut: input.gone?.length ?? 0,
        },
      });
      reply.code(201);
      return {
        id: visitId,
        present: present.length,
        verified: verified.length,
        undeclared: undeclared.length,
        movedOut: input.gone?.length ?? 0,
        recordIds,
      };
    },
  );
}
