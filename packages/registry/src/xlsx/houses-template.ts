import {
  areaCell,
  type Columns,
  cellOf,
  intCell,
  isIssue,
  mapColumns,
  plainText,
  type RowIssue,
  yesNoCell,
} from './columns.ts';

/**
 * The houses import template: zh-CN headers, the values a clerk types (出租, 是, 3层) and how one row
 * becomes a house. The house's building (or grid) is named by the org unit's code or by its name path
 * (稠城街道/绣湖社区/绣湖小区/1幢); `import-units.ts` finds it. Pure: nothing here touches the database.
 */
export const HOUSE_HEADERS = [
  '所属楼栋/网格',
  '地址',
  '楼层',
  '面积',
  '用途',
  '房间数',
  '限住人数',
  '逃生窗',
  '电动车充电',
] as const;
export type HouseHeader = (typeof HOUSE_HEADERS)[number];

export const HOUSE_EXAMPLE = [
  '稠城街道/绣湖社区/绣湖小区/1幢',
  '绣湖小区1幢1单元101室',
  '1',
  '89.5',
  '出租',
  '3',
  '6',
  '是',
  '否',
];

const REQUIRED: HouseHeader[] = ['所属楼栋/网格', '地址', '用途'];
/** Column names of clerks' own sheets (and of older templates) read as the template's. */
const ALIASES: Record<string, HouseHeader> = {
  所属楼栋: '所属楼栋/网格',
  所属网格: '所属楼栋/网格',
  所属组织: '所属楼栋/网格',
  '所属网格/楼栋': '所属楼栋/网格',
  房屋地址: '地址',
  房屋用途: '用途',
  '面积（㎡）': '面积',
  '面积(㎡)': '面积',
};

export type HouseUse = 'own-occupied' | 'rented' | 'shop' | 'vacant';
const USES: Record<string, HouseUse> = { 自住: 'own-occupied', 出租: 'rented', 商铺: 'shop', 空置: 'vacant' };
export const USE_TEXT: Record<HouseUse, string> = {
  'own-occupied': '自住',
  rented: '出租',
  shop: '商铺',
  vacant: '空置',
};

export const mapHouseHeaders = (cells: string[]) => mapColumns(cells, HOUSE_HEADERS, REQUIRED, ALIASES);
export type HouseColumns = Columns<HouseHeader>;

/** A house row as the table stores it (the unit still to be found by its reference). */
export interface ParsedHouse {
  unitRef: string;
  address: string;
  floor: number | null;
  area: number | null;
  use: HouseUse;
  rooms: number | null;
  occupancyCap: number | null;
  escapeWindow: boolean | null;
  ebikeCharging: boolean | null;
}

/** One data row → a house, or its first problem (in the order a clerk reads; the table's checks). */
export function parseHouseRow(cells: string[], cols: HouseColumns): ParsedHouse | RowIssue {
  const get = cellOf(cells, cols);
  const unitRef = get('所属楼栋/网格');
  if (!unitRef)
    return { column: '所属楼栋/网格', reason: '必填（组织编码，或如 稠城街道/绣湖社区/绣湖小区/1幢）' };
  const address = get('地址');
  if (!address) return { column: '地址', reason: '必填' };
  if (address.length > 200) return { column: '地址', reason: '不能超过200个字' };
  if (!plainText(address)) return { column: '地址', reason: '不能含换行等控制字符' };
  const floor = intCell('楼层', get('楼层'), -10, 200, '层');
  if (isIssue(floor)) return floor;
  const area = areaCell('面积', get('面积'), 100_000);
  if (isIssue(area)) return area;
  const use = USES[get('用途')];
  if (!use) return { column: '用途', reason: '应为“自住”“出租”“商铺”或“空置”' };
  const rooms = intCell('房间数', get('房间数'), 0, 500, '间');
  if (isIssue(rooms)) return rooms;
  const occupancyCap = intCell('限住人数', get('限住人数'), 0, 2000, '人');
  if (isIssue(occupancyCap)) return occupancyCap;
  const escapeWindow = yesNoCell('逃生窗', get('逃生窗'));
  if (isIssue(escapeWindow)) return escapeWindow;
  const ebikeCharging = yesNoCell('电动车充电', get('电动车充电'));
  if (isIssue(ebikeCharging)) return ebikeCharging;
  return { unitRef, address, floor, area, use, rooms, occupancyCap, escapeWindow, ebikeCharging };
}
