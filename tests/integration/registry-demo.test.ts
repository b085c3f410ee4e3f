import {
  checkIdentity,
  generateHouseholds,
  generateHouses,
  generatePeople,
  generateShops,
  nameInitials,
  parseIdCard,
  type RegistryDemoCounts,
  seedRegistryDemo,
  unifiedCreditCode,
} from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp, testPii } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
let admin: Client;
let counts: RegistryDemoCounts;
let seedMs: number;

interface Listed {
  id: string;
  name: string;
  gender: string;
  birthDate: string;
  idType: string;
  idNumber: string;
  phone: string | null;
  registration: string;
  householdId: string | null;
  houseId: string | null;
}

beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
  const started = Date.now();
  counts = await t.db.withTenant(city.tenantId, (tx) =>
    seedRegistryDemo(tx, testPii, {
      grids: [city.units.gridA1a, city.units.gridA1b, city.units.gridA2a, city.units.gridB1a],
      visitor: { userId: city.users.workerA1a, gridId: city.units.gridA1a },
    }),
  );
  seedMs = Date.now() - started;
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
});
afterAll(() => t?.close());

const sql = <R>(text: string, params: unknown[] = []) =>
  t.db.withTenant(city.tenantId, (tx) => tx.query<R>(text, [tx.tenantId, ...params]));

describe('registry demo data', () => {
  it('fills the grids with houses, shops, households, residents, focus groups and visits, in seconds', async () => {
    expect(counts.residents).toBeGreaterThan(800);
    expect(counts.houses).toBeGreaterThan(300);
    expect(counts.shops).toBeGreaterThan(10);
    expect(counts.visits).toBeGreaterThan(0);
    expect(seedMs).toBeLessThan(10_000);
    const [db] = await sql<{ residents: number; households: number; headless: number; uses: string[] }>(
      `select (select count(*)::int from resident where tenant_id = $1) as residents,
              (select count(*)::int from household where tenant_id = $1) as households,
              (select count(*)::int from household h where tenant_id = $1 and not exists (
                 select 1 from resident r where r.tenant_id = h.tenant_id and r.id = h.head_id and r.household_id = h.id)) as headless,
              (select array_agg(distinct use order by use) from house where tenant_id = $1) as uses`,
    );
    expect(db).toEqual({
      residents: counts.residents,
      households: counts.households,
      headless: 0,
      uses: ['own-occupied', 'rented', 'shop', 'vacant'],
    });
    const tags = await sql<{ key: string }>(
      `select distinct t.key from resident_tag rt join focus_tag t on t.tenant_id = rt.tenant_id and t.id = rt.tag_id
        where rt.tenant_id = $1`,
    );
    expect(tags.map((x) => x.key)).toEqual(
      expect.arrayContaining(['elderly-alone', 'floating', 'rental-housing', 'released-prisoner']),
    );
  });

  it('gives every resident a distinct ID hash and one current residence', async () => {
    const [r] = await sql<{ n: number; hashes: number; current: number; history: number }>(
      `select count(*)::int as n, count(distinct id_hash)::int as hashes,
              (select count(*)::int from residence where tenant_id = $1 and moved_out is null) as current,
              (select count(*)::int from residence where tenant_id = $1 and moved_out is not null) as history
         from resident where tenant_id = $1`,
    );
    expect(r!.hashes).toBe(r!.n);
    expect(r!.current).toBe(r!.n);
    expect(r!.history).toBeGreaterThan(0);
  });

  it('lists residents masked; revealed as the admin, each ID number is valid and matches gender and birth date', async () => {
    const res = await admin.get('/residents?_start=0&_end=60&_sort=createdAt');
    expect(res.statusCode).toBe(200);
    const rows = res.json() as Listed[];
    expect(rows.length).toBe(60);
    for (const r of rows) {
      expect(r.idNumber).toMatch(r.idType === 'resident-id' ? /^\d{6}\*{8}\d{3}[\dX]$/ : /^[A-Z]\d\*+\d{4}$/);
      if (r.phone) expect(r.phone).toMatch(/^1[3-9]\d\*{4}\d{4}$/);
      const shown = await admin.post(`/residents/${r.id}/reveal`, { field: 'idNumber' });
      expect(shown.statusCode).toBe(200);
      const id = (shown.json() as { value: string }).value;
      expect(id.slice(0, 2)).toBe(r.idNumber.slice(0, 2));
      expect(id.slice(-4)).toBe(r.idNumber.slice(-4));
      if (r.idType === 'resident-id') {
        expect(parseIdCard(id)).toEqual({ gender: r.gender, birthDate: r.birthDate });
        expect(r.registration).not.toBe('overseas');
      } else expect(r.registration).toBe('overseas');
    }
    const [audit] = await sql<{ n: number }>(
      `select count(*)::int as n from audit_log where tenant_id = $1 and action = 'registry.pii.reveal'`,
    );
    expect(audit!.n).toBe(60);
  });

  it('finds a demo resident by her full ID number and by pinyin initials', async () => {
    const [first] = (await admin.get('/residents?_end=1&registration=local')).json() as Listed[];
    const id = (
      (await admin.post(`/residents/${first!.id}/reveal`, { field: 'idNumber' })).json() as { value: string }
    ).value;
    const byId = (await admin.get(`/residents?idNumber=${id}`)).json() as Listed[];
    expect(byId.map((r) => r.id)).toEqual([first!.id]);
    const initials = nameInitials(first!.name)!;
    const byInitials = (await admin.get(`/residents?q=${initials}&_end=100`)).json() as Listed[];
    expect(byInitials.map((r) => r.id)).toContain(first!.id);
  });
});

