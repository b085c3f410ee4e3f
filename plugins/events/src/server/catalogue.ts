import type { Tx } from '@civicgrid/db';

/** The catalogue a tenant starts with (domain → types); tenants rename, add and retire entries. */
export const DEFAULT_CATALOGUE: Array<{ code: string; name: string; types: Array<[string, string]> }> = [
  {
    code: 'environment',
    name: '环境卫生',
    types: [
      ['garbage', '垃圾堆放'],
      ['sanitation', '卫生死角'],
    ],
  },
  {
    code: 'safety',
    name: '安全隐患',
    types: [
      ['fire', '消防隐患'],
      ['ebike', '电动车违规充电'],
      ['building', '房屋安全'],
    ],
  },
  {
    code: 'order',
    name: '城市管理',
    types: [
      ['parking', '乱停乱放'],
      ['vendor', '占道经营'],
      ['construction', '违章搭建'],
    ],
  },
  {
    code: 'dispute',
    name: '矛盾纠纷',
    types: [
      ['neighbour', '邻里纠纷'],
      ['property', '物业纠纷'],
      ['labour', '劳资纠纷'],
    ],
  },
  {
    code: 'utilities',
    name: '公共设施',
    types: [
      ['water', '供水'],
      ['power', '供电'],
      ['road', '道路设施'],
    ],
  },
  {
    code: 'service',
    name: '民生服务',
    types: [
      ['elderly', '为老服务'],
      ['assistance', '困难帮扶'],
    ],
  },
  { code: 'other', name: '其他', types: [['other', '其他事项']] },
];

/** The code hotline orders fall back to when their category is not in the tenant's catalogue. */
export const FALLBACK_CATEGORY = 'other.other';

/**
 * Seeds the default catalogue unless the tenant has one: on enabling the module and on first use, so
 * a tenant that enabled it before the catalogue existed still gets one. Idempotent by code.
 */
export async function ensureCatalogue(tx: Tx): Promise<void> {
  const [any] = await tx.query(`select 1 from events_category where tenant_id = ? limit 1`, [tx.tenantId]);
  if (any) return;
  let sort = 0;
  for (const d of DEFAULT_CATALOGUE) {
    const [domain] = await tx.query<{ id: string }>(
      `insert into events_category (tenant_id, code, name, sort) values (?, ?, ?, ?)
       on conflict (tenant_id, code) do update set code = excluded.code returning id`,
      [tx.tenantId, d.code, d.name, sort++],
    );
    for (const [code, name] of d.types)
      await tx.query(
        `insert into events_category (tenant_id, parent_id, code, name, sort) values (?, ?, ?, ?, ?)
         on conflict (tenant_id, code) do nothing`,
        [tx.tenantId, domain!.id, `${d.code}.${code}`, name, sort++],
      );
  }
}

export interface CategoryRow {
  id: string;
  parentId: string | null;
  code: string;
  name: string;
  active: boolean;
}

/** A type (not a domain) by id or code, active or not (the caller decides what an inactive one means). */
export async function findCategory(tx: Tx, by: { id?: string; code?: string }): Promise<CategoryRow | null> {
  const [row] = await tx.query<CategoryRow>(
    `select id, parent_id as "parentId", code, name, active from events_category
      where tenant_id = ? and ${by.id ? 'id = ?::uuid' : 'code = ?'}`,
    [tx.tenantId, by.id ?? by.code],
  );
  return row ?? null;
}
