import type { Tx } from '@civicgrid/db';
import { badInput, conflict } from '@civicgrid/kernel';
import type { SubjectKind } from '../common/index.ts';
import { DEFAULT_CATALOGUE, DEFAULT_EFFECTIVE_FROM } from './defaults.ts';

export interface CategoryInput {
  code: string;
  titleZh: string;
  titleEn: string;
  items: Array<{
    code: string;
    titleZh: string;
    titleEn: string;
    effect: 'deduction' | 'bonus';
    points: number;
    monthlyCap?: number | null;
  }>;
}

export interface ItemRow {
  id: string;
  versionId: string;
  categoryCode: string;
  code: string;
  titleZh: string;
  titleEn: string;
  effect: 'deduction' | 'bonus';
  points: number;
  monthlyCap: number | null;
}

const ITEM_COLUMNS = `i.id, i.version_id as "versionId", i.category_code as "categoryCode", i.code,
  i.title_zh as "titleZh", i.title_en as "titleEn", i.effect, i.points, i.monthly_cap as "monthlyCap"`;

/** Checks what a form can get wrong and names the field: codes unique, caps only on bonus items. */
function check(categories: CategoryInput[]) {
  if (!categories.some((c) => c.items.length)) throw badInput('categories', 'needs at least one item');
  const cats = new Set<string>();
  const items = new Set<string>();
  categories.forEach((c, ci) => {
    if (cats.has(c.code)) throw badInput(`categories.${ci}.code`, `category ${c.code} appears twice`);
    cats.add(c.code);
    c.items.forEach((it, ii) => {
      const at = `categories.${ci}.items.${ii}`;
      if (items.has(it.code)) throw badInput(`${at}.code`, `item ${it.code} appears twice`);
      items.add(it.code);
      if (it.monthlyCap != null && it.effect !== 'bonus')
        throw badInput(`${at}.monthlyCap`, 'only bonus items have a monthly cap');
      if (it.monthlyCap != null && it.monthlyCap < it.points)
        throw badInput(`${at}.monthlyCap`, 'is smaller than the item’s own points');
    });
  });
}

/**
 * Writes a new rule version for one subject kind, applying from `effectiveFrom` (after the latest
 * version's date: versions only move forward, so a record's rule never changes under it).
 */
export async function writeVersion(
  tx: Tx,
  kind: SubjectKind,
  effectiveFrom: string,
  categories: CategoryInput[],
  opts: { note?: string | null; userId?: string | null } = {},
): Promise<string> {
  check(categories);
  const [latest] = await tx.query<{ latest: string | null }>(
    `select to_char(max(effective_from), 'YYYY-MM-DD') as latest from landlord_scoring_rule_version
      where tenant_id = ? and kind = ?`,
    [tx.tenantId, kind],
  );
  if (latest?.latest && latest.latest >= effectiveFrom)
    throw conflict(
      'version_not_after',
      `must be after the latest version's date (${latest.latest})`,
      'effectiveFrom',
    );
  const [v] = await tx.query<{ id: string }>(
    `insert into landlord_scoring_rule_version (tenant_id, kind, effective_from, note, created_by)
     values (?, ?, ?::date, ?, ?) returning id`,
    [tx.tenantId, kind, effectiveFrom, opts.note ?? null, opts.userId ?? null],
  );
  const cats = categories.map((c, i) => ({ code: c.code, zh: c.titleZh, en: c.titleEn, pos: i }));
  const items = categories.flatMap((c) =>
    c.items.map((it, i) => ({
      cat: c.code,
      code: it.code,
      zh: it.titleZh,
      en: it.titleEn,
      effect: it.effect,
      points: it.points,
      cap: it.monthlyCap ?? null,
      pos: i,
    })),
  );
  await tx.query(
    `insert into landlord_scoring_category (tenant_id, version_id, code, title_zh, title_en, position)
     select ?, ?, code, zh, en, pos from jsonb_to_recordset(?::jsonb) as x(code text, zh text, en text, pos int)`,
    [tx.tenantId, v!.id, JSON.stringify(cats)],
  );
  await tx.query(
    `insert into landlord_scoring_item (tenant_id, version_id, category_code, code, title_zh, title_en, effect,
       points, monthly_cap, position)
     select ?, ?, cat, code, zh, en, effect, points, cap, pos from jsonb_to_recordset(?::jsonb)
       as x(cat text, code text, zh text, en text, effect text, points int, cap int, pos int)`,
    [tx.tenantId, v!.id, JSON.stringify(items)],
  );
  return v!.id;
}

/** Seeds the default catalogues (once: a tenant that re-enables the module keeps its own). */
export async function seedDefaults(tx: Tx) {
  for (const [kind, categories] of Object.entries(DEFAULT_CATALOGUE) as Array<
    [SubjectKind, (typeof DEFAULT_CATALOGUE)['landlord']]
  >) {
    const [has] = await tx.query(
      'select 1 from landlord_scoring_rule_version where tenant_id = ? and kind = ? limit 1',
      [tx.tenantId, kind],
    );
    if (has) continue;
    await writeVersion(
      tx,
      kind,
      DEFAULT_EFFECTIVE_FROM,
      categories.map((c) => ({
        code: c.code,
        titleZh: c.zh,
        titleEn: c.en,
        items: c.items.map(([code, zh, en, points, cap]) => ({
          code,
          titleZh: zh,
          titleEn: en,
          effect: c.effect,
          points,
          monthlyCap: cap ?? null,
        })),
      })),
      { note: '默认规则 / default rules' },
    );
  }
}

/** The version of a kind's rules in force on a date, or null before the first. */
export async function versionOn(tx: Tx, kind: SubjectKind, on: string) {
  const [v] = await tx.query<{ id: string; effectiveFrom: string; note: string | null }>(
    `select id, to_char(effective_from, 'YYYY-MM-DD') as "effectiveFrom", note from landlord_scoring_rule_version
      where tenant_id = ? and kind = ? and effective_from <= ?::date order by effective_from desc limit 1`,
    [tx.tenantId, kind, on],
  );
  return v ?? null;
}

/** The item with this code in the rules in force on a date for the kind. */
export async function itemOn(tx: Tx, kind: SubjectKind, code: string, on: string): Promise<ItemRow | null> {
  const v = await versionOn(tx, kind, on);
  if (!v) return null;
  const [item] = await tx.query<ItemRow>(
    `select ${ITEM_COLUMNS} from landlord_scoring_item i where i.tenant_id = ? and i.version_id = ? and i.code = ?`,
    [tx.tenantId, v.id, code],
  );
  return item ?? null;
}

/** A version's categories with their items, in order. */
export async function versionTree(tx: Tx, versionId: string) {
  const cats = await tx.query<{ code: string; titleZh: string; titleEn: string }>(
    `select code, title_zh as "titleZh", title_en as "titleEn" from landlord_scoring_category
      where tenant_id = ? and version_id = ? order by position`,
    [tx.tenantId, versionId],
  );
  const items = await tx.query<ItemRow>(
    `select ${ITEM_COLUMNS} from landlord_scoring_item i where i.tenant_id = ? and i.version_id = ?
      order by i.position`,
    [tx.tenantId, versionId],
  );
  return cats.map((c) => ({
    ...c,
    items: items
      .filter((i) => i.categoryCode === c.code)
      .map(({ id, code, titleZh, titleEn, effect, points, monthlyCap }) => ({
        id,
        code,
        titleZh,
        titleEn,
        effect,
        points,
        monthlyCap,
      })),
  }));
}
