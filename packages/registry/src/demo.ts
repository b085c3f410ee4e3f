import type { Tx } from '@civicgrid/db';
import { maskId, maskPhone } from '@civicgrid/kernel';
import { createUnit } from '@civicgrid/tenancy';
import {
  type DemoHouse,
  type DemoHousehold,
  type DemoPerson,
  generateHouseholds,
  generateHouses,
  generateShops,
  seededRandom,
} from './demo-people.ts';
import { seedFocusTags } from './focus.ts';
import type { Pii } from './pii.ts';

/**
 * The registry part of the demo tenant: in every given grid a compound of walk-up buildings with
 * their flats, a street of shops, the households living there and their focus groups, so every
 * registry page has data and the personal-data protections (masking, reveal audit, sensitive groups)
 * can be seen. Everything is generated from one seed; rows go in with one `unnest` statement per table
 * and chunk, since sealing ID numbers happens per row in Node and a row-by-row insert would take minutes.
 */
export interface RegistryDemoOptions {
  /** Grid org units (ids) to populate. */
  grids: string[];
  /** A grid worker who records the demo visits, in her own grid; no visits without one. */
  visitor?: { userId: string; gridId: string } | null;
  buildingsPerGrid?: number;
  shopsPerGrid?: number;
  seed?: number;
}

export interface RegistryDemoCounts {
  houses: number;
  shops: number;
  households: number;
  residents: number;
  tags: number;
  visits: number;
}

const COMPOUNDS = [
  '绣湖',
  '宾王',
  '稠州',
  '江滨',
  '丹溪',
  '新马路',
  '工人',
  '篁园',
  '朝阳',
  '下骆宅',
  '杨村',
];
const STREETS = ['宾王路', '工人西路', '篁园路', '稠州北路', '城中中路', '朝阳路', '北门街', '县前街'];
const VISIT_NOTES = [
  '上门走访，身体状况良好，已提醒冬季用电用气安全。',
  '电话联系后入户，独居生活能自理，子女每周来看望。',
  '走访了解近况，反映楼道照明损坏，已报物业。',
  '例行走访，情绪稳定，已告知社区联系电话。',
];
const CHUNK = 1000;
const REFERENCE_YEAR = 2025;

/**
 * Inserts rows column-wise: `insert … select ?, * from unnest(?::type[], …)`, CHUNK rows a statement.
 * `columns` reads like a table definition: `id uuid, name text, …`.
 */
async function insertColumns(tx: Tx, table: string, columns: string, rows: unknown[][]) {
  const cols = columns.split(',').map((c) => c.trim().split(' ') as [string, string]);
  const arrays = cols.map(([, t]) => `?::${t}[]`).join(', ');
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await tx.query(
      `insert into ${table} (tenant_id, ${cols.map(([n]) => n).join(', ')}) select ?::uuid, * from unnest(${arrays})`,
      [tx.tenantId, ...cols.map((_, c) => chunk.map((r) => r[c] ?? null))],
    );
  }
}

interface Placed {
  person: DemoPerson;
  id: string;
  unit: string;
  houseId: string;
  rented: boolean;
  alone: boolean;
  movedIn: string;
}

