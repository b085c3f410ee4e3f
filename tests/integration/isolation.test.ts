import { UserEntity } from '@civicgrid/identity';
import { createJobClient } from '@civicgrid/jobs';
import { makeIdCard } from '@civicgrid/registry';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { as, type Client, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { type TestBackend, testBackend } from '../support/jobs.ts';

let t: TestApp;
let a: CityFixture;
let b: CityFixture;
let adminA: Client;
let bGrantId: string;
let bRoleId: string;
let bRunId: string;
let bImportId: string;
let bExportId: string;
let bResidentId: string;
let bHouseId: string;
let bShopId: string;
let bTagId: string;
let bHouseholdId: string;
let bNoticeId: string;
let bEventId: string;
let bCategoryId: string;
let bSubjectId: string;
let bRecordId: string;
let bAppealId: string;

let backend: TestBackend;

beforeAll(async () => {
  // The events module queues its deadlines at intake: the API gets a job client (no worker runs).
  backend = await testBackend('redis', 'isolation');
  t = await startApp({
    jobs: (host, db) => createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix }),
  });
  [a, b] = [await buildCity(t.db), await buildCity(t.db)];
  adminA = as(t.app, (await login(t.app, a.code, 'admin')).accessToken);
  const adminB = as(t.app, (await login(t.app, b.code, 'admin')).accessToken);
  bGrantId = (await adminB.get(`/grants?userId=${b.users.streetA}`)).json()[0].id;
  // The example module on in both tenants, and a notice of B's for its id routes.
  for (const admin of [adminA, adminB]) await admin.put('/modules/bulletin', { enabled: true });
  bNoticeId = (
    await adminB.post('/m/bulletin/notices', { orgUnitId: b.units.gridA1a, title: 'B的通知' })
  ).json().id;
  bRoleId = b.roleIds.get('grid-worker')!;
  // Registry records of tenant B's.
  bHouseId = (
    await adminB.post('/houses', { orgUnitId: b.units.gridA1a, address: 'B小区1幢', use: 'rented' })
  ).json().id;
  bShopId = (await adminB.post('/shops', { orgUnitId: b.units.gridA1a, name: 'B商铺' })).json().id;
  bResidentId = (
    await adminB.post('/residents', {
      houseId: bHouseId,
      name: '赵六',
      idType: 'resident-id',
      idNumber: makeIdCard('330782', '19700101', 55),
      registration: 'local',
    })
  ).json().id;
  bTagId = (await adminB.get('/focus-tags')).json()[0].id;
  bHouseholdId = (await adminB.post('/households', { headId: bResidentId })).json().id;
  // The events and landlord-scoring modules on in both tenants, with records of B's for their id routes.
  for (const admin of [adminA, adminB])
    for (const m of ['events', 'landlord-scoring'])
      expect((await admin.put(`/modules/${m}`, { enabled: true })).statusCode).toBe(200);
  bCategoryId = (await adminB.get('/m/events/categories')).json().at(-1).id;
  const event = await adminB.post('/m/events/events', {
    title: 'B的事件',
    categoryId: bCategoryId,
    channel: 'walk-in',
    urgency: 'yellow',
    orgUnitId: b.units.gridA1a,
  });
  expect(event.statusCode, event.body).toBe(201);
  bEventId = event.json().event.id;
  const subject = await adminB.post('/m/landlord-scoring/subjects', {
    kind: 'landlord',
    personId: bResidentId,
    houseIds: [bHouseId],
    registeredOn: '2026-01-01',
  });
  expect(subject.statusCode, subject.body).toBe(201);
  bSubjectId = subject.json().id;
  const items = (await adminB.get('/m/landlord-scoring/rules/landlord')).json() as {
    categories: Array<{ items: Array<{ code: string; effect: string }> }>;
  };
  const deduction = items.categories.flatMap((c) => c.items).find((i) => i.effect === 'deduction')!;
  const record = await adminB.post('/m/landlord-scoring/records', {
    subjectId: bSubjectId,
    itemCode: deduction.code,
    occurredOn: '2026-03-01',
  });
  expect(record.statusCode, record.body).toBe(201);
  bRecordId = record.json().id;
  const appeal = await adminB.post(`/m/landlord-scoring/records/${bRecordId}/appeals`, { reason: '不服' });
  expect(appeal.statusCode, appeal.body).toBe(201);
  bAppealId = appeal.json().id;
  // A failed run of tenant B's (a retry target) for the job centre's id routes.
  bRunId = await t.db.withTenant(b.tenantId, async (tx) => {
    const [r] = await tx.query<{ id: string }>(
      `insert into job_run (tenant_id, plugin, job, queue_job_id, state, period, error)
       values (?, 'bulletin', 'tally', 'iso-1', 'failed', '2026-10', 'boom') returning id`,
      [b.tenantId],
    );
    return r!.id;
  });
  // A finished background import of tenant B's, for the import routes.
  bImportId = await t.db.withTenant(b.tenantId, async (tx) => {
    const [r] = await tx.query<{ id: string }>(
      `insert into registry_import (tenant_id, kind, file_size, state, created_by, actor, scope)
       values (?, 'residents', 10, 'completed', ?, '{}', '"all"') returning id`,
      [b.tenantId, b.users.admin],
    );
    return r!.id;
  });
  // A finished export of B's, its archive stored: A's admin must not see or download it.
  bExportId = await t.db.withTenant(b.tenantId, async (tx) => {
    const [r] = await tx.query<{ id: string }>(
      `insert into tenant_transfer (tenant_id, id, direction, state, storage_key, actor)
       values (?, gen_random_uuid(), 'export', 'completed', 'transfers/b/archive.cgt.gz', '{}') returning id`,
      [b.tenantId],
    );
    return r!.id;
  });
});
afterAll(async () => {
  await t.close();
  await backend.drop();
});

