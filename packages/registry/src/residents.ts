import type { Tx } from '@civicgrid/db';
import { badInput, conflict, maskId, maskPhone, notFound } from '@civicgrid/kernel';
import { TENANT_TODAY_SQL } from '@civicgrid/tenancy';
import { parseIdCard } from './id-card.ts';
import { nameInitials } from './initials.ts';
import type { Pii, PiiField } from './pii.ts';

export type IdType = 'resident-id' | 'passport';
export type Registration = 'local' | 'floating' | 'overseas';

export interface ResidentInput {
  /** Where the resident lives: a house (its unit follows), or a unit directly. */
  houseId?: string | null;
  orgUnitId?: string | null;
  name: string;
  idType: IdType;
  idNumber: string;
  gender?: 'male' | 'female';
  birthDate?: string;
  nationality?: string | null;
  phone?: string | null;
  registration: Registration;
  movedIn?: string;
  /** Pinyin initials of the name (`zsf` for 张三丰), for search; derived from the name when not given. */
  nameInitials?: string | null;
}

/** What a resident's ID number says, checked: the number normalized, the birth date and gender. */
export function checkIdentity(
  input: Pick<ResidentInput, 'idType' | 'idNumber' | 'gender' | 'birthDate' | 'nationality'>,
) {
  const idNumber = input.idNumber.trim().toUpperCase();
  if (input.idType === 'resident-id') {
    const facts = parseIdCard(idNumber);
    if ('error' in facts) throw badInput('idNumber', facts.error);
    if (input.birthDate && input.birthDate !== facts.birthDate)
      throw badInput('birthDate', `does not match the ID number (${facts.birthDate})`);
    if (input.gender && input.gender !== facts.gender)
      throw badInput('gender', 'does not match the ID number');
    return { idNumber, birthDate: facts.birthDate, gender: facts.gender };
  }
  if (!/^[A-Z0-9]{5,20}$/.test(idNumber))
    throw badInput('idNumber', 'a passport number is 5–20 letters and digits');
  if (!input.nationality) throw badInput('nationality', 'is required with a passport');
  if (!input.birthDate) throw badInput('birthDate', 'is required with a passport');
  if (!input.gender) throw badInput('gender', 'is required with a passport');
  return { idNumber, birthDate: input.birthDate, gender: input.gender };
}

const normalizePhone = (p: string) => p.replace(/[\s-]/g, '');

/** Encrypted, hashed and masked forms of a field, as the resident row stores them. */
function sealed(tx: Tx, pii: Pii, field: PiiField, plain: string, mask: (s: string) => string) {
  return {
    cipher: pii.encrypt(tx.tenantId!, field, plain),
    hash: pii.hash(tx.tenantId!, field, plain),
    masked: mask(plain),
  };
}

export const idLookupHash = (tx: Tx, pii: Pii, idNumber: string) =>
  pii.hash(tx.tenantId!, 'id', idNumber.trim().toUpperCase());
export const phoneLookupHash = (tx: Tx, pii: Pii, phone: string) =>
  pii.hash(tx.tenantId!, 'phone', normalizePhone(phone));

/** The unit a house hangs on, or null when there is no such house in the tenant. */
export async function houseUnit(tx: Tx, houseId: string): Promise<string | null> {
  const [h] = await tx.query<{ unit: string }>(
    `select org_unit_id as unit from house where tenant_id = ? and id = ?`,
    [tx.tenantId, houseId],
  );
  return h?.unit ?? null;
}

/**
 * Registers a resident and where she lives, in the caller's transaction. The same ID number twice in
 * a tenant is one person: a 409 naming `idNumber`, found through the keyed hash.
 */
