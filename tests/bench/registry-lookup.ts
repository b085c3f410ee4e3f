/**
 * Exact ID lookup on a big registry (not a test): a throw-away tenant with 2,000,000 generated residents
 * (sealed in Node, loaded with COPY as the owner), then `GET /residents?idNumber=…` the way the route
 * runs it — keyed hash of the typed number, `id_hash` equality, the scope filter, the current-residence
 * join and the capped count — as the application role in `withTenant`, for random known numbers after a
 * warm-up. Timed as the query alone and as the whole transaction (with the caller's grants loaded, as
 * `inUserContext` does), for the tenant admin (scope: everything) and a street admin (scope: a subtree),
 * beside a baseline of the bare statement on the owner connection.
 *
 * Standalone: `npx tsx tests/bench/registry-lookup.ts` (BENCH_RESIDENTS, BENCH_LOOKUPS); `pnpm bench
 * registry` calls benchIdLookup() too.
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Access, loadGrants, orgScopeSql } from '@civicgrid/authz';
import { countCapped, type Database } from '@civicgrid/db';
import { copyStream } from '@civicgrid/division';
import { provisionTenant } from '@civicgrid/http';
import { createUser } from '@civicgrid/identity';
import { maskId, maskPhone } from '@civicgrid/kernel';
import {
  CURRENT_RESIDENCE,
  type DemoPerson,
  generatePiiSecrets,
  idLookupHash,
  peopleStream,
  piiFromEnv,
  RESIDENT_COLUMNS,
} from '@civicgrid/registry';
import { createUnit } from '@civicgrid/tenancy';
import { createTestDatabase } from '@civicgrid/testing';
import pg from 'pg';
import { openCoreDatabase } from '../../apps/api/src/app.ts';
import { appendOnlyTables, coreMigrations } from '../../apps/api/src/platform.ts';
import { BENCH_ACTOR, ms } from './data.ts';

export interface IdLookupOptions {
  log?: (msg: string) => void;
  residents?: number;
  lookups?: number;
  warmup?: number;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

export interface IdLookupReport {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; postgres: string };
  config: { residents: number; lookups: number; warmup: number; grids: number };
  timings: Record<string, number>;
  /** ms per lookup, by caller */
  runs: Array<{ name: string; query: Latency; transaction: Latency; found: number }>;
  plan: string;
  targets: Array<{ name: string; target: string; actual: string; pass: boolean }>;
}

const READ = 'registry.resident.read';

function latency(xs: number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]! * 1000) / 1000;
  return { p50: q(0.5), p99: q(0.99), max: q(1) };
}

/** COPY text format: `\N` is null, bytea goes as `\\x…` (the backslash itself escaped). */
const hex = (b: Buffer) => `\\\\x${b.toString('hex')}`;
const cell = (v: string | null) => (v == null ? '\\N' : v);