/** A body that passes validation for each id route, so the request reaches the lookup. */
const VALID_BODY: Record<string, unknown> = {
  'PATCH /api/v1/org-units/{id}': { name: '改名' },
  'POST /api/v1/org-units/{id}/move': () => ({ parentId: a.units.streetA }),
  'PATCH /api/v1/users/{id}': { displayName: '改名' },
  'POST /api/v1/users/{id}/reset-password': { password: 'Valid-pass-2026' },
  'PATCH /api/v1/roles/{id}': { name: '改名' },
  'PATCH /api/v1/residents/{id}': { name: '改名' },
  'POST /api/v1/residents/{id}/reveal': { field: 'idNumber' },
  'POST /api/v1/residents/{id}/move-in': () => ({ orgUnitId: a.units.gridA1a, date: '2026-01-01' }),
  'POST /api/v1/residents/{id}/move-out': { date: '2026-01-01' },
  'POST /api/v1/residents/{id}/tags': () => ({ tagId: bTagId }),
  'POST /api/v1/residents/{id}/visits': { visitedAt: '2026-01-01T00:00:00Z' },
  'PATCH /api/v1/houses/{id}': { rooms: 2 },
  'PATCH /api/v1/shops/{id}': { name: '改名' },
  'POST /api/v1/households/{id}/members': () => ({ residentId: bResidentId }),
  'PATCH /api/v1/m/events/categories/{id}': { name: '改名' },
  'POST /api/v1/m/events/events/{id}/return': { reason: '退回' },
  'POST /api/v1/m/events/events/{id}/handle': { note: '已处理' },
  'POST /api/v1/m/events/events/{id}/escalate': { reason: '上报' },
  'POST /api/v1/m/events/events/{id}/follow-ups': { satisfaction: 'satisfied' },
  // Merging B's event into A's own: still B's event that is not found.
  'POST /api/v1/m/events/events/{id}/merge': () => ({ into: bEventId }),
  'POST /api/v1/m/events/events/{id}/whistles': () => ({ units: [{ orgUnitId: a.units.streetA }] }),
  'POST /api/v1/m/events/whistles/{id}/reply': { reply: '已办理' },
  'POST /api/v1/m/events/events/{id}/extensions': { minutes: 30, reason: '需要时间' },
  'POST /api/v1/m/events/events/{id}/extensions/{xid}/decision': { decision: 'approved' },
  'POST /api/v1/m/landlord-scoring/subjects/{id}/houses': () => ({ houseId: bHouseId }),
  'POST /api/v1/m/landlord-scoring/subjects/{id}/houses/{houseId}/end': { until: '2026-06-01' },
  'POST /api/v1/m/landlord-scoring/subjects/{id}/classes/{month}/attendance': { attendedOn: '2026-02-10' },
  'POST /api/v1/m/landlord-scoring/records/{id}/appeals': { reason: '不服' },
  'POST /api/v1/m/landlord-scoring/appeals/{id}/decision': { decision: 'upheld', note: '成立' },
  'POST /api/v1/m/landlord-scoring/subjects/{id}/tenants': () => ({
    houseId: bHouseId,
    personId: bResidentId,
    movedIn: '2026-01-01',
  }),
  'POST /api/v1/m/landlord-scoring/subjects/{id}/tenants/{residenceId}/move-out': { movedOut: '2026-01-01' },
  'POST /api/v1/m/landlord-scoring/subjects/{id}/visits': () => ({ houseId: bHouseId, present: [] }),
  'PUT /api/v1/m/landlord-scoring/subjects/{id}/account': { userId: null },
};

