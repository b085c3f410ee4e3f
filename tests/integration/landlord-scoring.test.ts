import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import {
  file,
  type LandlordCity,
  landlordCity,
  M,
  person,
  record,
  rentedHouse,
  subject,
  Y1,
} from './landlord-fixture.ts';

/** The scoring arithmetic through the API: deductions, bonus caps, the floor, versioned rules. */
let t: TestApp;
let c: LandlordCity;
let landlord: string;
let house: string;

beforeAll(async () => {
  t = await startApp();
  c = await landlordCity(t);
  const ids = await t.db.withTenant(c.tenantId, async (tx) => {
    const h = await rentedHouse(tx, c.units.gridA1a, '绣湖小区3幢201');
    return { house: h, owner: await person(tx, c.units.gridA1a, '王房东') };
  });
  house = ids.house;
  landlord = await subject(c.admin, {
    kind: 'landlord',
    personId: ids.owner,
    houseIds: [house],
    registeredOn: `${Y1 - 1}-01-01`,
  });
});
afterAll(async () => {
  await t?.close();
});

describe('the default catalogue', () => {
  it('ships landlords’ 7 categories / 17 deduction items and shops’ 38 behaviours in four groups, with capped bonuses', async () => {
    const l = (await c.admin.get(`${M}/rules/landlord`)).json();
    const deductions = l.categories.filter((x: { code: string }) => x.code !== 'bonus');
    expect(deductions).toHaveLength(7);
    expect(deductions.flatMap((x: { items: unknown[] }) => x.items)).toHaveLength(17);
    expect(deductions[0]).toMatchObject({ titleZh: '人口管理', titleEn: 'Population management' });
    const bonus = l.categories.find((x: { code: string }) => x.code === 'bonus');
    expect(bonus.items[0]).toMatchObject({
      code: 'joined-patrol',
      points: 1,
      monthlyCap: 3,
      effect: 'bonus',
    });
    const s = (await c.admin.get(`${M}/rules/shop`)).json();
    const groups = s.categories.filter((x: { code: string }) => x.code !== 'bonus');
    expect(groups.map((x: { code: string }) => x.code)).toEqual([
      'trading',
      'conduct',
      'safety',
      'environment',
    ]);
    expect(groups.flatMap((x: { items: unknown[] }) => x.items)).toHaveLength(38);
  });
});

