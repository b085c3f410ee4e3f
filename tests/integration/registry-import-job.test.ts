import { generatePeople, makeIdCard, RESIDENT_HEADERS } from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, type Client, login, type TestApp } from '../support/app.ts';
import { type ImportView, importFinished, startAppWithWorker } from '../support/app-worker.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { asOwner, BACKENDS } from '../support/jobs.ts';
import { rowsOf, workbook, XLSX } from '../support/xlsx.ts';

/**
 * Background imports end to end: the API stores the workbook sealed and queues the registry's job, a
 * real worker reads it batch by batch, the import shows its progress and counts, the report comes back.
 * On both queue backends.
 */

const REG = { local: '户籍', floating: '流动', overseas: '境外' } as const;
/** `n` generated residents in the template's columns, all living at `address`. */
const people = (n: number, seed: number, address: string) =>
  generatePeople(n, seed).map((p) => [
    p.name,
    p.nameInitials,
    p.idType === 'passport' ? '护照' : '居民身份证',
    p.idNumber,
    p.gender === 'male' ? '男' : '女',
    p.birthDate,
    p.nationality ?? '',
    p.phone ?? '',
    REG[p.registration],
    '',
    address,
    '',
  ]);

describe.each(BACKENDS)('background import (%s queues)', (kind) => {
  let t: TestApp;
  let city: CityFixture;
  let admin: Client;
  let tokens: Record<'admin' | 'worker' | 'street' | 'streetB', string>;

  const upload = (token: string, body: Buffer, what = 'residents', type = XLSX) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/${what}/imports?fileName=${encodeURIComponent('居民.xlsx')}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      payload: body,
    });
  const get = (token: string, url: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await startAppWithWorker(kind, 'regimport');
    city = await buildCity(t.db);
    const token = async (u: string) => (await login(t.app, city.code, u)).accessToken;
    tokens = {
      admin: await token('admin'),
      worker: await token('workera1a'),
      street: await token('streeta'),
      streetB: await token('streetb'),
    };
    admin = as(t.app, tokens.admin);
    await admin.post('/houses', { orgUnitId: city.units.gridA1a, address: '绣湖小区1幢101', use: 'rented' });
    await admin.post('/houses', { orgUnitId: city.units.gridB1a, address: '青口小区2幢202', use: 'rented' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports 2,500 rows in batches, with progress and counts written as it goes, and the report after', async () => {
    // What the worker writes to the import row, as it writes it: a trigger keeps every update.
    const log = `import_log_${kind}`;
    await asOwner(async (c) => {
      await c.query(`create table ${log} (id uuid, rows int, total int, state text, seq serial)`);
      await c.query(`create function ${log}() returns trigger language plpgsql security definer as $$
        begin insert into ${log} (id, rows, total, state) values (new.id, new.rows, new.total_rows, new.state); return new; end $$`);
      await c.query(
        `create trigger ${log} after update on registry_import for each row execute function ${log}()`,
      );
    });
    try {
      const rows = [[...RESIDENT_HEADERS], ...people(2500, 7, '绣湖小区1幢101')];
      const res = await upload(tokens.admin, await workbook(rows));
      expect(res.statusCode).toBe(202);
      const queued = res.json() as ImportView;
      expect(queued).toMatchObject({ kind: 'residents', state: 'queued', progress: 0, rows: 0 });
      const done = await importFinished(t, tokens.admin, queued.id);
      expect(done).toMatchObject({
        state: 'completed',
        progress: 100,
        rows: 2500,
        imported: 2500,
        failed: 0,
      });

      // Only this import's updates: other files' imports run at the same time and fire the trigger too.
      const seen = await asOwner(
        async (c) =>
          (await c.query(`select rows, total, state from ${log} where id = $1 order by seq`, [queued.id]))
            .rows,
      );
      const running = seen.filter((r) => r.state === 'running').map((r) => r.rows as number);
      // The sheet's rows are counted before the first batch: progress is rows of all from the start.
      expect(seen.find((r) => r.state === 'running' && r.total != null)?.total).toBe(2500);
      // Reset to 0, then after each batch of 1,000: visible before the end, never going back.
      expect(running).toEqual(expect.arrayContaining([0, 1000, 2000]));
      expect(running).toEqual([...running].sort((x, y) => x - y));

      // The job centre shows the run, completed.
      const run = (await get(tokens.admin, `/job-runs/${done.runId}`)).json();
      expect(run).toMatchObject({ plugin: 'registry', job: 'import', state: 'completed', progress: 100 });

      const report = await get(tokens.admin, `/imports/${queued.id}/report.xlsx`);
      expect(report.statusCode).toBe(200);
      const lines = await rowsOf(report.rawPayload);
      expect(lines).toHaveLength(2501);
      expect(lines[1]!.at(-2)).toBe('成功');

      const chunks = await asOwner(
        async (c) =>
          (
            await c.query(
              `select part, data from registry_import_chunk where import_id = $1 order by part, seq`,
              [queued.id],
            )
          ).rows as Array<{ part: string; data: Buffer }>,
      );
      // The upload is gone once read; the report is kept sealed (not a zip: no "PK" at its start).
      expect(chunks.map((c) => c.part)).toEqual(['report']);
      expect(chunks[0]!.data.subarray(0, 2).toString()).not.toBe('PK');

      const audit = (await admin.get(`/audit-log?action=registry.resident.import&_end=50`)).json() as Array<{
        diff: { after?: { importId?: string; imported?: number } } | null;
      }>;
      expect(audit.some((a) => JSON.stringify(a).includes(queued.id))).toBe(true);
      const took = (await admin.get(`/audit-log?action=registry.import.report&_end=50`)).json() as unknown[];
      expect(took.length).toBeGreaterThan(0);
    } finally {
      await asOwner(async (c) => {
        await c.query(`drop trigger ${log} on registry_import`);
        await c.query(`drop function ${log}()`);
        await c.query(`drop table ${log}`);
      });
    }
  });

  it('keeps bad rows out and reports them; a grid worker writes only inside her grid', async () => {
    const good = makeIdCard('330782', '19800512', 400 + BACKENDS.indexOf(kind));
    const bad = `${good.slice(0, 17)}${good[17] === '0' ? '1' : '0'}`;
    const other = makeIdCard('330782', '19700707', 500 + BACKENDS.indexOf(kind));
    const rows = [
      [...RESIDENT_HEADERS],
      ['周敏', '', '居民身份证', good, '', '', '', '', '户籍', '', '绣湖小区1幢101', ''],
      ['坏校验', '', '居民身份证', bad, '', '', '', '', '户籍', '', '绣湖小区1幢101', ''],
      ['别的网格', '', '居民身份证', other, '', '', '', '', '户籍', '', '青口小区2幢202', ''],
    ];
    const res = await upload(tokens.worker, await workbook(rows));
    expect(res.statusCode).toBe(202);
    const done = await importFinished(t, tokens.worker, (res.json() as ImportView).id);
    expect(done).toMatchObject({ state: 'completed', rows: 3, imported: 1, failed: 2 });
    const report = await rowsOf((await get(tokens.worker, `/imports/${done.id}/report.xlsx`)).rawPayload);
    expect(report.slice(1).map((r) => [r[1], r.at(-2), r.at(-1)])).toEqual([
      ['周敏', '成功', ''],
      ['坏校验', '失败', expect.stringMatching(/校验位/)],
      ['别的网格', '失败', expect.stringMatching(/不在您的管辖范围内/)],
    ]);
    const found = (await admin.get(`/residents?q=${encodeURIComponent('别的网格')}`)).json() as unknown[];
    expect(found).toHaveLength(0);

    // Hers, and the tenant admin's to see; another street's admin does not know it exists.
    expect((await get(tokens.admin, `/imports/${done.id}`)).statusCode).toBe(200);
    expect((await get(tokens.streetB, `/imports/${done.id}`)).statusCode).toBe(404);
    const mine = (await get(tokens.worker, '/imports')).json() as ImportView[];
    expect(mine.map((i) => i.id)).toEqual([done.id]);
  });

  it('fails an unreadable file at once with its reason, and refuses bad uploads before storing', async () => {
    const res = await upload(tokens.admin, Buffer.from('姓名,证件号码\n张三,1\n'));
    expect(res.statusCode).toBe(202);
    const done = await importFinished(t, tokens.admin, (res.json() as ImportView).id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/not a readable xlsx/);
    const run = (await get(tokens.admin, `/job-runs/${done.runId}`)).json();
    expect(run).toMatchObject({ state: 'failed', attempts: 1 });
    expect((await get(tokens.admin, `/imports/${done.id}/report.xlsx`)).json()).toMatchObject({
      code: 'import_not_finished',
    });

    const before = (await get(tokens.admin, '/imports?_end=100')).headers['x-total-count'];
    const wrongType = await upload(tokens.admin, Buffer.from('{}'), 'residents', 'application/json');
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().details[0].field).toBe('file');
    const declared = await t.app.inject({
      method: 'POST',
      url: '/api/v1/residents/imports',
      headers: {
        authorization: `Bearer ${tokens.admin}`,
        'content-type': XLSX,
        'content-length': String(64 * 1024 * 1024 + 1),
      },
      payload: await workbook([[...RESIDENT_HEADERS]]),
    });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().details[0].field).toBe('file');
    const empty = await upload(tokens.admin, Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(empty.json().details[0]).toMatchObject({ field: 'file' });
    // An inspector may read residents but not write them.
    const inspector = (await login(t.app, city.code, 'inspector')).accessToken;
    expect((await upload(inspector, await workbook([[...RESIDENT_HEADERS]]))).statusCode).toBe(403);
    expect((await get(tokens.admin, '/imports?_end=100')).headers['x-total-count']).toBe(before);
  });
});
