import { randomUUID } from 'node:crypto';
import { signBody } from '@civicgrid/http';
import { hashPassword } from '@civicgrid/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, login, PASSWORD } from '../support/app.ts';
import { buildCity } from '../support/fixture.ts';
import { workbook, XLSX } from '../support/xlsx.ts';
import { type EventsWorld, eventsWorld } from './events-support.ts';

/** 12345 work orders: a bulk import with a per-row report, and a signed webhook. */
let w: EventsWorld;
const SECRET = 'hotline-shared-secret-2026';
beforeAll(async () => {
  w = await eventsWorld('events_hotline');
  const res = await w.c.admin.put('/modules/events', { enabled: true, settings: { hotlineSecret: SECRET } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => w?.close());

const count = async () =>
  (
    await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ n: number }>(`select count(*)::int as n from events_event where channel = 'hotline'`),
    )
  )[0]!.n;

describe('hotline import', () => {
  it('takes the good rows and names each bad row’s field, writing nothing of the bad ones', async () => {
    const token = (
      await w.t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: w.city.code, username: 'streeta', password: 'Test-pass-2026' },
      })
    ).json().accessToken as string;
    const csv = [
      '工单号,标题,内容,分类,紧急程度,地点',
      'BJ-001,小区噪音扰民,夜间施工,dispute.neighbour,黄,稠城街道/绣湖社区/绣湖第1网格',
      'BJ-002,楼道堆物,"堆满纸箱, 影响通行",消防隐患,橙,绣湖第2网格',
      'BJ-003,路灯不亮,,utilities.power,紫,绣湖第1网格',
      'BJ-004,,,utilities.power,黄,绣湖第1网格',
      'BJ-005,占道经营,,order.vendor,绿,不存在的网格',
      'BJ-006,江东的事,,order.vendor,绿,青口第1网格', // another street: unknown to her
      'BJ-001,重复工单,,order.vendor,绿,绣湖第1网格',
      'BJ-007,街道本身,,order.vendor,绿,稠城街道', // not a grid, compound or building
    ].join('\r\n');
    const res = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/m/events/hotline/import',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      payload: `\uFEFF${csv}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ rows: 8, imported: 2, failed: 6 });
    expect(report.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [4, 'urgency'],
      [5, 'title'],
      [6, 'location'],
      [7, 'location'],
      [8, 'orderNo'],
      [9, 'location'],
    ]);
    expect(await count()).toBe(2);
    const ev = (await w.c.street.get(`/m/events/events/${report.eventIds[1]}`)).json();
    expect(ev).toMatchObject({
      channel: 'hotline',
      urgency: 'orange',
      orgUnitId: w.city.units.gridA1b,
      categoryId: w.categories['safety.fire'],
      externalRef: 'BJ-002',
      description: '堆满纸箱, 影响通行',
    });

    // The same from a workbook; a grid worker may not import at all; JSON is not a file.
    const book = await workbook([
      ['工单号', '标题', '紧急程度', '地点', '分类'],
      ['BJ-101', '井盖缺失', '红', '绣湖第1网格', 'utilities.road'],
      ['BJ-102', '井盖缺失', '红', '', 'utilities.road'],
    ]);
    const x = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/m/events/hotline/import',
      headers: { authorization: `Bearer ${token}`, 'content-type': XLSX },
      payload: book,
    });
    expect(x.json()).toMatchObject({ imported: 1, failed: 1, errors: [{ line: 3, field: 'location' }] });
    expect((await w.c.worker.post('/m/events/hotline/import', {})).statusCode).toBe(403);
    const json = await w.c.street.post('/m/events/hotline/import', { a: 1 });
    expect(json.statusCode).toBe(415);
    expect(await count()).toBe(3);
  });
});

