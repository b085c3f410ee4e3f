import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { hashPassword } from '@civicgrid/identity';
import { seedRegistryDemo } from '@civicgrid/registry';
import { forTenant, localDiskStorage } from '@civicgrid/storage';
import { transferPlan } from '@civicgrid/tenancy';
import { createTestDatabase, type TestDatabase } from '@civicgrid/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { allMigrations } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';
import { as, type Client, login, PASSWORD, type TestApp } from '../support/app.ts';
import { startAppWithWorker } from '../support/app-worker.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { jobTestMigrations } from '../support/job-plugins.ts';
import { waitFor } from '../support/jobs.ts';

/**
 * A tenant moved to another instance: exported from this run's database by its admin (a job), the
 * archive downloaded, uploaded by an operator of a second instance (its own database and file storage)
 * and imported there (a job). Every carried table must hold the same rows on both sides, the files the
 * same bytes, the rollup the events triggers rebuild the same sums, sealed ID numbers must open, and the
 * admin must log in there once the operator resumes the tenant.
 */
let src: TestApp;
let dst: TestApp;
let target: TestDatabase;
let city: CityFixture;
let admin: Client;
let srcDir: string;
let dstDir: string;
let operator: Client;
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(150_000, 7)]);

beforeAll(async () => {
  srcDir = await mkdtemp(join(tmpdir(), 'cg-transfer-src-'));
  dstDir = await mkdtemp(join(tmpdir(), 'cg-transfer-dst-'));
  // Each instance reads its storage folder when its host is built.
  process.env.ATTACHMENTS_DIR = srcDir;
  src = await startAppWithWorker('redis', 'transfer-src');
  // The source is the suite's shared database, where the job tests may have added their test plugins'
  // tables (whether they ran first is up to the scheduler): the target has them too, so the archive's
  // migrations are always all there.
  target = await createTestDatabase([...allMigrations(), jobTestMigrations], appendOnlyTables);
  process.env.ATTACHMENTS_DIR = dstDir;
  dst = await startAppWithWorker('redis', 'transfer-dst', { appUrl: target.appUrl });
  delete process.env.ATTACHMENTS_DIR;
  await dst.db.withPlatform(async (tx) =>
    tx.query(
      `insert into platform_operator (username, display_name, password_hash) values ('moveop', 'Operator', ?)`,
      [await hashPassword(PASSWORD)],
    ),
  );
  operatorToken = (await login(dst.app, undefined, 'moveop')).accessToken;
  operator = as(dst.app, operatorToken);

  city = await buildCity(src.db);
  admin = as(src.app, (await login(src.app, city.code, 'admin')).accessToken);
  for (const m of ['events', 'landlord-scoring'])
    expect((await admin.put(`/modules/${m}`, { enabled: true })).statusCode).toBe(200);
  await src.db.withTenant(city.tenantId, (tx) =>
    seedRegistryDemo(tx, testPiiOf(), {
      grids: [city.units.gridA1a, city.units.gridB1a],
      buildingsPerGrid: 2,
    }),
  );
  // Two events, the second merged into the first (a row that references another of its table).
  const cats = (await admin.get('/m/events/categories')).json() as Array<{ id: string; code: string }>;
  const report = async (title: string) => {
    const res = await admin.post('/m/events/events', {
      title,
      categoryId: cats.find((c) => c.code === 'safety.fire')!.id,
      channel: 'grid-worker',
      urgency: 'yellow',
      orgUnitId: city.units.gridA1a,
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { event: { id: string } }).event.id;
  };
  const first = await report('楼道堆放杂物');
  const second = await report('楼道堆放杂物（重复）');
  const merged = await admin.post(`/m/events/events/${second}/merge`, { into: first });
  expect(merged.statusCode, merged.body).toBe(200);
  await forTenant(localDiskStorage(srcDir), city.tenantId).put('events/photo-1.jpg', Readable.from([PHOTO]));
}, 120_000);

afterAll(async () => {
  await dst?.close();
  await src?.close();
  await target?.drop();
  await rm(srcDir, { recursive: true, force: true });
  await rm(dstDir, { recursive: true, force: true });
});

function testPiiOf() {
  // The run's one keyring (tests/support/app.ts): both instances hold the same keys, as a move needs.
  return (src.app.deps.pii ?? null)!;
}

/** Every row of a tenant table, as text, sorted (the renumbered identity column left out); read as the application role, so row-level security keeps it to the tenant. */
async function rowsOf(url: string, tenantId: string, table: string, omit: string[]) {
  const minus = omit.map((o) => ` - '${o}'`).join('');
  return (await rowsOfSql(url, tenantId, `select (to_jsonb(x)${minus})::text as k from ${table} x`)).sort();
}

const finished = (t: TestApp, url: string, headers: Record<string, string>) =>
  waitFor(
    url,
    async () => {
      const res = await t.app.inject({ method: 'GET', url, headers });
      const v = res.json() as { state: string; error: string | null };
      return v.state === 'completed' || v.state === 'failed' ? v : null;
    },
    60_000,
  );

describe('tenant export and import', () => {
  let archive: Buffer;
  let exported: Record<string, number> = {};

  it('exports the whole tenant as a job, and only its admin over the whole tenant may', async () => {
    const street = as(src.app, (await login(src.app, city.code, 'streeta')).accessToken);
    expect((await street.post('/tenant-exports')).statusCode).toBe(403);

    const res = await admin.post('/tenant-exports');
    expect(res.statusCode, res.body).toBe(202);
    const { id } = res.json() as { id: string };
    const auth = { authorization: `Bearer ${(await login(src.app, city.code, 'admin')).accessToken}` };
    const done = (await finished(src, `/api/v1/tenant-exports/${id}`, auth)) as {
      state: string;
      error: string | null;
      counts: { tables: Record<string, number>; files: number };
    };
    expect(done.error).toBeNull();
    expect(done.state).toBe('completed');
    expect(done.counts.files).toBe(1);
    exported = done.counts.tables;
    expect(done.counts.tables.resident).toBeGreaterThan(10);
    expect(done.counts.tables.events_event).toBe(2);
    // The rollup is the events module's derived table: not carried.
    expect(done.counts.tables.events_unit_day).toBeUndefined();

    const dl = await admin.get(`/tenant-exports/${id}/archive`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/gzip');
    archive = dl.rawPayload;
    const text = gunzipSync(archive).toString('utf8');
    expect(text.startsWith('M {"format":"civicgrid-tenant"')).toBe(true);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^Z /);
    // Sealed values travel sealed: no ID number in clear anywhere in the archive.
    const [someone] = await src.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ id: string }>('select id from resident order by id limit 1'),
    );
    const revealed = await admin.post(`/residents/${someone!.id}/reveal`, { field: 'idNumber' });
    const idNumber = (revealed.json() as { value: string }).value;
    expect(idNumber).toMatch(/^[0-9]{17}[0-9X]$/);
    expect(text.includes(idNumber)).toBe(false);

    const audit = await src.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ action: string }>(
        `select action from audit_log where action like 'tenant.export%' order by at`,
      ),
    );
    expect(audit.map((a) => a.action)).toEqual(['tenant.export', 'tenant.export.download']);
  });

  it('imports it into another instance, where every row, file and sum is the same', async () => {
    const res = await dst.app.inject({
      method: 'POST',
      url: '/api/v1/platform/tenant-imports',
      headers: { authorization: operatorAuth(), 'content-type': 'application/gzip' },
      payload: archive,
    });
    expect(res.statusCode, res.body).toBe(202);
    const { id, tenantId } = res.json() as { id: string; tenantId: string };
    expect(tenantId).toBe(city.tenantId);
    // While it imports nobody logs in.
    const early = await dst.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: city.code, username: 'admin', password: PASSWORD },
    });
    expect(early.statusCode).not.toBe(200);
    const done = await finished(dst, `/api/v1/platform/tenants/${tenantId}/transfers/${id}`, {
      authorization: operatorAuth(),
    });
    expect(done.error).toBeNull();
    expect(done.state).toBe('completed');

    // Same rows in every carried table (the timeline's renumbered seq aside, its order kept).
    const plan = await src.db.withTenant(city.tenantId, (tx) =>
      transferPlan(tx, src.app.deps.modules.host.derivedTables()),
    );
    expect(plan.map((t) => t.name)).toEqual(
      expect.arrayContaining(['household', 'resident', 'events_timeline']),
    );
    expect(plan.find((t) => t.name === 'household')!.deferred).toEqual(['head_id']);
    const heads = 'select count(*)::text as k from household where head_id is not null';
    expect(Number((await rowsOfSql(inject('db').appUrl, city.tenantId, heads))[0])).toBeGreaterThan(0);
    for (const t of plan) {
      const omit = t.renumbered ? [t.renumbered] : [];
      const before = await rowsOf(inject('db').appUrl, city.tenantId, t.name, omit);
      const after = await rowsOf(target.appUrl, city.tenantId, t.name, omit);
      if (t.name === 'audit_log') {
        // The source's log went on after the export (the export's own row, the download); the target's
        // has its import on top of what the archive carried.
        const carried = after.filter((r) => !r.includes('"tenant.import"'));
        expect(carried.length).toBe(exported.audit_log);
        expect(before).toEqual(expect.arrayContaining(carried));
      } else expect(after, t.name).toEqual(before);
      expect(after.length, t.name).toBeGreaterThanOrEqual(exported[t.name]!);
    }
    const seqOrder = async (url: string) =>
      (
        await rowsOfSql(
          url,
          city.tenantId,
          'select event_id::text || action as k from events_timeline order by seq',
        )
      ).join();
    expect(await seqOrder(target.appUrl)).toBe(await seqOrder(inject('db').appUrl));
    // The events rollup, rebuilt by the import's inserts, sums the same.
    const sums = `select org_unit_id::text || ' ' || day || ' ' || sum(reported) || ' ' || sum(resolved) || ' ' || sum(cards)
                    as k from events_unit_day group by org_unit_id, day order by 1`;
    const rollup = await rowsOfSql(inject('db').appUrl, city.tenantId, sums);
    expect(rollup.length).toBeGreaterThan(0);
    expect(await rowsOfSql(target.appUrl, city.tenantId, sums)).toEqual(rollup);
    // The file, byte for byte, in the second instance's storage.
    const got = await forTenant(localDiskStorage(dstDir), city.tenantId).get('events/photo-1.jpg');
    const bytes: Buffer[] = [];
    for await (const c of got!) bytes.push(c as Buffer);
    expect(Buffer.concat(bytes).equals(PHOTO)).toBe(true);

    // It ends suspended; resumed by the operator, its admin logs in with her password and the sealed
    // numbers open.
    const resumed = await operator.post(`/platform/tenants/${tenantId}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(200);
    const moved = as(dst.app, (await login(dst.app, city.code, 'admin')).accessToken);
    const [someone] = await rowsOfSql(
      target.appUrl,
      city.tenantId,
      'select id::text as k from resident order by id limit 1',
    );
    const there = await moved.post(`/residents/${someone}/reveal`, { field: 'idNumber' });
    const here = await admin.post(`/residents/${someone}/reveal`, { field: 'idNumber' });
    expect(there.statusCode, there.body).toBe(200);
    expect(there.json()).toEqual(here.json());
    const audit = await rowsOfSql(
      target.appUrl,
      city.tenantId,
      `select action as k from audit_log where action in ('tenant.import', 'tenant.resume') order by at`,
    );
    expect(audit).toEqual(['tenant.import', 'tenant.resume']);
  });

  it('refuses the same tenant twice, and a damaged or foreign archive, writing nothing', async () => {
    const post = (payload: Buffer, type = 'application/gzip') =>
      dst.app.inject({
        method: 'POST',
        url: '/api/v1/platform/tenant-imports',
        headers: { authorization: operatorAuth(), 'content-type': type },
        payload,
      });
    const again = await post(archive);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('tenant_exists');

    const junk = await post(gzipSync('hello\n'));
    expect(junk.statusCode).toBe(422);
    expect(junk.json().details[0].field).toBe('archive');
    const notGzip = await post(Buffer.from('not an archive at all'));
    expect(notGzip.statusCode).toBe(422);
    const json = await dst.app.inject({
      method: 'POST',
      url: '/api/v1/platform/tenant-imports',
      headers: { authorization: operatorAuth() },
      payload: { archive: 'x' },
    });
    expect(json.statusCode).toBe(415);

    // An archive cut short: its tenant is made, the import fails saying why, and no row of it stays.
    const text = gunzipSync(archive).toString('utf8');
    const otherId = '0195f000-0000-7000-8000-00000000abcd';
    const cut = text
      .slice(0, Math.floor(text.length * 0.6))
      .replaceAll(city.tenantId, otherId)
      .replace(`"code":"${city.code}"`, '"code":"cut-short"');
    const res = await post(gzipSync(cut.slice(0, cut.lastIndexOf('\n') + 1)));
    expect(res.statusCode, res.body).toBe(202);
    const done = await finished(dst, `/api/v1/platform/tenants/${otherId}/transfers/${res.json().id}`, {
      authorization: operatorAuth(),
    });
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/cut short|inside a table/);
    // Still importing (an upload may try again): nobody resumes it as it is.
    const resume = await operator.post(`/platform/tenants/${otherId}/resume`);
    expect(resume.statusCode).toBe(409);
    expect(resume.json().code).toBe('tenant_importing');
    expect(await rowsOfSql(target.appUrl, otherId, 'select id::text as k from org_unit')).toEqual([]);
    // No file of it stays behind in storage either.
    const left: string[] = [];
    for await (const o of forTenant(localDiskStorage(dstDir), otherId).list('')) left.push(o.key);
    expect(left).toEqual([]);
  });
});

let operatorToken = '';
function operatorAuth() {
  return `Bearer ${operatorToken}`;
}

async function rowsOfSql(url: string, tenantId: string, sql: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`set app.tenant_id = '${tenantId}'`);
    return (await c.query<{ k: string }>(sql)).rows.map((r) => r.k);
  } finally {
    await c.end();
  }
}
