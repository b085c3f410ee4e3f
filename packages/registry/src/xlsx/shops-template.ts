import { type Columns, cellOf, mapColumns, plainText, type RowIssue, UUID } from './columns.ts';

/**
 * The shops import template: zh-CN headers and how one row becomes a shop. The licence number is
 * required here (it is what makes a re-import safe: the same number is the same shop); its shop-front
 * house and its operator are optional, the operator found by her ID number through the keyed hash.
 * Pure: nothing here touches the database.
 */
export const SHOP_HEADERS = [
  '店名',
  '统一社会信用代码',
  '所属网格/楼栋',
  '商业街',
  '房屋编号',
  '房屋地址',
  '经营者证件号码',
] as const;
export type ShopHeader = (typeof SHOP_HEADERS)[number];

export const SHOP_EXAMPLE = [
  '义乌市稠城小商品批发店',
  '923307821234567885',
  '稠城街道/绣湖社区/绣湖第1网格',
  '宾王路',
  '',
  '宾王路1号',
  '',
];

const REQUIRED: ShopHeader[] = ['店名', '统一社会信用代码', '所属网格/楼栋'];
const ALIASES: Record<string, ShopHeader> = {
  商铺名称: '店名',
  名称: '店名',
  营业执照号: '统一社会信用代码',
  营业执照号码: '统一社会信用代码',
  '统一社会信用代码/营业执照号': '统一社会信用代码',
  注册号: '统一社会信用代码',
  '所属楼栋/网格': '所属网格/楼栋',
  所属网格: '所属网格/楼栋',
  所属楼栋: '所属网格/楼栋',
  所属组织: '所属网格/楼栋',
  地址: '房屋地址',
  经营者身份证号: '经营者证件号码',
  经营者身份证号码: '经营者证件号码',
};

export const mapShopHeaders = (cells: string[]) => mapColumns(cells, SHOP_HEADERS, REQUIRED, ALIASES);
export type ShopColumns = Columns<ShopHeader>;

export interface ParsedShop {
  name: string;
  licenceNo: string;
  unitRef: string;
  businessStreet: string | null;
  house: { id: string } | { address: string } | null;
  /** the operator's ID number, normalized as the keyed hash wants it */
  operatorId: string | null;
}

// GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V), the last a check character.
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Why a licence number is not one, or null: the column's pattern, and an 18-character code's check. */
export function licenceProblem(no: string): string | null {
  if (!/^[0-9A-Z]{15,18}$/.test(no)) return '应为18位统一社会信用代码或15位营业执照注册号（数字和大写字母）';
  if (no.length !== 18) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(no[i]!);
    if (v < 0) return `第${i + 1}位“${no[i]}”不是统一社会信用代码的字符`;
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31] === no[17] ? null : '统一社会信用代码校验位错误（GB 32100）';
}

export function parseShopRow(cells: string[], cols: ShopColumns): ParsedShop | RowIssue {
  const get = cellOf(cells, cols);
  const name = get('店名');
  if (!name) return { column: '店名', reason: '必填' };
  if (name.length > 100) return { column: '店名', reason: '不能超过100个字' };
  if (!plainText(name)) return { column: '店名', reason: '不能含换行等控制字符' };
  const licenceNo = get('统一社会信用代码').replace(/\s/g, '').toUpperCase();
  if (!licenceNo)
    return { column: '统一社会信用代码', reason: '必填（同一号码即同一商铺，重复导入不会重复登记）' };
  const bad = licenceProblem(licenceNo);
  if (bad) return { column: '统一社会信用代码', reason: bad };
  const unitRef = get('所属网格/楼栋');
  if (!unitRef)
    return { column: '所属网格/楼栋', reason: '必填（组织编码，或如 稠城街道/绣湖社区/绣湖第1网格）' };
  const businessStreet = get('商业街') || null;
  if (businessStreet && businessStreet.length > 100) return { column: '商业街', reason: '不能超过100个字' };
  if (businessStreet && !plainText(businessStreet))
    return { column: '商业街', reason: '不能含换行等控制字符' };
  const houseId = get('房屋编号');
  if (houseId && !UUID.test(houseId)) return { column: '房屋编号', reason: '不是有效的房屋编号' };
  const address = get('房屋地址');
  if (address.length > 200) return { column: '房屋地址', reason: '不能超过200个字' };
  const operatorId = get('经营者证件号码').replace(/\s/g, '').toUpperCase() || null;
  if (operatorId && !/^[0-9A-Z]{5,20}$/.test(operatorId))
    return { column: '经营者证件号码', reason: '应为身份证号或护照号（5–20位字母或数字）' };
  return {
    name,
    licenceNo,
    unitRef,
    businessStreet,
    house: houseId ? { id: houseId.toLowerCase() } : address ? { address } : null,
    operatorId,
  };
}
