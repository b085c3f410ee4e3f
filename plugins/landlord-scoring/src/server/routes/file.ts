import type { UserContext } from '@civicgrid/http';
import { tenantToday } from '@civicgrid/tenancy';
import type { ScoringSettings } from '../../common/index.ts';
import { scoresOf } from '../score.ts';
import { iso, SUBJECT_JOINS, SUBJECT_NAME, type SubjectRef } from './shared.ts';

interface RecordRow {
  id: string;
  itemCode: string;
  itemTitleZh: string;
  itemTitleEn: string;
  ruleVersionId: string;
  effect: string;
  points: number;
  occurredOn: string;
  note: string | null;
  witness: string | null;
  recordedBy: string;
  createdAt: Date;
  voided: boolean;
  voidReason: string | null;
  appealState: string | null;
  photos: number;
  visitId: string | null;
}

/**
 * One subject's file (一户一档 / 一铺一档): who and where, the score of the year (the current one by
 * default; past years stay readable after the 1 January reset), that year's records — voided ones
 * kept, with their reason — the latest flags, improvement classes, tenants declared, and the final
 * score of every past year.
 */
export async function subjectFile(ctx: UserContext, s: SubjectRef, settings: ScoringSettings, year?: number) {
  const { tx } = ctx;
  const today = await tenantToday(tx);
  const y = year ?? Number(today.slice(0, 4));
  const [who] = await tx.query<{ name: string; registeredOn: string }>(
    `select ${SUBJECT_NAME} as name, to_char(s.registered_on, 'YYYY-MM-DD') as "registeredOn"
       from landlord_scoring_subject s ${SUBJECT_JOINS} where s.tenant_id = ? and s.id = ?`,
    [tx.tenantId, s.id],
  );
  const score = (await scoresOf(tx, [s.id], `${y}-01-01`, `${y}-12-31`, settings)).get(s.id)!;
  const records = await tx.query<RecordRow>(
    `select r.id, i.code as "itemCode", i.title_zh as "itemTitleZh", i.title_en as "itemTitleEn",
            i.version_id as "ruleVersionId", r.effect, r.points, to_char(r.occurred_on, 'YYYY-MM-DD') as "occurredOn",
            r.note, r.witness, r.recorded_by as "recordedBy", r.created_at as "createdAt", r.voided,
            r.void_reason as "voidReason", r.visit_id as "visitId",
            (select a.state from landlord_scoring_appeal a where a.tenant_id = r.tenant_id and a.record_id = r.id
              order by a.filed_at desc limit 1) as "appealState",
            (select count(*)::int from landlord_scoring_evidence e where e.tenant_id = r.tenant_id
                and e.record_id = r.id) as photos
       from landlord_scoring_record r join landlord_scoring_item i on i.tenant_id = r.tenant_id and i.id = r.item_id
      where r.tenant_id = ? and r.subject_id = ? and r.occurred_on between ?::date and ?::date
      order by r.occurred_on, r.created_at`,
    [tx.tenantId, s.id, `${y}-01-01`, `${y}-12-31`],
  );
  const assessments = await tx.query<{
    period: string;
    score: number;
    flag: string | null;
    improvementClass: boolean;
    referral: boolean;
  }>(
    // The months come from the runs (a handful a year): one primary-key probe each, no index on subject.
    `select period, score, flag, improvement_class as "improvementClass", referral
       from landlord_scoring_assessment
      where tenant_id = ? and subject_id = ?
        and period = any(array(select period from landlord_scoring_assessment_run where tenant_id = ?))
      order by period desc`,
    [tx.tenantId, s.id, tx.tenantId],
  );
  const classes = await tx.query<{ classMonth: string; period: string; attendedOn: string | null }>(
    `select class_month as "classMonth", period, to_char(attended_on, 'YYYY-MM-DD') as "attendedOn"
       from landlord_scoring_enrolment where tenant_id = ? and subject_id = ? order by class_month desc`,
    [tx.tenantId, s.id],
  );
  // Of the tenants living there now: verified on a visit (`declared`, the rate's denominator), of them
  // declared by the landlord herself (`selfDeclared`), and declared by her whether verified or not.
  const [tenants] = await tx.query<{
    declared: number;
    selfDeclared: number;
    current: number;
    landlordDeclared: number;
  }>(
    `select count(d.residence_id)::int as declared,
            count(d.residence_id) filter (where d.source = 'landlord')::int as "selfDeclared",
            count(rs.id)::int as current, count(td.residence_id)::int as "landlordDeclared"
       from landlord_scoring_subject_house h
       join residence rs on rs.tenant_id = h.tenant_id and rs.house_id = h.house_id and rs.moved_out is null
       left join landlord_scoring_declaration d on d.tenant_id = rs.tenant_id and d.residence_id = rs.id
       left join landlord_scoring_tenant_declaration td on td.tenant_id = rs.tenant_id and td.residence_id = rs.id
      where h.tenant_id = ? and h.subject_id = ? and h.until is null`,
    [tx.tenantId, s.id],
  );
  const houses = await tx.query<{ houseId: string; address: string; since: string; until: string | null }>(
    `select h.house_id as "houseId", ho.address, to_char(h.since, 'YYYY-MM-DD') as since,
            to_char(h.until, 'YYYY-MM-DD') as until
       from landlord_scoring_subject_house h join house ho on ho.tenant_id = h.tenant_id and ho.id = h.house_id
      where h.tenant_id = ? and h.subject_id = ? order by h.since, ho.address`,
    [tx.tenantId, s.id],
  );
  // Every earlier year with records: its final score, computed by the same arithmetic as today's.
  const years = await tx.query<{ year: number }>(
    `select distinct extract(year from occurred_on)::int as year from landlord_scoring_record
      where tenant_id = ? and subject_id = ? and occurred_on < ?::date order by year desc`,
    [tx.tenantId, s.id, `${y}-01-01`],
  );
  const history = [];
  for (const { year: py } of years) {
    const past = (await scoresOf(tx, [s.id], `${py}-01-01`, `${py}-12-31`, settings)).get(s.id)!;
    history.push({ year: py, ...past });
  }
  const latest = assessments[0] ?? null;
  return {
    id: s.id,
    kind: s.kind,
    name: who!.name,
    personId: s.personId,
    shopId: s.shopId,
    orgUnitId: s.orgUnitId,
    accountId: s.accountId,
    registeredOn: who!.registeredOn,
    year: y,
    base: settings.base,
    yellowFlagAt: settings.yellowFlagAt,
    ...score,
    flags: latest
      ? {
          period: latest.period,
          flag: latest.flag,
          improvementClass: latest.improvementClass,
          referral: latest.referral,
        }
      : null,
    records: records.map((r) => ({ ...r, createdAt: iso(r.createdAt) })),
    assessments,
    classes,
    houses,
    tenants: tenants ?? { declared: 0, selfDeclared: 0, current: 0, landlordDeclared: 0 },
    history,
  };
}
