import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { AppError, maskId, maskPhone } from '@civicgrid/kernel';
import { TENANT_TODAY_SQL } from '@civicgrid/tenancy';
import {
  type Checked,
  type ImportOptions,
  type ImportSummary,
  importRows,
  scopeOf,
  settleInserted,
} from './import-batches.ts';
import { checkIdentity, type ResidentInput } from './residents.ts';
import {
  COLUMN_OF_FIELD,
  type ColumnMap,
  mapHeaders,
  type ParsedResident,
  parseResidentRow,
} from './xlsx/residents-template.ts';

export type {
  Checked,
  ImportOptions,
  ImportSummary,
  RowKind,
  RowOutcome,
  RowStatus,
} from './import-batches.ts';

/**
 * Residents from an xlsx stream, through the shared batch loop (`importRows`): each batch's valid rows
 * are written by one multi-row statement in one tenant transaction; invalid rows are never written.
 * Besides the batch, one keyed hash per person seen is held, to catch the same person twice in a file.
 */

type Pending = Checked<ParsedResident & { sealed: Sealed }>;

/** `checkIdentity`'s English reasons, said in the template's language. */
function identityReason(field: string, reason: string): string {
  if (reason.includes('check digit')) return '身份证号校验位错误（GB 11643）';
  if (reason.includes('18 characters')) return '身份证号应为18位（17位数字加1位数字或X）';
  if (reason.includes('not a real date')) return '身份证号中的出生日期无效';
  if (reason.includes('does not match')) return '与身份证号不符';
  if (reason.includes('passport number')) return '护照号应为5–20位字母或数字';
  if (reason.includes('required')) return '持护照者必填';
  return `${field}: ${reason}`;
}

export function importResidents(source: Readable, opts: ImportOptions): Promise<ImportSummary> {
  const seen = new Map<string, number>(); // keyed hash (base64) → the line that registered it
  return importRows(source, opts, {
    template: '居民导入模板',
    mapHeaders,
    check: (line, cells, cols) => validate(line, cells, cols, opts),
    write: (tx, rows) => writeBatch(tx, rows, seen, opts),
  });
}

/** The checks that need no database: template values, then the ID number (GB 11643 checksum). */
function validate(line: number, cells: string[], cols: ColumnMap, opts: ImportOptions): Pending {
  const outcome: Pending['outcome'] = { line, cells, status: 'failed', reason: null };
  const parsed = parseResidentRow(cells, cols);
  if ('reason' in parsed) {
    outcome.reason = `${parsed.column}：${parsed.reason}`;
    return { outcome };
  }
  try {
    const identity = checkIdentity(parsed.input);
    return { outcome, parsed: { ...parsed, sealed: seal(opts, parsed.input, identity) } };
  } catch (err) {
    if (!(err instanceof AppError) || !err.details?.[0]) throw err;
    const { field, reason } = err.details[0];
    outcome.reason = `${COLUMN_OF_FIELD[field] ?? field}：${identityReason(field, reason)}`;
    return { outcome };
  }
}

interface HouseRow {
  id: string;
  address: string;
  unit: string;
}

/** The batch's houses in one query, by id and by exact address, inside the caller's scope. */
async function housesOf(tx: Tx, rows: Pending[], opts: ImportOptions) {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  for (const p of rows) {
    const h = p.parsed?.house;
    if (h && 'id' in h) ids.add(h.id);
    else if (h) addresses.add(h.address);
  }
  const s = scopeOf(opts, 'h.org_unit_id');
  const found = await tx.query<HouseRow>(
    `select h.id, h.address, h.org_unit_id as unit from house h
      where h.tenant_id = ? and (h.id = any(?::uuid[]) or h.address = any(?::text[])) and ${s.sql}`,
    [tx.tenantId, [...ids], [...addresses], ...s.params],
  );
  const byId = new Map(found.map((h) => [h.id, h]));
  const byAddress = new Map<string, HouseRow | 'ambiguous'>();
  for (const h of found) byAddress.set(h.address, byAddress.has(h.address) ? 'ambiguous' : h);
  return { byId, byAddress };
}