export async function seedRegistryDemo(
  tx: Tx,
  pii: Pii,
  opts: RegistryDemoOptions,
): Promise<RegistryDemoCounts> {
  const seed = opts.seed ?? 2026;
  const rng = seededRandom(seed);
  const tenantId = tx.tenantId!;
  const gridRows = await tx.query<{ id: string; gridType: string | null }>(
    `select id, grid_type as "gridType" from org_unit where tenant_id = ? and id = any(?::uuid[]) and kind = 'grid'`,
    [tenantId, opts.grids],
  );
  const gridType = new Map(gridRows.map((g) => [g.id, g.gridType]));
  const houses: unknown[][] = [];
  const shopPlaces: Array<{ grid: string; shop: ReturnType<typeof generateShops>[number]; houseId: string }> =
    [];
  const homes: Array<{ grid: string; unit: string; houseId: string; house: DemoHouse }> = [];
  const addHouse = (unit: string, h: DemoHouse) => {
    const id = crypto.randomUUID();
    houses.push([
      id,
      unit,
      h.address,
      h.floor,
      h.area,
      h.use,
      h.rooms,
      h.occupancyCap,
      h.escapeWindow,
      h.ebikeCharging,
    ]);
    return id;
  };
  const licences = new Set<string>();
  for (const [gi, grid] of opts.grids.entries()) {
    if (!gridType.has(grid)) throw new Error(`seedRegistryDemo: ${grid} is not a grid of this tenant`);
    const business = gridType.get(grid) === 'business';
    // A business grid is mostly shop-fronts; a residential one mostly flats.
    const buildings = Math.max(1, (opts.buildingsPerGrid ?? 4) - (business ? 2 : 0));
    const compoundName = `${COMPOUNDS[gi % COMPOUNDS.length]}${gi >= COMPOUNDS.length ? gi : ''}小区`;
    const compound = await createUnit(tx, { parentId: grid, kind: 'compound', name: compoundName });
    const buildingIds: string[] = [];
    for (let b = 1; b <= buildings; b++)
      buildingIds.push(
        (await createUnit(tx, { parentId: compound.id, kind: 'building', name: `${b}幢` })).id,
      );
    for (const h of generateHouses(compoundName, buildings, seed + gi)) {
      const unit = buildingIds[h.building - 1]!;
      homes.push({ grid, unit, houseId: addHouse(unit, h), house: h });
    }
    const street = STREETS[gi % STREETS.length]!;
    for (const shop of generateShops(street, (opts.shopsPerGrid ?? 6) * (business ? 3 : 1), seed * 31 + gi)) {
      if (licences.has(shop.licenceNo)) continue;
      licences.add(shop.licenceNo);
      shopPlaces.push({ grid, shop, houseId: addHouse(grid, shop.house) });
    }
  }

  // Owners' families in own-occupied flats; floating workers and foreign merchants rent first.
  const slots = homes.flatMap((h) =>
    h.house.use === 'own-occupied'
      ? [{ home: h, rent: false }]
      : h.house.use === 'rented'
        ? Array.from({ length: Math.min(3, Math.ceil((h.house.rooms ?? 1) / 2)) }, () => ({
            home: h,
            rent: true,
          }))
        : [],
  );
  const pool = generateHouseholds(Math.ceil(slots.length * 1.4), seed);
  const locals = pool.filter((h) => h.members[0]!.registration === 'local');
  const movers = pool.filter((h) => h.members[0]!.registration !== 'local');
  const households: unknown[][] = [];
  const heads: Array<[string, string]> = [];
  const placed: Placed[] = [];
  const residentHousehold = new Map<string, string>();
  for (const { home, rent } of slots) {
    const hh: DemoHousehold | undefined =
      (rent ? (movers.shift() ?? locals.shift()) : locals.shift()) ?? movers.shift();
    if (!hh) break;
    const householdId = crypto.randomUUID();
    households.push([householdId, home.unit, home.houseId]);
    const sinceYear = REFERENCE_YEAR - (rent ? Math.floor(rng() * 4) : Math.floor(rng() * 20));
    for (const [i, person] of hh.members.entries()) {
      const id = crypto.randomUUID();
      if (i === 0) heads.push([householdId, id]);
      residentHousehold.set(id, householdId);
      const arrived = `${sinceYear}-${String(1 + Math.floor(rng() * 12)).padStart(2, '0')}-01`;
      placed.push({
        person,
        id,
        unit: home.unit,
        houseId: home.houseId,
        rented: rent,
        alone: hh.members.length === 1,
        // Children born after the family moved in arrived at birth.
        movedIn: arrived > person.birthDate ? arrived : person.birthDate,
      });
    }
  }

  const residents = placed.map((p) => {
    const phone = p.person.phone;
    return [
      p.id,
      p.unit,
      p.person.name,
      p.person.nameInitials,
      p.person.gender,
      p.person.birthDate,
      p.person.idType,
      pii.encrypt(tenantId, 'id', p.person.idNumber),
      pii.hash(tenantId, 'id', p.person.idNumber),
      maskId(p.person.idNumber),
      p.person.nationality,
      phone ? pii.encrypt(tenantId, 'phone', phone) : null,
      phone ? pii.hash(tenantId, 'phone', phone) : null,
      phone ? maskPhone(phone) : null,
      pii.keyId,
      p.person.registration,
      residentHousehold.get(p.id),
    ];
  });

  await insertColumns(
    tx,
    'house',
    'id uuid, org_unit_id uuid, address text, floor int, area numeric, use text, rooms int, occupancy_cap int, escape_window bool, ebike_charging bool',
    houses,
  );
  await insertColumns(tx, 'household', 'id uuid, org_unit_id uuid, house_id uuid', households);
  await insertColumns(
    tx,
    'resident',
    'id uuid, org_unit_id uuid, name text, name_initials text, gender text, birth_date date, id_type text, id_cipher bytea, id_hash bytea, id_masked text, nationality text, phone_cipher bytea, phone_hash bytea, phone_masked text, pii_key text, registration text, household_id uuid',
    residents,
  );
  // The head exists only now (household ↔ resident reference each other).
  await tx.query(
    `update household h set head_id = x.head from unnest(?::uuid[], ?::uuid[]) as x(id, head)
      where h.tenant_id = ? and h.id = x.id`,
    [heads.map((h) => h[0]), heads.map((h) => h[1]), tenantId],
  );

  // Where they live, and for some renters where they lived before: moving keeps the old residence.
  const residence: unknown[][] = placed.map((p) => [p.id, p.houseId, p.unit, p.movedIn, null]);
  const rentals = homes.filter((h) => h.house.use === 'rented');
  for (const p of placed) {
    const before = rentals[Math.floor(rng() * rentals.length)];
    const from = `${Number(p.movedIn.slice(0, 4)) - 1}-03-01`;
    if (p.rented && before && before.houseId !== p.houseId && rng() < 0.1 && from > p.person.birthDate)
      residence.push([p.id, before.houseId, before.unit, from, p.movedIn]);
  }
  await insertColumns(
    tx,
    'residence',
    'resident_id uuid, house_id uuid, org_unit_id uuid, moved_in date, moved_out date',
    residence,
  );

  // Shop-keepers: adults of the grid, foreign merchants first where there are any.
  const shops: unknown[][] = [];
  for (const s of shopPlaces) {
    const gridUnits = new Set(homes.filter((h) => h.grid === s.grid).map((h) => h.unit));
    const adults = placed.filter((p) => gridUnits.has(p.unit) && p.person.birthDate < '2000-01-01');
    const operator =
      adults.find((p) => p.person.registration === 'overseas' && !shops.some((x) => x[4] === p.id)) ??
      adults[Math.floor(rng() * adults.length)];
    shops.push([
      s.houseId,
      s.grid,
      s.shop.name,
      s.shop.licenceNo,
      operator?.id ?? null,
      s.shop.businessStreet,
    ]);
  }
  await insertColumns(
    tx,
    'shop',
    'house_id uuid, org_unit_id uuid, name text, licence_no text, operator_id uuid, business_street text',
    shops,
  );

  const { tags, visits } = await tagAndVisit(tx, placed, rng, opts.visitor ?? null);
  return {
    houses: houses.length,
    shops: shops.length,
    households: households.length,
    residents: residents.length,
    tags,
    visits,
  };
}