describe('demo generators', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    expect(generatePeople(300, 42)).toEqual(generatePeople(300, 42));
    expect(generatePeople(300, 42)).not.toEqual(generatePeople(300, 43));
    expect(generateHouseholds(100, 7)).toEqual(generateHouseholds(100, 7));
    expect(generateHouses('绣湖小区', 2, 5)).toEqual(generateHouses('绣湖小区', 2, 5));
    expect(generateShops('宾王路', 20, 5)).toEqual(generateShops('宾王路', 20, 5));
  });

  it('make people whose ID numbers are valid, unique and agree with gender, birth date and initials', () => {
    const people = generatePeople(5000, 11);
    expect(new Set(people.map((p) => p.idNumber)).size).toBe(people.length);
    const kinds = new Set(people.map((p) => p.registration));
    expect([...kinds].sort()).toEqual(['floating', 'local', 'overseas']);
    for (const p of people) {
      expect(checkIdentity(p)).toEqual({ idNumber: p.idNumber, gender: p.gender, birthDate: p.birthDate });
      expect(p.nameInitials).toBe(nameInitials(p.name));
      if (p.phone) expect(p.phone).toMatch(/^1[3-9]\d{9}$/);
      if (p.idType === 'passport') expect(p.nationality).toMatch(/^(IND|PAK|EGY|YEM|KOR)$/);
      else if (p.registration === 'local') expect(p.idNumber.slice(0, 2)).toBe('33');
      else expect(p.idNumber.slice(0, 2)).not.toBe('33');
    }
  });

  it('make households of one registration and shop licences with valid check characters', () => {
    for (const { members } of generateHouseholds(300, 3)) {
      expect(members.length).toBeGreaterThan(0);
      expect(new Set(members.map((m) => m.registration)).size).toBe(1);
    }
    for (const s of generateShops('宾王路', 50, 9)) {
      expect(s.licenceNo).toMatch(/^9[12]330782[0-9A-Z]{10}$/);
      expect(unifiedCreditCode(s.licenceNo.slice(0, 2) as '91', '330782', s.licenceNo.slice(8, 16))).toBe(
        s.licenceNo,
      );
    }
  });
});
