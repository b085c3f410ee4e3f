/**
 * Bad input against every route of the OpenAPI document: wrong types, missing and extra fields, huge
 * strings, deep JSON, unicode edge cases, traversal and SQL/ltree metacharacters in paths, queries and
 * bodies, bad tokens. The API must answer each with a 4xx naming the problem — never a 5xx, never a
 * stack — and a 4xx must leave every table as it was.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '@civicgrid/identity';
import { createJobClient } from '@civicgrid/jobs';
import { makeIdCard } from '@civicgrid/registry';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { as, login, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { type TestBackend, testBackend } from '../support/jobs.ts';
import { changed, fingerprinter } from './fingerprint.ts';
import { bodyCases, type Case, deepBody, fieldCases, HOSTILE_STRINGS } from './malformed.ts';
import { type Operation, operationsOf } from './openapi.ts';

let t: TestApp;
let a: CityFixture;
let backend: TestBackend;
let token: string;
let operatorToken: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  backend = await testBackend('redis', 'fuzz');
  t = await startApp({
    jobs: (host, db) => createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix }),
  });
  a = await buildCity(t.db);
  token = (await login(t.app, a.code, 'admin')).accessToken;
  const admin = as(t.app, token);
  for (const m of ['bulletin', 'events', 'landlord-scoring'])
    expect((await admin.put(`/modules/${m}`, { enabled: true })).statusCode).toBe(200);
  const made = async (res: Promise<{ statusCode: number; body: string; json(): unknown }>) => {
    const r = await res;
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json() as { id: string; event?: { id: string } };
  };
  ids.house = (
    await made(admin.post('/houses', { orgUnitId: a.units.gridA1a, address: '1幢', use: 'rented' }))
  ).id;
  ids.shop = (await made(admin.post('/shops', { orgUnitId: a.units.gridA1a, name: '商铺' }))).id;
  ids.resident = (
    await made(
      admin.post('/residents', {
        houseId: ids.house,
        name: '张三',
        idType: 'resident-id',
        idNumber: makeIdCard('330782', '19800101', 17),
        registration: 'local',
      }),
    )
  ).id;
  ids.household = (await made(admin.post('/households', { headId: ids.resident }))).id;
  ids.notice = (
    await made(admin.post('/m/bulletin/notices', { orgUnitId: a.units.gridA1a, title: '通知' }))
  ).id;
  ids.category = ((await admin.get('/m/events/categories')).json() as Array<{ id: string }>).at(-1)!.id;
  ids.event = (
    await made(
      admin.post('/m/events/events', {
        title: '事件',
        categoryId: ids.category,
        channel: 'walk-in',
        urgency: 'yellow',
        orgUnitId: a.units.gridA1a,
      }),
    )
  ).event!.id;
  ids.subject = (
    await made(
      admin.post('/m/landlord-scoring/subjects', {
        kind: 'landlord',
        personId: ids.resident,
        houseIds: [ids.house],
        registeredOn: '2026-01-01',
      }),
    )
  ).id;
  await t.db.withPlatform(async (tx) =>
    tx.query(
      `insert into platform_operator (username, display_name, password_hash) values ('fuzzop', 'Operator', ?)
       on conflict do nothing`,
      [await hashPassword('Test-pass-2026')],
    ),
  );
  operatorToken = (await login(t.app, undefined, 'fuzzop')).accessToken;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await backend?.drop();
});

/** A's own record for an `{id}` by the path it sits under, so bodies reach the handler; else nobody's. */
function idFor(path: string): string {
  const by: Array<[string, string]> = [
    ['/org-units/', a.units.commA1],
    ['/users/', a.users.workerA1a],
    ['/residents/', ids.resident!],
    ['/houses/', ids.house!],
    ['/shops/', ids.shop!],
    ['/households/', ids.household!],
    ['/m/bulletin/notices/', ids.notice!],
    ['/m/events/events/', ids.event!],
    ['/m/events/categories/', ids.category!],
    ['/m/landlord-scoring/subjects/', ids.subject!],
    ['/platform/tenants/', a.tenantId],
  ];
  return by.find(([p]) => path.includes(p))?.[1] ?? '00000000-0000-4000-8000-00000000f022';
}

const SHORT_HOSTILE = HOSTILE_STRINGS.map((c) =>
  typeof c.value === 'string' && c.value.length > 5_000 ? { ...c, value: c.value.slice(0, 5_000) } : c,
);

