import type { Writable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { unitNamePaths } from '../import-units.ts';
import { HOUSE_HEADERS, type HouseUse, USE_TEXT } from './houses-template.ts';
import { exportPaged, opened, type Unmasked, type Where, yesNo } from './paged-export.ts';
import { SHOP_HEADERS } from './shops-template.ts';

/**
 * Houses and shops to xlsx. The columns are the import templates' (an export can be edited and imported
 * back: the unit is written as its name path), then the record's id. `where` is the list's filter on
 * the bare table (no alias), so the list route and the export share one filter builder.
 */
export const HOUSE_EXPORT_HEADERS = [...HOUSE_HEADERS, '房屋编号'];
export const SHOP_EXPORT_HEADERS = [...SHOP_HEADERS, '经营者姓名', '商铺编号'];

interface HouseRow {
  id: string;
  unit: string;
  address: string;
  floor: number | null;
  area: number | null;
  use: HouseUse;
  rooms: number | null;
  cap: number | null;
  escape: boolean | null;
  ebike: boolean | null;
}

export function exportHouses(tx: Tx, out: Writable, where: Where): Promise<number> {
  return exportPaged<HouseRow>(tx, out, {
    sheet: '房屋',
    headers: HOUSE_EXPORT_HEADERS,
    query: `select id, org_unit_id as unit, address, floor, area::float8 as area, use, rooms,
        occupancy_cap as cap, escape_window as escape, ebike_charging as ebike
      from house where {where}`,
    where,
    order: 'address, id',
    after: '(address, id) > (?, ?::uuid)',
    keyOf: (r) => [r.address, r.id],
    async cells(rows) {
      const paths = await unitNamePaths(
        tx,
        rows.map((r) => r.unit),
      );
      return rows.map((r) => [
        paths.get(r.unit) ?? '',
        r.address,
        r.floor,
        r.area,
        USE_TEXT[r.use] ?? r.use,
        r.rooms,
        r.cap,
        yesNo(r.escape),
        yesNo(r.ebike),
        r.id,
      ]);
    },
  });
}

interface ShopRow {
  id: string;
  unit: string;
  name: string;
  licenceNo: string | null;
  street: string | null;
  houseId: string | null;
  address: string | null;
  operatorName: string | null;
  idMasked: string | null;
  idCipher: Buffer | null;
  piiKey: string | null;
}

/** Shops; the operator's ID number masked unless `unmasked` covers her (a condition on `r`). */
export function exportShops(tx: Tx, out: Writable, where: Where, unmasked?: Unmasked): Promise<number> {
  return exportPaged<ShopRow>(tx, out, {
    sheet: '商铺',
    headers: SHOP_EXPORT_HEADERS,
    query: `select s.id, s.org_unit_id as unit, s.name, s.licence_no as "licenceNo", s.business_street as street,
        s.house_id as "houseId", h.address, r.name as "operatorName", r.id_masked as "idMasked",
        r.pii_key as "piiKey", case when {reveal} then r.id_cipher end as "idCipher"
      from shop s
      left join house h on h.tenant_id = s.tenant_id and h.id = s.house_id
      left join resident r on r.tenant_id = s.tenant_id and r.id = s.operator_id
      where s.id in (select id from shop where {where})`,
    where,
    unmasked,
    order: 's.name, s.id',
    after: '(s.name, s.id) > (?, ?::uuid)',
    keyOf: (r) => [r.name, r.id],
    async cells(rows) {
      const paths = await unitNamePaths(
        tx,
        rows.map((r) => r.unit),
      );
      return rows.map((r) => [
        r.name,
        r.licenceNo ?? '',
        paths.get(r.unit) ?? '',
        r.street ?? '',
        r.houseId ?? '',
        r.address ?? '',
        (r.piiKey && opened(tx, unmasked, 'id', r.piiKey, r.idCipher)) || (r.idMasked ?? ''),
        r.operatorName ?? '',
        r.id,
      ]);
    },
  });
}
