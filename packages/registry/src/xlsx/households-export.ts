import type { Writable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { unitNamePaths } from '../import-units.ts';
import { exportPaged, opened, type Unmasked, type Where } from './paged-export.ts';

/**
 * Households (户) to xlsx: the unit and house, the head (her ID number and phone masked unless
 * `unmasked` covers her, a condition on `r`) and the number of members. `where` is the list's filter
 * on `hh` (household), shared with `GET /households`.
 */
export const HOUSEHOLD_EXPORT_HEADERS = [
  '户编号',
  '所属组织',
  '房屋编号',
  '房屋地址',
  '户主姓名',
  '户主证件号码',
  '户主手机号',
  '人数',
];

interface HouseholdRow {
  id: string;
  unit: string;
  houseId: string | null;
  address: string | null;
  headName: string | null;
  idMasked: string | null;
  phoneMasked: string | null;
  idCipher: Buffer | null;
  phoneCipher: Buffer | null;
  piiKey: string | null;
  members: number;
}

export function exportHouseholds(tx: Tx, out: Writable, where: Where, unmasked?: Unmasked): Promise<number> {
  return exportPaged<HouseholdRow>(tx, out, {
    sheet: '户',
    headers: HOUSEHOLD_EXPORT_HEADERS,
    query: `select hh.id, hh.org_unit_id as unit, hh.house_id as "houseId", h.address, r.name as "headName",
        r.id_masked as "idMasked", r.phone_masked as "phoneMasked", r.pii_key as "piiKey",
        case when {reveal} then r.id_cipher end as "idCipher",
        case when {reveal} then r.phone_cipher end as "phoneCipher",
        (select count(*)::int from resident m where m.tenant_id = hh.tenant_id and m.household_id = hh.id) as members
      from household hh
      left join house h on h.tenant_id = hh.tenant_id and h.id = hh.house_id
      left join resident r on r.tenant_id = hh.tenant_id and r.id = hh.head_id
      where {where}`,
    where,
    unmasked,
    order: 'hh.id',
    after: 'hh.id > ?::uuid',
    keyOf: (r) => [r.id],
    async cells(rows) {
      const paths = await unitNamePaths(
        tx,
        rows.map((r) => r.unit),
      );
      const open = (r: HouseholdRow, field: 'id' | 'phone', c: Buffer | null) =>
        r.piiKey ? opened(tx, unmasked, field, r.piiKey, c) : null;
      return rows.map((r) => [
        r.id,
        paths.get(r.unit) ?? '',
        r.houseId ?? '',
        r.address ?? '',
        r.headName ?? '',
        open(r, 'id', r.idCipher) ?? r.idMasked ?? '',
        open(r, 'phone', r.phoneCipher) ?? r.phoneMasked ?? '',
        r.members,
      ]);
    },
  });
}
