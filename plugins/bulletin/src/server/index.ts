import { defineServerPlugin } from '@civicgrid/kernel';
import { type BulletinNotices, bulletinNotices, OWN, PERMISSIONS } from '../common/index.ts';
import { bulletinRoutes } from './routes.ts';
import { tallyJob } from './tally.ts';

const notices: BulletinNotices = {
  async countOn(tx, orgUnitId) {
    const [row] = await tx.query<{ n: number }>(
      `select count(*)::int as n from bulletin_notice where tenant_id = ? and org_unit_id = ?`,
      [tx.tenantId, orgUnitId],
    );
    return row?.n ?? 0;
  },
};

/** The example module: small on purpose; the real modules come with their own issues. */
export const bulletinPlugin = defineServerPlugin({
  id: 'bulletin',
  version: '0.1.0',
  title: { 'zh-CN': '公告栏', en: 'Notice board' },
  description: {
    'zh-CN': '社区和网格的通知公告，每月统计发布数量',
    en: 'Community and grid notices, tallied monthly',
  },
  migrations: new URL('../../migrations/', import.meta.url),
  permissions: [
    { key: PERMISSIONS.read, title: { 'zh-CN': '查看公告', en: 'View notices' } },
    { key: PERMISSIONS.post, title: { 'zh-CN': '发布公告', en: 'Post notices' } },
    { key: PERMISSIONS.remove, title: { 'zh-CN': '撤下公告', en: 'Remove notices' } },
    { key: PERMISSIONS.tally, title: { 'zh-CN': '查看公告统计', en: 'View notice tallies' } },
  ],
  conditions: [
    {
      name: OWN,
      title: { 'zh-CN': '仅本人发布的', en: 'Only those she posted' },
      subjects: ['bulletin.notice'],
      field: 'postedBy',
      column: 'posted_by',
    },
  ],
  defaultGrants: {
    'tenant-admin': [PERMISSIONS.read, PERMISSIONS.post, PERMISSIONS.remove, PERMISSIONS.tally],
    'street-admin': [PERMISSIONS.read, PERMISSIONS.post, PERMISSIONS.remove, PERMISSIONS.tally],
    'community-secretary': [PERMISSIONS.read, PERMISSIONS.post, PERMISSIONS.remove, PERMISSIONS.tally],
    // A grid leader takes down her own notices; the community's are the secretary's to remove.
    'grid-leader': [PERMISSIONS.read, PERMISSIONS.post, `${PERMISSIONS.remove}?${OWN}`],
    'grid-worker': [PERMISSIONS.read],
    inspector: [PERMISSIONS.read, PERMISSIONS.tally],
  },
  settings: {
    schema: {
      type: 'object',
      properties: {
        titleMaxLength: { type: 'integer', minimum: 10, maximum: 200, default: 100 },
        signature: { type: 'string', maxLength: 40, default: '' },
      },
      additionalProperties: false,
    },
  },
  routes: bulletinRoutes,
  jobs: [tallyJob],
  provides: [{ ref: bulletinNotices, create: () => notices }],
  async onTenantEnable({ tx, tenantId }) {
    // The board starts with one notice on the city's root unit, so a new city sees how it looks.
    await tx.query(
      `insert into bulletin_notice (tenant_id, org_unit_id, title, body)
       select tenant_id, id, '公告栏已开通', '各社区、网格可在此发布通知公告。' from org_unit
        where tenant_id = ? and parent_id is null and kind = 'district'
          and not exists (select 1 from bulletin_notice where tenant_id = ?)
        limit 1`,
      [tenantId, tenantId],
    );
  },
});
