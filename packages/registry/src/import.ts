import type { Readable } from 'node:stream';
import type { Tx } from '@civicgrid/db';
import { AppError, badInput, maskId, maskPhone } from '@civicgrid/kernel';
import type { Pii } from './pii.ts';
import { checkIdentity, type ResidentInput } from './residents.ts';
import {
  COLUMN_OF_FIELD,
  type ColumnMap,
  mapHeaders,
  type ParsedResident,
  parseResidentRow,
} from './xlsx/residents-template.ts';
import { readSheet } from './xlsx/sheet.ts';

/**
 * Residents from an xlsx stream, in batches: each batch's valid rows are written by one multi-row
 * statement in one tenant transaction; invalid rows are never written. Only one batch is held at a time
 * (plus one keyed hash per person seen, to catch the same person twice in a file), so memory stays flat
 * however long the sheet is.
 */

export type RowStatus = 'imported' | 'failed' | 'duplicate';

/** One data row and what became of it, in file order: the report's line. */
export interface RowOutcome {
  line: number;
  cells: string[];
  status: RowStatus;
  reason: string | null;
}

export interface ImportSummary {
  /** data rows read (blank lines skipped); rows = imported + failed + duplicates */
  rows: number;
  imported: number;
  failed: number;
  /** already registered, or the same person earlier in the file */
  duplicates: number;
}

export interface ImportOptions {
  pii: Pii;
  /** The tenant the rows go to (values are sealed for it before its transaction opens). */
  tenantId: string;
  /** Runs `fn` in one tenant transaction: a batch's writes commit together. */
  inTransaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /**
   * The caller's scope as a condition on an org-unit column (`orgScopeSql` bound to a scope): only
   * places inside it may be named or written. Default: the whole tenant.
   */
  scope?: (column: string) => { sql: string; params: unknown[] };
  batchSize?: number;
  /** Called after each batch with the data rows done so far. */
  onProgress?: (rowsDone: number) => void;
  /** The file's header row, before any data row (the report repeats it). */
  onHeader?: (cells: string[]) => void | Promise<void>;
  /** Every data row with its outcome, in file order. */
  onRow?: (row: RowOutcome) => void | Promise<void>;
}

interface Pending {
  outcome: RowOutcome;
  parsed?: ParsedResident & { sealed: Sealed };
}

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

export async function importResidents(source: Readable, opts: ImportOptions): Promise<ImportSummary> {
  const batchSize = opts.batchSize ?? 1000;
  const summary: ImportSummary = { rows: 0, imported: 0, failed: 0, duplicates: 0 };
  const seen = new Map<string, number>(); // keyed hash (base64) → the line that registered it
  let cols: ColumnMap | null = null;
  let batch: Pending[] = [];
  // One batch is written while the next is read and checked: Node's work (unzip, parse, checksum,
  // AES) overlaps PostgreSQL's. Never more than one in flight, so batches commit in file order.
  let writing: Promise<void> | null = null;

  const write = async (rows: Pending[]) => {
    await opts.inTransaction((tx) => writeBatch(tx, rows, seen, opts));
    for (const p of rows) {
      const o = p.outcome;
      summary.rows++;
      if (o.status === 'imported') summary.imported++;
      else if (o.status === 'duplicate') summary.duplicates++;
      else summary.failed++;
      await opts.onRow?.(o);
    }
    opts.onProgress?.(summary.rows);
  };
  const flush = async () => {
    if (writing) await writing;
    writing = null;
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    writing = write(current);
    // Its failure surfaces at the next flush; until then it must not count as unhandled.
    writing.catch(() => {});
  };

  try {
    for await (const row of readSheet(source)) {
      if (!cols) {
        const mapped = mapHeaders(row.cells);
        if ('error' in mapped)
          throw badInput('file', `第${row.line}行不是居民导入模板的表头：${mapped.error}`);
        cols = mapped;
        await opts.onHeader?.(row.cells);
        continue;
      }
      if (row.cells.every((c) => c === '')) continue;
      batch.push(validate(row.line, row.cells, cols, opts));
      if (batch.length >= batchSize) await flush();
    }
    if (!cols) throw badInput('file', '表格是空的：第一行应为居民导入模板的表头');
    await flush();
    await flush();
  } finally {
    // A failed read must not leave a write running behind the caller's back.
    if (writing) await (writing as Promise<void>).catch(() => {});
  }
  return summary;
}

/** The checks that need no database: template values, then the ID number (GB 11643 checksum). */
function validate(line: number, cells: string[], cols: ColumnMap, opts: ImportOptions): Pending {
  const outcome: RowOutcome = { line, cells, status: 'failed', reason: null };
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
async function housesOf(tx: Tx, rows: Pending[], scope: ImportOptions['scope']) {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  for (const p of rows) {
    const h = p.parsed?.house;
    if (h && 'id' in h) ids.add(h.id);
    else if (h) addresses.add(h.address);
  }
  const s = scope?.('h.org_unit_id') ?? { sql: 'true', params: [] };
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
  if (tx.tenantId !== opts.tenantId)
    throw new Error('importResidents: the transaction is for another tenant');
  const houses = await housesOf(tx, rows, opts.scope);
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
  for (const { id } of inserted) {
    byResident.get(id)!.outcome.status = 'imported';
    byResident.delete(id);
  }
  // The rest hit the (tenant_id, id_hash) key: registered before this file (or by a concurrent import).
  for (const p of byResident.values()) {
    p.outcome.status = 'duplicate';
    p.outcome.reason = '重复：此人已登记（证件号码相同）';
  }
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
  select ?::uuid, i.id, i.house, i.unit, coalesce(i.moved_in, current_date) from input i join ins on ins.id = i.id
)
select id from ins`;
