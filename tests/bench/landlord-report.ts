/** The printed report of `pnpm bench landlord` (tests/bench/landlord.ts). */
import type { LandlordReport } from './landlord.ts';
import { table } from './report.ts';

export function formatLandlord(r: LandlordReport): string {
  const f = (x: number | null | undefined, d = 0) =>
    x == null ? '—' : x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
  const s = (msv: number) => `${f(msv / 1000, 1)} s`;
  const { big, small } = r.assessment;
  const c = r.config;
  type Floor = { ms: number; pgCpuS: number | null; load1: number };
  type Job = LandlordReport['assessment']['big'];
  const floorRow = (name: string, n: number, x: Floor) => [
    name,
    f(n),
    s(x.ms),
    `${f((x.ms * 1000) / n, 1)} µs`,
    `${f(x.pgCpuS, 1)} s`,
    '',
    '',
    '',
    f(x.load1, 1),
  ];
  const jobRow = (name: string, n: number, x: Job) => [
    name,
    f(n),
    s(x.wallMs),
    `${f((x.wallMs * 1000) / n, 1)} µs`,
    `${f(x.pgCpuS, 1)} s`,
    `${f(x.workerCpuS, 1)} s`,
    `${x.idleRssMb} → ${x.peakRssMb} MB`,
    f(x.check.mismatching),
    f(x.load1, 1),
  ];
  return [
    `CivicGrid landlord-scoring benchmark — ${r.startedAt}; ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}`,
    `load average at start ${r.machine.loadAtStart.map((l) => l.toFixed(1)).join(' / ')}, at end ${r.loadAtEnd.map((l) => l.toFixed(1)).join(' / ')}`,
    table(
      [
        ['tenant', 'subjects', 'landlords', 'shops', 'records', 'let houses', 'residences', 'generated'],
        ...(['big', 'small'] as const).map((k) => {
          const d = r.data[k]!;
          const gen = Object.values(d.timingsMs).reduce((a, b) => a + b, 0);
          return [
            k,
            f(d.subjects),
            f(d.landlords),
            f(d.shops),
            f(d.records),
            f(d.houses),
            f(d.residences),
            s(gen),
          ];
        }),
      ],
      `Data (month assessed: ${c.period}, the whole year read; vacuum analyze ${s(r.vacuumMs)})`,
    ),
    table(
      [
        [
          'tenant',
          'yellow',
          'red shops',
          'enrolled',
          'referrals',
          'tenants verified',
          'self-declared',
          'mean score',
        ],
        ...(['big', 'small'] as const).map((k) => {
          const x = r.shares[k]!;
          return [
            k,
            f(x.yellow),
            f(x.red),
            f(x.enrolled),
            f(x.referrals),
            f(x.verified),
            f(x.selfDeclared),
            f(x.meanScore, 2),
          ];
        }),
      ],
      'What the month looks like (the floor’s rows)',
    ),
    table(
      [
        [
          'run',
          'subjects',
          'wall',
          'per subject',
          'PostgreSQL CPU',
          'worker CPU',
          'worker RSS idle → peak',
          'mismatching',
          'load',
        ],
        floorRow('floor: one SQL statement (owner, no RLS), 1st', c.subjects, r.floor.big[0]!),
        floorRow('floor, 2nd (after the assessments)', c.subjects, r.floor.big[1]!),
        floorRow('floor into the real assessment table (rolled back)', c.subjects, r.floor.intoAssessments),
        floorRow('floor, small tenant', c.small, r.floor.small),
        jobRow('assessment job, small tenant', c.small, small),
        jobRow('assessment job, big tenant', c.subjects, big),
        [
          `per-subject ORM loop, sample of ${f(r.orm.subjects)}`,
          f(r.orm.subjects),
          s(r.orm.ms),
          `${f(r.orm.perSubjectMs * 1000, 0)} µs`,
          `${f(r.orm.pgCpuS, 1)} s`,
          '(bench process)',
          '',
          f(r.orm.check.mismatching),
          f(r.orm.load1, 1),
        ],
        [
          `  extrapolated to ${f(c.subjects)}`,
          f(c.subjects),
          s(r.orm.extrapolatedS * 1000),
          '',
          '',
          '',
          '',
          '',
          '',
        ],
      ],
      `Runs (job: enqueue → job_run completed; job's own time big ${s(big.jobMs ?? 0)}, small ${s(small.jobMs ?? 0)}; chunk size ${c.chunkSize ?? 'the job’s default'}, lanes ${c.lanes ?? 'the job’s default'})`,
    ),
    table(
      [
        ['part of the chunk statement', 'ms', 'calls'],
        [
          'compute (subjects, records, tenants, flags: until the first row is written)',
          f(r.chunk.computeMs),
          '',
        ],
        ['insert the assessment rows (heap, primary key, WAL)', f(r.chunk.insertMs), f(r.chunk.subjects)],
        ...r.chunk.triggers.map((t) => [`foreign key ${t.constraint}`, f(t.ms), f(t.calls)]),
        ['whole statement', f(r.chunk.executionMs), ''],
      ],
      `One chunk of the job from the middle of the big tenant (${f(r.chunk.subjects)} subjects): EXPLAIN ANALYZE as the app role, RLS on, rolled back`,
    ),
    table(
      [
        ['target', 'wanted', 'measured', 'result'],
        ...r.targets.map((x) => [x.name, x.target, x.actual, x.pass ? 'PASS' : 'MISS']),
      ],
      'Targets',
    ),
  ].join('\n\n');
}
