/**
 * `pnpm bench registry`, import part: BENCH_IMPORT_ROWS (100,000) generated residents written to an
 * xlsx file, then imported on a fresh tenant through `importResidents` as the application role, in a
 * child process whose memory (RSS and V8 heap) is sampled every 20 ms. Side by side, in the same run, a
 * baseline child that only reads the same file row by row (no validation, no database), so the cost
 * of checking and writing and the memory of the reader itself show apart; then a re-import of the
 * same file (every row a duplicate). Target: the import's peak RSS under 300 MB.
 *
 * The same file runs as that child: `tsx tests/bench/registry-import.ts <read|import> <file>` with
 * BENCH_APP_URL, BENCH_TENANT and PII_KEYS / PII_HASH_KEY in its environment; it prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@civicgrid/db';
import { WORKER_NODE_FLAGS } from '@civicgrid/jobs';
import {
  generateHouses,
  generatePiiSecrets,
  importResidents,
  peopleStream,
  piiFromEnv,
  RESIDENT_HEADERS,
  readSheet,
  writeSheet,
} from '@civicgrid/registry';
import { createBareTenant, createTestDatabase } from '@civicgrid/testing';
import { appendOnlyTables, coreEntities, coreMigrations } from '../../apps/api/src/platform.ts';
import { prepareJobPass, runImportJob } from './registry-import-job.ts';
import { flatten, table } from './report.ts';

type Log = (msg: string) => void;
type Mode = 'read' | 'import' | 'job';
const ME = fileURLToPath(import.meta.url);

interface ChildResult {
  mode: Mode;
  rows: number;
  ms: number;
  rowsPerSec: number;
  /** RSS once the code is loaded, before the first row */
  startRssMb: number;
  peakRssMb: number;
  peakHeapMb: number;
  summary?: { rows: number; imported: number; failed: number; duplicates: number };
  /** the report's reasons for rows not imported, by count */
  reasons?: Record<string, number>;
}

export interface ImportBench {
  rows: number;
  fileMb: number;
  generateMs: number;
  flags: string;
  baseline: ChildResult;
  import: ChildResult;
  reimport: ChildResult;
  defaults: ChildResult;
  job: ChildResult;
  registered: number;
  targets: Array<{ name: string; target: string; actual: string; pass: boolean }>;
}

// BENCH_WORKER_FLAGS tries other flags in the worker's place (space-separated), e.g. another heap cap.
const WORKER_FLAGS = process.env.BENCH_WORKER_FLAGS?.split(' ').filter(Boolean) ?? [...WORKER_NODE_FLAGS];
const ID_TYPE = { 'resident-id': '居民身份证', passport: '护照' } as const;
const GENDER = { male: '男', female: '女' } as const;
const REG = { local: '户籍', floating: '流动', overseas: '境外' } as const;

/** The import file: generated people in the template's columns, each in one of the tenant's houses by address. */
async function writeFile(file: string, rows: number, addresses: string[]) {
  const out = createWriteStream(file);
  const sheet = writeSheet(out, '居民', RESIDENT_HEADERS);
  // One stream of people: every ID number in the file is issued once (separate seeds would repeat some).
  const people = peopleStream(1);
  for (let done = 0; done < rows; done++) {
    const p = people.next().value;
    sheet.add([
      p.name,
      p.nameInitials,
      ID_TYPE[p.idType],
      p.idNumber,
      GENDER[p.gender],
      p.birthDate,
      p.nationality ?? '',
      p.phone ?? '',
      REG[p.registration],
      '',
      addresses[done % addresses.length]!,
      '2024-01-01',
    ]);
  }
  await sheet.end();
  await finished(out);
}

