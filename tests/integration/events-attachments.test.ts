import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { forTenant, localDiskStorage } from '@civicgrid/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { act, type EventsWorld, eventsWorld, report } from './events-support.ts';

/** Event photos and documents: type by magic bytes, size limit, scope, cross-tenant isolation, nothing kept when refused. */
let w: EventsWorld;
let dir: string;
const tokens: Record<string, string> = {};
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
  Buffer.from('IHDR-not-really-a-picture-but-its-magic-is-right'),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n');
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(32, 1)]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'civicgrid-attachments-'));
  process.env.ATTACHMENTS_DIR = dir;
  w = await eventsWorld('events_attachments');
  for (const u of ['workera1a', 'inspector', 'streetb', 'streeta'])
    tokens[u] = (await login(w.t.app, w.city.code, u)).accessToken;
});
afterAll(async () => {
  await w?.close();
  delete process.env.ATTACHMENTS_DIR;
  await rm(dir, { recursive: true, force: true });
});

const upload = (
  user: string,
  eventId: string,
  body: Buffer | Readable,
  type: string,
  query = 'fileName=%E7%8E%B0%E5%9C%BA.png',
) =>
  w.t.app.inject({
    method: 'POST',
    url: `/api/v1/m/events/events/${eventId}/attachments?${query}`,
    headers: { authorization: `Bearer ${tokens[user] ?? user}`, 'content-type': type },
    payload: body,
  });

