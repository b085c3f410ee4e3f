import type { Tx } from '@civicgrid/db';
import { AppError, type PlatformService, serviceRef } from '@civicgrid/kernel';
import type { Pii } from './pii.ts';
import {
  createResident,
  getResident,
  idLookupHash,
  type ResidentInput,
  type ResidentRow,
} from './residents.ts';

/** What a registration writes to the audit log: the caller's own audit, which knows who and where from. */
export type RegistrationAudit = (entry: {
  action: string;
  targetType: string;
  targetId: string;
  orgUnitId: string;
  after: object;
}) => Promise<unknown>;

/**
 * Registers a person and where she lives (`createResident`), audited as `registry.resident.create` with
 * her ID number masked: the registry's own form and a module registering a newcomer write the same.
 */
export async function registerResident(
  tx: Tx,
  pii: Pii,
  input: ResidentInput,
  orgUnitId: string,
  audit: RegistrationAudit,
): Promise<ResidentRow> {
  const id = await createResident(tx, pii, input, orgUnitId);
  const r = (await getResident(tx, id))!;
  await audit({
    action: 'registry.resident.create',
    targetType: 'resident',
    targetId: id,
    orgUnitId: r.orgUnitId,
    after: { name: r.name, idNumber: r.idNumber },
  });
  return r;
}

/** Without keys nobody's personal data can be sealed or opened: the registry answers 503, saying why. */
export function needPii(pii: Pii | null | undefined): Pii {
  if (!pii) throw new AppError(503, 'registry_unavailable', 'personal-data keys are not configured');
  return pii;
}

/**
 * Registering a person, for a module that meets a newcomer (a landlord's new tenant): the platform binds
 * it to the process's personal-data keys, so the module never holds them. The caller checks that its
 * user may register residents where the person will live.
 */
export interface ResidentRegistry {
  /**
   * Registers the person and where she lives (the input's house, on the unit given, from `movedIn`) in
   * the caller's transaction, audited through `audit` (`registerResident`); answers her row. Refusals
   * name the input's fields under `field` (`person.idNumber`): the ID number checked, the same number
   * registered already a 409 `duplicate_person`.
   */
  register(
    tx: Tx,
    input: ResidentInput,
    orgUnitId: string,
    field: string,
    audit: RegistrationAudit,
  ): Promise<ResidentRow>;
  /**
   * The person registered with this ID number in the transaction's tenant, found through the keyed
   * hash (the number itself is never compared in clear), or null.
   */
  findByIdNumber(tx: Tx, idNumber: string): Promise<{ id: string; name: string } | null>;
}

export const residentRegistry = serviceRef<ResidentRegistry>('platform.registry');

/** The field names of a refusal, under `field`. */
function underField(err: unknown, field: string): unknown {
  if (!(err instanceof AppError) || !err.details?.length) return err;
  const details = err.details.map((d) => ({ ...d, field: `${field}.${d.field}` }));
  const message = err.statusCode === 400 ? `${details[0]!.field}: ${details[0]!.reason}` : err.message;
  return new AppError(err.statusCode, err.code, message, details);
}

export const residentRegistryService = (pii: Pii | null): PlatformService => ({
  ref: residentRegistry,
  instance: {
    async register(tx, input, orgUnitId, field, audit) {
      try {
        return await registerResident(tx, needPii(pii), input, orgUnitId, audit);
      } catch (err) {
        throw underField(err, field);
      }
    },
    async findByIdNumber(tx, idNumber) {
      const [r] = await tx.query<{ id: string; name: string }>(
        'select id, name from resident where tenant_id = ? and id_hash = ?',
        [tx.tenantId, idLookupHash(tx, needPii(pii), idNumber)],
      );
      return r ?? null;
    },
  } satisfies ResidentRegistry,
});
