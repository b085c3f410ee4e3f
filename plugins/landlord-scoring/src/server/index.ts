import { defineServerPlugin } from '@civicgrid/kernel';
import { LANDLORD_ROLE, OWN, PERMISSIONS } from '../common/index.ts';
import { assessmentJob } from './assess.ts';
import { seedDefaults } from './catalogue.ts';
import { seedLandlordDemo } from './demo.ts';
import { accountRoutes } from './routes/account.ts';
import { appealRuleExportRoutes } from './routes/appeal-rule-exports.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { exportRoutes } from './routes/exports.ts';
import { houseRoutes } from './routes/houses.ts';
import { recordRoutes } from './routes/records.ts';
import { reportRoutes } from './routes/reports.ts';
import { ruleRoutes } from './routes/rules.ts';
import { subjectRoutes } from './routes/subjects.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { visitRoutes } from './routes/visits.ts';
import { settingsSchema } from './settings.ts';

const P = PERMISSIONS;
/** What grid staff do every day: keep files, record, file appeals, read rules. */
const GRID_WORK = [
  P.subjectRead,
  P.subjectManage,
  P.recordCreate,
  P.appealCreate,
  P.ruleRead,
  P.tenantVerify,
  P.tenantDeclare,
];
/** A landlord's own login: her file, declaring her tenants' comings and goings, appealing her records. */
const LANDLORD_OWN = [`${P.appealCreate}?${OWN}`, `${P.subjectRead}?${OWN}`, `${P.tenantDeclare}?${OWN}`];

/**
 * The landlord and shop 12-point systems (房东十二分制 / 商业街十二分制): subjects with one file each,
 * a versioned rule catalogue per city, deductions and bonuses recorded by grid staff, appeals reviewed
 * at community level, and a monthly assessment job that flags, enrols and reports.
 */
export const landlordScoringPlugin = defineServerPlugin({
  id: 'landlord-scoring',
  version: '0.1.0',
  title: { 'zh-CN': '房东、商铺十二分制', en: 'Landlord and shop 12-point scoring' },
  description: {
    'zh-CN': '房东、商铺一户一档，扣分加分、申诉复核，每月考评黄旗房东、红旗商铺和转优学习班',
    en: 'One file per landlord and shop, deductions and bonuses, appeals, monthly flags and improvement classes',
  },
  migrations: new URL('../../migrations/', import.meta.url),
  permissions: [
    { key: P.subjectRead, title: { 'zh-CN': '查看房东、商铺档案', en: 'View landlord and shop files' } },
    {
      key: P.subjectManage,
      title: { 'zh-CN': '建档、登记租客申报', en: 'Keep files and tenant declarations' },
    },
    { key: P.recordCreate, title: { 'zh-CN': '记录扣分、加分', en: 'Record deductions and bonuses' } },
    { key: P.appealCreate, title: { 'zh-CN': '提交申诉', en: 'File appeals' } },
    { key: P.appealReview, title: { 'zh-CN': '复核申诉', en: 'Review appeals' } },
    { key: P.ruleRead, title: { 'zh-CN': '查看扣分规则', en: 'View the rule catalogue' } },
    { key: P.ruleManage, title: { 'zh-CN': '修订扣分规则', en: 'Edit the rule catalogue' } },
    { key: P.assessmentRead, title: { 'zh-CN': '查看月度考评', en: 'View monthly assessments' } },
    { key: P.assessmentRun, title: { 'zh-CN': '重新运行月度考评', en: 'Run a monthly assessment' } },
    {
      key: P.tenantVerify,
      title: { 'zh-CN': '走访核查租客', en: 'Verify tenants on visits' },
    },
    {
      key: P.tenantDeclare,
      title: { 'zh-CN': '申报租客入住、搬离', en: 'Declare tenants moving in and out' },
    },
    {
      key: P.dataExport,
      title: { 'zh-CN': '导出档案和考评结果（Excel）', en: 'Export files and results (xlsx)' },
    },
  ],
  conditions: [
    {
      name: OWN,
      title: { 'zh-CN': '仅本人的档案（房东自助）', en: 'Only her own file (the landlord herself)' },
      subjects: ['landlord-scoring.subject', 'landlord-scoring.tenant', 'landlord-scoring.appeal'],
      field: 'accountId',
      column: 'account_id',
    },
  ],
  defaultGrants: {
    'tenant-admin': Object.values(P),
    'street-admin': [...GRID_WORK, P.appealReview, P.assessmentRead, P.dataExport],
    // The community level reviews appeals (the rule); grid staff only file them.
    'community-secretary': [...GRID_WORK, P.appealReview, P.assessmentRead, P.dataExport],
    'grid-leader': [...GRID_WORK, P.assessmentRead, P.dataExport],
    'grid-worker': GRID_WORK,
    inspector: [P.subjectRead, P.ruleRead, P.assessmentRead, P.dataExport],
  },
  settings: { schema: settingsSchema },
  routes(app, deps) {
    subjectRoutes(app, deps);
    houseRoutes(app);
    recordRoutes(app);
    evidenceRoutes(app, deps);
    ruleRoutes(app);
    reportRoutes(app, deps);
    exportRoutes(app, deps);
    appealRuleExportRoutes(app);
    tenantRoutes(app, deps);
    visitRoutes(app, deps);
    accountRoutes(app);
  },
  jobs: [assessmentJob],
  async onTenantEnable({ tx }) {
    await seedDefaults(tx);
    // The landlords' own role, once: granted at her grid to a login linked to her file.
    await tx.query(
      `insert into role (tenant_id, key, name, description, permissions, system)
       values (?, ?, '房东（自助申报）', 'A landlord or shop operator: her own file, tenant declarations and appeals', ?::text[], false)
       on conflict (tenant_id, key) do nothing`,
      [tx.tenantId, LANDLORD_ROLE, `{${LANDLORD_OWN.join(',')}}`],
    );
  },
  seedDemo: seedLandlordDemo,
});
