import type { Writable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import type { Pii } from '../pii.ts';
import { CURRENT_RESIDENCE } from '../residents.ts';
import { RESIDENT_HEADERS } from './residents-template.ts';
import { writeSheet } from './sheet.ts';

/**
 * Residents to xlsx, page by page (keyset on name, id) inside the caller's transaction, so the export
 * never holds more than one page. The columns are the import template's (an export can be edited and
 * imported back), then the resident's unit and id.
 */
export const EXPORT_HEADERS = [...RESIDENT_HEADERS, '所属组织', '居民编号'];

const PAGE = 1000;
const ID_TYPE: Record<string, string> = { 'resident-id': '居民身份证', passport: '护照' };
const GENDER: Record<string, string> = { male: '男', female: '女' };
const REGISTRATION: Record<string, string> = { local: '户籍', floating: '流动', overseas: '境外' };

interface ExportRow {
  id: string;
  name: string;
  initials: string | null;
  idType: string;
  idMasked: string;
  gender: string;
  birthDate: string;
  nationality: string | null;
  phoneMasked: string | null;
  registration: string;
  houseId: string | null;
  address: string | null;
  movedIn: string | null;
  unitName: string;
  /** set only when the caller asked for unmasked values and may see this row's */
  idCipher: Buffer | null;
  phoneCipher: Buffer | null;
  piiKey: string;
}

export interface ResidentExport {
  /** A condition on `r` (resident) and `c` (its current residence) with its parameters: filters and scope. */
  where: { sql: string; params: unknown[] };
  /** A condition saying which rows are shown unmasked (the reveal scope); absent: all masked. */
  unmasked?: { sql: string; params: unknown[]; pii: Pii };
}

/** Writes the matching residents to `out` as one sheet; answers the number of rows written. */
export async function exportResidents(tx: Tx, out: Writable, opts: ResidentExport): Promise<number> {
  const sheet = writeSheet(out, '居民', EXPORT_HEADERS);
  const reveal = opts.unmasked ?? { sql: 'false', params: [] };
  let after: [string, string] | null = null;
  let count = 0;
  for (;;) {
    const keyset = after ? 'and (r.name, r.id) > (?, ?::uuid)' : '';
    const rows: ExportRow[] = await tx.query<ExportRow>(
      `select r.id, r.name, r.name_initials as initials, r.id_type as "idType", r.id_masked as "idMasked",
         r.gender, to_char(r.birth_date, 'YYYY-MM-DD') as "birthDate", r.nationality,
         r.phone_masked as "phoneMasked", r.registration, c.house_id as "houseId", h.address,
         to_char(c.moved_in, 'YYYY-MM-DD') as "movedIn", u.name as "unitName", r.pii_key as "piiKey",
         case when ${reveal.sql} then r.id_cipher end as "idCipher",
         case when ${reveal.sql} then r.phone_cipher end as "phoneCipher"
       from resident r ${CURRENT_RESIDENCE}
       left join house h on h.tenant_id = c.tenant_id and h.id = c.house_id
       join org_unit u on u.tenant_id = r.tenant_id and u.id = r.org_unit_id
       where ${opts.where.sql} ${keyset}
       order by r.name, r.id limit ${PAGE}`,
      [...reveal.params, ...reveal.params, ...opts.where.params, ...(after ?? [])],
    );
    for (const r of rows) sheet.add(cellsOf(tx, r, opts.unmasked?.pii));
    count += rows.length;
    if (rows.length < PAGE) break;
    const last = rows[rows.length - 1]!;
    after = [last.name, last.id];
  }
  await sheet.end();
  return count;
}

function cellsOf(tx: Tx, r: ExportRow, pii: Pii | undefined): string[] {
  const open = (field: 'id' | 'phone', c: Buffer | null) =>
    c && pii ? pii.decrypt(tx.tenantId!, field, r.piiKey, c) : null;
  return [
    r.name,
    r.initials ?? '',
    ID_TYPE[r.idType] ?? r.idType,
    open('id', r.idCipher) ?? r.idMasked,
    GENDER[r.gender] ?? r.gender,
    r.birthDate,
    r.nationality ?? '',
    open('phone', r.phoneCipher) ?? r.phoneMasked ?? '',
    REGISTRATION[r.registration] ?? r.registration,
    r.houseId ?? '',
    r.address ?? '',
    r.movedIn ?? '',
    r.unitName,
    r.id,
  ];
}
