import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import {
  type LandlordCity,
  landlordCity,
  M,
  person,
  record,
  rentedHouse,
  subject,
  Y1,
} from './landlord-fixture.ts';

/** Evidence photos on records: the shared upload path, scope, audited download, tenants apart. */
let t: TestApp;
let c: LandlordCity;
let dir: string;
let recordA: string; // a deduction on a landlord of grid A1a
let recordB: string; // one on a landlord of grid A1b (outside the worker's grid)
const tokens: Record<string, string> = {};

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR-not-really-a-picture-but-its-magic-is-right'),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civicgrid-evidence-'));
  process.env.ATTACHMENTS_DIR = dir;
  t = await startApp();
  c = await landlordCity(t);
  for (const u of ['admin', 'workera1a', 'streetb', 'inspector'])
    tokens[u] = (await login(t.app, c.code, u)).accessToken;
  const ids = await t.db.withTenant(c.tenantId, async (tx) => ({
    a: await person(tx, c.units.gridA1a, '赵房东'),
    b: await person(tx, c.units.gridA1b, '钱房东'),
    ha: await rentedHouse(tx, c.units.gridA1a, '绣湖小区5幢101'),
    hb: await rentedHouse(tx, c.units.gridA1b, '绣湖小区6幢101'),
  }));
  const sa = await subject(c.admin, { kind: 'landlord', personId: ids.a, houseIds: [ids.ha] });
  const sb = await subject(c.admin, { kind: 'landlord', personId: ids.b, houseIds: [ids.hb] });
  recordA = (await record(c.clients.worker, sa, 'escape-window-blocked', `${Y1}-05-02`)).json().id;
  recordB = (await record(c.admin, sb, 'escape-window-blocked', `${Y1}-05-02`)).json().id;
});
afterAll(async () => {
  await t?.close();
  delete process.env.ATTACHMENTS_DIR;
  await rm(dir, { recursive: true, force: true });
});