/** Percent-encoding that also takes lone surrogates (as the bytes a careless client would send). */
const pct = (v: string) =>
  [...Buffer.from(v, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');

/** Bytes that are not UTF-8 at all, sent percent-encoded in paths and queries. */
const RAW_ENCODED = ['%FF%FE', '%ED%A0%80', '%00', '%2e%2e%2f%2e%2e%2f', '%25%32%65'];

interface Sent {
  route: string;
  kind: string;
  status: number;
  code?: string;
  problem?: string;
}

interface Request {
  kind: string;
  url: string;
  payload?: string;
  contentType?: string;
  /** null: no Authorization header; undefined: the caller's own token */
  auth?: string | null;
}

/** Every malformed request for one route. */
function casesOf(op: Operation): Request[] {
  const url = urlOf(op);
  const out: Request[] = [];
  const hasBody = op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH';
  // Tokens: none, garbage, a real token with its signature broken.
  if (!op.anonymous)
    out.push(
      { kind: 'no token', url, auth: null },
      { kind: 'garbage token', url, auth: 'Bearer not.a.jwt' },
      { kind: 'forged signature', url, auth: `Bearer ${token.slice(0, -6)}AAAAAA` },
    );
  for (const p of op.params.filter((x) => x.in === 'path')) {
    for (const c of SHORT_HOSTILE)
      out.push({
        kind: `path ${p.name}: ${c.name}`,
        url: urlOf(op, { param: p.name, value: String(c.value) }),
      });
    for (const raw of RAW_ENCODED)
      out.push({ kind: `path ${p.name}: ${raw}`, url: urlOf(op, { param: p.name, value: raw, raw: true }) });
  }
  for (const p of op.params.filter((x) => x.in === 'query')) {
    for (const c of [...fieldCases(p.schema), ...SHORT_HOSTILE] as Case[]) {
      const v = typeof c.value === 'string' ? c.value.slice(0, 5_000) : JSON.stringify(c.value);
      out.push({ kind: `query ${p.name}: ${c.name}`, url: `${url}?${p.name}=${pct(v)}` });
    }
    for (const raw of RAW_ENCODED)
      out.push({ kind: `query ${p.name}: ${raw}`, url: `${url}?${p.name}=${raw}` });
  }
  out.push({ kind: 'query: a parameter twice, and an unknown one', url: `${url}?_end=1&_end=2&zzz=1` });
  if (hasBody && !op.upload) {
    const ids = { unit: a.units.gridA1a };
    for (const c of bodyCases(op.body, ids))
      out.push({ kind: `body ${c.name}`, url, payload: JSON.stringify(c.value) });
    out.push(
      { kind: 'body: 5,000 nested objects', url, payload: deepBody(op.body, ids) },
      { kind: 'body: malformed JSON', url, payload: '{"a": ' },
      { kind: 'body: 20,000 nested arrays', url, payload: `${'['.repeat(20_000)}${']'.repeat(20_000)}` },
      { kind: 'body: over the size limit', url, payload: JSON.stringify({ x: 'y'.repeat(2_000_000) }) },
      {
        kind: 'body: form-encoded',
        url,
        payload: 'a=1&b=2',
        contentType: 'application/x-www-form-urlencoded',
      },
    );
  }
  if (op.upload)
    out.push(
      { kind: 'upload: not the declared type', url, payload: 'plain text', contentType: 'text/plain' },
      { kind: 'upload: empty', url, payload: '', contentType: 'application/octet-stream' },
    );
  return out;
}

/** The URL with every path parameter filled, one of them (if named) replaced by a hostile value. */
function urlOf(op: Operation, hostile?: { param: string; value: string; raw?: boolean }): string {
  let url = op.path.replace('/api/v1', '');
  for (const p of op.params.filter((x) => x.in === 'path')) {
    const v =
      hostile?.param === p.name
        ? hostile.value
        : p.name === 'id'
          ? idFor(op.path)
          : p.name === 'month' || p.name === 'period'
            ? '2026-03'
            : p.schema.format === 'uuid' || /Id$/.test(p.name)
              ? '00000000-0000-4000-8000-00000000f023'
              : 'x';
    url = url.replace(`{${p.name}}`, hostile?.param === p.name && hostile.raw ? v : pct(v));
  }
  return url;
}

describe('bad input on every route', () => {
  it('answers 4xx with a body naming the problem, never 5xx, and a 4xx writes nothing', async () => {
    const ops = await operationsOf(t.app);
    expect(ops.length).toBeGreaterThan(100);
    const fp = await fingerprinter(inject('db').ownerUrl, a.tenantId);
    // The fingerprint sees a committed write (else every check below would pass on nothing).
    const probe = await fp.take();
    await as(t.app, token).post('/m/bulletin/notices', { orgUnitId: a.units.gridA1a, title: '探针' });
    expect(changed(probe, await fp.take())).toContain('bulletin_notice');
    const sent: Sent[] = [];
    let requests = 0;
    const send = async (op: Operation, c: Request): Promise<Sent> => {
      requests++;
      const auth =
        c.auth === undefined
          ? `Bearer ${op.path.startsWith('/api/v1/platform/') ? operatorToken : token}`
          : c.auth;
      const res = await t.app.inject({
        method: op.method,
        url: `/api/v1${c.url}`,
        headers: {
          ...(auth ? { authorization: auth } : {}),
          ...(c.payload !== undefined ? { 'content-type': c.contentType ?? 'application/json' } : {}),
        },
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      });
      const s: Sent = { route: `${op.method} ${op.path}`, kind: c.kind, status: res.statusCode };
      if (res.statusCode >= 500) s.problem = `${res.statusCode}: ${res.body.slice(0, 300)}`;
      else if (/\n\s+at .+:\d+:\d+/.test(res.body)) s.problem = 'a stack trace in the body';
      else if (res.statusCode >= 400) {
        const body = res.json() as { code?: string; message?: string };
        if (!body.code || !body.message) s.problem = `a ${res.statusCode} without code and message`;
        s.code = body.code;
      }
      return s;
    };
    const wroteOn4xx = (op: Operation, s: Sent, before: Map<string, string>, after: Map<string, string>) => {
      const wrote = changed(before, after).filter((table) => !allowedOn4xx(op, table));
      if (wrote.length && !s.problem) s.problem = `a ${s.status} (${s.code}) wrote ${wrote.join(', ')}`;
    };

    for (const op of ops) {
      const cases = casesOf(op);
      // One fingerprint around the route's cases; where one of them succeeded (and may rightly have
      // written), the route runs again with a fingerprint around each refused request.
      const before = await fp.take();
      const batch: Sent[] = [];
      for (const c of cases) batch.push(await send(op, c));
      const after = await fp.take();
      if (batch.every((s) => s.status >= 400)) {
        const wrote = changed(before, after).filter((table) => !allowedOn4xx(op, table));
        if (wrote.length) batch[0]!.problem ??= `refused requests wrote ${wrote.join(', ')}`;
        sent.push(...batch);
        continue;
      }
      sent.push(...batch.filter((s) => s.status < 400 || s.problem));
      let last = after;
      for (const c of cases) {
        const s = await send(op, c);
        const now = await fp.take();
        if (s.status >= 400) {
          wroteOn4xx(op, s, last, now);
          sent.push(s);
        }
        last = now;
      }
    }
    await fp.close();

    const problems = sent.filter((s) => s.problem);
    const report = {
      at: new Date().toISOString(),
      requests,
      checked: sent.length,
      routes: new Set(sent.map((s) => s.route)).size,
      status5xx: sent.filter((s) => s.status >= 500).length,
      byStatus: Object.fromEntries(
        [...new Set(sent.map((s) => s.status))]
          .sort()
          .map((st) => [st, sent.filter((s) => s.status === st).length]),
      ),
      problems,
    };
    mkdirSync(join('test-results', 'reliability'), { recursive: true });
    writeFileSync(join('test-results', 'reliability', 'fuzz.json'), JSON.stringify(report, null, 2));
    process.stdout.write(
      `fuzz: ${report.requests} requests on ${report.routes} routes, ${report.status5xx} 5xx, ${problems.length} problems\n`,
    );
    expect(problems.map((p) => `${p.route} [${p.kind}] ${p.problem}`)).toEqual([]);
  }, 900_000);
});

/**
 * Writes a refusal may make by design: a failed login counts towards the account's lock, and a
 * refresh token presented twice revokes its family.
 */
function allowedOn4xx(op: Operation, table: string): boolean {
  if (op.path === '/api/v1/auth/login') return table === 'app_user' || table === 'platform_operator';
  if (op.path === '/api/v1/auth/refresh') return table === 'user_session' || table === 'operator_session';
  return false;
}
