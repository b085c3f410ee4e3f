import { eventRef } from '@civicgrid/kernel';

export type SubjectKind = 'landlord' | 'shop';
export const SUBJECT_KINDS: SubjectKind[] = ['landlord', 'shop'];

export const PERMISSIONS = {
  subjectRead: 'landlord-scoring.subject.read',
  subjectManage: 'landlord-scoring.subject.manage',
  recordCreate: 'landlord-scoring.record.create',
  appealCreate: 'landlord-scoring.appeal.create',
  appealReview: 'landlord-scoring.appeal.review',
  ruleRead: 'landlord-scoring.rule.read',
  ruleManage: 'landlord-scoring.rule.manage',
  assessmentRead: 'landlord-scoring.assessment.read',
  assessmentRun: 'landlord-scoring.assessment.run',
  dataExport: 'landlord-scoring.data.export',
  tenantVerify: 'landlord-scoring.tenant.verify',
  tenantDeclare: 'landlord-scoring.tenant.declare',
} as const;

/** The named condition a landlord's own login holds her permissions with: only her own file. */
export const OWN = 'own';
/** The role a landlord's own login is granted at her grid (made when the module is enabled). */
export const LANDLORD_ROLE = 'landlord';

/**
 * Published once per completed monthly assessment, for the grids to be told of their flagged
 * subjects: ids and counts only (subscribers read the rows they may see).
 */
export const assessmentCompleted = eventRef<{
  period: string;
  subjects: number;
  yellowLandlords: number;
  redShops: number;
  enrolled: number;
  /** the grids (org units) with at least one yellow-flag subject this month */
  flaggedUnitIds: string[];
}>('landlord-scoring.assessed');

/** The module's settings as the schema in `server/settings.ts` defines them (defaults applied). */
export interface ScoringSettings {
  base: number;
  yellowFlagAt: number;
  improvementClassAt: number;
  referralAt: number;
  floorAtZero: boolean;
  redFlag: { months: number; minBonus: number };
  /** the rule item deducted for a tenant found undeclared on a visit */
  undeclaredTenantItem: string;
  /** a tenant found gone on a visit (moved out without the landlord declaring it) is deducted too */
  deductUndeclaredDeparture: boolean;
  /** the largest evidence photo, MB */
  evidenceMaxMb: number;
  /** the monthly assessment's cron (tenant time zone) */
  assessmentCron: string;
}
