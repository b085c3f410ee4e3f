import type { IdType, Registration, ResidentInput } from '../residents.ts';

/**
 * The residents import template: zh-CN headers, the values a clerk types (居民身份证, 男, 户籍, …)
 * and how one row becomes a `ResidentInput`. Pure: nothing here touches the database.
 */
export const RESIDENT_HEADERS = [
  '姓名',
  '拼音首字母',
  '证件类型',
  '证件号码',
  '性别',
  '出生日期',
  '国籍',
  '手机号',
  '户籍类型',
  '房屋编号',
  '房屋地址',
  '迁入日期',
] as const;
export type ResidentHeader = (typeof RESIDENT_HEADERS)[number];

/** Headers without which no row can be read; the house needs one of 房屋编号 / 房屋地址. */
const REQUIRED: ResidentHeader[] = ['姓名', '证件号码', '户籍类型'];

/** The template's example row (the header row alone is the template; this is the second line). */
export const RESIDENT_EXAMPLE = [
  '张三',
  'zs',
  '居民身份证',
  '11010519491231002X',
  '女',
  '1949-12-31',
  'CHN',
  '13812345678',
  '户籍',
  '',
  '绣湖小区1幢101',
  '2024-03-01',
];

const ID_TYPES: Record<string, IdType> = {
  居民身份证: 'resident-id',
  身份证: 'resident-id',
  护照: 'passport',
};
const GENDERS: Record<string, 'male' | 'female'> = { 男: 'male', 女: 'female' };
const REGISTRATIONS: Record<string, Registration> = { 户籍: 'local', 流动: 'floating', 境外: 'overseas' };

/** Where each known header sits in the file (columns may come in any order; unknown ones are ignored). */
export type ColumnMap = Partial<Record<ResidentHeader, number>>;

/** The header row's columns, or the reason the file cannot be a residents sheet. */
export function mapHeaders(cells: string[]): ColumnMap | { error: string } {
  const map: ColumnMap = {};
  cells.forEach((c, i) => {
    const h = c.replace(/\s|\*/g, '') as ResidentHeader;
    if ((RESIDENT_HEADERS as readonly string[]).includes(h) && map[h] === undefined) map[h] = i;
  });
  const missing = REQUIRED.filter((h) => map[h] === undefined);
  if (map.房屋编号 === undefined && map.房屋地址 === undefined) missing.push('房屋编号');
  if (missing.length) return { error: `缺少列：${missing.join('、')}` };
  return map;
}

/** A row read from the sheet, ready for the database checks: the input and how to find the house. */
export interface ParsedResident {
  input: ResidentInput;
  house: { id: string } | { address: string };
}

/** A row's problem: the column it is in and the reason, in the clerk's words. */
export interface RowIssue {
  column: string;
  reason: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A calendar date written YYYY-MM-DD (or with / or .), not in the future; null when not one. */
export function parseDate(s: string): string | null {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date > new Date()) return null;
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** One data row → a resident input, or the first problem found (checked in the order a clerk reads). */
export function parseResidentRow(cells: string[], cols: ColumnMap): ParsedResident | RowIssue {
  const get = (h: ResidentHeader) => {
    const i = cols[h];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const name = get('姓名');
  if (!name) return { column: '姓名', reason: '必填' };
  if (name.length > 100) return { column: '姓名', reason: '不能超过100个字' };
  const initials = get('拼音首字母').toLowerCase();
  if (initials && !/^[a-z]{1,20}$/.test(initials))
    return { column: '拼音首字母', reason: '只能是1–20个字母' };
  const idTypeText = get('证件类型') || '居民身份证';
  const idType = ID_TYPES[idTypeText];
  if (!idType) return { column: '证件类型', reason: '应为“居民身份证”或“护照”' };
  const idNumber = get('证件号码').toUpperCase();
  if (!idNumber) return { column: '证件号码', reason: '必填' };
  const genderText = get('性别');
  const gender = genderText ? GENDERS[genderText] : undefined;
  if (genderText && !gender) return { column: '性别', reason: '应为“男”或“女”' };
  const birthText = get('出生日期');
  const birthDate = birthText ? parseDate(birthText) : undefined;
  if (birthDate === null) return { column: '出生日期', reason: '不是有效日期（YYYY-MM-DD）' };
  const nationality = get('国籍').toUpperCase() || null;
  if (nationality && !/^[A-Z]{3}$/.test(nationality))
    return { column: '国籍', reason: '应为三位字母国家代码，如 CHN' };
  const phone = get('手机号').replace(/[\s-]/g, '') || null;
  if (phone && !/^1[3-9]\d{9}$/.test(phone)) return { column: '手机号', reason: '不是有效的手机号' };
  const registration = REGISTRATIONS[get('户籍类型')];
  if (!registration) return { column: '户籍类型', reason: '应为“户籍”“流动”或“境外”' };
  const houseId = get('房屋编号');
  const address = get('房屋地址');
  if (houseId && !UUID.test(houseId)) return { column: '房屋编号', reason: '不是有效的房屋编号' };
  if (!houseId && !address) return { column: '房屋地址', reason: '请填写房屋编号或房屋地址' };
  const movedText = get('迁入日期');
  const movedIn = movedText ? parseDate(movedText) : undefined;
  if (movedIn === null) return { column: '迁入日期', reason: '不是有效日期（YYYY-MM-DD）' };
  return {
    input: {
      name,
      nameInitials: initials || null,
      idType,
      idNumber,
      gender,
      birthDate: birthDate ?? undefined,
      nationality,
      phone,
      registration,
      movedIn: movedIn ?? undefined,
    },
    house: houseId ? { id: houseId.toLowerCase() } : { address },
  };
}

/** Field names of `checkIdentity`'s errors → the template's column. */
export const COLUMN_OF_FIELD: Record<string, ResidentHeader> = {
  idNumber: '证件号码',
  birthDate: '出生日期',
  gender: '性别',
  nationality: '国籍',
};
