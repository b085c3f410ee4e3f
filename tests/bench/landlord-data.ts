/**
 * The data of `pnpm bench landlord` (tests/bench/landlord.ts): a tenant's landlords and shops with a
 * year of records, generated set-based (`insert … select … from generate_series`) as the owner with
 * the tenant set. Deterministic: ids are md5 of the tenant and a number, choices are hashes of the row
 * number (`hashint4extended`), so two runs of the same size build the same data.
 *
 * Subject g (1…n): a shop when g % 5 = 0 (its operator is person g), else a landlord (person g). One
 * landlord in ten lets a house (one in forty of those stopped letting it in June) with 1–3 tenants,
 * each declared by the landlord (three in four) or found on a visit, a few declared only after the year
 * and a seventh moved out in May. `records` records over the calendar year, in date order (as they
 * arrive), each on a subject drawn by hash — one in twenty on a "hot" 1 % of subjects, so the bonus
 * caps bite —, 55 % bonus items, one in fifty voided on appeal.
 */
import type pg from 'pg';
import { ms } from './data.ts';

export interface LandlordData {
  subjects: number;
  landlords: number;
  shops: number;
  records: number;
  houses: number;
  residences: number;
  timingsMs: Record<string, number>;
}

/** In one owner transaction with the tenant set (row-level security is forced on the owner too). */
async function asTenant<T>(owner: pg.Client, tenantId: string, fn: () => Promise<T>): Promise<T> {
  await owner.query('begin');
  try {
    await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    const out = await fn();
    await owner.query('commit');
    return out;
  } catch (err) {
    await owner.query('rollback');
    throw err;
  }
}

