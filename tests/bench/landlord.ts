/**
 * `pnpm bench landlord`: the landlord-scoring monthly assessment at a city's scale (issue #7), in a
 * throw-away database.
 *
 * 1. Two tenants (5 streets × 4 communities × 10 grids each, the module on with its default catalogue
 *    and settings): the big one with BENCH_LANDLORD_SUBJECTS (500,000) landlords and shops and
 *    BENCH_LANDLORD_RECORDS (6 per subject: 3,000,000) records over last year, the small one with
 *    BENCH_LANDLORD_SMALL (a fifth: 100,000) and as many records per subject — generated set-based as
 *    the owner (tests/bench/landlord-data.ts). The month assessed is last December: the whole year read.
 * 2. The floor (tests/bench/landlord-sql.ts): one hand-written statement writing the month's rows for all
 *    subjects into an unlogged table, as the owner (no row-level security, job, ORM or chunks); run
 *    before and after the assessments, the faster counts.
 * 3. Baseline (b) (tests/bench/landlord-orm.ts): subject by subject through MikroORM on a sample of
 *    BENCH_LANDLORD_ORM_SAMPLE (10,000) subjects of the big tenant, extrapolated; its rows are checked
 *    against the floor, then removed.
 * 4. The assessment as it runs in production: `landlord-scoring/assess` queued through the job client
 *    on Redis (own key prefix), run by a real worker in its own process (tests/bench/events-worker.ts:
 *    startWorker with the API's plugins, WORKER_NODE_FLAGS) — the tenant job wrapper, row-level security,
 *    chunk transactions and all. A fresh worker for each tenant, its RSS sampled every 100 ms. Wall time
 *    is enqueue → job_run completed; every row is compared with the floor's (mismatches must be 0).
 *    BENCH_LANDLORD_CHUNK and BENCH_LANDLORD_LANES set the job's `chunkSize` and `lanes` (default: the
 *    job's own).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { type Database, openDatabase } from '@civicgrid/db';
import { provisionTenant } from '@civicgrid/http';
import { createJobClient } from '@civicgrid/jobs';
import { createUnit } from '@civicgrid/tenancy';
import { createTestDatabase } from '@civicgrid/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { allMigrations, createApi, openCoreDatabase, pluginHost } from '../../apps/api/src/app.ts';
import { appendOnlyTables } from '../../apps/api/src/platform.ts';
import { BENCH_ACTOR, BENCH_PASSWORD, envNumber, ms } from './data.ts';
import { generateLandlords, type LandlordData } from './landlord-data.ts';
import { profileChunk } from './landlord-explain.ts';
import { assess, withPgCpu } from './landlord-job.ts';
import { ORM_ENTITIES, runPerSubject } from './landlord-orm.ts';
import {
  compareWithFloor,
  explainFloor,
  floorShares,
  runFloor,
  runFloorIntoAssessments,
} from './landlord-sql.ts';

const env = process.env;
const num = envNumber;
const PASSWORD = BENCH_PASSWORD;

export type LandlordReport = Awaited<ReturnType<typeof benchLandlord>>;

export async function benchLandlord(log: (m: string) => void) {
  const subjects = num('BENCH_LANDLORD_SUBJECTS', 500_000);
  const cfg = {
    subjects,
    records: num('BENCH_LANDLORD_RECORDS', subjects * 6),
    small: num('BENCH_LANDLORD_SMALL', Math.round(subjects / 5)),
    ormSample: num('BENCH_LANDLORD_ORM_SAMPLE', Math.min(10_000, subjects)),
    chunkSize: env.BENCH_LANDLORD_CHUNK ? Number(env.BENCH_LANDLORD_CHUNK) : null,
    lanes: env.BENCH_LANDLORD_LANES ? Number(env.BENCH_LANDLORD_LANES) : null,
    year: new Date().getFullYear() - 1,
  };
  const smallRecords = Math.round((cfg.records * cfg.small) / cfg.subjects);
  const period = `${cfg.year}-12`;
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  if (env.BENCH_DATABASE_URL) env.TEST_DATABASE_URL = env.BENCH_DATABASE_URL;
  const host = pluginHost();
  const tdb = await createTestDatabase(allMigrations(host), appendOnlyTables);
  const database = new URL(tdb.ownerUrl).pathname.slice(1);
  const db = await openCoreDatabase(tdb.appUrl, 4, host);
  const app = await createApi(db, {
    plugins: host,
    jwtSecret: randomBytes(32).toString('hex'),
    loginLimits: { perIp: 100_000, perAccount: 100_000 },
  });
  await app.ready();
  const owner = new pg.Client({ connectionString: tdb.ownerUrl });
  await owner.connect();
  const redisUrl = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `{bench-landlord-${randomBytes(4).toString('hex')}}`;
  const jobs = createJobClient({ host, db, backend: { kind: 'redis', url: redisUrl }, prefix });
  let ormDb: Database | undefined;
  try {
    const tenant = async (code: string, n: number, records: number) => {
      const t0 = performance.now();
      const { tenant: t, rootUnitId } = await provisionTenant(db, BENCH_ACTOR, {
        code,
        name: '义乌市',
        admin: { username: 'admin', displayName: '管理员', password: PASSWORD },
      });
      const grids: string[] = [];
      await db.withTenant(t.id, async (tx) => {
        for (let s = 1; s <= 5; s++) {
          const street = (await createUnit(tx, { parentId: rootUnitId, kind: 'street', name: `街道${s}` }))
            .id;
          for (let c = 1; c <= 4; c++) {
            const comm = (
              await createUnit(tx, { parentId: street, kind: 'community', name: `社区${s}-${c}` })
            ).id;
            for (let g = 1; g <= 10; g++) {
              const grid = await createUnit(tx, {
                parentId: comm,
                kind: 'grid',
                gridTier: 'general',
                gridType: 'residential',
                name: `网格${s}-${c}-${g}`,
              });
              grids.push(grid.id);
            }
          }
        }
      });
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: code, username: 'admin', password: PASSWORD },
      });
      const on = await app.inject({
        method: 'PUT',
        url: '/api/v1/modules/landlord-scoring',
        headers: { authorization: `Bearer ${login.json().accessToken}` },
        payload: { enabled: true },
      });
      if (on.statusCode !== 200) throw new Error(`enable landlord-scoring: ${on.body}`);
      const [admin] = await db.withTenant(t.id, (tx) =>
        tx.query<{ id: string }>(`select id from app_user where username = 'admin'`),
      );
      const data = await generateLandlords(
        owner,
        { tenantId: t.id, grids, adminId: admin!.id },
        { subjects: n, records, year: cfg.year },
        log,
      );
      log(`tenant ${code}: ${n.toLocaleString('en')} subjects in ${ms(t0)} ms`);
      return { tenantId: t.id, data };
    };
    const big = await tenant('landlord-bench', cfg.subjects, cfg.records);
    const small = await tenant('landlord-bench-small', cfg.small, smallRecords);
    const t0 = performance.now();
    await owner.query('vacuum analyze');
    const vacuumMs = ms(t0);
    log(`vacuum analyze ${vacuumMs} ms`);

    // The floor, twice around everything else on the big tenant; once on the small one.
    const floor = async (tenantId: string) => withPgCpu(database, () => runFloor(owner, tenantId, period));
    const floorBig1 = await floor(big.tenantId);
    log(`floor ${cfg.subjects.toLocaleString('en')}: ${floorBig1.ms} ms`);
    const floorSmall = await floor(small.tenantId);
    log(`floor ${cfg.small.toLocaleString('en')}: ${floorSmall.ms} ms`);

    // (b) subject by subject through the ORM, on a sample spread over the id range.
    ormDb = await openDatabase(tdb.appUrl, ORM_ENTITIES, 2);
    const { rows: sample } = await owner.query<{ id: string }>(
      `select id from (select id, row_number() over (order by id) as k from landlord_scoring_subject
         where tenant_id = $1) s where k % $2 = 0 order by id limit $3`,
      [big.tenantId, Math.max(1, Math.floor(cfg.subjects / cfg.ormSample)), cfg.ormSample],
    );
    const orm = await withPgCpu(database, () =>
      runPerSubject(
        ormDb!,
        big.tenantId,
        sample.map((r) => r.id),
        period,
      ),
    );
    const ormCheck = await compareWithFloor(owner, big.tenantId, period, true);
    log(`per-subject ORM: ${orm.subjects} subjects in ${orm.ms} ms; ${JSON.stringify(ormCheck)}`);
    await ormDb.withTenant(big.tenantId, async (tx) => {
      await tx.query('delete from landlord_scoring_enrolment where period = ?', [period]);
      await tx.query('delete from landlord_scoring_assessment where period = ?', [period]);
    });

    // The assessment through the job system, a fresh worker per tenant: the small one, then the big one.
    const jobOptions = {
      ...(cfg.chunkSize ? { chunkSize: cfg.chunkSize } : {}),
      ...(cfg.lanes ? { lanes: cfg.lanes } : {}),
    };
    const assessSmall = await assess(
      jobs,
      db,
      redisUrl,
      prefix,
      tdb.appUrl,
      database,
      small.tenantId,
      period,
      jobOptions,
      log,
    );
    const checkSmall = await compareWithFloor(owner, small.tenantId, period);
    const assessBig = await assess(
      jobs,
      db,
      redisUrl,
      prefix,
      tdb.appUrl,
      database,
      big.tenantId,
      period,
      jobOptions,
      log,
    );
    const checkBig = await compareWithFloor(owner, big.tenantId, period);
    log(`checks: small ${JSON.stringify(checkSmall)}, big ${JSON.stringify(checkBig)}`);

    const floorBig2 = await floor(big.tenantId);
    log(`floor again: ${floorBig2.ms} ms`);
    const floorWrite = await withPgCpu(database, () => runFloorIntoAssessments(owner, big.tenantId, period));
    log(`floor into the assessment table (rolled back): ${floorWrite.ms} ms`);
    const chunk = await profileChunk(owner, big.tenantId, period, cfg.chunkSize ?? 10_000);
    log(`one chunk: ${chunk.executionMs} ms (compute ${chunk.computeMs}, insert ${chunk.insertMs})`);
    const plan = env.BENCH_LANDLORD_EXPLAIN === '0' ? [] : await explainFloor(owner, big.tenantId, period);
    const floorMs = Math.min(floorBig1.ms, floorBig2.ms);
    const floorCpu = Math.min(floorBig1.pgCpuS ?? Number.NaN, floorBig2.pgCpuS ?? Number.NaN);
    const ormPerSubjectMs = orm.ms / orm.subjects;
    const assessPerSubjectMs = assessBig.wallMs / cfg.subjects;
    const ratio = assessBig.wallMs / floorMs;
    const speedup = ormPerSubjectMs / assessPerSubjectMs;
    const rssGrowth = assessBig.peakRssMb - assessSmall.peakRssMb;
    const targets = [
      {
        name: `assessment of ${cfg.subjects.toLocaleString('en')} vs the floor`,
        target: '≤ 1.5×',
        actual:
          `${ratio.toFixed(2)}× (${(assessBig.wallMs / 1000).toFixed(1)} s vs ${(floorMs / 1000).toFixed(1)} s; ` +
          `PostgreSQL CPU ${assessBig.pgCpuS} s vs ${floorCpu} s: ${((assessBig.pgCpuS ?? 0) / floorCpu).toFixed(2)}×; ` +
          `vs the floor writing the real assessment table ${(assessBig.wallMs / floorWrite.ms).toFixed(2)}×)`,
        pass: ratio <= 1.5,
      },
      {
        name: 'per subject vs the straightforward ORM loop',
        target: '≥ 50×',
        actual: `${speedup.toFixed(0)}× (${(assessPerSubjectMs * 1000).toFixed(1)} µs vs ${(ormPerSubjectMs * 1000).toFixed(0)} µs)`,
        pass: speedup >= 50,
      },
      {
        name: `worker peak RSS, ${cfg.small.toLocaleString('en')} → ${cfg.subjects.toLocaleString('en')} subjects`,
        target: 'flat',
        actual: `${assessSmall.peakRssMb} → ${assessBig.peakRssMb} MB (${rssGrowth >= 0 ? '+' : ''}${rssGrowth} MB)`,
        // "Flat": within the noise of a Node process's heap (10 % or 20 MB), not growing with subjects.
        pass: rssGrowth <= Math.max(20, assessSmall.peakRssMb * 0.1),
      },
      {
        name: 'assessment rows equal to the floor’s',
        target: '0 mismatching subjects',
        actual: `${checkBig.mismatching + checkSmall.mismatching} (ORM sample: ${ormCheck.mismatching})`,
        pass: checkBig.mismatching + checkSmall.mismatching + ormCheck.mismatching === 0,
      },
    ];
    return {
      startedAt,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, loadAtStart },
      config: { ...cfg, smallRecords, period },
      data: { big: big.data, small: small.data } as Record<string, LandlordData>,
      vacuumMs,
      shares: {
        big: await floorShares(owner, big.tenantId),
        small: await floorShares(owner, small.tenantId),
      },
      floor: { big: [floorBig1, floorBig2], small: floorSmall, ms: floorMs, intoAssessments: floorWrite },
      orm: {
        ...orm,
        perSubjectMs: ormPerSubjectMs,
        extrapolatedS: (ormPerSubjectMs * cfg.subjects) / 1000,
        check: ormCheck,
      },
      assessment: { small: { ...assessSmall, check: checkSmall }, big: { ...assessBig, check: checkBig } },
      targets,
      chunk,
      floorPlan: plan,
      loadAtEnd: loadavg(),
    };
  } finally {
    await jobs.close().catch(() => {});
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await owner.end().catch(() => {});
    await ormDb?.close();
    await app.close();
    await db.close();
    if (!env.BENCH_KEEP_DB) await tdb.drop();
  }
}
