import { errorResponses, PersonFields, type UserContext, Uuid, userContextOf } from '@civicgrid/http';
import { badInput, conflict, forbidden, notFound, type PluginDeps } from '@civicgrid/kernel';
import { houseUnit, moveIn, moveOut, type ResidentInput, residentRegistry } from '@civicgrid/registry';
import { getUnit, tenantToday } from '@civicgrid/tenancy';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSIONS } from '../../common/index.ts';
import { checkDate, IsoDate, iso, mayOn, type SubjectRef, visibleSubject } from './shared.ts';

const REGISTRY_READ = 'registry.resident.read';
const REGISTRY_MANAGE = 'registry.resident.manage';
const Str = Type.String();
const OptStr = Type.Union([Type.String(), Type.Null()]);
const TenantView = Type.Object({
  residenceId: Str,
  personId: Str,
  name: Str,
  movedIn: Str,
  /** the landlord declared the tenant on this day (null: she did not) */
  declaredOn: OptStr,
  /** verified on a visit on this day (null: not yet) */
  verifiedOn: OptStr,
  /** who had declared the tenant when verified: `landlord`, or `visit` (found undeclared) */
  source: OptStr,
});
const TenantsView = Type.Object({
  houses: Type.Array(
    Type.Object({ houseId: Str, address: Str, since: Str, tenants: Type.Array(TenantView) }),
  ),
  visits: Type.Array(
    Type.Object({
      id: Str,
      houseId: Str,
      address: Str,
      visitedOn: Str,
      visitedBy: Str,
      note: OptStr,
      present: Type.Integer(),
      undeclared: Type.Integer(),
      movedOut: Type.Integer(),
      recordIds: Type.Array(Str),
      createdAt: Str,
    }),
  ),
});

/** The subject, a landlord the caller may act on with `permission` (404 outside her read scope, 403 outside this one). */
export async function landlordFor(ctx: UserContext, id: string, permission: string, what: string) {
  const subject = await visibleSubject(ctx, id, true);
  if (!subject) throw notFound('subject');
  if (!mayOn(ctx, permission, subject)) throw forbidden(`you may ${what} only inside your own scope`);
  return subject;
}

/** One of the landlord's rental houses, let on `on`: its unit, or a 400 naming `field`. */
export async function letHouse(ctx: UserContext, s: SubjectRef, houseId: string, on: string, field: string) {
  if (s.kind !== 'landlord') throw badInput(field, 'only landlords have rental houses and tenants');
  const [h] = await ctx.tx.query<{ since: string; until: string | null }>(
    `select to_char(since, 'YYYY-MM-DD') as since, to_char(until, 'YYYY-MM-DD') as until
       from landlord_scoring_subject_house where tenant_id = ? and subject_id = ? and house_id = ?`,
    [ctx.tx.tenantId, s.id, houseId],
  );
  if (!h) throw badInput(field, 'not a rental house on this landlord’s file');
  if (h.since > on || (h.until && h.until <= on))
    throw badInput(field, `the house is not let by this landlord on ${on}`);
  return (await houseUnit(ctx.tx, houseId))!;
}

/**
 * A person of the registry the caller may read there (`registry.resident.read` where she is registered
 * now: a newcomer is registered in the registry first), and where she lives now; a 400 naming `field`
 * otherwise — someone else's resident is not there for her, and is not moved by her.
 */
export async function personNow(ctx: UserContext, personId: string, field: string) {
  const p = await livingNow(ctx, personId);
  const unit = p ? await getUnit(ctx.tx, p.unit) : null;
  if (!p || !unit || !ctx.access.can(REGISTRY_READ, unit.ancestorIds))
    throw badInput(field, 'no such person in the registry where you may read it');
  return p;
}

/** A person of the registry and where she lives now, unchecked: callers decide who may see it. */
async function livingNow(ctx: UserContext, personId: string) {
  const [p] = await ctx.tx.query<{
    name: string;
    unit: string;
    residenceId: string | null;
    houseId: string | null;
    movedIn: string | null;
  }>(
    `select r.name, r.org_unit_id as unit, c.id as "residenceId", c.house_id as "houseId",
            to_char(c.moved_in, 'YYYY-MM-DD') as "movedIn"
       from resident r left join residence c on c.tenant_id = r.tenant_id and c.resident_id = r.id and c.moved_out is null
      where r.tenant_id = ? and r.id = ?`,
    [ctx.tx.tenantId, personId],
  );
  return p ?? null;
}

