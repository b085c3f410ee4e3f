/**
 * Reading a template's columns and cells the way clerks fill them in: headers in any order (a `*`
 * marking a required column and stray spaces ignored, a few other names a clerk's own sheet uses
 * accepted), numbers with their unit written after them, 是/否. Pure: nothing here touches the database.
 */

/** Where each known header sits in the file. */
export type Columns<H extends string> = Partial<Record<H, number>>;

export function mapColumns<H extends string>(
  cells: string[],
  headers: readonly H[],
  required: readonly H[],
  aliases: Readonly<Record<string, H>> = {},
): Columns<H> | { error: string } {
  const map: Columns<H> = {};
  cells.forEach((c, i) => {
    const text = c.replace(/\s|\*/g, '');
    const h = (headers as readonly string[]).includes(text) ? (text as H) : aliases[text];
    if (h !== undefined && map[h] === undefined) map[h] = i;
  });
  const missing = required.filter((h) => map[h] === undefined);
  if (missing.length) return { error: `缺少列：${missing.join('、')}` };
  return map;
}

/** A row's cell under header `h`, trimmed; '' when the file has no such column. */
export const cellOf =
  <H extends string>(cells: string[], cols: Columns<H>) =>
  (h: H): string => {
    const i = cols[h];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };

/** A row's problem: the column it is in and the reason, in the clerk's words. */
export interface RowIssue {
  column: string;
  reason: string;
}

export const isIssue = (v: unknown): v is RowIssue =>
  typeof v === 'object' && v !== null && 'reason' in v && 'column' in v;

/** No control characters (a pasted tab or line break), as the API's text fields. */
export function plainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

/**
 * A whole number in [min, max], `unit` allowed after it (3层, 2间); null for an empty cell, an issue
 * for anything else.
 */
export function intCell(
  column: string,
  text: string,
  min: number,
  max: number,
  unit = '',
): number | null | RowIssue {
  if (!text) return null;
  const t = unit && text.endsWith(unit) ? text.slice(0, -unit.length).trim() : text;
  if (!/^[+-]?\d+$/.test(t)) return { column, reason: '应为整数' };
  const n = Number(t);
  if (n < min || n > max) return { column, reason: `应在${min}到${max}之间` };
  return n;
}

/** A positive decimal up to `max`, kept to 2 places (the column's scale); ㎡ / 平方米 allowed after it. */
export function areaCell(column: string, text: string, max: number): number | null | RowIssue {
  if (!text) return null;
  const t = text.replace(/(㎡|平方米|平米|m2)$/i, '').trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return { column, reason: '应为数字（平方米）' };
  const n = Math.round(Number(t) * 100) / 100;
  if (n <= 0 || n > max) return { column, reason: `应大于0且不超过${max}` };
  return n;
}

const YES_NO: Record<string, boolean> = { 是: true, 否: false, 有: true, 无: false };

/** 是 / 否 (有 / 无 read the same); null for an empty cell. */
export function yesNoCell(column: string, text: string): boolean | null | RowIssue {
  if (!text) return null;
  const v = YES_NO[text];
  return v === undefined ? { column, reason: '应为“是”或“否”' } : v;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