/** Every file under the storage root (temporary ones included). */
async function files(root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const p = join(root, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}
const rows = async (tenantId = w.city.tenantId) =>
  (
    await w.t.db.withTenant(tenantId, (tx) =>
      tx.query<{ n: number }>(`select count(*)::int as n from events_attachment`),
    )
  )[0]!.n;

describe('attachments', () => {
  it('stores a photo, lists it, serves it back (audited) and names it on the timeline', async () => {
    const ev = await report(w, w.c.worker);
    const res = await upload('workera1a', ev.id, PNG, 'image/png');
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      eventId: ev.id,
      fileName: '现场.png',
      contentType: 'image/png',
      size: PNG.length,
    });
    // The other kinds, one of them sent as "unknown" and told by its bytes.
    for (const [body, type, want] of [
      [JPEG, 'image/jpeg', 'image/jpeg'],
      [PDF, 'application/octet-stream', 'application/pdf'],
      [HEIC, 'image/heif', 'image/heic'],
    ] as const) {
      w.advance(1);
      const r = await upload('workera1a', ev.id, body, type, 'fileName=x');
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().contentType).toBe(want);
    }
    const list = (await w.c.sec.get(`/m/events/events/${ev.id}/attachments`)).json();
    expect(list.map((x: { contentType: string }) => x.contentType)).toEqual([
      'image/png',
      'image/jpeg',
      'application/pdf',
      'image/heic',
    ]);
    const got = await w.c.sec.get(`/m/events/events/${ev.id}/attachments/${a.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-disposition']).toContain("filename*=UTF-8''%E7%8E%B0%E5%9C%BA.png");
    expect(got.rawPayload.equals(PNG)).toBe(true);
    const audit = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ action: string }>(`select action from audit_log where target_id = ? order by at`, [a.id]),
    );
    expect(audit.map((x) => x.action)).toEqual(['events.attachment.create', 'events.attachment.download']);
    const timeline = (await w.c.worker.get(`/m/events/events/${ev.id}/timeline`)).json();
    const attach = timeline.find((t: { action: string }) => t.action === 'attach');
    expect(attach.data.attachmentIds).toEqual([a.id]);
    expect(await files()).toHaveLength(4);
  });

  it('refuses other types by their bytes and too large files, naming the field, storing nothing', async () => {
    const ev = await report(w, w.c.worker);
    const before = await files();
    const n = await rows();
    const refused = [
      [Buffer.from('GIF89a-a-moving-picture'), 'image/gif', 415],
      [Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg', 415],
      [PNG, 'image/jpeg', 415], // the header and the bytes disagree
      [Buffer.from('plain words'), 'text/plain', 415],
      [Buffer.alloc(0), 'image/png', 400],
    ] as const;
    for (const [body, type, code] of refused) {
      const r = await upload('workera1a', ev.id, body, type);
      expect(r.statusCode, `${type}: ${r.body}`).toBe(code);
      expect(r.json().details[0].field).toBe('file');
    }
    const on = await w.c.admin.put('/modules/events', { enabled: true, settings: { attachmentMaxMb: 1 } });
    expect(on.statusCode, on.body).toBe(200);
    const big = Buffer.concat([PNG, Buffer.alloc(1024 * 1024, 1)]);
    // Declared too long: refused before reading.
    const declared = await upload('workera1a', ev.id, big, 'image/png');
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toMatchObject({ code: 'body_too_large', details: [{ field: 'file' }] });
    // No length given: cut off where it passes the limit.
    const chunks = [PNG, ...Array.from({ length: 20 }, () => Buffer.alloc(64 * 1024, 2))];
    const streamed = await upload('workera1a', ev.id, Readable.from(chunks), 'image/png');
    expect(streamed.statusCode, streamed.body).toBe(413);
    expect(streamed.json().details[0].field).toBe('file');
    expect(await files()).toEqual(before);
    expect(await rows()).toBe(n);
    expect((await w.c.worker.get(`/m/events/events/${ev.id}/attachments`)).json()).toEqual([]);
    await w.c.admin.put('/modules/events', { enabled: true, settings: {} });
  });

  it('follows the event’s scope: outside it 404, seeing without a hand in it 403', async () => {
    const ev = await report(w, w.c.worker);
    const a = (await upload('workera1a', ev.id, JPEG, 'image/jpeg')).json();
    // Another street's admin does not see the event at all.
    expect((await upload('streetb', ev.id, JPEG, 'image/jpeg')).statusCode).toBe(404);
    const other = await w.t.app.inject({
      method: 'GET',
      url: `/api/v1/m/events/events/${ev.id}/attachments/${a.id}`,
      headers: { authorization: `Bearer ${tokens.streetb}` },
    });
    expect(other.statusCode).toBe(404);
    // The inspector reads but does not work events.
    const insp = await upload('inspector', ev.id, JPEG, 'image/jpeg');
    expect(insp.statusCode).toBe(403);
    expect((await w.c.inspector.get(`/m/events/events/${ev.id}/attachments/${a.id}`)).statusCode).toBe(200);
    // An attachment id under another event of the same tenant is not found there.
    const ev2 = await report(w, w.c.worker);
    expect((await w.c.worker.get(`/m/events/events/${ev2.id}/attachments/${a.id}`)).statusCode).toBe(404);
  });

  it('keeps tenants apart: another city cannot list or fetch by id, nor open the file by its key', async () => {
    const ev = await report(w, w.c.worker);
    const a = (await upload('workera1a', ev.id, PDF, 'application/pdf')).json();
    const cityB = await buildCity(w.t.db);
    const adminB = (await login(w.t.app, cityB.code, 'admin')).accessToken;
    const asB = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      w.t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${adminB}` },
        payload,
      });
    expect((await asB('PUT', '/modules/events', { enabled: true })).statusCode).toBe(200);
    expect((await asB('GET', `/m/events/events/${ev.id}/attachments`)).statusCode).toBe(404);
    expect((await asB('GET', `/m/events/events/${ev.id}/attachments/${a.id}`)).statusCode).toBe(404);
    expect((await upload(adminB, ev.id, PNG, 'image/png')).statusCode).toBe(404);
    expect(await rows(cityB.tenantId)).toBe(0);
    // The storage key A's row holds means nothing in B's namespace.
    const [row] = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ key: string }>(`select storage_key as key from events_attachment where id = ?`, [a.id]),
    );
    const key = row!.key;
    const disk = localDiskStorage(dir);
    expect(await forTenant(disk, cityB.tenantId).get(key)).toBeNull();
    expect(await forTenant(disk, w.city.tenantId).get(key)).not.toBeNull();
    await expect(forTenant(disk, cityB.tenantId).get(`../${w.city.tenantId}/${key}`)).rejects.toThrow(
      /invalid storage key/,
    );
  });

  it('a transition names files uploaded to its event on its timeline entry; others are refused', async () => {
    const ev = await report(w, w.c.worker);
    const other = await report(w, w.c.worker);
    const a1 = (await upload('workera1a', ev.id, PNG, 'image/png')).json();
    const a2 = (await upload('workera1a', ev.id, JPEG, 'image/jpeg', 'fileName=b.jpg')).json();
    const elsewhere = (await upload('workera1a', other.id, PNG, 'image/png')).json();
    const accepted = await act(w.c.worker, ev.id, 'accept', {
      note: '现场照片',
      attachmentIds: [a1.id, a2.id],
    });
    expect(accepted.code).toBe(200);
    const entry = async (action: string) =>
      (
        (await w.c.worker.get(`/m/events/events/${ev.id}/timeline`)).json() as Array<{
          action: string;
          data: { attachmentIds?: string[] };
        }>
      ).filter((t) => t.action === action);
    expect((await entry('accept'))[0]!.data.attachmentIds).toEqual([a1.id, a2.id]);
    // Another event's file, or an id that names nothing: 400 on attachmentIds, nothing written.
    for (const ids of [[elsewhere.id], [a1.id, randomUUID()]]) {
      const refused = await act(w.c.worker, ev.id, 'handle', { note: '已处理', attachmentIds: ids });
      expect(refused.code).toBe(400);
      expect(refused.body.details?.[0]?.field).toBe('attachmentIds');
    }
    expect(await entry('handle')).toEqual([]);
    expect((await w.c.worker.get(`/m/events/events/${ev.id}`)).json().status).toBe('accepted');
    // Without files a step writes no list; with them, the same again for the next step.
    expect((await act(w.c.worker, ev.id, 'handle', { note: '已处理', attachmentIds: [a2.id] })).code).toBe(
      200,
    );
    expect((await entry('handle'))[0]!.data.attachmentIds).toEqual([a2.id]);
    expect((await act(w.c.worker, ev.id, 'resolve')).code).toBe(200);
    expect((await entry('resolve'))[0]!.data.attachmentIds).toBeUndefined();
  });
});