export async function generateLandlords(
  owner: pg.Client,
  t: { tenantId: string; grids: string[]; adminId: string },
  cfg: { subjects: number; records: number; year: number },
  log: (m: string) => void,
): Promise<LandlordData> {
  const { tenantId: T, grids } = t;
  const n = cfg.subjects;
  const y = cfg.year;
  const timingsMs: Record<string, number> = {};
  const step = async (name: string, sql: string, params: unknown[], noForeignKeyChecks = false) => {
    const t0 = performance.now();
    const r = await asTenant(owner, T, async () => {
      // The records' four foreign keys (tenant, subject, item, recorder) point at rows made above by
      // construction; checking them row by row would triple the load time (as superuser, bench only).
      if (noForeignKeyChecks) await owner.query('set local session_replication_role = replica');
      return owner.query(sql, params);
    });
    timingsMs[name] = (timingsMs[name] ?? 0) + ms(t0);
    return r.rowCount ?? 0;
  };
  // Subjects' people, then the tenants of the let houses (1–3 per house of landlord g, g % 10 = 1).
  await step(
    'residents',
    `insert into resident (tenant_id, id, org_unit_id, name, gender, birth_date, id_type, id_cipher, id_hash,
       id_masked, pii_key, registration)
     select $1::text::uuid, md5($1::text || 'p' || g)::uuid, ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])],
            case when g % 5 = 0 then '店主' else '房东' end || g, 'male', '1980-01-01', 'resident-id',
            '\\x00'::bytea, decode(md5($1::text || 'h' || g), 'hex'), '330782********0000', 'bench', 'local'
       from generate_series(1, $3::int) g`,
    [T, grids, n],
  );
  await step(
    'residents',
    `insert into resident (tenant_id, id, org_unit_id, name, gender, birth_date, id_type, id_cipher, id_hash,
       id_masked, pii_key, registration)
     select $1::text::uuid, md5($1::text || 'tp' || g || '-' || k)::uuid, ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])],
            '租客' || g || '-' || k, 'female', '1995-01-01', 'resident-id', '\\x00'::bytea,
            decode(md5($1::text || 'th' || g || '-' || k), 'hex'), '330782********0000', 'bench', 'floating'
       from generate_series(1, $3::int) g cross join lateral generate_series(1, 1 + g % 3) k
      where g % 10 = 1`,
    [T, grids, n],
  );
  const houses = await step(
    'houses',
    `insert into house (tenant_id, id, org_unit_id, address, use)
     select $1::text::uuid, md5($1::text || 'house' || g)::uuid, ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])],
            '出租房' || g || '号', 'rented'
       from generate_series(1, $3::int) g where g % 10 = 1`,
    [T, grids, n],
  );
  const residences = await step(
    'houses',
    `insert into residence (tenant_id, id, resident_id, house_id, org_unit_id, moved_in, moved_out)
     select $1::text::uuid, md5($1::text || 'rs' || g || '-' || k)::uuid, md5($1::text || 'tp' || g || '-' || k)::uuid,
            md5($1::text || 'house' || g)::uuid, ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])],
            make_date($4, 1 + k, 1), case when (g + k) % 7 = 0 then make_date($4, 5, 1) end
       from generate_series(1, $3::int) g cross join lateral generate_series(1, 1 + g % 3) k
      where g % 10 = 1`,
    [T, grids, n, y],
  );
  await step(
    'shops',
    `insert into shop (tenant_id, id, org_unit_id, name, operator_id)
     select $1::text::uuid, md5($1::text || 's' || g)::uuid, ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])], '商铺' || g,
            md5($1::text || 'p' || g)::uuid
       from generate_series(5, $3::int, 5) g`,
    [T, grids, n],
  );
  await step(
    'subjects',
    `insert into landlord_scoring_subject (tenant_id, id, kind, person_id, shop_id, org_unit_id, registered_on)
     select $1::text::uuid, md5($1::text || 'x' || g)::uuid, case when g % 5 = 0 then 'shop' else 'landlord' end,
            md5($1::text || 'p' || g)::uuid, case when g % 5 = 0 then md5($1::text || 's' || g)::uuid end,
            ($2::uuid[])[1 + (g * 7) % cardinality($2::uuid[])], make_date($4, 1, 1) + g % 330
       from generate_series(1, $3::int) g`,
    [T, grids, n, y],
  );
  await step(
    'subjects',
    `insert into landlord_scoring_subject_house (tenant_id, subject_id, house_id, since, until)
     select $1::text::uuid, md5($1::text || 'x' || g)::uuid, md5($1::text || 'house' || g)::uuid, make_date($3, 1, 1),
            case when g % 40 = 1 then make_date($3, 6, 30) end
       from generate_series(1, $2::int) g where g % 10 = 1`,
    [T, n, y],
  );
  await step(
    'subjects',
    `insert into landlord_scoring_declaration (tenant_id, residence_id, house_id, source, declared_on, recorded_by)
     select $1::text::uuid, md5($1::text || 'rs' || g || '-' || k)::uuid, md5($1::text || 'house' || g)::uuid,
            case when (g + k) % 4 = 0 then 'visit' else 'landlord' end,
            case when (g + k) % 9 = 0 then make_date($3 + 1, 1, 15) else make_date($3, 1 + k, 11) end, $4
       from generate_series(1, $2::int) g cross join lateral generate_series(1, 1 + g % 3) k
      where g % 10 = 1`,
    [T, n, y, t.adminId],
  );
  log(`${n.toLocaleString('en')} subjects, ${houses} houses, ${residences} residences`);

  // The catalogue the tenant was seeded with: item ids, points and effects by kind and effect.
  const { rows: items } = await asTenant(owner, T, () =>
    owner.query<{ kind: string; effect: string; ids: string[]; points: number[] }>(
      `select v.kind, i.effect, array_agg(i.id order by i.code) as ids, array_agg(i.points order by i.code) as points
         from landlord_scoring_item i join landlord_scoring_rule_version v on v.tenant_id = i.tenant_id and v.id = i.version_id
        where i.tenant_id = $1 group by v.kind, i.effect`,
      [T],
    ),
  );
  const pick = (kind: string, effect: string) => items.find((r) => r.kind === kind && r.effect === effect)!;
  const [ld, lb, sd, sb] = [
    pick('landlord', 'deduction'),
    pick('landlord', 'bonus'),
    pick('shop', 'deduction'),
    pick('shop', 'bonus'),
  ];
  const days = Math.round((Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1)) / 86_400_000);
  const batch = 500_000;
  for (let lo = 1; lo <= cfg.records; lo += batch) {
    const hi = Math.min(cfg.records, lo + batch - 1);
    await step(
      'records',
      `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on,
         recorded_by, voided, void_reason)
       select $1::text::uuid, md5($1::text || 'x' || g)::uuid, (arr.ids)[1 + h.c % cardinality(arr.ids)],
              arr.effect, (arr.points)[1 + h.c % cardinality(arr.ids)],
              make_date($3, 1, 1) + ((i - 1)::bigint * $5 / $4)::int, $6, h.v = 0,
              case when h.v = 0 then '复核撤销' end
         from generate_series($7::int, $8::int) i
         cross join lateral (select abs(hashint4extended(i, 1)) as a, abs(hashint4extended(i, 2)) % 100 as b,
                                    abs(hashint4extended(i, 3)) as c, abs(hashint4extended(i, 4)) % 50 as v) h
         cross join lateral (select case when h.a % 20 = 0 then 1 + (h.a / 20) % greatest(1, $2::int / 100)
                                         else 1 + h.a % $2::int end as g) s
         cross join lateral (
           select case when s.g % 5 = 0 then 'shop' else 'landlord' end as kind,
                  case when h.b < 55 then 'bonus' else 'deduction' end as effect) k
         cross join lateral (
           select k.effect,
                  case k.kind || k.effect when 'landlorddeduction' then $9::uuid[] when 'landlordbonus' then $10::uuid[]
                       when 'shopdeduction' then $11::uuid[] else $12::uuid[] end as ids,
                  case k.kind || k.effect when 'landlorddeduction' then $13::int[] when 'landlordbonus' then $14::int[]
                       when 'shopdeduction' then $15::int[] else $16::int[] end as points) arr`,
      [
        T,
        n,
        y,
        cfg.records,
        days,
        t.adminId,
        lo,
        hi,
        ld.ids,
        lb.ids,
        sd.ids,
        sb.ids,
        ld.points,
        lb.points,
        sd.points,
        sb.points,
      ],
      true,
    );
    log(`records ${hi.toLocaleString('en')} / ${cfg.records.toLocaleString('en')}`);
  }
  return {
    subjects: n,
    landlords: n - Math.floor(n / 5),
    shops: Math.floor(n / 5),
    records: cfg.records,
    houses,
    residences,
    timingsMs,
  };
}
