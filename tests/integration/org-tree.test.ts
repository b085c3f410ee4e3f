import { inSubtreeOf, inSubtrees } from '@civicgrid/tenancy';
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

  it('are index range scans as the app role, under row-level security', async () => {
    // With sequential scans off, a qual PostgreSQL may not use behind the RLS policy (a non-leakproof
    // operator such as ltree's <@, or || outside a subquery) still cannot become an index condition.
    await t.db.withTenant(city.tenantId, async (tx) => {
      await tx.query('set local enable_seqscan = off');
      const rangeScan = async (where: string, params: unknown[]) => {
        const sql = `explain (format json) select id from org_unit where tenant_id = ? and ${where}`;
        const text = JSON.stringify(await tx.query(sql, [city.tenantId, ...params]));
        return /"Index Cond":"[^"]*path_key >=[^"]*path_key </.test(text);
      };
      const [row] = await tx.query<{ path: string }>(`select path::text as path from org_unit where id = ?`, [
        city.units.streetA,
      ]);
      const r = inSubtrees('path_key', [row!.path]);
      expect(await rangeScan(r.sql, r.params)).toBe(true);
      const rooted = inSubtreeOf('path_key', 'tenant_id = ? and id = ?');
      const rootParams = [city.tenantId, city.units.streetA, city.tenantId, city.units.streetA];
      expect(await rangeScan(rooted, rootParams)).toBe(true);
      // The forms these replaced, for contrast.
      expect(await rangeScan('path <@ ?::ltree', [row!.path])).toBe(false);
      const outside = `path_key >= (select path_key from org_unit where id = ?)
        and path_key < ((select path_key from org_unit where id = ?) || 'g')`;
      expect(await rangeScan(outside, [city.units.streetA, city.units.streetA])).toBe(false);
    });
  });
});
