import type { DemoContext } from '@civicgrid/kernel';
import { tenantToday } from '@civicgrid/tenancy';
import { LANDLORD_ROLE, type SubjectKind } from '../common/index.ts';
import { versionOn } from './catalogue.ts';

/** Per grid: rented houses in the demo's files, two to a landlord; shops with an operator. */
const HOUSES_PER_GRID = 12;
const SHOPS_PER_GRID = 6;

/** ISO date `days` before `day`, not before the year's first day (a January start still has records). */
const daysBefore = (day: string, days: number) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  const iso = d.toISOString().slice(0, 10);
  return iso < `${day.slice(0, 4)}-01-01` ? `${day.slice(0, 4)}-01-01` : iso;
};

/**
 * Files for the demo: in each demo grid, landlords (adults of the grid living in their own flats) with
 * two of the grid's rented houses each, and shops with their operators; a few of this year's records
 * each, recorded by the grid worker on her rounds — some landlords end at or below the yellow-flag line;
 * and a login `landlord` for the first landlord, with her own file only.
 */
export async function seedLandlordDemo(ctx: DemoContext): Promise<Record<string, number>> {
  const { tx, tenantId: t } = ctx;
  const today = await tenantToday(tx);
  const since = `${Number(today.slice(0, 4)) - 1}-12-01`;
  const items = async (kind: SubjectKind) => {
    const v = await versionOn(tx, kind, today);
    return tx.query<{ id: string; code: string; effect: string; points: number }>(
      `select id, code, effect, points from landlord_scoring_item where tenant_id = ? and version_id = ?
        order by effect desc, position`,
      [t, v!.id],
    );
  };
  const subjects: Array<{ id: string; kind: SubjectKind }> = [];
  let houses = 0;
  for (const grid of ctx.grids) {
    const rented = await tx.query<{ id: string }>(
      `select h.id from house h join org_unit u on u.tenant_id = h.tenant_id and u.id = h.org_unit_id
         join org_unit g on g.tenant_id = u.tenant_id and g.id = ?
        where h.tenant_id = ? and h.use = 'rented' and u.path <@ g.path order by h.address limit ?`,
      [grid, t, HOUSES_PER_GRID],
    );
    const owners = await tx.query<{ id: string }>(
      `select distinct on (r.id) r.id from resident r
         join residence rs on rs.tenant_id = r.tenant_id and rs.resident_id = r.id and rs.moved_out is null
         join house h on h.tenant_id = rs.tenant_id and h.id = rs.house_id and h.use = 'own-occupied'
         join org_unit u on u.tenant_id = h.tenant_id and u.id = h.org_unit_id
         join org_unit g on g.tenant_id = u.tenant_id and g.id = ?
        where r.tenant_id = ? and u.path <@ g.path and r.birth_date < ?::date
        order by r.id limit ?`,
      [grid, t, `${Number(today.slice(0, 4)) - 30}-01-01`, Math.ceil(rented.length / 2)],
    );
    for (const [i, owner] of owners.entries()) {
      const [s] = await tx.query<{ id: string }>(
        `insert into landlord_scoring_subject (tenant_id, kind, person_id, org_unit_id, registered_on, registered_by)
         values (?, 'landlord', ?, ?, ?, ?) returning id`,
        [t, owner.id, grid, since, ctx.gridWorkerId],
      );
      for (const h of rented.slice(i * 2, i * 2 + 2)) {
        await tx.query(
          `insert into landlord_scoring_subject_house (tenant_id, subject_id, house_id, since) values (?, ?, ?, ?)`,
          [t, s!.id, h.id, since],
        );
        houses++;
      }
      subjects.push({ id: s!.id, kind: 'landlord' });
    }
    const shops = await tx.query<{ id: string; operatorId: string }>(
      `insert into landlord_scoring_subject (tenant_id, kind, shop_id, person_id, org_unit_id, registered_on, registered_by)
       select ?, 'shop', x.id, x.operator_id, ?, ?, ? from (
         select sh.id, sh.operator_id from shop sh
           join org_unit u on u.tenant_id = sh.tenant_id and u.id = sh.org_unit_id
           join org_unit g on g.tenant_id = u.tenant_id and g.id = ?
          where sh.tenant_id = ? and sh.operator_id is not null and u.path <@ g.path
          order by sh.name limit ?) x
       returning id`,
      [t, grid, since, ctx.gridWorkerId, grid, t, SHOPS_PER_GRID],
    );
    subjects.push(...shops.map((s) => ({ id: s.id, kind: 'shop' as const })));
  }

  // Records: every third subject a deduction, every fifth two more (the yellow flag), every fourth a
  // bonus — spread over the weeks before today.
  const catalogue = { landlord: await items('landlord'), shop: await items('shop') };
  const records: unknown[][] = [];
  for (const [i, s] of subjects.entries()) {
    const all = catalogue[s.kind];
    const deductions = all.filter((x) => x.effect === 'deduction');
    const bonuses = all.filter((x) => x.effect === 'bonus');
    const picks = [
      ...(i % 3 === 0 ? [deductions[(i / 3) % deductions.length]!] : []),
      ...(i % 5 === 1 ? deductions.filter((x) => x.points === 3).slice(0, 2) : []),
      ...(i % 4 === 2 ? [bonuses[0]!] : []),
    ];
    for (const [j, item] of picks.entries())
      records.push([s.id, item.id, item.effect, item.points, daysBefore(today, 5 + ((i * 7 + j * 11) % 40))]);
  }
  await tx.query(
    `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on, note, recorded_by)
     select ?, x.subject_id, x.item_id, x.effect, x.points, x.occurred_on, '网格员巡查发现', ?
       from unnest(?::uuid[], ?::uuid[], ?::text[], ?::int[], ?::date[]) as x(subject_id, item_id, effect, points, occurred_on)`,
    [t, ctx.gridWorkerId, ...[0, 1, 2, 3, 4].map((k) => records.map((r) => r[k]))],
  );

  // The first landlord of the first grid logs in herself.
  const first = subjects.find((s) => s.kind === 'landlord');
  if (first) {
    const [who] = await tx.query<{ name: string; grid: string }>(
      `select r.name, s.org_unit_id as grid from landlord_scoring_subject s
         join resident r on r.tenant_id = s.tenant_id and r.id = s.person_id where s.tenant_id = ? and s.id = ?`,
      [t, first.id],
    );
    const account = await ctx.addUser({
      username: 'landlord',
      displayName: who!.name,
      orgUnitId: who!.grid,
      roleKey: LANDLORD_ROLE,
    });
    await tx.query(`update landlord_scoring_subject set account_id = ? where tenant_id = ? and id = ?`, [
      account,
      t,
      first.id,
    ]);
  }
  return {
    landlords: subjects.filter((s) => s.kind === 'landlord').length,
    shops: subjects.filter((s) => s.kind === 'shop').length,
    'let houses': houses,
    records: records.length,
  };
}
