/**
 * Baseline (b) of `pnpm bench landlord`: the monthly assessment written the straightforward way,
 * subject by subject through the ORM (MikroORM, as the project uses it: entities declared with
 * `tenantScoped`, the tenant filter, `db.withTenant` transactions under row-level security). For each
 * subject of a sample, in its own transaction: load the subject, load its records of the year and
 * their items, its houses, their declarations and residences, compute the score, the red-flag window
 * and the flags in JavaScript, save the assessment row (and the enrolment). Run by the bench process
 * on its own ORM instance; the rows land in the month being measured and are checked against the floor.
 */
import { type Database, type TenantScoped, tenantScoped } from '@civicgrid/db';
import { SETTINGS, windowOf } from './landlord-sql.ts';

interface Subject extends TenantScoped {
  kind: 'landlord' | 'shop';
  orgUnitId: string;
  registeredOn: string;
}
interface ScoreRecord extends TenantScoped {
  subjectId: string;
  itemId: string;
  effect: 'deduction' | 'bonus';
  points: number;
  occurredOn: string;
  voided: boolean;
}
interface Item extends TenantScoped {
  code: string;
  effect: string;
  monthlyCap: number | null;
}
interface Residence extends TenantScoped {
  houseId: string | null;
  movedIn: string;
  movedOut: string | null;
}
/** Composite-key tables: `id` maps the key column that is unique within the tenant where it matters here. */
interface SubjectHouse extends TenantScoped {
  /** house_id */
  subjectId: string;
  since: string;
  until: string | null;
}
interface Declaration extends TenantScoped {
  /** residence_id */
  houseId: string;
  source: 'landlord' | 'visit';
  declaredOn: string;
}
interface Assessment extends TenantScoped {
  /** subject_id */
  period: string;
  kind: string;
  orgUnitId: string;
  deductions: number;
  bonuses: number;
  score: number;
  flag: string | null;
  improvementClass: boolean;
  referral: boolean;
  tenantsVerified: number;
  tenantsSelfDeclared: number;
}
interface Enrolment extends TenantScoped {
  /** subject_id */
  classMonth: string;
  period: string;
}

const day = { type: 'string', columnType: 'date' } as const;
const uuid = { type: 'uuid' } as const;

/**
 * A tenant-scoped entity whose `id` is another key column: the project's `tenantScoped` (tenant filter,
 * `(tenant_id, id)` key), its `id` property mapped to `column`.
 */
function keyedBy<T extends TenantScoped>(
  name: string,
  table: string,
  column: string,
  props: Parameters<typeof tenantScoped<T>>[2],
) {
  return tenantScoped<T>(name, table, {
    id: { type: 'uuid', primary: true, fieldName: column },
    ...props,
  } as Parameters<typeof tenantScoped<T>>[2]);
}

const SubjectEntity = tenantScoped<Subject>('BenchSubject', 'landlord_scoring_subject', {
  kind: { type: 'string' },
  orgUnitId: uuid,
  registeredOn: day,
});
const RecordEntity = tenantScoped<ScoreRecord>('BenchRecord', 'landlord_scoring_record', {
  subjectId: uuid,
  itemId: uuid,
  effect: { type: 'string' },
  points: { type: 'integer' },
  occurredOn: day,
  voided: { type: 'boolean' },
});
const ItemEntity = tenantScoped<Item>('BenchItem', 'landlord_scoring_item', {
  code: { type: 'string' },
  effect: { type: 'string' },
  monthlyCap: { type: 'integer', nullable: true },
});
const ResidenceEntity = tenantScoped<Residence>('BenchResidence', 'residence', {
  houseId: { type: 'uuid', nullable: true },
  movedIn: day,
  movedOut: { ...day, nullable: true },
});
const SubjectHouseEntity = keyedBy<SubjectHouse>(
  'BenchSubjectHouse',
  'landlord_scoring_subject_house',
  'house_id',
  {
    subjectId: uuid,
    since: day,
    until: { ...day, nullable: true },
  },
);
const DeclarationEntity = keyedBy<Declaration>(
  'BenchDeclaration',
  'landlord_scoring_declaration',
  'residence_id',
  {
    houseId: uuid,
    source: { type: 'string' },
    declaredOn: day,
  },
);
const AssessmentEntity = keyedBy<Assessment>('BenchAssessment', 'landlord_scoring_assessment', 'subject_id', {
  period: { type: 'string' },
  kind: { type: 'string' },
  orgUnitId: uuid,
  deductions: { type: 'integer' },
  bonuses: { type: 'integer' },
  score: { type: 'integer' },
  flag: { type: 'string', nullable: true },
  improvementClass: { type: 'boolean' },
  referral: { type: 'boolean' },
  tenantsVerified: { type: 'integer' },
  tenantsSelfDeclared: { type: 'integer' },
});
const EnrolmentEntity = keyedBy<Enrolment>('BenchEnrolment', 'landlord_scoring_enrolment', 'subject_id', {
  classMonth: { type: 'string' },
  period: { type: 'string' },
});