/**
 * Puts a person into the house through the registry (moving in on `on`, her current residence ending
 * that day) unless she lives there already; answers the residence. 400 naming `dateField` when she
 * moved into her present home after `on`.
 */
export async function residenceIn(
  ctx: UserContext,
  personId: string,
  house: { id: string; unit: string },
  on: string,
  fields: { person: string; date: string },
) {
  return moveInto(ctx, personId, await personNow(ctx, personId, fields.person), house, on, fields.date);
}

/** `residenceIn` once the caller may move her: `now` is where she lives now. */
async function moveInto(
  ctx: UserContext,
  personId: string,
  now: { name: string; residenceId: string | null; houseId: string | null; movedIn: string | null },
  house: { id: string; unit: string },
  on: string,
  dateField: string,
) {
  if (now.houseId === house.id && now.residenceId)
    return { residenceId: now.residenceId, personId, name: now.name, moved: false };
  if (now.movedIn && on < now.movedIn)
    throw badInput(dateField, `is before she moved into her present home (${now.movedIn})`);
  await moveIn(ctx.tx, personId, { houseId: house.id, orgUnitId: house.unit }, on);
  return { residenceId: await currentResidence(ctx, personId), personId, name: now.name, moved: true };
}

const currentResidence = async (ctx: UserContext, personId: string) => {
  const [r] = await ctx.tx.query<{ id: string }>(
    'select id from residence where tenant_id = ? and resident_id = ? and moved_out is null',
    [ctx.tx.tenantId, personId],
  );
  return r!.id;
};

/**
 * A tenant given by who she is (`person`) rather than picked from the registry. Staff who may register
 * residents where the house is (`registry.resident.manage`) register her: a newcomer, audited as the
 * registry's own form does (her ID number registered already is a 409 naming `person.idNumber`: pick
 * her instead). The landlord herself, on her own file (no registry rights; she holds the tenant's ID
 * card), declares by identity: the registry's person with that ID number moves in — her name must be
 * the one registered, else 409 on `person.name` — and anyone else is registered as a newcomer. Nothing of
 * the registry is shown to her but that match. Refusals name `person.<field>`.
 */
async function tenantByIdentity(
  ctx: UserContext,
  deps: PluginDeps,
  s: SubjectRef,
  person: Omit<ResidentInput, 'houseId' | 'orgUnitId' | 'movedIn'>,
  house: { id: string; unit: string },
  on: string,
) {
  const registry = deps.services.get(residentRegistry);
  const unit = (await getUnit(ctx.tx, house.unit))!;
  const staff = ctx.access.can(REGISTRY_MANAGE, unit.ancestorIds);
  const herself = s.accountId !== null && s.accountId === ctx.user.id;
  if (!staff && !herself)
    throw forbidden(`registering a newcomer needs ${REGISTRY_MANAGE} where the house is`);
  if (herself && !staff) {
    const known = await registry.findByIdNumber(ctx.tx, person.idNumber);
    if (known) {
      if (known.name !== person.name.trim())
        throw conflict(
          'identity_mismatch',
          'the name is not the one registered with this ID number',
          'person.name',
        );
      return moveInto(ctx, known.id, (await livingNow(ctx, known.id))!, house, on, 'movedIn');
    }
  }
  const input = { ...person, houseId: house.id, movedIn: on };
  const r = await registry.register(ctx.tx, input, house.unit, 'person', (e) => ctx.audit(e));
  return { residenceId: await currentResidence(ctx, r.id), personId: r.id, name: r.name, moved: true };
}

/**
 * A landlord's tenants: who lives in each of her rental houses now (the registry's residences), who
 * she declared and who was verified on a visit; and the visits. Declaring a tenant (moving in, through
 * the registry) and her moving out are recorded as declared by the landlord.
 */