/** Writes one batch: resolves houses, drops duplicates, inserts the rest in one statement. */
async function writeBatch(tx: Tx, rows: Pending[], seen: Map<string, number>, opts: ImportOptions) {
  const houses = await housesOf(tx, rows, opts);
  const records: Array<Sealed & { id: string; unit: string; house: string }> = [];
  const byResident = new Map<string, Pending>();
  for (const p of rows) {
    if (!p.parsed) continue;
    const { house, sealed } = p.parsed;
    const h = 'id' in house ? houses.byId.get(house.id) : houses.byAddress.get(house.address);
    if (!h || h === 'ambiguous') {
      p.outcome.reason = !h
        ? 'id' in house
          ? '房屋编号：没有这套房屋（或不在您的管辖范围内）'
          : '房屋地址：没有这个地址的房屋（或不在您的管辖范围内）'
        : '房屋地址：有多套房屋是这个地址，请填写房屋编号';
      continue;
    }
    const earlier = seen.get(sealed.id_h);
    if (earlier !== undefined) {
      p.outcome.status = 'duplicate';
      p.outcome.reason = `重复：与第${earlier}行是同一人（证件号码相同）`;
      continue;
    }
    seen.set(sealed.id_h, p.outcome.line);
    const id = crypto.randomUUID();
    byResident.set(id, p);
    records.push({ ...sealed, id, unit: h.unit, house: h.id });
  }
  if (records.length === 0) return;
  const inserted = await tx.query<{ id: string }>(BULK_INSERT, [
    JSON.stringify(records),
    opts.tenantId,
    opts.pii.keyId,
    opts.tenantId,
  ]);
  // The rest hit the (tenant_id, id_hash) key: registered before this file (or by a concurrent import).
  settleInserted(byResident, inserted, '重复：此人已登记（证件号码相同）');
}

const b64 = (b: Buffer) => b.toString('base64');

/** A row's columns as the resident table stores them: ID number and phone sealed, hashed and masked. */
function seal(opts: ImportOptions, input: ResidentInput, who: ReturnType<typeof checkIdentity>) {
  const { pii, tenantId } = opts;
  const phone = input.phone ?? null;
  return {
    name: input.name,
    initials: input.nameInitials ?? null,
    gender: who.gender,
    birth: who.birthDate,
    id_type: input.idType,
    id_c: b64(pii.encrypt(tenantId, 'id', who.idNumber)),
    id_h: b64(pii.hash(tenantId, 'id', who.idNumber)),
    id_m: maskId(who.idNumber),
    nat: input.nationality ?? null,
    ph_c: phone ? b64(pii.encrypt(tenantId, 'phone', phone)) : null,
    ph_h: phone ? b64(pii.hash(tenantId, 'phone', phone)) : null,
    ph_m: phone ? maskPhone(phone) : null,
    reg: input.registration,
    moved_in: input.movedIn ?? null,
  };
}
type Sealed = ReturnType<typeof seal>;

/**
 * Residents and their residences in one statement. A person already registered hits the unique key
 * and is skipped (`do nothing`), so the batch goes on; only the rows inserted get a residence (the
 * foreign key to a row inserted by the same statement is checked at its end, when the row exists).
 */
const BULK_INSERT = `
with input as (
  select * from json_to_recordset(?::json) as x(
    id uuid, unit uuid, house uuid, name text, initials text, gender text, birth date, id_type text,
    id_c text, id_h text, id_m text, nat text, ph_c text, ph_h text, ph_m text, reg text, moved_in date)
), ins as (
  insert into resident (tenant_id, id, org_unit_id, name, name_initials, gender, birth_date, id_type, id_cipher,
    id_hash, id_masked, nationality, phone_cipher, phone_hash, phone_masked, pii_key, registration)
  select ?::uuid, id, unit, name, initials, gender, birth, id_type, decode(id_c, 'base64'), decode(id_h, 'base64'),
    id_m, nat, decode(ph_c, 'base64'), decode(ph_h, 'base64'), ph_m, ?, reg from input
  on conflict (tenant_id, id_hash) do nothing
  returning id
), res as (
  insert into residence (tenant_id, resident_id, house_id, org_unit_id, moved_in)
  select ?::uuid, i.id, i.house, i.unit, coalesce(i.moved_in, ${TENANT_TODAY_SQL}) from input i join ins on ins.id = i.id
)
select id from ins`;
