import { randomBytes } from 'node:crypto';
import type { AuditActor } from '@civicgrid/audit';
import { type Database, enterTenant } from '@civicgrid/db';
import type { DivisionImporter, ModuleRuntime } from '@civicgrid/http';
import { provisionTenant, switchModule } from '@civicgrid/http';
import { createUser, hashPassword } from '@civicgrid/identity';
import type { DemoContext } from '@civicgrid/kernel';
// The registry package's index does not export its demo seeding (it is not part of its API).
import { type Pii, seedRegistryDemo } from '@civicgrid/registry';
import { createUnit, findTenantByCode } from '@civicgrid/tenancy';

const SYSTEM: AuditActor = {
  kind: 'system',
  id: null,
  name: 'demo-seed',
  ip: null,
  userAgent: null,
  requestId: null,
};

/** A readable password that passes the policy (letters + digits). */
export const generatePassword = () => `Cg-${randomBytes(9).toString('base64url')}`;

/**
 * Seeds, once, the demo the README promises: tenant `yiwu` (义乌市) with its real streets and
 * communities, grids under a few communities, one user per default role and the platform operator,
 * and generated registry data (houses, shops, households, residents) in the grids.
 * Returns null when the demo was already there.
 */
export async function seedDemo(
  db: Database,
  password: string,
  importer: DivisionImporter | null,
  modules: ModuleRuntime,
  pii: Pii,
) {
  const existing = await db.withPlatform((tx) => findTenantByCode(tx, 'yiwu'));
  if (existing) return null;
  await db.withPlatform(async (tx) => {
    await tx.query(
      `insert into platform_operator (username, display_name, password_hash) values ('platform', '平台运维', ?) on conflict (username) do nothing`,
      [await hashPassword(password)],
    );
  });
  const { tenant, rootUnitId } = await provisionTenant(db, SYSTEM, {
    code: 'yiwu',
    name: '义乌市',
    divisionCode: '330782',
    admin: { username: 'admin', displayName: '义乌市管理员', password },
  });
  return db.withTenant(tenant.id, async (tx) => {
    if (importer) await importer.importDivision(tx, { rootUnitId, districtCode: '330782' });
    const t = await enterTenant(tx, tenant.id);
    const unit = async (code: string) =>
      (
        await t.query<{ id: string; name: string }>(
          `select id, name from org_unit where tenant_id = ? and code = ?`,
          [tenant.id, code],
        )
      )[0];
    // 稠城街道 and two of its communities when the division data is there; a hand-made street otherwise.
    const street =
      (await unit('330782001')) ??
      (await createUnit(t, { parentId: rootUnitId, kind: 'street', name: '稠城街道', code: '330782001' }));
    const communities = await t.query<{ id: string; name: string }>(
      `select id, name from org_unit where tenant_id = ? and parent_id = ? and kind = 'community' order by code limit 3`,
      [tenant.id, street.id],
    );
    if (communities.length === 0)
      communities.push(await createUnit(t, { parentId: street.id, kind: 'community', name: '示范社区' }));
    const grids: string[] = [];
    for (const [ci, c] of communities.entries()) {
      for (let g = 1; g <= 3; g++) {
        const grid = await createUnit(t, {
          parentId: c.id,
          kind: 'grid',
          gridTier: 'general',
          gridType: g === 3 ? 'business' : 'residential',
          name: `${c.name}第${g}网格`,
          householdCount: 200 + ci * 10 + g,
        });
        grids.push(grid.id);
        await createUnit(t, {
          parentId: grid.id,
          kind: 'grid',
          gridTier: 'micro',
          gridType: 'residential',
          name: `${c.name}第${g}网格-微网格1`,
          householdCount: 60,
        });
      }
    }
    const compound = await createUnit(t, { parentId: grids[0]!, kind: 'compound', name: '绣湖小区' });
    const building = await createUnit(t, { parentId: compound.id, kind: 'building', name: '1幢' });
    const dept = await createUnit(t, {
      parentId: rootUnitId,
      kind: 'department',
      name: '综合行政执法局（城管）',
    });
    const staff: Array<[string, string, string, string]> = [
      ['street', '稠城街道管理员', 'street-admin', street.id],
      ['secretary', `${communities[0]!.name}书记`, 'community-secretary', communities[0]!.id],
      ['gridleader', '网格长', 'grid-leader', grids[0]!],
      ['gridworker', '网格员', 'grid-worker', grids[0]!],
      ['building', '楼栋长', 'building-leader', building.id],
      ['dept', '城管队员', 'department-staff', dept.id],
      ['inspector', '督查员', 'inspector', rootUnitId],
    ];
    // Every demo login, the default roles' and the modules' own (seedDemo's addUser): created, granted
    // its role where it works, and listed for the start-up log.
    const users = ['admin'];
    const addUser: DemoContext['addUser'] = async ({ username, displayName, orgUnitId, roleKey }) => {
      const [role] = await t.query<{ id: string }>(`select id from role where tenant_id = ? and key = ?`, [
        tenant.id,
        roleKey,
      ]);
      if (!role) throw new Error(`the demo tenant has no role "${roleKey}"`);
      const u = await createUser(t, { username, displayName, password, orgUnitId });
      await t.query(`insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`, [
        tenant.id,
        u.id,
        role.id,
        orgUnitId,
      ]);
      users.push(username);
      return u.id;
    };
    let gridWorker = '';
    for (const [username, displayName, roleKey, orgUnitId] of staff) {
      const id = await addUser({ username, displayName, orgUnitId, roleKey });
      if (roleKey === 'grid-worker') gridWorker = id;
    }
    // The grid worker has visited some of her own grid's elderly residents living alone.
    const registry = await seedRegistryDemo(t, pii, {
      grids,
      visitor: { userId: gridWorker, gridId: grids[0]! },
    });
    // The demo shows every installed module switched on (dependencies come first in the host's order).
    for (const plugin of modules.host.plugins)
      await switchModule(t, modules, SYSTEM, plugin.id, { enabled: true });
    const demo: DemoContext = { tx: t, tenantId: tenant.id, grids, gridWorkerId: gridWorker, addUser };
    const modulesDemo: Record<string, Record<string, number>> = {};
    for (const plugin of modules.host.plugins)
      if (plugin.seedDemo) modulesDemo[plugin.id] = await plugin.seedDemo(demo);
    return {
      tenant: tenant.code,
      tenantId: tenant.id,
      modules: modules.host.plugins.map((p) => p.id),
      users,
      importedDivision: importer != null,
      registry,
      modulesDemo,
    };
  });
}