export function tenantRoutes(app: FastifyInstance, deps: PluginDeps) {
  app.get(
    '/subjects/:id/tenants',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.subjectRead } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        response: { 200: TenantsView, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const s = await visibleSubject(ctx, (req.params as { id: string }).id);
      if (!s) throw notFound('subject');
      const t = ctx.tx.tenantId;
      const houses = await ctx.tx.query<{ houseId: string; address: string; since: string }>(
        `select h.house_id as "houseId", ho.address, to_char(h.since, 'YYYY-MM-DD') as since
           from landlord_scoring_subject_house h join house ho on ho.tenant_id = h.tenant_id and ho.id = h.house_id
          where h.tenant_id = ? and h.subject_id = ? and h.until is null order by h.since, ho.address`,
        [t, s.id],
      );
      const tenants = await ctx.tx.query<{ houseId: string } & Record<string, unknown>>(
        `select rs.house_id as "houseId", rs.id as "residenceId", r.id as "personId", r.name,
                to_char(rs.moved_in, 'YYYY-MM-DD') as "movedIn", to_char(td.declared_on, 'YYYY-MM-DD') as "declaredOn",
                to_char(d.declared_on, 'YYYY-MM-DD') as "verifiedOn", d.source
           from residence rs join resident r on r.tenant_id = rs.tenant_id and r.id = rs.resident_id
           left join landlord_scoring_tenant_declaration td on td.tenant_id = rs.tenant_id and td.residence_id = rs.id
           left join landlord_scoring_declaration d on d.tenant_id = rs.tenant_id and d.residence_id = rs.id
          where rs.tenant_id = ? and rs.house_id = any(?::uuid[]) and rs.moved_out is null
          order by rs.moved_in, r.name, rs.id`,
        [t, houses.map((h) => h.houseId)],
      );
      const visits = await ctx.tx.query<{ createdAt: Date } & Record<string, unknown>>(
        `select v.id, v.house_id as "houseId", ho.address, to_char(v.visited_on, 'YYYY-MM-DD') as "visitedOn",
                v.visited_by as "visitedBy", v.note, v.present, v.undeclared, v.moved_out as "movedOut",
                coalesce((select array_agg(r.id order by r.created_at) from landlord_scoring_record r
                           where r.tenant_id = v.tenant_id and r.visit_id = v.id), '{}') as "recordIds",
                v.created_at as "createdAt"
           from landlord_scoring_visit v join house ho on ho.tenant_id = v.tenant_id and ho.id = v.house_id
          where v.tenant_id = ? and v.subject_id = ? order by v.visited_on desc, v.created_at desc limit 50`,
        [t, s.id],
      );
      return {
        houses: houses.map((h) => ({ ...h, tenants: tenants.filter((x) => x.houseId === h.houseId) })),
        visits: visits.map((v) => ({ ...v, createdAt: iso(v.createdAt)! })),
      };
    },
  );

  // The landlord declares a tenant: she moves in through the registry, recorded as declared by the
  // landlord. A tenant given by who she is (`person` instead of `personId`) is registered, or found by
  // her ID number when the landlord declares on her own login (`tenantByIdentity`): one transaction.
  app.post(
    '/subjects/:id/tenants',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.tenantDeclare } },
      schema: {
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: Type.Object(
          {
            houseId: Uuid,
            personId: Type.Optional(Uuid),
            person: Type.Optional(Type.Object(PersonFields, { additionalProperties: false })),
            movedIn: IsoDate,
            declaredOn: Type.Optional(IsoDate),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ residenceId: Str, personId: Str, moved: Type.Boolean() }),
          ...errorResponses,
        },
      },
    },
    async (req, reply) => {
      const ctx = userContextOf(req);
      const s = await landlordFor(
        ctx,
        (req.params as { id: string }).id,
        PERMISSIONS.tenantDeclare,
        'declare tenants',
      );
      const b = req.body as {
        houseId: string;
        personId?: string;
        person?: Omit<ResidentInput, 'houseId' | 'orgUnitId' | 'movedIn'>;
        movedIn: string;
        declaredOn?: string;
      };
      if (!b.personId === !b.person)
        throw badInput('personId', 'give either personId (a person of the registry) or person (a newcomer)');
      checkDate('movedIn', b.movedIn);
      checkDate('declaredOn', b.declaredOn);
      const today = await tenantToday(ctx.tx);
      const declaredOn = b.declaredOn ?? today;
      if (b.movedIn > today) throw badInput('movedIn', 'must not be in the future');
      if (declaredOn > today) throw badInput('declaredOn', 'must not be in the future');
      const unit = await letHouse(ctx, s, b.houseId, b.movedIn, 'houseId');
      const r = b.person
        ? await tenantByIdentity(ctx, deps, s, b.person, { id: b.houseId, unit }, b.movedIn)
        : await residenceIn(ctx, b.personId!, { id: b.houseId, unit }, b.movedIn, {
            person: 'personId',
            date: 'movedIn',
          });
      const added = await ctx.tx.query(
        `insert into landlord_scoring_tenant_declaration (tenant_id, residence_id, subject_id, house_id, declared_on,
           recorded_by) values (?, ?, ?, ?, ?::date, ?) on conflict do nothing returning 1`,
        [ctx.tx.tenantId, r.residenceId, s.id, b.houseId, declaredOn, ctx.user.id],
      );
      if (!added.length)
        throw conflict('duplicate', 'the landlord has declared this tenant already', 'personId');
      await ctx.audit({
        action: 'landlord-scoring.tenant.declare',
        targetType: 'landlord-scoring.subject',
        targetId: s.id,
        orgUnitId: s.orgUnitId,
        after: {
          residenceId: r.residenceId,
          houseId: b.houseId,
          personId: r.personId,
          movedIn: b.movedIn,
          declaredOn,
        },
      });
      reply.code(201);
      return { residenceId: r.residenceId, personId: r.personId, moved: r.moved };
    },
  );

  // The landlord declares that a tenant moved out: the registry residence ends that day.
  app.post(
    '/subjects/:id/tenants/:residenceId/move-out',
    {
      config: { access: { kind: 'permission', permission: PERMISSIONS.tenantDeclare } },
      schema: {
        params: Type.Object({ id: Uuid, residenceId: Uuid }, { additionalProperties: false }),
        body: Type.Object({ movedOut: IsoDate }, { additionalProperties: false }),
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...errorResponses },
      },
    },
    async (req) => {
      const ctx = userContextOf(req);
      const p = req.params as { id: string; residenceId: string };
      const s = await landlordFor(ctx, p.id, PERMISSIONS.tenantDeclare, 'declare tenants');
      const { movedOut } = req.body as { movedOut: string };
      checkDate('movedOut', movedOut);
      if (movedOut > (await tenantToday(ctx.tx))) throw badInput('movedOut', 'must not be in the future');
      const [r] = await ctx.tx.query<{ residentId: string; movedIn: string; houseId: string }>(
        `select rs.resident_id as "residentId", to_char(rs.moved_in, 'YYYY-MM-DD') as "movedIn", rs.house_id as "houseId"
           from residence rs join landlord_scoring_subject_house h on h.tenant_id = rs.tenant_id
                and h.house_id = rs.house_id and h.subject_id = ? and h.until is null
          where rs.tenant_id = ? and rs.id = ? and rs.moved_out is null`,
        [s.id, ctx.tx.tenantId, p.residenceId],
      );
      if (!r) throw notFound('tenant living in this landlord’s houses');
      if (movedOut < r.movedIn) throw badInput('movedOut', `is before the tenant moved in (${r.movedIn})`);
      await moveOut(ctx.tx, r.residentId, movedOut);
      await ctx.tx.query(
        `update landlord_scoring_tenant_declaration set moved_out_declared_on = ?::date
          where tenant_id = ? and residence_id = ?`,
        [movedOut, ctx.tx.tenantId, p.residenceId],
      );
      await ctx.audit({
        action: 'landlord-scoring.tenant.move-out',
        targetType: 'landlord-scoring.subject',
        targetId: s.id,
        orgUnitId: s.orgUnitId,
        after: { residenceId: p.residenceId, houseId: r.houseId, movedOut },
      });
      return { ok: true };
    },
  );
}
