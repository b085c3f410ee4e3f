import { makeIdCard } from '@civicgrid/registry';
import { TENANT_TODAY_SQL, tenantToday } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

/**
 * "Today" is the tenant's date, not the database's: from 16:00 UTC Yiwu is a day ahead. The tenant is
 * given whichever of two far zones (UTC+14, UTC−12) has another date than the database's right now —
 * at every hour one of them does — so a default taken from `current_date` fails here at any time of day.
 */
let t: TestApp;
let city: CityFixture;
let admin: Client;
let zone = '';
let zoneToday = '';

beforeAll(async () => {
  t = await startApp();
  const dates = await t.db.withPlatform((tx) =>
    tx.query<{ db: string; east: string; west: string }>(
      `select to_char(current_date, 'YYYY-MM-DD') as db,
              to_char((now() at time zone 'Pacific/Kiritimati')::date, 'YYYY-MM-DD') as east,
              to_char((now() at time zone 'Etc/GMT+12')::date, 'YYYY-MM-DD') as west`,
    ),
  );
  const d = dates[0]!;
  [zone, zoneToday] = d.east !== d.db ? ['Pacific/Kiritimati', d.east] : ['Etc/GMT+12', d.west];
  expect(zoneToday).not.toBe(d.db);
  city = await buildCity(t.db, { timezone: zone });
  admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
});
afterAll(() => t.close());

describe("today's date", () => {
  it("is the tenant's, in SQL and in code", async () => {
    const [row] = await t.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ d: string }>(`select to_char(${TENANT_TODAY_SQL}, 'YYYY-MM-DD') as d`),
    );
    expect(row!.d).toBe(zoneToday);
    expect(await t.db.withTenant(city.tenantId, tenantToday)).toBe(zoneToday);
  });

  it('dates a residence and a focus tag given no date by the tenant’s calendar', async () => {
    const house = (
      await admin.post('/houses', { orgUnitId: city.units.gridA1a, address: '时区小区1幢101', use: 'rented' })
    ).json().id as string;
    const res = await admin.post('/residents', {
      name: '时区测试',
      idType: 'resident-id',
      idNumber: makeIdCard('330782', '19900101', 517),
      registration: 'local',
      houseId: house,
    });
    expect(res.statusCode, res.body).toBe(201);
    const resident = (await admin.get(`/residents/${res.json().id}`)).json() as {
      residences: Array<{ movedIn: string }>;
    };
    expect(resident.residences.map((r) => r.movedIn)).toEqual([zoneToday]);

    // Tagged today (the tenant's today), her first visit is due from the tenant's midnight: already now.
    const tags = (await admin.get('/focus-tags')).json() as Array<{ id: string; key: string }>;
    const elderly = tags.find((x) => x.key === 'elderly-alone')!;
    expect((await admin.post(`/residents/${res.json().id}/tags`, { tagId: elderly.id })).statusCode).toBe(
      204,
    );
    const due = (await admin.get('/visits/due')).json() as Array<{ residentId: string; tag: string }>;
    expect(due.filter((d) => d.residentId === res.json().id).map((d) => d.tag)).toEqual(['elderly-alone']);
  });
});
