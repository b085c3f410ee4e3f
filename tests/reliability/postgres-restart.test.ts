/**
 * PostgreSQL restarted under API load, on a server of this test's own (the run's shared one is not
 * ours to stop): requests fail fast with 503 while it is down, the API recovers by itself once it is
 * back, and every write the API acknowledged is there afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appUrlFor,
  DEFAULT_APP_ROLE,
  type EmbeddedDatabase,
  ensureAppRole,
  migrate,
  startEmbeddedPostgres,
} from '@civicgrid/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMigrations } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';
import { as, login, startApp, type TestApp } from '../support/app.ts';
import { tolerateDeprecations } from '../support/deprecations.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';
import { freePort } from '../support/server.ts';

let dir: string;
let server: EmbeddedDatabase;
let port: number;
const password = randomBytes(12).toString('hex');
let t: TestApp;
let city: CityFixture;
let token: string;

// While the server stops, knex's pool once began a transaction on a connection pg still held a
// statement queued for, and pg printed its "already executing a query" notice from inside knex (CI,
// under load; not reproduced on demand). That connection is closing: both statements fail with it and
// the request gets the 503 this test checks for.
tolerateDeprecations('knex/pg while the server is stopping');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cg-pg-restart-'));
  port = await freePort();
  server = await startEmbeddedPostgres(dir, password, { port });
  await migrate(server.ownerUrl, allMigrations());
  const appPassword = randomBytes(12).toString('hex');
  await ensureAppRole(server.ownerUrl, DEFAULT_APP_ROLE, appPassword, appendOnlyTables);
  t = await startApp({ appUrl: appUrlFor(server.ownerUrl, DEFAULT_APP_ROLE, appPassword), poolSize: 10 });
  city = await buildCity(t.db);
  token = (await login(t.app, city.code, 'admin')).accessToken;
  expect((await as(t.app, token).put('/modules/bulletin', { enabled: true })).statusCode).toBe(200);
}, 180_000);

afterAll(async () => {
  await t?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Outcome {
  at: number;
  ms: number;
  status: number;
  code?: string;
  id?: string;
}

describe('PostgreSQL restarted under load', () => {
  it('503s fast while it is down, recovers by itself within 10 s, loses no acknowledged write', async () => {
    const outcomes: Outcome[] = [];
    let stop = false;
    let n = 0;
    const client = async () => {
      while (!stop) {
        const started = Date.now();
        const i = n++;
        const res =
          i % 2
            ? await t.app.inject({
                method: 'POST',
                url: '/api/v1/m/bulletin/notices',
                headers: { authorization: `Bearer ${token}` },
                payload: { orgUnitId: city.units.gridA1a, title: `负载-${i}` },
              })
            : await t.app.inject({
                method: 'GET',
                url: '/api/v1/m/bulletin/notices?_end=5',
                headers: { authorization: `Bearer ${token}` },
              });
        const body = res.json() as { id?: string; code?: string };
        outcomes.push({
          at: started,
          ms: Date.now() - started,
          status: res.statusCode,
          code: body.code,
          id: res.statusCode === 201 ? body.id : undefined,
        });
        // A refused request is retried at once by a real client too; a short pause keeps the log small.
        if (res.statusCode >= 500) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const clients = Array.from({ length: 8 }, client);

    await new Promise((r) => setTimeout(r, 2_000));
    const down = Date.now();
    await server.stop();
    await new Promise((r) => setTimeout(r, 3_000));
    server = await startEmbeddedPostgres(dir, password, { port });
    const up = Date.now();
    // Load goes on until requests have succeeded again for 2 s (or 20 s passed).
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      const firstOk = outcomes.find((o) => o.at > up && o.status < 400);
      if ((firstOk && Date.now() - firstOk.at > 2_000) || Date.now() - up > 20_000) break;
    }
    stop = true;
    await Promise.all(clients);

    const before = outcomes.filter((o) => o.at + o.ms < down);
    const during = outcomes.filter((o) => o.at >= down && o.at < up);
    const recovered = outcomes.find((o) => o.at >= up && o.status < 400);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((o) => o.status < 400)).toBe(true);
    // Down: every failure is a 503 that says so, and none waited long.
    const failures = outcomes.filter((o) => o.status >= 400);
    expect(failures.length).toBeGreaterThan(0);
    const kinds = [...new Set(failures.map((o) => `${o.status} ${o.code}`))];
    process.stdout.write(
      `failures: ${JSON.stringify(kinds)}, slowest ${Math.max(...failures.map((o) => o.ms))} ms\n`,
    );
    expect(kinds).toEqual(['503 database_unavailable']);
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(5_000);
    // Back: it answers again by itself, and keeps answering.
    expect(recovered, 'no request succeeded after the restart').toBeDefined();
    const recoveryMs = recovered!.at + recovered!.ms - up;
    expect(recoveryMs).toBeLessThan(10_000);
    const settled = outcomes.filter((o) => o.at > recovered!.at + 1_000);
    expect(settled.length).toBeGreaterThan(0);
    expect(settled.every((o) => o.status < 400)).toBe(true);
    // Every acknowledged write is in the restarted database.
    const acknowledged = outcomes.flatMap((o) => (o.id ? [o.id] : []));
    const db = new pg.Client({ connectionString: server.ownerUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from bulletin_notice where id = any($1::uuid[])',
        [acknowledged],
      );
      expect(rows[0]!.n).toBe(acknowledged.length);
    } finally {
      await db.end();
    }
    process.stdout.write(
      `postgres restart: ${outcomes.length} requests, ${acknowledged.length} acknowledged writes all kept; ` +
        `down ${up - down} ms: ${during.length} requests, slowest ${Math.max(...during.map((o) => o.ms))} ms; ` +
        `recovered ${recoveryMs} ms after the server was back\n`,
    );
  }, 120_000);
});
