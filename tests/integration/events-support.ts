import { createUser } from '@civicgrid/identity';
import { createJobClient } from '@civicgrid/jobs';
import { createUnit } from '@civicgrid/tenancy';
import { clock } from '../../plugins/events/src/server/clock.ts';
import { as, type Client, login, PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture, grant } from '../support/fixture.ts';
import { type BackendKind, type TestBackend, testBackend } from '../support/jobs.ts';

/**
 * The events module's test world: the small city with the module on, a department (综合执法局) under
 * 稠城街道 with one staff member, a grid leader, a building in 绣湖第1网格, a clock the test moves by
 * hand, and the API queueing deadline jobs on a test backend.
 */
export interface EventsWorld {
  t: TestApp;
  backend: TestBackend;
  city: CityFixture;
  dept: string;
  dept2: string;
  building: string;
  c: Record<'admin' | 'worker' | 'sec' | 'street' | 'streetB' | 'dept' | 'inspector' | 'leader', Client>;
  categories: Record<string, string>;
  /** moves the module's clock forward */
  advance(minutes: number): Date;
  now(): Date;
  close(): Promise<void>;
}

export async function eventsWorld(name: string, kind: BackendKind = 'redis'): Promise<EventsWorld> {
  const backend = await testBackend(kind, name);
  let now = new Date();
  clock.set(() => now);
  const t = await startApp({
    jobs: (host, db) => createJobClient({ host, db, backend: backend.cfg, prefix: backend.prefix }),
  });
  const city = await buildCity(t.db);
  const extra = await t.db.withTenant(city.tenantId, async (tx) => {
    const dept = (
      await createUnit(tx, { parentId: city.units.streetA, kind: 'department', name: '综合行政执法局' })
    ).id;
    const dept2 = (
      await createUnit(tx, { parentId: city.units.streetA, kind: 'department', name: '市场监管所' })
    ).id;
    const building = (await createUnit(tx, { parentId: city.units.gridA1a, kind: 'building', name: '1幢' }))
      .id;
    const staff = async (username: string, unit: string, role: string) => {
      const u = await createUser(tx, {
        username,
        displayName: username,
        orgUnitId: unit,
        password: PASSWORD,
      });
      await grant(tx, u.id, city.roleIds.get(role)!, unit);
    };
    await staff('dept1', dept, 'department-staff');
    await staff('leader1', city.units.gridA1a, 'grid-leader');
    return { dept, dept2, building };
  });
  const client = async (u: string) => as(t.app, (await login(t.app, city.code, u)).accessToken);
  const c = {
    admin: await client('admin'),
    worker: await client('workera1a'),
    sec: await client('seca1'),
    street: await client('streeta'),
    streetB: await client('streetb'),
    dept: await client('dept1'),
    inspector: await client('inspector'),
    leader: await client('leader1'),
  };
  const on = await c.admin.put('/modules/events', { enabled: true });
  if (on.statusCode !== 200) throw new Error(`enable events: ${on.body}`);
  const cats = (await c.admin.get('/m/events/categories')).json() as Array<{ id: string; code: string }>;
  return {
    t,
    backend,
    city,
    ...extra,
    c,
    categories: Object.fromEntries(cats.map((x) => [x.code, x.id])),
    advance(minutes) {
      now = new Date(now.getTime() + minutes * 60_000);
      return now;
    },
    now: () => now,
    async close() {
      clock.reset();
      await t.close();
      await backend.drop();
    },
  };
}

export interface EventOut {
  id: string;
  status: string;
  level: string;
  handlerUnitId: string;
  reopenCount: number;
  supervision: string | null;
  mergedInto: string | null;
}

/** Reports an event and answers it (201 expected). */
export async function report(
  w: EventsWorld,
  client: Client,
  over: Record<string, unknown> = {},
): Promise<
  EventOut & { duplicates: Array<{ id: string; sameBuilding: boolean; distanceM: number | null }> }
> {
  const res = await client.post('/m/events/events', {
    title: '楼道堆放杂物',
    categoryId: w.categories['safety.fire'],
    channel: 'grid-worker',
    urgency: 'yellow',
    orgUnitId: w.city.units.gridA1a,
    ...over,
  });
  if (res.statusCode !== 201) throw new Error(`report: ${res.statusCode} ${res.body}`);
  const body = res.json() as { event: EventOut; duplicates: [] };
  return { ...body.event, duplicates: body.duplicates };
}

/** POSTs a transition and answers status code and body. */
export async function act(client: Client, id: string, action: string, body: object = {}) {
  const res = await client.post(`/m/events/events/${id}/${action}`, body);
  return {
    code: res.statusCode,
    body: res.json() as EventOut & { code?: string; details?: Array<{ field: string }> },
  };
}
