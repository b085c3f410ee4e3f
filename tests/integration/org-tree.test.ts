import { randomUUID } from 'node:crypto';
import { inSubtreeOf, inSubtrees, pathLabel } from '@civicgrid/tenancy';
import { createBareTenant } from '@civicgrid/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('the tenant key', () => {
  // Only roots carry the foreign key to tenant (through root_tenant_id); a unit below a root proves its
  // tenant through (tenant_id, parent_id). These are the writes that must still be refused.
  const refused = async (sql: string, params: unknown[]) => {
    const owner = new pg.Client({ connectionString: inject('db').ownerUrl });
    await owner.connect();
    try {
      return await owner.query(sql, params).then(
        () => null,
        (e: { code?: string; constraint?: string }) => `${e.code} ${e.constraint}`,
      );
    } finally {
      await owner.end();
    }
  };
  const unit = `insert into org_unit (tenant_id, id, parent_id, kind, name, path) values ($1, $2, $3, 'street', '测试', $4::ltree)`;

  it('refuses a root of a tenant that does not exist, and deleting a tenant that has units', async () => {
    const id = randomUUID();
    expect(await refused(unit, [randomUUID(), id, null, pathLabel(id)])).toBe(
      '23503 org_unit_root_tenant_id_fkey',
    );
    expect(await refused('delete from tenant where id = $1', [city.tenantId])).toMatch(/^23503 /);
  });

  it('refuses a unit under a parent of another tenant, or of no tenant', async () => {
    const id = randomUUID();
    const [parent] = await t.db.withTenant(city.tenantId, (tx) =>
      tx.query<{ path: string }>(`select path::text as path from org_unit where id = ?`, [
        city.units.streetA,
      ]),
    );
    const path = `${parent!.path}.${pathLabel(id)}`;
    const other = await createBareTenant(t.db, { prefix: 'tree', rootCode: null });
    for (const tenantId of [other.tenantId, randomUUID()]) {
      expect(await refused(unit, [tenantId, id, city.units.streetA, path])).toBe(
        '23503 org_unit_tenant_id_parent_id_fkey',
      );
    }
  });
});

describe('the kind index', () => {
  it('serves a kind named as a bound parameter, for every kind but the three division levels', async () => {
    await t.db.withTenant(city.tenantId, async (tx) => {
      await tx.query('set local enable_seqscan = off');
      const usesKindIndex = async (kind: string) => {
        const plan = await tx.query(
          `explain (format json) select id from org_unit where tenant_id = ? and kind = ?`,
          [city.tenantId, kind],
        );
        return JSON.stringify(plan).includes('"Index Name":"org_unit_kind"');
      };
      for (const kind of ['grid', 'department', 'building'])
        expect(await usesKindIndex(kind), kind).toBe(true);
      // Division levels are found by code, parent or path; the index leaves them out.
      for (const kind of ['district', 'street', 'community'])
        expect(await usesKindIndex(kind), kind).toBe(false);
    });
  });
});