describe('scoring arithmetic', () => {
  it('deducts from the base of 12 and shows the year’s records', async () => {
    expect(
      (await record(c.clients.worker, landlord, 'escape-window-blocked', `${Y1}-02-03`)).statusCode,
    ).toBe(201);
    const r = await record(c.clients.worker, landlord, 'tenant-undeclared', `${Y1}-03-04`, {
      note: '3楼租客未登记',
      witness: '楼栋长李',
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ effect: 'deduction', points: 2 });
    const f = await file(c.admin, landlord, Y1);
    expect(f).toMatchObject({ base: 12, yellowFlagAt: 6, deductions: 5, bonuses: 0, score: 7 });
    expect(f.records.map((x: { itemCode: string }) => x.itemCode)).toEqual([
      'escape-window-blocked',
      'tenant-undeclared',
    ]);
    expect(f.records[1]).toMatchObject({ note: '3楼租客未登记', witness: '楼栋长李', voided: false });
  });

  it('adds bonuses that offset deductions, refuses one past its monthly cap (400 naming itemCode)', async () => {
    for (const day of ['05', '12', '19'])
      expect((await record(c.clients.worker, landlord, 'joined-patrol', `${Y1}-04-${day}`)).statusCode).toBe(
        201,
      );
    const over = await record(c.clients.worker, landlord, 'joined-patrol', `${Y1}-04-26`);
    expect(over.statusCode).toBe(400);
    expect(over.json().details[0].field).toBe('itemCode');
    // Another month has its own cap.
    expect((await record(c.clients.worker, landlord, 'joined-patrol', `${Y1}-05-02`)).statusCode).toBe(201);
    expect(await file(c.admin, landlord, Y1)).toMatchObject({ deductions: 5, bonuses: 4, score: 11 });
    // Bonuses only offset deductions: never above the base.
    expect((await record(c.clients.worker, landlord, 'fraud-stopped', `${Y1}-05-09`)).statusCode).toBe(201);
    expect(await file(c.admin, landlord, Y1)).toMatchObject({ bonuses: 7, score: 12 });
  });

  it('caps a month’s bonus in the arithmetic too (rows that came in past the form, e.g. a migration)', async () => {
    await t.db.withTenant(c.tenantId, (tx) =>
      tx.query(
        `insert into landlord_scoring_record (tenant_id, subject_id, item_id, effect, points, occurred_on, recorded_by)
         select r.tenant_id, r.subject_id, r.item_id, r.effect, r.points, r.occurred_on + 1, r.recorded_by
           from landlord_scoring_record r join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
          where r.subject_id = ? and i.code = 'joined-patrol' and r.occurred_on < ?::date`,
        [landlord, `${Y1}-05-01`],
      ),
    );
    // Six patrols recorded in April now; still 3 points from them.
    expect(await file(c.admin, landlord, Y1)).toMatchObject({ bonuses: 7 });
  });

  it('floors at zero, or goes negative when the settings say so', async () => {
    const owner = await t.db.withTenant(c.tenantId, (tx) => person(tx, c.units.gridA1a, '赵房东'));
    const bad = await subject(c.admin, { kind: 'landlord', personId: owner, registeredOn: `${Y1}-01-01` });
    for (const item of ['no-household-file', 'three-in-one', 'overcrowding'])
      expect((await record(c.clients.worker, bad, item, `${Y1}-06-01`)).statusCode).toBe(201);
    expect(await file(c.admin, bad, Y1)).toMatchObject({ deductions: 19, score: 0 });
    expect(
      (await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: { floorAtZero: false } }))
        .statusCode,
    ).toBe(200);
    expect(await file(c.admin, bad, Y1)).toMatchObject({ deductions: 19, score: -7 });
    await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: {} });
  });

  it('scores each record under the rule version in force on its date; past records keep theirs', async () => {
    const current = (await c.admin.get(`${M}/rules/landlord`)).json();
    const categories = current.categories.map(
      (cat: { code: string; titleZh: string; titleEn: string; items: Array<Record<string, unknown>> }) => ({
        code: cat.code,
        titleZh: cat.titleZh,
        titleEn: cat.titleEn,
        items: cat.items.map(({ code, titleZh, titleEn, effect, points, monthlyCap }) => ({
          code,
          titleZh,
          titleEn,
          effect,
          points: code === 'tenant-undeclared' ? 5 : points,
          ...(monthlyCap ? { monthlyCap } : {}),
        })),
      }),
    );
    const v = await c.admin.post(`${M}/rules/landlord/versions`, {
      effectiveFrom: `${Y1}-07-01`,
      note: '未申报租客加重扣分',
      categories,
    });
    expect(v.statusCode, v.body).toBe(201);
    // Versions only move forward.
    const back = await c.admin.post(`${M}/rules/landlord/versions`, {
      effectiveFrom: `${Y1}-06-01`,
      categories,
    });
    expect(back.statusCode).toBe(409);
    expect(back.json().details[0].field).toBe('effectiveFrom');
    // Only a city-wide grant edits the catalogue.
    expect(
      (
        await c.clients.street.post(`${M}/rules/landlord/versions`, {
          effectiveFrom: `${Y1}-08-01`,
          categories,
        })
      ).statusCode,
    ).toBe(403);

    const owner = await t.db.withTenant(c.tenantId, (tx) => person(tx, c.units.gridA1a, '钱房东'));
    const s = await subject(c.admin, { kind: 'landlord', personId: owner, registeredOn: `${Y1}-01-01` });
    expect((await record(c.clients.worker, s, 'tenant-undeclared', `${Y1}-06-20`)).json().points).toBe(2);
    expect((await record(c.clients.worker, s, 'tenant-undeclared', `${Y1}-07-20`)).json().points).toBe(5);
    const f = await file(c.admin, s, Y1);
    expect(f).toMatchObject({ deductions: 7, score: 5 });
    expect(new Set(f.records.map((r: { ruleVersionId: string }) => r.ruleVersionId)).size).toBe(2);
    expect((await c.admin.get(`${M}/rules/landlord?on=${Y1}-06-30`)).json().effectiveFrom).toBe('2000-01-01');
    expect((await c.admin.get(`${M}/rules/landlord/versions`)).json()).toHaveLength(2);
  });
});