export const ORM_ENTITIES = [
  SubjectEntity,
  RecordEntity,
  ItemEntity,
  ResidenceEntity,
  SubjectHouseEntity,
  DeclarationEntity,
  AssessmentEntity,
  EnrolmentEntity,
];

const nextMonth = (period: string) => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
};

/** One subject's assessment, the straightforward way: four to seven ORM reads, one or two writes. */
async function assessOne(db: Database, tenantId: string, id: string, period: string) {
  const w = windowOf(period);
  await db.withTenant(tenantId, async (tx) => {
    const { em } = tx;
    const subject = await em.findOneOrFail(SubjectEntity, { id });
    if (subject.registeredOn > w.end) return;
    const records = await em.find(RecordEntity, {
      subjectId: id,
      occurredOn: { $gte: w.from, $lte: w.end },
      voided: false,
    });
    const itemIds = [...new Set(records.map((r) => r.itemId))];
    const items = new Map(
      (itemIds.length ? await em.find(ItemEntity, { id: { $in: itemIds } }) : []).map((i) => [i.id, i]),
    );
    // Per effect, item code and month: the year's and the window's points, the smallest cap.
    const groups = new Map<
      string,
      { effect: string; cap: number | null; y: number | null; w: number | null }
    >();
    for (const r of records) {
      const item = items.get(r.itemId)!;
      const k = `${r.effect}|${item.code}|${r.occurredOn.slice(0, 7)}`;
      const g = groups.get(k) ?? { effect: r.effect, cap: null, y: null, w: null };
      if (item.monthlyCap != null) g.cap = g.cap == null ? item.monthlyCap : Math.min(g.cap, item.monthlyCap);
      if (r.occurredOn >= w.yearStart) g.y = (g.y ?? 0) + r.points;
      if (r.occurredOn >= w.redFrom) g.w = (g.w ?? 0) + r.points;
      groups.set(k, g);
    }
    const capped = (v: number, cap: number | null) => (cap == null ? v : Math.min(v, cap));
    let ded = 0;
    let bon = 0;
    let wded = 0;
    let wbon = 0;
    for (const g of groups.values()) {
      if (g.effect === 'deduction') {
        ded += g.y ?? 0;
        wded += g.w ?? 0;
      } else {
        if (g.y != null) bon += capped(g.y, g.cap);
        if (g.w != null) wbon += capped(g.w, g.cap);
      }
    }
    const raw = Math.min(SETTINGS.base, SETTINGS.base - ded + bon);
    const score = SETTINGS.floorAtZero ? Math.max(0, raw) : raw;
    // Tenants declared in the houses it lets at the month's end.
    let verified = 0;
    let self = 0;
    const houses = (await em.find(SubjectHouseEntity, { subjectId: id })).filter(
      (h) => h.since <= w.end && (h.until == null || h.until > w.end),
    );
    if (houses.length) {
      const declarations = await em.find(DeclarationEntity, {
        houseId: { $in: houses.map((h) => h.id) },
        declaredOn: { $lte: w.end },
      });
      const residences = new Map(
        (declarations.length
          ? await em.find(ResidenceEntity, { id: { $in: declarations.map((d) => d.id) } })
          : []
        ).map((r) => [r.id, r]),
      );
      for (const d of declarations) {
        const r = residences.get(d.id);
        if (!r || r.movedIn > w.end || (r.movedOut != null && r.movedOut <= w.end)) continue;
        verified++;
        if (d.source === 'landlord') self++;
      }
    }
    const flag =
      score <= SETTINGS.yellowFlagAt
        ? 'yellow'
        : subject.kind === 'shop' && wded === 0 && wbon >= SETTINGS.redFlag.minBonus
          ? 'red'
          : null;
    const improvement =
      subject.kind === 'landlord' && (score <= SETTINGS.yellowFlagAt || score <= SETTINGS.improvementClassAt);
    em.create(AssessmentEntity, {
      tenantId,
      period,
      id,
      kind: subject.kind,
      orgUnitId: subject.orgUnitId,
      deductions: ded,
      bonuses: bon,
      score,
      flag,
      improvementClass: improvement,
      referral: score <= SETTINGS.referralAt,
      tenantsVerified: verified,
      tenantsSelfDeclared: self,
    });
    if (improvement) em.create(EnrolmentEntity, { tenantId, id, classMonth: nextMonth(period), period });
    await em.flush();
  });
}

/** Assesses the sample one subject at a time; answers the wall time. */
export async function runPerSubject(db: Database, tenantId: string, ids: string[], period: string) {
  const t0 = performance.now();
  for (const id of ids) await assessOne(db, tenantId, id, period);
  return { ms: Math.round(performance.now() - t0), subjects: ids.length };
}