/** `opts` may be just the log function (how `pnpm bench registry` calls it). */
export async function benchIdLookup(
  optsOrLog: IdLookupOptions | ((msg: string) => void) = {},
): Promise<IdLookupReport> {
  const opts = typeof optsOrLog === 'function' ? { log: optsOrLog } : optsOrLog;
  const log = opts.log ?? ((m: string) => console.error(`[registry-lookup] ${m}`));
  const total = opts.residents ?? Number(process.env.BENCH_RESIDENTS ?? 2_000_000);
  const lookups = opts.lookups ?? Number(process.env.BENCH_LOOKUPS ?? 2000);
  const warmup = opts.warmup ?? 200;
  const timings: Record<string, number> = {};
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  const tdb = await createTestDatabase(coreMigrations, appendOnlyTables);
  const secrets = generatePiiSecrets();
  const pii = piiFromEnv({ PII_KEYS: secrets.piiKeys, PII_HASH_KEY: secrets.piiHashKey })!;
  const db: Database = await openCoreDatabase(tdb.appUrl, 2);
  const owner = new pg.Client({ connectionString: tdb.ownerUrl });
  await owner.connect();
  try {
    // A tenant, 5 streets × 4 communities × 10 grids, and a street admin beside the tenant admin.
    let t0 = performance.now();
    const { tenant, rootUnitId, roleIds, adminId } = await provisionTenant(db, BENCH_ACTOR, {
      code: 'registry-bench',
      name: '义乌市',
      admin: { username: 'admin', displayName: '管理员', password: 'Bench-pass-2026' },
    });
    const tenantId = tenant.id;
    const { grids, streetAdminId } = await db.withTenant(tenantId, async (tx) => {
      const grids: string[] = [];
      const streets: string[] = [];
      for (let s = 1; s <= 5; s++) {
        const street = await createUnit(tx, { parentId: rootUnitId, kind: 'street', name: `街道${s}` });
        streets.push(street.id);
        for (let c = 1; c <= 4; c++) {
          const comm = await createUnit(tx, {
            parentId: street.id,
            kind: 'community',
            name: `社区${s}-${c}`,
          });
          for (let g = 1; g <= 10; g++)
            grids.push(
              (
                await createUnit(tx, {
                  parentId: comm.id,
                  kind: 'grid',
                  gridTier: 'general',
                  gridType: 'residential',
                  name: `网格${s}-${c}-${g}`,
                })
              ).id,
            );
        }
      }
      const u = await createUser(tx, {
        username: 'street1',
        displayName: '街道管理员',
        orgUnitId: streets[0]!,
        password: 'Bench-pass-2026',
      });
      await tx.query(
        `insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`,
        [tenantId, u.id, roleIds.get('street-admin'), streets[0]],
      );
      return { grids, streetAdminId: u.id };
    });
    timings.tenantAndUnits = ms(t0);

    // Residents: generated, sealed, streamed through COPY in one transaction as the owner (RLS is forced
    // on the owner too, so the tenant is set). Every n-th ID number is kept as a known one to look up.
    t0 = performance.now();
    const keep = Math.max(1, Math.floor(total / (lookups * 4)));
    const known: Array<{ idNumber: string; grid: number }> = [];
    async function* lines() {
      const people = peopleStream(20260);
      let batch = '';
      for (let i = 0; i < total; i++) {
        const p: DemoPerson = people.next().value;
        const grid = i % grids.length;
        if (i % keep === 0) known.push({ idNumber: p.idNumber, grid });
        const phone = p.phone;
        batch += `${[
          tenantId,
          crypto.randomUUID(),
          grids[grid]!,
          p.name,
          p.nameInitials,
          p.gender,
          p.birthDate,
          p.idType,
          hex(pii.encrypt(tenantId, 'id', p.idNumber)),
          hex(pii.hash(tenantId, 'id', p.idNumber)),
          maskId(p.idNumber),
          cell(p.nationality),
          phone ? hex(pii.encrypt(tenantId, 'phone', phone)) : '\\N',
          phone ? hex(pii.hash(tenantId, 'phone', phone)) : '\\N',
          cell(phone ? maskPhone(phone) : null),
          pii.keyId,
          p.registration,
        ].join('\t')}\n`;
        if ((i + 1) % 5000 === 0) {
          yield batch;
          batch = '';
        }
        if ((i + 1) % 250_000 === 0)
          log(`${(i + 1).toLocaleString('en')} residents sealed and sent (${ms(t0)} ms)`);
      }
      if (batch) yield batch;
    }
    await owner.query('begin');
    await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await copyStream(
      owner,
      `copy resident (tenant_id, id, org_unit_id, name, name_initials, gender, birth_date, id_type, id_cipher, id_hash,
         id_masked, nationality, phone_cipher, phone_hash, phone_masked, pii_key, registration) from stdin`,
      lines(),
    );
    timings.residentsCopy = ms(t0);
    log(`${total.toLocaleString('en')} residents copied in ${timings.residentsCopy} ms`);
    t0 = performance.now();
    await owner.query(
      `insert into residence (tenant_id, resident_id, org_unit_id, moved_in)
       select tenant_id, id, org_unit_id, date '2020-01-01' + (hashtext(id::text) & 2047) from resident where tenant_id = $1`,
      [tenantId],
    );
    await owner.query('commit');
    timings.residences = ms(t0);
    t0 = performance.now();
    await owner.query('vacuum (analyze) resident');
    await owner.query('vacuum (analyze) residence');
    timings.vacuumAnalyze = ms(t0);
    log(`residences in ${timings.residences} ms, vacuum analyze in ${timings.vacuumAnalyze} ms`);

    const rnd = (n: number) => Math.floor(Math.random() * n);
    // Street 1's grids are the first 40: its admin looks up people in her own street.
    const inStreet1 = known.filter((k) => k.grid < 40);
    const sample = (own = known) => own[rnd(own.length)]!;
    const runs: IdLookupReport['runs'] = [];
    let plan = '';
    for (const [name, userId, own] of [
      ['tenant admin (scope: all)', adminId, known],
      ['street admin (scope: 1 of 5 streets)', streetAdminId, inStreet1],
    ] as const) {
      const queryMs: number[] = [];
      const txMs: number[] = [];
      let found = 0;
      for (let i = -warmup; i < lookups; i++) {
        const { idNumber } = sample(own);
        const s0 = performance.now();
        const q = await db.withTenant(tenantId, async (tx) => {
          const access = new Access(await loadGrants(tx, userId));
          const q0 = performance.now();
          const s = orgScopeSql(access.scope(READ), tx.tenantId, 'r.org_unit_id');
          const params = [tx.tenantId, ...s.params, idLookupHash(tx, pii, idNumber)];
          const from = `resident r ${CURRENT_RESIDENCE} where r.tenant_id = ? and ${s.sql} and r.id_hash = ?`;
          const rows = await tx.query(
            `select ${RESIDENT_COLUMNS} from ${from} order by r.name asc, r.id limit ? offset ?`,
            [...params, 25, 0],
          );
          await countCapped(tx, from, params);
          if (!plan) {
            const p = await tx.query<{ 'QUERY PLAN': string }>(
              `explain (analyze, costs off, timing off, summary off) select ${RESIDENT_COLUMNS} from ${from} order by r.name asc, r.id limit 25`,
              params,
            );
            plan = p.map((x) => x['QUERY PLAN']).join('\n');
          }
          return { ms: performance.now() - q0, rows: rows.length };
        });
        if (i < 0) continue;
        txMs.push(performance.now() - s0);
        queryMs.push(q.ms);
        found += q.rows;
      }
      runs.push({ name, query: latency(queryMs), transaction: latency(txMs), found });
      log(
        `${name}: query p50 ${latency(queryMs).p50} ms p99 ${latency(queryMs).p99} ms; found ${found}/${lookups}`,
      );
    }

    // Baseline: the bare statement on the owner connection (no RLS policy to satisfy beyond the tenant
    // setting, no scope, no join, no count), one round trip per lookup.
    await owner.query(`select set_config('app.tenant_id', $1, false)`, [tenantId]);
    const bare: number[] = [];
    let bareFound = 0;
    for (let i = -warmup; i < lookups; i++) {
      const hash = pii.hash(tenantId, 'id', sample().idNumber);
      const s0 = performance.now();
      const r = await owner.query({
        name: 'bare_lookup',
        text: 'select id, name, id_masked from resident where tenant_id = $1 and id_hash = $2',
        values: [tenantId, hash],
      });
      if (i < 0) continue;
      bare.push(performance.now() - s0);
      bareFound += r.rowCount ?? 0;
    }
    runs.push({
      name: 'bare SQL (owner)',
      query: latency(bare),
      transaction: latency(bare),
      found: bareFound,
    });

    const [v] = (await owner.query<{ v: string }>(`select current_setting('server_version') as v`)).rows;
    const worst = Math.max(runs[0]!.transaction.p99, runs[1]!.transaction.p99);
    return {
      startedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '?',
        node: process.version,
        postgres: v!.v,
      },
      config: { residents: total, lookups, warmup, grids: grids.length },
      timings,
      runs,
      plan,
      targets: [
        {
          name: 'exact ID lookup p99 (whole transaction, app role)',
          target: '< 20 ms',
          actual: `${worst} ms`,
          pass: worst < 20,
        },
      ],
    };
  } finally {
    await owner.end().catch(() => {});
    await db.close();
    if (process.env.BENCH_KEEP_DB === '1') log(`kept the database: ${tdb.ownerUrl}`);
    else await tdb.drop().catch((e) => log(`could not drop the bench database: ${e}`));
  }
}

/** A short text report of benchIdLookup's result. */
export function formatIdLookup(r: IdLookupReport): string {
  const rows = r.runs.map(
    (x) =>
      `  ${x.name.padEnd(38)} query p50 ${x.query.p50} / p99 ${x.query.p99} ms; transaction p50 ${x.transaction.p50} / p99 ${x.transaction.p99} / max ${x.transaction.max} ms; found ${x.found}`,
  );
  return [
    `Exact ID lookup — ${r.config.residents.toLocaleString('en')} residents in ${r.config.grids} grids, ${r.config.lookups} lookups after ${r.config.warmup} warm-up (${r.machine.cpus} × ${r.machine.cpuModel}, PostgreSQL ${r.machine.postgres})`,
    `  setup ms: ${JSON.stringify(r.timings)}`,
    ...rows,
    ...r.targets.map((t) => `  ${t.name}: ${t.actual} (target ${t.target}) ${t.pass ? 'PASS' : 'MISS'}`),
    `  plan:\n${r.plan.replace(/^/gm, '    ')}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await benchIdLookup();
  console.log(formatIdLookup(report));
}