const upload = (token: string, recordId: string, body: Buffer | Readable, type: string, name = '现场.png') =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1${M}/records/${recordId}/photos?fileName=${encodeURIComponent(name)}`,
    headers: { authorization: `Bearer ${tokens[token] ?? token}`, 'content-type': type },
    payload: body,
  });

async function files(root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}
const photoRows = async (tenantId = c.tenantId) =>
  (
    await t.db.withTenant(tenantId, (tx) =>
      tx.query<{ n: number }>('select count(*)::int as n from landlord_scoring_evidence'),
    )
  )[0]!.n;

describe('evidence photos', () => {
  it('stores a photo on a record, lists it, serves it back audited, and counts it on the file', async () => {
    const res = await upload('workera1a', recordA, PNG, 'image/png');
    expect(res.statusCode, res.body).toBe(201);
    const photo = res.json();
    expect(photo).toMatchObject({
      recordId: recordA,
      fileName: '现场.png',
      contentType: 'image/png',
      size: PNG.length,
    });
    const jpeg = await upload('workera1a', recordA, JPEG, 'application/octet-stream', 'a/b\\门口.jpg');
    expect(jpeg.statusCode, jpeg.body).toBe(201);
    expect(jpeg.json()).toMatchObject({ contentType: 'image/jpeg', fileName: '门口.jpg' });

    const list = (await c.clients.secretary.get(`${M}/records/${recordA}/photos`)).json();
    expect(list.map((p: { id: string }) => p.id)).toEqual([photo.id, jpeg.json().id]);
    const got = await c.clients.inspector.get(`${M}/records/${recordA}/photos/${photo.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-disposition']).toContain("filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png");
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.rawPayload.equals(PNG)).toBe(true);
    const audit = await t.db.withTenant(c.tenantId, (tx) =>
      tx.query<{ action: string }>('select action from audit_log where target_id = ? order by at', [
        photo.id,
      ]),
    );
    expect(audit.map((a) => a.action)).toEqual([
      'landlord-scoring.evidence.create',
      'landlord-scoring.evidence.download',
    ]);
    const sa = (await c.admin.get(`${M}/subjects?q=赵房东`)).json()[0].id;
    const f = (await c.clients.worker.get(`${M}/subjects/${sa}?year=${Y1}`)).json();
    expect(f.records.find((r: { id: string }) => r.id === recordA).photos).toBe(2);
    expect(await files()).toHaveLength(2);
  });

  it('refuses what is not a photo and what is too large, naming the field, keeping nothing', async () => {
    const before = await files();
    const n = await photoRows();
    for (const [body, type, code] of [
      [PDF, 'application/pdf', 415], // a document is not a photo here
      [PDF, 'application/octet-stream', 415],
      [Buffer.from('GIF89a-moving'), 'image/gif', 415],
      [PNG, 'image/jpeg', 415],
      [Buffer.alloc(0), 'image/png', 400],
    ] as const) {
      const r = await upload('workera1a', recordA, body, type);
      expect(r.statusCode, `${type}: ${r.body}`).toBe(code);
      expect(r.json().details[0].field).toBe('file');
      expect(r.body).not.toContain('    at ');
    }
    expect(
      (await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: { evidenceMaxMb: 1 } }))
        .statusCode,
    ).toBe(200);
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024, 1)]);
    const declared = await upload('workera1a', recordA, big, 'image/png');
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ code: 'body_too_large', details: [{ field: 'file' }] });
    const chunks = [PNG, ...Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 2))];
    const streamed = await upload('workera1a', recordA, Readable.from(chunks), 'image/png');
    expect(streamed.statusCode, streamed.body).toBe(413);
    expect(await files()).toEqual(before);
    expect(await photoRows()).toBe(n);
    await c.admin.put('/modules/landlord-scoring', { enabled: true, settings: {} });
    // A record voided on appeal takes no more evidence.
    const subjectId = (await c.admin.get(`${M}/subjects?q=${encodeURIComponent('赵房东')}`)).json()[0].id;
    const extra = (await record(c.admin, subjectId, 'no-extinguisher', `${Y1}-06-01`)).json().id;
    const appeal = (await c.admin.post(`${M}/records/${extra}/appeals`, { reason: '误记' })).json().id;
    await c.admin.post(`${M}/appeals/${appeal}/decision`, { decision: 'upheld', note: '误记' });
    const voided = await upload('workera1a', extra, PNG, 'image/png');
    expect(voided.statusCode).toBe(409);
    expect(voided.json().code).toBe('voided');
    expect(await files()).toEqual(before);
  });

  it('follows the record’s scope: outside it 404, reading without recording 403', async () => {
    // Grid A1b's landlord is outside the worker's grid: not found to her.
    expect((await upload('workera1a', recordB, JPEG, 'image/jpeg')).statusCode).toBe(404);
    expect((await c.clients.worker.get(`${M}/records/${recordB}/photos`)).statusCode).toBe(404);
    const b = (await upload('admin', recordB, JPEG, 'image/jpeg')).json();
    expect((await c.clients.worker.get(`${M}/records/${recordB}/photos/${b.id}`)).statusCode).toBe(404);
    expect((await c.clients.secretary.get(`${M}/records/${recordB}/photos/${b.id}`)).statusCode).toBe(200);
    // Another street sees neither the record nor its photos.
    expect((await upload('streetb', recordA, JPEG, 'image/jpeg')).statusCode).toBe(404);
    // The inspector reads files but does not record.
    expect((await upload('inspector', recordA, JPEG, 'image/jpeg')).statusCode).toBe(403);
    // A photo id under another record is not found there.
    expect((await c.clients.worker.get(`${M}/records/${recordA}/photos/${b.id}`)).statusCode).toBe(404);
  });

  it('keeps tenants apart: another city can neither list, fetch nor add', async () => {
    const a = (await c.clients.worker.get(`${M}/records/${recordA}/photos`)).json()[0];
    const cityB = await buildCity(t.db);
    const adminB = (await login(t.app, cityB.code, 'admin')).accessToken;
    const asB = as(t.app, adminB);
    expect((await asB.put('/modules/landlord-scoring', { enabled: true })).statusCode).toBe(200);
    expect((await asB.get(`${M}/records/${recordA}/photos`)).statusCode).toBe(404);
    expect((await asB.get(`${M}/records/${recordA}/photos/${a.id}`)).statusCode).toBe(404);
    expect((await upload(adminB, recordA, PNG, 'image/png')).statusCode).toBe(404);
    expect(await photoRows(cityB.tenantId)).toBe(0);
  });
});
