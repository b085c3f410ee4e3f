import type { Tx } from '@civicgrid/db';
import { createResident, makeIdCard } from '@civicgrid/registry';
import { expect } from 'vitest';
import { as, type Client, login, type TestApp, testPii } from '../support/app.ts';
import { buildCity, type CityFixture, grant } from '../support/fixture.ts';

/** Shared by the landlord-scoring test files: a city with the module on and registry people and places. */
export const M = '/m/landlord-scoring';
/** Last year and the one before, so every date used is in the past whatever today is. */
export const Y1 = new Date().getFullYear() - 1;
export const Y2 = Y1 - 1;

export interface LandlordCity extends CityFixture {
  admin: Client;
  clients: Record<'street' | 'secretary' | 'worker' | 'leader' | 'inspector', Client>;
}

export async function landlordCity(t: TestApp, settings: object = {}): Promise<LandlordCity> {
  const city = await buildCity(t.db);
  await t.db.withTenant(city.tenantId, async (tx) => {
    const { id } = (
      await tx.query<{ id: string }>(`select id from app_user where username = 'w-grida1a'`)
    )[0]!;
    // The plain worker of grid A1a becomes its grid leader.
    await grant(tx, id, city.roleIds.get('grid-leader')!, city.units.gridA1a);
  });
  const admin = as(t.app, (await login(t.app, city.code, 'admin')).accessToken);
  const on = await admin.put('/modules/landlord-scoring', { enabled: true, settings });
  expect(on.statusCode, on.body).toBe(200);
  const client = async (u: string) => as(t.app, (await login(t.app, city.code, u)).accessToken);
  return {
    ...city,
    admin,
    clients: {
      street: await client('streeta'),
      secretary: await client('seca1'),
      worker: await client('workera1a'),
      leader: await client('w-grida1a'),
      inspector: await client('inspector'),
    },
  };
}

let seq = 1;
/** A registry person living on `unitId` (or in `houseId` from `movedIn`). */
export async function person(
  tx: Tx,
  unitId: string,
  name: string,
  opts: { houseId?: string; movedIn?: string } = {},
): Promise<string> {
  return createResident(
    tx,
    testPii,
    {
      name,
      idType: 'resident-id',
      idNumber: makeIdCard('330782', `198${Math.floor(seq / 900)}0501`, (seq++ % 900) + 1),
      registration: 'floating',
      houseId: opts.houseId ?? null,
      movedIn: opts.movedIn,
    },
    unitId,
  );
}

export async function rentedHouse(tx: Tx, unitId: string, address: string): Promise<string> {
  const [h] = await tx.query<{ id: string }>(
    `insert into house (tenant_id, org_unit_id, address, use) values (?, ?, ?, 'rented') returning id`,
    [tx.tenantId, unitId, address],
  );
  return h!.id;
}

export async function shop(tx: Tx, unitId: string, name: string, operatorId: string): Promise<string> {
  const [s] = await tx.query<{ id: string }>(
    `insert into shop (tenant_id, org_unit_id, name, operator_id) values (?, ?, ?, ?) returning id`,
    [tx.tenantId, unitId, name, operatorId],
  );
  return s!.id;
}

/** Registers a subject through the API; answers its id. */
export async function subject(client: Client, body: object): Promise<string> {
  const res = await client.post(`${M}/subjects`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** Records an item through the API; answers the response. */
export const record = (client: Client, subjectId: string, itemCode: string, occurredOn: string, extra = {}) =>
  client.post(`${M}/records`, { subjectId, itemCode, occurredOn, ...extra });

export const file = async (client: Client, id: string, year?: number) => {
  const res = await client.get(`${M}/subjects/${id}${year ? `?year=${year}` : ''}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

/** Everything a month's assessment wrote, in a stable order: what "identical rows" compares. */
export async function monthRows(t: TestApp, tenantId: string, period: string) {
  return t.db.withTenant(tenantId, async (tx) => ({
    assessments: await tx.query(
      `select subject_id, kind, org_unit_id, deductions, bonuses, score, flag, improvement_class, referral,
              tenants_verified, tenants_self_declared
         from landlord_scoring_assessment where period = ? order by subject_id`,
      [period],
    ),
    enrolments: await tx.query(
      `select subject_id, class_month, attended_on from landlord_scoring_enrolment where period = ? order by subject_id`,
      [period],
    ),
    reports: await tx.query(
      `select org_unit_id, level, landlords, yellow_landlords, improvement_class, referrals, shops, yellow_shops,
              red_shops, tenants_verified, tenants_self_declared
         from landlord_scoring_report where period = ? order by org_unit_id`,
      [period],
    ),
  }));
}
