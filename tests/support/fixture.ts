import type { AuditActor } from '@civicgrid/audit';
import type { Database, Tx } from '@civicgrid/db';
import { provisionTenant } from '@civicgrid/http';
import { createUser } from '@civicgrid/identity';
import { createUnit, type OrgUnitInput } from '@civicgrid/tenancy';
import { PASSWORD, uniqueCode } from './app.ts';

const SYSTEM: AuditActor = {
  kind: 'system',
  id: null,
  name: 'fixture',
  ip: null,
  userAgent: null,
  requestId: null,
};

/**
 * A small city: two streets (稠城, 江东), communities and grids under them, and one staff member per
 * role at each level, plus a plain worker in every grid (the scoped records the matrix looks at).
 */
export interface CityFixture {
  tenantId: string;
  code: string;
  units: Record<
    | 'root'
    | 'streetA'
    | 'streetB'
    | 'commA1'
    | 'commA2'
    | 'commB1'
    | 'gridA1a'
    | 'gridA1b'
    | 'gridA2a'
    | 'gridB1a',
    string
  >;
  users: Record<'admin' | 'streetA' | 'streetB' | 'secA1' | 'workerA1a' | 'inspector', string>;
  /** a plain worker (no grant) in each grid, by grid key */
  residents: Record<string, string>;
  roleIds: Map<string, string>;
}

export async function buildCity(db: Database, opts: { timezone?: string } = {}): Promise<CityFixture> {
  const code = uniqueCode('city');
  const { tenant, rootUnitId, roleIds, adminId } = await provisionTenant(db, SYSTEM, {
    code,
    name: `测试市${code}`,
    ...opts,
    admin: { username: 'admin', displayName: '管理员', password: PASSWORD },
  });
  return db.withTenant(tenant.id, async (tx) => {
    const mk = async (parentId: string, input: Omit<OrgUnitInput, 'parentId'>) =>
      (await createUnit(tx, { parentId, ...input })).id;
    const streetA = await mk(rootUnitId, { kind: 'street', name: '稠城街道' });
    const streetB = await mk(rootUnitId, { kind: 'street', name: '江东街道' });
    const commA1 = await mk(streetA, { kind: 'community', name: '绣湖社区' });
    const commA2 = await mk(streetA, { kind: 'community', name: '宾王社区' });
    const commB1 = await mk(streetB, { kind: 'community', name: '青口社区' });
    const grid = (parent: string, name: string) =>
      mk(parent, { kind: 'grid', gridTier: 'general', gridType: 'residential', name });
    const units = {
      root: rootUnitId,
      streetA,
      streetB,
      commA1,
      commA2,
      commB1,
      gridA1a: await grid(commA1, '绣湖第1网格'),
      gridA1b: await grid(commA1, '绣湖第2网格'),
      gridA2a: await grid(commA2, '宾王第1网格'),
      gridB1a: await grid(commB1, '青口第1网格'),
    };
    const staff = async (username: string, unit: string, role?: string) => {
      const u = await createUser(tx, {
        username,
        displayName: username,
        orgUnitId: unit,
        password: PASSWORD,
      });
      if (role) await grant(tx, u.id, roleIds.get(role)!, unit);
      return u.id;
    };
    const users = {
      admin: adminId,
      streetA: await staff('streeta', streetA, 'street-admin'),
      streetB: await staff('streetb', streetB, 'street-admin'),
      secA1: await staff('seca1', commA1, 'community-secretary'),
      workerA1a: await staff('workera1a', units.gridA1a, 'grid-worker'),
      inspector: await staff('inspector', rootUnitId, 'inspector'),
    };
    const residents: Record<string, string> = {};
    for (const k of ['gridA1a', 'gridA1b', 'gridA2a', 'gridB1a'] as const) {
      residents[k] = await staff(`w-${k.toLowerCase()}`, units[k]);
    }
    return { tenantId: tenant.id, code, units, users, residents, roleIds };
  });
}

export async function grant(tx: Tx, userId: string, roleId: string, unitId: string) {
  await tx.query(`insert into role_grant (tenant_id, user_id, role_id, org_unit_id) values (?, ?, ?, ?)`, [
    tx.tenantId,
    userId,
    roleId,
    unitId,
  ]);
}