/** Focus groups from what the data says (age, living alone, renting, registration), plus a few rare ones. */
async function tagAndVisit(
  tx: Tx,
  placed: Placed[],
  rng: () => number,
  visitor: { userId: string; gridId: string } | null,
) {
  await seedFocusTags(tx);
  const tagIds = new Map(
    (
      await tx.query<{ id: string; key: string }>(`select id, key from focus_tag where tenant_id = ?`, [
        tx.tenantId,
      ])
    ).map((t) => [t.key, t.id]),
  );
  const age = (p: Placed) => REFERENCE_YEAR - Number(p.person.birthDate.slice(0, 4));
  const rows: unknown[][] = [];
  const tag = (p: Placed, key: string) => rows.push([p.id, tagIds.get(key), p.movedIn]);
  const elderlyAlone: Placed[] = [];
  for (const p of placed) {
    if (p.alone && age(p) >= 65) {
      tag(p, 'elderly-alone');
      elderlyAlone.push(p);
    }
    if (p.person.registration === 'floating') tag(p, 'floating');
    if (p.rented) tag(p, 'rental-housing');
    if (rng() < 0.015) tag(p, 'disabled');
    else if (p.person.registration === 'local' && rng() < 0.02) tag(p, 'low-income');
  }
  // The sensitive groups: a handful of adult men, so pages with and without the permission differ.
  const men = placed.filter((p) => p.person.gender === 'male' && age(p) >= 25 && age(p) <= 60);
  const rare = Math.max(2, Math.round(placed.length / 1500));
  for (let i = 0; i < rare && men.length > 0; i++) {
    tag(men.splice(Math.floor(rng() * men.length), 1)[0]!, 'released-prisoner');
    if (men.length > 0) tag(men.splice(Math.floor(rng() * men.length), 1)[0]!, 'community-correction');
  }
  await insertColumns(tx, 'resident_tag', 'resident_id uuid, tag_id uuid, since date', rows);

  // Recent visits in the visitor's own grid (some residents are due again, some are not).
  let visits = 0;
  if (visitor) {
    const [grid] = await tx.query<{ path: string }>(
      `select path::text as path from org_unit where tenant_id = ? and id = ?`,
      [tx.tenantId, visitor.gridId],
    );
    if (!grid) return { tags: rows.length, visits };
    const inGrid = new Set(
      (
        await tx.query<{ id: string }>(`select id from org_unit where tenant_id = ? and path <@ ?::ltree`, [
          tx.tenantId,
          grid.path,
        ])
      ).map((u) => u.id),
    );
    // Most of her elderly living alone (due weekly), and a dozen renters checked on (monthly).
    const visited = [
      ...elderlyAlone.filter((p) => inGrid.has(p.unit) && rng() < 0.8),
      ...placed.filter((p) => inGrid.has(p.unit) && p.rented && !p.alone).slice(0, 12),
    ];
    for (const [i, p] of visited.entries())
      await tx.query(
        `insert into visit (tenant_id, resident_id, visitor_id, org_unit_id, visited_at, note, photo_ref)
         values (?, ?, ?, ?, now() - make_interval(hours => ?), ?, ?)`,
        [
          tx.tenantId,
          p.id,
          visitor.userId,
          p.unit,
          Math.floor(rng() * 240),
          VISIT_NOTES[i % VISIT_NOTES.length],
          i % 3 === 0 ? `demo/visits/${i + 1}.jpg` : null,
        ],
      );
    visits = visited.length;
  }
  return { tags: rows.length, visits };
}
