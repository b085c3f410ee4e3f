import { ApiError } from '@civicgrid/admin-kit';
import { errorText as generalErrorText } from '@civicgrid/admin-ui';
import type { FormInstance } from 'antd';

type T = (key: string, options?: unknown, defaultMessage?: string) => string;

/**
 * The server's reasons are plain English for developers; the user reads a translated one. Each known
 * reason (or its start) maps to a key of `i18n/registry.ts`; anything else reads "not valid".
 */
const REASONS: Array<[RegExp, string]> = [
  [/^is required/, 'registry.err.required'],
  [/^must be 18 characters/, 'registry.err.idFormat'],
  [/birth date is not a real date/, 'registry.err.idBirthDate'],
  [/check digit is wrong/, 'registry.err.idCheckDigit'],
  [/^does not match the ID number/, 'registry.err.idMismatch'],
  [/^a passport number/, 'registry.err.passport'],
  [/^no such/, 'registry.err.noSuch'],
  [/^give the house/, 'registry.err.placeNeeded'],
  [/^is in the future/, 'registry.err.future'],
  [/^must match (pattern|format)/, 'registry.err.format'],
  [/^must (be|NOT be) (<|>)/, 'registry.err.range'],
  [/^must NOT have (more|fewer)/, 'registry.err.length'],
  [/^must be (integer|number)/, 'registry.err.number'],
];

/** Conflicts name a field too: their code (and field) say which rule the value broke. */
const CONFLICTS: Record<string, string> = {
  duplicate_person: 'registry.err.duplicatePerson',
  'duplicate:address': 'registry.err.duplicateAddress',
  'duplicate:licenceNo': 'registry.err.duplicateLicence',
  'duplicate:key': 'registry.err.duplicateKey',
  in_household: 'registry.err.inHousehold',
  not_resident: 'registry.err.notResident',
};

export function reasonText(t: T, err: ApiError, field: string, reason: string): string {
  const conflict = CONFLICTS[`${err.code}:${field}`] ?? CONFLICTS[err.code];
  if (err.statusCode === 409 && conflict) return t(conflict);
  for (const [re, key] of REASONS) if (re.test(reason)) return t(key);
  return t('registry.err.invalid');
}

/**
 * A translated sentence for an error that names no field of the form (or is not an API error): the
 * registry's own wording for a code (`registry.err.<code>`: "not found, or outside your area" …), then
 * the refused fields with their reasons, then the admin's general wording (components/errors.ts).
 */
export function errorText(t: T, err: unknown): string {
  if (!(err instanceof ApiError)) return generalErrorText(t, err);
  const conflict = CONFLICTS[err.code];
  if (conflict) return t(conflict);
  const own = t(`registry.err.${err.code}`, undefined, '');
  if (own) return own;
  if (err.details.length && err.statusCode < 500)
    return err.details
      .map((d) => `${t(`registry.field.${d.field}`, d.field)}: ${reasonText(t, err, d.field, d.reason)}`)
      .join('; ');
  return generalErrorText(t, err);
}

/**
 * Puts a 400/409's field issues on the form fields they name (`houseId`, `idNumber`, `address`…).
 * Answers the text for what is left (no such field on the form, or no field named), else null.
 */
export function showOnFields(
  form: FormInstance,
  t: T,
  err: unknown,
  fields: readonly string[],
): string | null {
  if (!(err instanceof ApiError) || !err.details.length) return errorText(t, err);
  const onForm = err.details.filter((d) => fields.includes(d.field.replace(/^body\./, '')));
  form.setFields(
    onForm.map((d) => ({
      name: d.field.replace(/^body\./, ''),
      errors: [reasonText(t, err, d.field.replace(/^body\./, ''), d.reason)],
    })),
  );
  const rest = err.details.filter((d) => !onForm.includes(d));
  if (!rest.length) return null;
  return errorText(t, new ApiError(err.statusCode, err.code, err.message, rest));
}