/** The other path parameters: B's own where the route names one, else an id nobody has. */
const OTHER_PARAMS: Record<string, () => string> = {
  '{tagId}': () => bTagId,
  '{houseId}': () => bHouseId,
  '{month}': () => '2026-01',
  '{xid}': () => '00000000-0000-4000-8000-000000000001',
  '{attachmentId}': () => '00000000-0000-4000-8000-000000000002',
  '{photoId}': () => '00000000-0000-4000-8000-000000000005',
  '{residenceId}': () => '00000000-0000-4000-8000-000000000006',
};

describe('cross-tenant', () => {
  it("every id route answers 404 to tenant A's admin for tenant B's records", async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const idOf: Record<string, () => string> = {
      '/api/v1/org-units/': () => b.units.commA1,
      '/api/v1/users/': () => b.residents.gridA1a!,
      '/api/v1/roles/': () => bRoleId,
      '/api/v1/grants/': () => bGrantId,
      '/api/v1/job-runs/': () => bRunId,
      '/api/v1/residents/': () => bResidentId,
      '/api/v1/houses/': () => bHouseId,
      '/api/v1/shops/': () => bShopId,
      '/api/v1/households/': () => bHouseholdId,
      '/api/v1/imports/': () => bImportId,
      '/api/v1/tenant-exports/': () => bExportId,
      '/api/v1/m/bulletin/notices/': () => bNoticeId,
      '/api/v1/m/events/events/': () => bEventId,
      '/api/v1/m/events/categories/': () => bCategoryId,
      // Whistles and reports exist only further along an event's life: an id nobody has stands in.
      '/api/v1/m/events/whistles/': () => '00000000-0000-4000-8000-000000000003',
      '/api/v1/m/events/reports/': () => '00000000-0000-4000-8000-000000000004',
      '/api/v1/m/landlord-scoring/subjects/': () => bSubjectId,
      '/api/v1/m/landlord-scoring/records/': () => bRecordId,
      '/api/v1/m/landlord-scoring/appeals/': () => bAppealId,
    };
    // Module ids name installed plugins, the same for every tenant; what a tenant switches is its own
    // tenant_module row (modules.test.ts: A on, B off).
    const tenantNeutral = ['/api/v1/modules/'];
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.includes('{id}') || path.startsWith('/api/v1/platform/')) continue;
      if (tenantNeutral.some((p) => path.startsWith(p))) continue;
      const prefix = Object.keys(idOf).find((p) => path.startsWith(p));
      expect(prefix, `no tenant-B record kind known for ${path}: add it to this test`).toBeDefined();
      for (const method of Object.keys(methods)) {
        const key = `${method.toUpperCase()} ${path}`;
        const body = VALID_BODY[key];
        const url = Object.entries(OTHER_PARAMS).reduce(
          (u, [param, value]) => u.replace(param, value()),
          path.replace('/api/v1', '').replace('{id}', idOf[prefix!]!()),
        );
        const m = method.toUpperCase() as 'GET' | 'POST' | 'PATCH' | 'DELETE';
        const res = await adminA[m.toLowerCase() as 'get'](
          url,
          typeof body === 'function' ? body() : (body ?? (m === 'POST' || m === 'PATCH' ? {} : undefined)),
        );
        expect(res.statusCode, `${key}: ${res.body}`).toBe(404);
        expect(res.body).not.toContain(b.code);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it("lists never show another tenant's rows", async () => {
    for (const url of [
      '/users?_end=500',
      '/org-units?_end=500',
      '/roles?_end=500',
      '/grants?_end=500',
      '/audit-log?_end=500',
      '/job-runs?_end=500',
      '/tenant-exports?_end=500',
      '/residents?_end=500',
      '/houses?_end=500',
      '/shops?_end=500',
      '/m/events/events?_end=500',
      '/m/events/categories',
      '/m/landlord-scoring/subjects?_end=500',
      '/m/landlord-scoring/appeals?_end=500',
    ]) {
      const res = await adminA.get(url);
      expect(res.statusCode).toBe(200);
      const ids = new Set(res.json().map((r: { id: string }) => r.id));
      for (const id of [
        ...Object.values(b.units),
        ...Object.values(b.users),
        bRoleId,
        bGrantId,
        bRunId,
        bResidentId,
        bHouseId,
        bShopId,
        bEventId,
        bCategoryId,
        bSubjectId,
        bAppealId,
        bExportId,
      ])
        expect(ids.has(id)).toBe(false);
    }
  });

  it('ids of tenant B in bodies are unknown to tenant A (4xx, nothing written)', async () => {
    const create = await adminA.post('/users', {
      orgUnitId: b.units.gridA1a,
      username: 'intruder',
      displayName: 'x',
      password: 'Valid-pass-2026',
    });
    expect(create.statusCode).toBe(400);
    expect(create.json().details[0].field).toBe('orgUnitId');
    const grant = await adminA.post('/grants', {
      userId: a.residents.gridA1a,
      roleId: bRoleId,
      orgUnitId: a.units.gridA1a,
    });
    expect(grant.statusCode).toBe(400);
    expect((await adminA.get('/users?username=intruder')).json()).toHaveLength(0);
  });
});

describe('row-level security as the application role', () => {
  const appUrl = () => inject('db').appUrl;

  it('without app.tenant_id the app role sees no tenant rows at all', async () => {
    const c = new pg.Client({ connectionString: appUrl() });
    await c.connect();
    try {
      for (const table of ['org_unit', 'app_user', 'role', 'role_grant', 'audit_log', 'user_session']) {
        const { rows } = await c.query(`select count(*)::int as n from ${table}`);
        expect(rows[0].n, table).toBe(0);
      }
    } finally {
      await c.end();
    }
  });

  it('with tenant A set, raw SQL and the QueryBuilder see no B rows, and B rows cannot be written', async () => {
    await t.db.withTenant(a.tenantId, async (tx) => {
      const raw = await tx.query<{ tenant_id: string }>(`select distinct tenant_id from app_user`);
      expect(raw.map((r) => r.tenant_id)).toEqual([a.tenantId]);
      // The QueryBuilder skips MikroORM filters unless asked: RLS still holds the line.
      const qb = await tx.em.createQueryBuilder(UserEntity, 'u').select('*').getResultList();
      expect(qb.length).toBeGreaterThan(0);
      expect(qb.every((u) => u.tenantId === a.tenantId)).toBe(true);
      const byId = await tx.query(`select * from app_user where id = ?`, [b.users.admin]);
      expect(byId).toHaveLength(0);
    });
    await expect(
      t.db.withTenant(a.tenantId, (tx) =>
        tx.query(
          `insert into org_unit (tenant_id, id, kind, name, path) values (?, gen_random_uuid(), 'street', 'x', 'x')`,
          [b.tenantId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await t.db.withTenant(a.tenantId, (tx) =>
      tx.query(`update app_user set display_name = 'pwned' where tenant_id = ? returning id`, [b.tenantId]),
    );
    expect(updated).toHaveLength(0);
  });

  it('the tenant filter fails closed when no tenant is set', async () => {
    const em = t.db.orm.em.fork();
    await expect(em.find(UserEntity, {})).rejects.toThrow();
  });

  it('the app role cannot change or delete audit rows, nor bypass RLS', async () => {
    const c = new pg.Client({ connectionString: appUrl() });
    await c.connect();
    try {
      await c.query('begin');
      await c.query(`select set_config('app.tenant_id', $1, true)`, [a.tenantId]);
      const { rows } = await c.query(`select count(*)::int as n from audit_log`);
      expect(rows[0].n).toBeGreaterThan(0);
      await expect(c.query(`update audit_log set action = 'x'`)).rejects.toThrow(/permission denied/);
      await c.query('rollback');
      await expect(c.query(`delete from audit_log`)).rejects.toThrow(/permission denied/);
      await expect(c.query(`set row_security = off; select count(*) from app_user`)).rejects.toThrow(
        /row-level security/,
      );
      const role = await c.query(`select rolbypassrls, rolsuper from pg_roles where rolname = current_user`);
      expect(role.rows[0]).toEqual({ rolbypassrls: false, rolsuper: false });
      const owned = await c.query(
        `select count(*)::int as n from pg_class where relowner = (select oid from pg_roles where rolname = current_user)`,
      );
      expect(owned.rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });
});
