import type { Tx } from '@civicgrid/db';
import { userContextOf } from '@civicgrid/http';
import { defineServerPlugin, serviceRef } from '@civicgrid/kernel';

/**
 * What `digest` expects of the bulletin's service, declared on its own side: a plugin never imports
 * another, it names the service it needs and the host checks at startup that a dependency provides it.
 */
const notices = serviceRef<{ countOn(tx: Tx, orgUnitId: string): Promise<number> }>('bulletin.notices');

/** Depends on `bulletin` and uses its service through a typed reference. */
export const digestPlugin = defineServerPlugin({
  id: 'digest',
  version: '0.0.1',
  title: { 'zh-CN': '摘要', en: 'Digest' },
  dependsOn: ['bulletin'],
  consumes: [notices],
  permissions: [{ key: 'digest.summary.read', title: { 'zh-CN': '查看摘要', en: 'View digests' } }],
  defaultGrants: { 'tenant-admin': ['digest.summary.read'] },
  routes(app, deps) {
    app.get(
      '/summary/:unitId',
      { config: { access: { kind: 'permission', permission: 'digest.summary.read' } } },
      async (req) => {
        const { tx } = userContextOf(req);
        const { unitId } = req.params as { unitId: string };
        return { notices: await deps.services.get(notices).countOn(tx, unitId) };
      },
    );
  },
});

/** Its enable hook writes, then fails: the whole switch must roll back. */
export const flakyPlugin = defineServerPlugin({
  id: 'flaky',
  version: '0.0.1',
  title: { 'zh-CN': '不稳定', en: 'Flaky' },
  permissions: [{ key: 'flaky.thing.read', title: { 'zh-CN': '查看', en: 'View' } }],
  defaultGrants: { 'grid-worker': ['flaky.thing.read'] },
  async onTenantEnable({ tx }) {
    await tx.query(`update tenant_module set settings = '{"touched":true}' where tenant_id = ?`, [
      tx.tenantId,
    ]);
    throw new Error('seeding failed half-way');
  },
});