function runChild(
  mode: Mode,
  file: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ME, mode, file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${mode} child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

export async function benchImport(log: Log): Promise<ImportBench> {
  const rows = Number(process.env.BENCH_IMPORT_ROWS) || 100_000;
  log('creating the bench database');
  const tdb = await createTestDatabase(coreMigrations, appendOnlyTables);
  const db = await openDatabase(tdb.appUrl, coreEntities, 2);
  const dir = 'bench-results/registry-import';
  await mkdir(dir, { recursive: true });
  const file = `${dir}/residents-${rows}.xlsx`;
  try {
    const houses = generateHouses('基准小区', 40);
    // A fresh tenant with the compound's 960 flats, the houses the file's rows name by address.
    const addHouses = (t: { tenantId: string; rootId: string }) =>
      db.withTenant(t.tenantId, (tx) =>
        tx.query(
          `insert into house (tenant_id, org_unit_id, address, use)
           select ?, ?, x.address, x.use from json_to_recordset(?::json) as x(address text, use text)`,
          [t.tenantId, t.rootId, JSON.stringify(houses.map((h) => ({ address: h.address, use: h.use })))],
        ),
      );
    const tenant = async () => {
      const t = await createBareTenant(db, { prefix: 'bench-import', rootCode: null });
      await addHouses(t);
      return t.tenantId;
    };
    const tenantId = await tenant();
    log(`writing ${rows.toLocaleString('en')} residents to ${file}`);
    const g0 = performance.now();
    await writeFile(
      file,
      rows,
      houses.map((h) => h.address),
    );
    const generateMs = performance.now() - g0;
    const secrets = generatePiiSecrets();
    const env = {
      BENCH_APP_URL: tdb.appUrl,
      BENCH_TENANT: tenantId,
      PII_KEYS: secrets.piiKeys,
      PII_HASH_KEY: secrets.piiHashKey,
    };
    log(`worker flags (what apps/worker runs with): ${WORKER_FLAGS.join(' ')}`);
    log('baseline: reading the sheet row by row, no validation, no database');
    const baseline = await runChild('read', file, env, WORKER_FLAGS);
    log(`  ${Math.round(baseline.rowsPerSec)} rows/s, peak RSS ${baseline.peakRssMb} MB`);
    log('import, as the worker runs it');
    const imported = await runChild('import', file, env, WORKER_FLAGS);
    log(`  ${Math.round(imported.rowsPerSec)} rows/s, peak RSS ${imported.peakRssMb} MB`);
    log('re-import of the same file (every row a duplicate)');
    const reimport = await runChild('import', file, env, WORKER_FLAGS);
    log(`  ${Math.round(reimport.rowsPerSec)} rows/s, peak RSS ${reimport.peakRssMb} MB`);
    const [c] = await db.withTenant(tenantId, (tx) =>
      tx.query<{ n: number }>('select count(*)::int as n from resident where tenant_id = ?', [tenantId]),
    );
    // Beside it, the same import on a second fresh tenant with Node's own defaults, where V8 lets
    // garbage pile up while the machine has memory to spare.
    log('import on a fresh tenant with Node defaults');
    const defaults = await runChild('import', file, { ...env, BENCH_TENANT: await tenant() });
    log(`  ${Math.round(defaults.rowsPerSec)} rows/s, peak RSS ${defaults.peakRssMb} MB`);
    log('background import: stored sealed, queued, run by a real worker in the child (worker flags)');
    const jobTenant = await createBareTenant(db, { prefix: 'bench-import-job', rootCode: null });
    await addHouses(jobTenant);
    const jobEnv = await prepareJobPass(db, tdb.ownerUrl, tdb.appUrl, jobTenant.tenantId, jobTenant.rootId);
    const job = await runChild(
      'job',
      file,
      { ...env, ...jobEnv, BENCH_TENANT: jobTenant.tenantId },
      WORKER_FLAGS,
    );
    log(`  ${Math.round(job.rowsPerSec)} rows/s, peak RSS ${job.peakRssMb} MB`);
    return {
      rows,
      fileMb: Math.round(((await stat(file)).size / 1048576) * 10) / 10,
      generateMs: Math.round(generateMs),
      flags: WORKER_FLAGS.join(' '),
      baseline,
      import: imported,
      reimport,
      defaults,
      job,
      registered: c!.n,
      targets: [
        {
          name: `peak RSS of a background import of ${rows.toLocaleString('en')} rows (worker process)`,
          target: '< 300 MB',
          actual: `${job.peakRssMb} MB (${job.peakRssMb - job.startRssMb} MB over the loaded process)`,
          pass: job.peakRssMb < 300,
        },
        {
          name: `peak RSS of importing ${rows.toLocaleString('en')} rows (worker flags)`,
          target: '< 300 MB',
          actual: `${imported.peakRssMb} MB (${imported.peakRssMb - imported.startRssMb} MB over the loaded process)`,
          pass: imported.peakRssMb < 300,
        },
      ],
    };
  } finally {
    await db.close();
    await tdb.drop();
    await rm(file, { force: true });
  }
}

/** The child: one pass over the file, reading or importing, with its own memory sampled. */
async function child(mode: Mode, file: string) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const startRss = process.memoryUsage().rss;
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  let rows = 0;
  let summary: ChildResult['summary'];
  const reasons: Record<string, number> = {};
  let jobMs: number | undefined;
  if (mode === 'read') {
    for await (const _ of readSheet(createReadStream(file))) rows++;
    rows--; // the header
  } else if (mode === 'job') {
    const r = await runImportJob(file);
    jobMs = r.ms;
    summary = r.summary;
    rows = summary.rows;
  } else {
    const pii = piiFromEnv(process.env)!;
    const db = await openDatabase(process.env.BENCH_APP_URL!, coreEntities, 2);
    // The report is written too, as the route does; to a sink, so disk speed does not count.
    const sink = new Writable({ write: (_c, _e, done) => done() });
    const { importReport } = await import('@civicgrid/registry');
    const report = importReport(sink);
    summary = await importResidents(createReadStream(file), {
      pii,
      tenantId: process.env.BENCH_TENANT!,
      inTransaction: (fn) => db.withTenant(process.env.BENCH_TENANT!, fn),
      onHeader: (h) => report.header(h),
      onRow: (o) => {
        // Grouped by kind: "与第N行是同一人" for every line N is one reason.
        const kind = o.reason?.replace(/\d+/g, 'N');
        if (kind) reasons[kind] = (reasons[kind] ?? 0) + 1;
        report.row(o);
      },
    });
    await report.end();
    rows = summary.rows;
    await db.close();
  }
  // The job pass counts from the enqueue: storing the upload is the API's part.
  const ms = jobMs ?? performance.now() - t0;
  sample();
  clearInterval(timer);
  const mb = (b: number) => Math.round(b / 1048576);
  const result: ChildResult = {
    mode,
    rows,
    ms: Math.round(ms),
    rowsPerSec: Math.round((rows / ms) * 1000),
    startRssMb: mb(startRss),
    peakRssMb: mb(peakRss),
    peakHeapMb: mb(peakHeap),
    summary,
    reasons,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const n = (x: number) => x.toLocaleString('en');

export function formatImport(r: ImportBench): string {
  const line = (name: string, c: ChildResult) => [
    name,
    n(c.rows),
    n(c.ms),
    n(c.rowsPerSec),
    n(c.startRssMb),
    n(c.peakRssMb),
    n(c.peakHeapMb),
    c.summary ? `${n(c.summary.imported)} / ${n(c.summary.duplicates)} / ${n(c.summary.failed)}` : '',
  ];
  return [
    `Import: ${n(r.rows)} generated residents, xlsx ${r.fileMb} MB (written in ${n(r.generateMs)} ms), ` +
      `${cpus().length} cores; ${n(r.registered)} residents registered at the end`,
    table(
      [
        [
          'pass',
          'rows',
          'ms',
          'rows/s',
          'RSS loaded MB',
          'peak RSS MB',
          'peak heap MB',
          'imported / dup / failed',
        ],
        line('baseline: read the sheet only', r.baseline),
        line('import (batches of 1,000)', r.import),
        line('re-import (all duplicates)', r.reimport),
        line('import, Node defaults', r.defaults),
        line('background import (job, worker)', r.job),
      ],
      `Import (each pass in its own process; worker flags ${r.flags} unless said)`,
    ),
    `Rows not imported (first import): ${
      Object.entries(r.import.reasons ?? {})
        .map(([k, v]) => `${v} × ${k}`)
        .join('; ') || 'none'
    }`,
    table(
      [
        ['target', 'wanted', 'measured', 'result'],
        ...r.targets.map((x) => [x.name, x.target, x.actual, x.pass ? 'PASS' : 'MISS']),
      ],
      'Targets',
    ),
  ].join('\n\n');
}

if (process.argv[1] && resolve(process.argv[1]) === ME && existsSync(process.argv[3] ?? '')) {
  child(process.argv[2] as Mode, process.argv[3]!).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * The whole `pnpm bench registry`: the import part here, then the exact-ID-lookup part when
 * tests/bench/registry-lookup.ts (written separately) is there and exports `benchIdLookup(log)`;
 * BENCH_ID_LOOKUP=0 skips it (loading its 2 M residents takes minutes), BENCH_IMPORT=0 the import part.
 */
export async function benchRegistry(log: Log) {
  const startedAt = new Date().toISOString();
  const report: { bench: 'registry'; startedAt: string; import?: ImportBench; idLookup?: unknown } = {
    bench: 'registry',
    startedAt,
  };
  if (process.env.BENCH_IMPORT === '0') log('BENCH_IMPORT=0: the import part is skipped');
  else report.import = await benchImport(log);
  const lookup = new URL('./registry-lookup.ts', import.meta.url);
  if (process.env.BENCH_ID_LOOKUP === '0') log('BENCH_ID_LOOKUP=0: the ID-lookup part is skipped');
  else if (existsSync(lookup)) {
    const mod = (await import(lookup.href)) as {
      benchIdLookup(log: Log): Promise<unknown>;
      formatIdLookup?: (x: unknown) => string;
    };
    report.idLookup = await mod.benchIdLookup(log);
    formatLookup = mod.formatIdLookup;
  } else log('no tests/bench/registry-lookup.ts: the ID-lookup part is skipped');
  return report;
}

/** The lookup part's own formatter, when its module has one (set by `benchRegistry`). */
let formatLookup: ((x: unknown) => string) | undefined;

export function formatRegistry(r: Awaited<ReturnType<typeof benchRegistry>>): string {
  const parts = [`CivicGrid registry benchmark — ${r.startedAt}`];
  if (r.import) parts.push(formatImport(r.import));
  if (r.idLookup !== undefined)
    parts.push(
      formatLookup?.(r.idLookup) ?? table([['measure', 'value'], ...flatten(r.idLookup)], 'ID lookup'),
    );
  return parts.join('\n\n');
}
