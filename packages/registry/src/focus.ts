import type { Tx } from '@civicgrid/db';

/** The seeds' focus groups (重点人群), seeded into every tenant; tenants add their own. */
export const DEFAULT_FOCUS_TAGS = [
  { key: 'elderly-alone', name: '独居老人', sensitive: false, visitEveryDays: 7 },
  { key: 'disabled', name: '残疾人', sensitive: false, visitEveryDays: 30 },
  { key: 'low-income', name: '低保户', sensitive: false, visitEveryDays: 30 },
  { key: 'floating', name: '流动人口', sensitive: false, visitEveryDays: 90 },
  { key: 'rental-housing', name: '出租房屋住户', sensitive: false, visitEveryDays: 30 },
  { key: 'released-prisoner', name: '刑满释放人员', sensitive: true, visitEveryDays: 30 },
  { key: 'community-correction', name: '社区矫正对象', sensitive: true, visitEveryDays: 7 },
] as const;

export async function seedFocusTags(tx: Tx): Promise<void> {
  for (const t of DEFAULT_FOCUS_TAGS) {
    await tx.query(
      `insert into focus_tag (tenant_id, key, name, sensitive, visit_every_days, system) values (?, ?, ?, ?, ?, true)
       on conflict (tenant_id, key) do nothing`,
      [tx.tenantId, t.key, t.name, t.sensitive, t.visitEveryDays],
    );
  }
}

export interface FocusTag {
  id: string;
  key: string;
  name: string;
  sensitive: boolean;
  visitEveryDays: number | null;
  system: boolean;
}

/** The tenant's tags the caller may see: sensitive ones only with their own permission. */
export async function listFocusTags(tx: Tx, seeSensitive: boolean): Promise<FocusTag[]> {
  return tx.query<FocusTag>(
    `select id, key, name, sensitive, visit_every_days as "visitEveryDays", system from focus_tag
      where tenant_id = ? and (? or not sensitive) order by system desc, key`,
    [tx.tenantId, seeSensitive],
  );
}
