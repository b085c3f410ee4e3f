import { randomBytes } from 'node:crypto';
import { type Database, enterTenant } from '@civicgrid/db';
import { createUnit, insertTenant, pathLabel } from '@civicgrid/tenancy';

/**
 * A tenant with only its root district unit (no roles, no users), written as the application role:
 * what importers and benchmarks start from. `rootCode` is the district's division code, if any.
 */
export async function createBareTenant(
  db: Database,
  opts: { prefix: string; name?: string; rootCode: string | null },
) {
  const code = `${opts.prefix}-${randomBytes(4).toString('hex')}`;
  return db.withPlatform(async (ptx) => {
    const tenant = await insertTenant(ptx, { code, name: opts.name ?? code, divisionCode: opts.rootCode });
    const tx = await enterTenant(ptx, tenant.id);
    const root = await createUnit(tx, { kind: 'district', name: opts.name ?? 'root', code: opts.rootCode });
    return { tenantId: tenant.id, rootId: root.id, rootPath: pathLabel(root.id), code };
  });
}