export async function createResident(
  tx: Tx,
  pii: Pii,
  input: ResidentInput,
  orgUnitId: string,
): Promise<string> {
  const who = checkIdentity(input);
  const id = sealed(tx, pii, 'id', who.idNumber, maskId);
  const phone = input.phone
    ? sealed(tx, pii, 'phone', normalizePhone(input.phone), (p) => maskPhone(p)!)
    : null;
  const residentId = crypto.randomUUID();
  try {
    await tx.query(`savepoint resident_insert`);
    await tx.query(
      `insert into resident (tenant_id, id, org_unit_id, name, name_initials, gender, birth_date, id_type, id_cipher,
         id_hash, id_masked, nationality, phone_cipher, phone_hash, phone_masked, pii_key, registration)
       values (?, ?, ?, ?, ?, ?, ?::date, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        tx.tenantId,
        residentId,
        orgUnitId,
        input.name,
        input.nameInitials ?? nameInitials(input.name),
        who.gender,
        who.birthDate,
        input.idType,
        id.cipher,
        id.hash,
        id.masked,
        input.nationality ?? null,
        phone?.cipher ?? null,
        phone?.hash ?? null,
        phone?.masked ?? null,
        pii.keyId,
        input.registration,
      ],
    );
    await tx.query(`release savepoint resident_insert`);
  } catch (err) {
    await tx.query(`rollback to savepoint resident_insert`);
    if ((err as { code?: string }).code === '23505')
      throw conflict('duplicate_person', 'a resident with this ID number is already registered', 'idNumber');
    throw err;
  }
  await tx.query(
    `insert into residence (tenant_id, resident_id, house_id, org_unit_id, moved_in) values (?, ?, ?, ?, coalesce(?::date, ${TENANT_TODAY_SQL}))`,
    [tx.tenantId, residentId, input.houseId ?? null, orgUnitId, input.movedIn ?? null],
  );
  return residentId;
}

export interface ResidentRow {
  id: string;
  orgUnitId: string;
  name: string;
  gender: string;
  birthDate: string;
  idType: IdType;
  idNumber: string;
  nationality: string | null;
  phone: string | null;
  registration: Registration;
  householdId: string | null;
  houseId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Columns of the masked view (`r` = resident, `c` = its current residence). */
export const RESIDENT_COLUMNS = `r.id, r.org_unit_id as "orgUnitId", r.name, r.gender, to_char(r.birth_date, 'YYYY-MM-DD') as "birthDate",
  r.id_type as "idType", r.id_masked as "idNumber", r.nationality, r.phone_masked as phone, r.registration,
  r.household_id as "householdId", c.house_id as "houseId",
  to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
  to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "updatedAt"`;
export const CURRENT_RESIDENCE = `left join residence c on c.tenant_id = r.tenant_id and c.resident_id = r.id and c.moved_out is null`;

export async function getResident(tx: Tx, id: string): Promise<ResidentRow | null> {
  const [r] = await tx.query<ResidentRow>(
    `select ${RESIDENT_COLUMNS} from resident r ${CURRENT_RESIDENCE} where r.tenant_id = ? and r.id = ?`,
    [tx.tenantId, id],
  );
  return r ?? null;
}

/** The unmasked value, for a caller the route has checked holds `registry.pii.read` (and audits). */
export async function revealField(tx: Tx, pii: Pii, id: string, field: PiiField): Promise<string | null> {
  const [r] = await tx.query<{ cipher: Buffer | null; key: string }>(
    `select ${field === 'id' ? 'id_cipher' : 'phone_cipher'} as cipher, pii_key as key from resident where tenant_id = ? and id = ?`,
    [tx.tenantId, id],
  );
  if (!r) throw notFound('resident');
  return r.cipher ? pii.decrypt(tx.tenantId!, field, r.key, r.cipher) : null;
}

export async function updateResident(
  tx: Tx,
  pii: Pii,
  id: string,
  patch: { name?: string; phone?: string | null; registration?: Registration; nameInitials?: string | null },
): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (sql: string, ...values: unknown[]) => {
    sets.push(sql);
    params.push(...values);
  };
  if (patch.name !== undefined) set('name = ?', patch.name);
  if (patch.nameInitials !== undefined || patch.name !== undefined)
    set('name_initials = ?', patch.nameInitials ?? (patch.name ? nameInitials(patch.name) : null));
  if (patch.registration !== undefined) set('registration = ?', patch.registration);
  if (patch.phone !== undefined) {
    const p = patch.phone
      ? sealed(tx, pii, 'phone', normalizePhone(patch.phone), (x) => maskPhone(x)!)
      : null;
    // The ID number may be sealed with an older key: re-seal it too, so one key id names both columns.
    const idPlain = await revealField(tx, pii, id, 'id');
    set(
      'phone_cipher = ?, phone_hash = ?, phone_masked = ?, pii_key = ?, id_cipher = ?',
      p?.cipher ?? null,
      p?.hash ?? null,
      p?.masked ?? null,
      pii.keyId,
      pii.encrypt(tx.tenantId!, 'id', idPlain!),
    );
  }
  await tx.query(
    `update resident set ${sets.join(', ')}, updated_at = now() where tenant_id = ? and id = ?`,
    [...params, tx.tenantId, id],
  );
}

export interface ResidenceRow {
  id: string;
  houseId: string | null;
  orgUnitId: string;
  movedIn: string;
  movedOut: string | null;
}

export async function residences(tx: Tx, residentId: string): Promise<ResidenceRow[]> {
  return tx.query<ResidenceRow>(
    `select id, house_id as "houseId", org_unit_id as "orgUnitId", to_char(moved_in, 'YYYY-MM-DD') as "movedIn",
       to_char(moved_out, 'YYYY-MM-DD') as "movedOut"
     from residence where tenant_id = ? and resident_id = ? order by moved_in desc, moved_out desc nulls first`,
    [tx.tenantId, residentId],
  );
}

/** Ends the current residence on `date` (kept as history); 409 when she lives nowhere now. */
export async function moveOut(tx: Tx, residentId: string, date: string): Promise<void> {
  const [cur] = await tx.query<{ movedIn: string }>(
    `select to_char(moved_in, 'YYYY-MM-DD') as "movedIn" from residence
      where tenant_id = ? and resident_id = ? and moved_out is null for update`,
    [tx.tenantId, residentId],
  );
  if (!cur) throw conflict('not_resident', 'this resident has no current residence', 'date');
  if (date < cur.movedIn) throw badInput('date', `is before she moved in (${cur.movedIn})`);
  await tx.query(
    `update residence set moved_out = ?::date where tenant_id = ? and resident_id = ? and moved_out is null`,
    [date, tx.tenantId, residentId],
  );
}

/** Moves a resident into a house or unit: the current residence ends that day, a new one begins. */
export async function moveIn(
  tx: Tx,
  residentId: string,
  to: { houseId: string | null; orgUnitId: string },
  date: string,
) {
  const [cur] = await tx.query<{ n: number }>(
    `select count(*)::int as n from residence where tenant_id = ? and resident_id = ? and moved_out is null`,
    [tx.tenantId, residentId],
  );
  if (cur!.n > 0) await moveOut(tx, residentId, date);
  await tx.query(
    `insert into residence (tenant_id, resident_id, house_id, org_unit_id, moved_in) values (?, ?, ?, ?, ?::date)`,
    [tx.tenantId, residentId, to.houseId, to.orgUnitId, date],
  );
  await tx.query(`update resident set org_unit_id = ?, updated_at = now() where tenant_id = ? and id = ?`, [
    to.orgUnitId,
    tx.tenantId,
    residentId,
  ]);
}
