import { defineServerPlugin } from '@civicgrid/kernel';
import { PERMISSIONS as P } from '../common/index.ts';
import { ensureCatalogue } from './catalogue.ts';
import { deadlineJob, eventsRuntime, sweepJob } from './overdue.ts';
import { reportJob } from './reports.ts';
import { compactJob } from './rollup.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { categoryRoutes } from './routes/categories.ts';
import { eventRoutes } from './routes/events.ts';
import { hotlineRoutes } from './routes/hotline.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { reportRoutes } from './routes/reports.ts';
import { transitionRoutes } from './routes/transitions.ts';
import { viewRoutes } from './routes/views.ts';
import { whistleRoutes } from './routes/whistles.ts';
import { settingsSchema } from './settings.ts';

export { clock } from './clock.ts';
export { fireDeadline } from './overdue.ts';
export { DEFAULT_LIMITS } from './settings.ts';

const t = (zh: string, en: string) => ({ 'zh-CN': zh, en });
/** Who works an event at each level: the ladder's own rungs, plus what the level above must decide. */
const HANDLING = [P.read, P.create, P.handle, P.escalate, P.merge];

/** Grid events: "grid discovers, street blows the whistle, departments report in". */
export const eventsPlugin = defineServerPlugin({
  id: 'events',
  version: '0.1.0',
  title: t('网格事件', 'Grid events'),
  description: t(
    '事件受理、分级处置、吹哨报到、督办与回访，三率统计',
    'Event intake, handling up the escalation ladder, whistles and report-ins, supervision, follow-up and the three rates',
  ),
  migrations: new URL('../../migrations/', import.meta.url),
  permissions: [
    { key: P.read, title: t('查看事件', 'View events') },
    { key: P.create, title: t('上报事件', 'Report events') },
    { key: P.handle, title: t('受理办理事件', 'Accept and handle events') },
    { key: P.escalate, title: t('上报升级事件', 'Escalate events') },
    { key: P.merge, title: t('合并重复事件', 'Merge duplicate events') },
    { key: P.verify, title: t('回访结案', 'Follow up and close events') },
    { key: P.approveExtension, title: t('审批延期', 'Approve extensions') },
    { key: P.whistle, title: t('吹哨调度', 'Blow the whistle / convene units') },
    { key: P.reportIn, title: t('部门报到反馈', 'Report in and reply (departments)') },
    { key: P.categories, title: t('管理事件分类', 'Manage event categories') },
    { key: P.metrics, title: t('查看三率统计', 'View the three rates') },
    { key: P.hotline, title: t('导入热线工单', 'Import hotline work orders') },
  ],
  defaultGrants: {
    'tenant-admin': Object.values(P),
    'street-admin': [...HANDLING, P.verify, P.approveExtension, P.whistle, P.metrics, P.hotline],
    'community-secretary': [...HANDLING, P.verify, P.approveExtension, P.whistle, P.metrics],
    'grid-leader': HANDLING,
    'grid-worker': HANDLING,
    'building-leader': [P.create],
    'department-staff': [P.reportIn],
    inspector: [P.read, P.metrics],
  },
  settings: { schema: settingsSchema },
  async routes(app, deps) {
    categoryRoutes(app);
    eventRoutes(app, deps);
    transitionRoutes(app, deps);
    whistleRoutes(app, deps);
    metricsRoutes(app);
    hotlineRoutes(app, deps);
    attachmentRoutes(app, deps);
    reportRoutes(app);
    viewRoutes(app, deps);
  },
  jobs: [deadlineJob, sweepJob, reportJob, compactJob],
  // The per-location daily rollup is a sum over events_event, kept by its triggers.
  derivedTables: ['events_unit_day'],
  provides: [{ ref: eventsRuntime, create: (deps) => ({ jobs: deps.jobs, events: deps.events }) }],
  async onTenantEnable({ tx }) {
    await ensureCatalogue(tx);
  },
});
