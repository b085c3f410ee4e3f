/**
 * `pnpm reliability:load`: the product in its own process (apps/api's main on a fresh database with
 * the demo tenant), driven from this one by a mixed workload — logins, a street's resident list, a grid
 * worker's tasks, event intake, transitions, landlord deductions — for LOAD_DURATION_S (60) seconds on
 * LOAD_CONNECTIONS (50) connections. Prints throughput and latency per kind of request, writes them to
 * bench-results/load-<time>.json, and exits 1 on any error (a non-2xx answer or a failed request).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { DEMO_PASSWORD, startServer } from '../support/server.ts';

const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 60);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 50);

type Kind = 'login' | 'residents' | 'my-tasks' | 'intake' | 'transition' | 'deduction';
/** How often each kind comes round, per 14 requests. */
const MIX: Array<[Kind, number]> = [
  ['login', 1],
  ['residents', 3],
  ['my-tasks', 3],
  ['intake', 2],
  ['transition', 3],
  ['deduction', 2],
];
const ROTATION = MIX.flatMap(([k, n]) => Array<Kind>(n).fill(k));

interface Sample {
  kind: Kind;
  ms: number;
  ok: boolean;
  detail?: string;
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;

async function main() {
  process.stdout.write('starting the API on a fresh database (migrations, demo tenant)…\n');
  const server = await startServer({
    env: { LOGIN_LIMIT_PER_IP: '1000000', LOGIN_LIMIT_PER_ACCOUNT: '1000000', DATABASE_POOL_SIZE: '20' },
  });
  const base = `${server.url}/api/v1`;
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const login = async (username: string) => {
    const r = await call('POST', '/auth/login', undefined, {
      tenant: 'yiwu',
      username,
      password: DEMO_PASSWORD,
    });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.accessToken as string;
  };
  try {
    const [admin, street, worker] = [await login('admin'), await login('street'), await login('gridworker')];
    // What the workload needs from the demo: the grid worker's grid, a category, a landlord of hers.
    const me = (await call('GET', '/me', worker)).body as { grants: Array<{ orgUnitId: string }> };
    const grid = me.grants[0]!.orgUnitId;
    const categories = (await call('GET', '/m/events/categories', worker)).body as unknown as Array<{
      id: string;
    }>;
    const categoryId = categories.at(-1)!.id;
    const [house] = (await call('GET', '/houses?_end=1&use=rented', worker)).body as unknown as Array<{
      id: string;
    }>;
    // A landlord lets houses where she need not live: any resident of the grid, any house of it.
    const [person] = (await call('GET', '/residents?_end=1', worker)).body as unknown as Array<{
      id: string;
    }>;
    const subject = await call('POST', '/m/landlord-scoring/subjects', admin, {
      kind: 'landlord',
      personId: person!.id,
      houseIds: [house!.id],
      registeredOn: '2026-01-01',
    });
    if (subject.status !== 201)
      throw new Error(`landlord subject: ${subject.status} ${JSON.stringify(subject.body)}`);
    const rules = (await call('GET', '/m/landlord-scoring/rules/landlord', admin)).body as {
      categories: Array<{ items: Array<{ code: string; effect: string }> }>;
    };
    const itemCode = rules.categories.flatMap((c) => c.items).find((i) => i.effect === 'deduction')!.code;

    const samples: Sample[] = [];
    /** Events reported by the workload and not yet accepted; accepted ones wait to be handled. */
    const reported: string[] = [];
    const accepted: string[] = [];
    let turn = 0;
    let n = 0;
    const request = async (kind: Kind): Promise<{ status: number; body: Record<string, unknown> }> => {
      switch (kind) {
        case 'login':
          return call('POST', '/auth/login', undefined, {
            tenant: 'yiwu',
            username: 'gridworker',
            password: DEMO_PASSWORD,
          });
        case 'residents':
          return call('GET', '/residents?_start=0&_end=20', street);
        case 'my-tasks':
          return call('GET', '/m/events/events?mine=true&_start=0&_end=20&_sort=urgency', worker);
        case 'intake': {
          const r = await call('POST', '/m/events/events', worker, {
            title: `负载测试事件 ${n++}`,
            categoryId,
            channel: 'walk-in',
            urgency: 'yellow',
            orgUnitId: grid,
          });
          if (r.status === 201) reported.push((r.body.event as { id: string }).id);
          return r;
        }
        case 'transition': {
          const toHandle = accepted.shift();
          if (toHandle)
            return call('POST', `/m/events/events/${toHandle}/handle`, worker, { note: '已处理' });
          const toAccept = reported.shift();
          if (!toAccept) return call('GET', '/m/events/events?mine=true&_end=1', worker);
          const r = await call('POST', `/m/events/events/${toAccept}/accept`, worker, {});
          if (r.status === 200) accepted.push(toAccept);
          return r;
        }
        case 'deduction':
          return call('POST', '/m/landlord-scoring/records', worker, {
            subjectId: subject.body.id,
            itemCode,
            occurredOn: '2026-03-01',
            note: '负载测试',
          });
      }
    };
    const end = Date.now() + DURATION_S * 1000;
    const connection = async () => {
      while (Date.now() < end) {
        const kind = ROTATION[turn++ % ROTATION.length]!;
        const started = performance.now();
        try {
          const r = await request(kind);
          const ok = r.status >= 200 && r.status < 300;
          samples.push({
            kind,
            ms: performance.now() - started,
            ok,
            detail: ok ? undefined : `${r.status} ${r.body.code}`,
          });
        } catch (e) {
          samples.push({ kind, ms: performance.now() - started, ok: false, detail: (e as Error).message });
        }
      }
    };
    process.stdout.write(`load: ${CONNECTIONS} connections for ${DURATION_S} s…\n`);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, connection));
    const seconds = (performance.now() - t0) / 1000;

    const rows = [...MIX.map(([k]) => k), 'all' as const].map((kind) => {
      const of = samples.filter((s) => kind === 'all' || s.kind === kind);
      const ms = of.map((s) => s.ms).sort((a, b) => a - b);
      return {
        kind,
        requests: of.length,
        perSecond: of.length / seconds,
        errors: of.filter((s) => !s.ok).length,
        p50: quantile(ms, 0.5),
        p99: quantile(ms, 0.99),
        max: ms.at(-1) ?? 0,
      };
    });
    const errors = samples.filter((s) => !s.ok);
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model },
      connections: CONNECTIONS,
      durationS: seconds,
      rows,
      errorSamples: [...new Set(errors.map((e) => `${e.kind}: ${e.detail}`))].slice(0, 20),
    };
    const f = (x: number, d = 0) =>
      x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
    process.stdout.write(
      `\n${'kind'.padEnd(12)}${'requests'.padStart(10)}${'req/s'.padStart(9)}${'errors'.padStart(8)}` +
        `${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}\n` +
        rows
          .map(
            (r) =>
              `${r.kind.padEnd(12)}${f(r.requests).padStart(10)}${f(r.perSecond, 1).padStart(9)}${f(r.errors).padStart(8)}` +
              `${f(r.p50, 1).padStart(9)}${f(r.p99, 1).padStart(9)}${f(r.max, 0).padStart(9)}`,
          )
          .join('\n') +
        '\n',
    );
    if (report.errorSamples.length) process.stdout.write(`errors:\n  ${report.errorSamples.join('\n  ')}\n`);
    await mkdir('bench-results', { recursive: true });
    const file = join('bench-results', `load-${report.at.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify(report, null, 2));
    process.stdout.write(`written to ${file}\n`);
    process.exitCode = errors.length ? 1 : 0;
  } finally {
    await server.stop();
  }
}

await main();