describe('hotline webhook', () => {
  const order = {
    orderNo: 'WH-1',
    title: '水管爆裂',
    urgency: 'red',
    location: '绣湖第1网格',
    category: 'utilities.water',
  };
  const push = (body: object | string, opts: { secret?: string; ts?: number; tenant?: string } = {}) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    return w.t.app.inject({
      method: 'POST',
      url: '/api/v1/m/events/hotline/orders',
      headers: {
        'content-type': 'application/json',
        'x-civicgrid-tenant': opts.tenant ?? w.city.code,
        'x-civicgrid-timestamp': String(ts),
        'x-civicgrid-signature': signBody(opts.secret ?? SECRET, ts, raw),
      },
      payload: raw,
    });
  };

  it('refuses a bad signature, a stale one, an unknown tenant or one without a secret: 401, nothing written', async () => {
    const before = await count();
    for (const res of [
      await push(order, { secret: 'wrong' }),
      await push(order, { ts: Math.floor(Date.now() / 1000) - 3600 }),
      await push(order, { tenant: 'nosuchcity' }),
      await push({ nonsense: true }, { secret: 'wrong' }), // the signature is checked before the body
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('invalid_signature');
    }
    // A body altered after signing.
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await w.t.app.inject({
      method: 'POST',
      url: '/api/v1/m/events/hotline/orders',
      headers: {
        'content-type': 'application/json',
        'x-civicgrid-tenant': w.city.code,
        'x-civicgrid-timestamp': String(ts),
        'x-civicgrid-signature': signBody(SECRET, ts, JSON.stringify(order)),
      },
      payload: JSON.stringify({ ...order, title: '改过的' }),
    });
    expect(tampered.statusCode).toBe(401);
    const other = await buildCity(w.t.db);
    expect((await push(order, { tenant: other.code })).statusCode).toBe(401); // no secret set there
    expect(await count()).toBe(before);
  });

  it('takes a signed order once; bad fields are a 400 naming them', async () => {
    const res = await push(order);
    expect(res.statusCode, res.body).toBe(201);
    const ev = (await w.c.worker.get(`/m/events/events/${res.json().id}`)).json();
    expect(ev).toMatchObject({ channel: 'hotline', urgency: 'red', externalRef: 'WH-1', status: 'reported' });
    expect((await push(order)).statusCode).toBe(409);
    const noPlace = await push({ ...order, orderNo: 'WH-2', location: '月球' });
    expect(noPlace.json().details[0].field).toBe('location');
    const badUrgency = await push({ ...order, orderNo: 'WH-3', urgency: 'purple' });
    expect(badUrgency.json().details[0].field).toBe('urgency');
    const extra = await push({ ...order, orderNo: 'WH-4', colour: 'x' });
    expect(extra.statusCode).toBe(400);
    const timeline = (await w.c.worker.get(`/m/events/events/${res.json().id}/timeline`)).json();
    expect(timeline[0]).toMatchObject({ action: 'report', actorName: '12345热线' });
  });

  it('keeps the webhook secret write-only: masked on every read, kept when the mask comes back, out of the audit log', async () => {
    const settingsOf = (list: Array<{ id: string; settings: Record<string, unknown> }>) =>
      list.find((m) => m.id === 'events')!.settings;
    const mine = (await w.c.admin.get('/modules')).json();
    expect(settingsOf(mine).hotlineSecret).toBe('********');
    expect(JSON.stringify(mine)).not.toContain(SECRET);
    // The operator's view is masked too.
    await w.t.db.withPlatform(async (tx) =>
      tx.query(
        `insert into platform_operator (username, display_name, password_hash) values ('hotop', 'Operator', ?)
           on conflict do nothing`,
        [await hashPassword(PASSWORD)],
      ),
    );
    const op = as(w.t.app, (await login(w.t.app, undefined, 'hotop')).accessToken);
    const theirs = (await op.get(`/platform/tenants/${w.city.tenantId}/modules`)).json();
    expect(settingsOf(theirs).hotlineSecret).toBe('********');
    expect(JSON.stringify(theirs)).not.toContain(SECRET);

    // A form sends back what it read (the mask) with another change: the secret stays.
    const back = { ...settingsOf(mine), duplicateRadiusM: 250 };
    const saved = await w.c.admin.put('/modules/events', { enabled: true, settings: back });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().settings).toMatchObject({ hotlineSecret: '********', duplicateRadiusM: 250 });
    expect((await push({ ...order, orderNo: 'WH-KEEP' })).statusCode).toBe(201);
    // Left out, it stays as well; the operator's switch keeps it too.
    expect((await w.c.admin.put('/modules/events', { enabled: true, settings: {} })).statusCode).toBe(200);
    const opSave = await op.put(`/platform/tenants/${w.city.tenantId}/modules/events`, {
      enabled: true,
      settings: { hotlineSecret: '********' },
    });
    expect(opSave.statusCode, opSave.body).toBe(200);
    expect((await push({ ...order, orderNo: 'WH-KEEP2' })).statusCode).toBe(201);
    // A new value replaces it (the old one stops working); '' turns the webhook off.
    const NEW = 'rotated-secret-2026-12';
    await w.c.admin.put('/modules/events', { enabled: true, settings: { hotlineSecret: NEW } });
    expect((await push({ ...order, orderNo: 'WH-OLD' })).statusCode).toBe(401);
    expect((await push({ ...order, orderNo: 'WH-NEW' }, { secret: NEW })).statusCode).toBe(201);
    await w.c.admin.put('/modules/events', { enabled: true, settings: { hotlineSecret: '' } });
    expect(settingsOf((await w.c.admin.get('/modules')).json()).hotlineSecret).toBe('');
    expect((await push({ ...order, orderNo: 'WH-OFF' }, { secret: NEW })).statusCode).toBe(401);
    // The audit rows of these changes hold the mask, never a secret.
    const audit = await w.t.db.withTenant(w.city.tenantId, (tx) =>
      tx.query<{ row: string }>(
        `select row_to_json(a)::text as row from audit_log a where target_id = 'events'`,
      ),
    );
    expect(audit.length).toBeGreaterThan(3);
    for (const a of audit) {
      expect(a.row).not.toContain(SECRET);
      expect(a.row).not.toContain(NEW);
    }
  });

  it('stores the webhook secret sealed: the row holds no secret, a copied value does not open, signatures still verify', async () => {
    const SEALED = 'sealed-at-rest-secret-2026';
    await w.c.admin.put('/modules/events', { enabled: true, settings: { hotlineSecret: SEALED } });
    const stored = async () =>
      (
        await w.t.db.withTenant(w.city.tenantId, (tx) =>
          tx.query<{ settings: Record<string, unknown>; raw: string }>(
            `select settings, settings::text as raw from tenant_module where module_id = 'events'`,
          ),
        )
      )[0]!;
    const row = await stored();
    expect(row.raw).not.toContain(SEALED);
    expect(row.settings.hotlineSecret).toMatch(/^sealed:k1:[A-Za-z0-9+/=]+$/);
    // Other settings stay readable in the row; the sealed value opens only for this tenant and setting.
    expect(row.settings.duplicateRadiusM).toBeTypeOf('number');
    expect((await push({ ...order, orderNo: 'WH-SEALED' }, { secret: SEALED })).statusCode).toBe(201);
    // Saved again with the mask: still sealed (a fresh nonce), still the same secret.
    await w.c.admin.put('/modules/events', { enabled: true, settings: { hotlineSecret: '********' } });
    const again = await stored();
    expect(again.settings.hotlineSecret).not.toBe(row.settings.hotlineSecret);
    expect(again.raw).not.toContain(SEALED);
    expect((await push({ ...order, orderNo: 'WH-SEALED2' }, { secret: SEALED })).statusCode).toBe(201);
    // Another tenant's row given this sealed value does not open it (the tenant is in the associated data).
    const pii = w.t.app.deps.pii!;
    const [, keyId, b64] = String(row.settings.hotlineSecret).split(':');
    const field = 'setting:events.hotlineSecret' as const;
    expect(pii.decrypt(w.city.tenantId, field, keyId!, Buffer.from(b64!, 'base64'))).toBe(SEALED);
    expect(() => pii.decrypt(randomUUID(), field, keyId!, Buffer.from(b64!, 'base64'))).toThrow();
  });
});