describe('the landlord’s houses', () => {
  it('adds a rental house and ends one; the ended house stays on the file', async () => {
    const [second, own] = await t.db.withTenant(c.tenantId, async (tx) => [
      await rentedHouse(tx, c.units.gridA1a, '绣湖小区3幢202'),
      (
        await tx.query<{ id: string }>(
          `insert into house (tenant_id, org_unit_id, address, use) values (?, ?, '绣湖小区3幢203', 'own-occupied')
           returning id`,
          [c.tenantId, c.units.gridA1a],
        )
      )[0]!.id,
    ]);
    const add = (houseId: string) =>
      c.clients.worker.post(`${M}/subjects/${landlord}/houses`, { houseId, since: `${Y1}-01-01` });
    expect((await add(second)).statusCode).toBe(201);
    expect((await add(second)).json().code).toBe('duplicate');
    expect((await add(own)).json().details[0].field).toBe('houseId');
    const end = (until: string) =>
      c.clients.worker.post(`${M}/subjects/${landlord}/houses/${second}/end`, { until });
    expect((await end(`${Y1 - 2}-12-31`)).json().details[0].field).toBe('until');
    expect((await end(`${Y1}-06-30`)).statusCode).toBe(200);
    expect((await end(`${Y1}-07-31`)).json().code).toBe('ended');
    const houses = (await file(c.admin, landlord)).houses;
    expect(houses).toEqual([
      expect.objectContaining({ houseId: house, until: null }),
      expect.objectContaining({ houseId: second, since: `${Y1}-01-01`, until: `${Y1}-06-30` }),
    ]);
    // An inspector reads files but keeps none.
    expect(
      (await c.clients.inspector.post(`${M}/subjects/${landlord}/houses`, { houseId: second })).statusCode,
    ).toBe(403);
  });
});

describe('bad input names the field', () => {
  it.each([
    [{ itemCode: 'no-such-item' }, 'itemCode'],
    [{ occurredOn: '2999-01-01' }, 'occurredOn'],
    [{ occurredOn: '2025-13-01' }, 'occurredOn'],
    [{ occurredOn: '2025-02-29' }, 'occurredOn'],
    [{ subjectId: '00000000-0000-4000-8000-000000000000' }, 'subjectId'],
    [{ points: 3 }, 'points'],
  ])('%j → 400 on %s', async (patch, field) => {
    const res = await c.clients.worker.post(`${M}/records`, {
      subjectId: landlord,
      itemCode: 'rubbish',
      occurredOn: `${Y1}-03-01`,
      ...patch,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('a shop item is not a landlord rule; a landlord needs a person; one file per person', async () => {
    const shopItem = await record(c.clients.worker, landlord, 'counterfeit', `${Y1}-03-01`);
    expect(shopItem.json().details[0].field).toBe('itemCode');
    const noPerson = await c.admin.post(`${M}/subjects`, { kind: 'landlord' });
    expect(noPerson.json().details[0].field).toBe('personId');
    const badDate = await c.admin.post(`${M}/subjects`, { kind: 'landlord', registeredOn: '2025-04-31' });
    expect(badDate.json().details[0].field).toBe('registeredOn');
    const badVersion = await c.admin.post(`${M}/rules/shop/versions`, {
      effectiveFrom: '2099-02-30',
      categories: [{ code: 'x', titleZh: '类', titleEn: 'X', items: [] }],
    });
    expect(badVersion.json().details[0].field).toBe('effectiveFrom');
    expect((await c.admin.get(`${M}/rules/shop?on=2025-06-31`)).json().details[0].field).toBe('on');
    const f = await file(c.admin, landlord);
    const again = await c.admin.post(`${M}/subjects`, { kind: 'landlord', personId: f.personId });
    expect(again.statusCode).toBe(409);
  });
});
