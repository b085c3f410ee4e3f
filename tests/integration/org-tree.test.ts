import { inSubtrees } from '@civicgrid/tenancy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.ts';
import { buildCity, type CityFixture } from '../support/fixture.ts';

let t: TestApp;
let city: CityFixture;
beforeAll(async () => {
  t = await startApp();
  city = await buildCity(t.db);
});
afterAll(() => t.close());

describe('subtrees as btree ranges', () => {
  it('select exactly what ltree <@ selects, for every unit and for unions', async () => {
    await t.db.withTenant(city.tenantId, async (tx) => {
      const units = await tx.query<{ path: string }>(`select path::text as path from org_unit`);
      expect(units.length).toBe(10);
      const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id).sort();
      for (const { path } of units) {
        const r = inSubtrees('path_key', [path]);
        const byRange = await tx.query<{ id: string }>(`select id from org_unit where ${r.sql}`, r.params);
        const byLtree = await tx.query<{ id: string }>(`select id from org_unit where path <@ ?::ltree`, [
          path,
        ]);
        expect(ids(byRange)).toEqual(ids(byLtree));
      }
      const two = units.slice(3, 5).map((u) => u.path);
      const r = inSubtrees('path_key', two);
      const byRange = await tx.query<{ id: string }>(`select id from org_unit where ${r.sql}`, r.params);
      const byLtree = await tx.query<{ id: string }>(`select id from org_unit where path <@ ?::ltree[]`, [
        `{${two.join(',')}}`,
      ]);
      expect(ids(byRange)).toEqual(ids(byLtree));
      expect(await tx.query(`select 1 from org_unit where ${inSubtrees('path_key', []).sql}`)).toEqual([]);
    });
  });
});
