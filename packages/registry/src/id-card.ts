/**
 * The resident identity card number (GB 11643-1999): 6-digit division code, 8-digit birth date,
 * 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export interface IdCardFacts {
  birthDate: string;
  gender: 'male' | 'female';
}

/** The facts an ID number states, or the reason it is not a valid number. */
export function parseIdCard(raw: string): IdCardFacts | { error: string } {
  const id = raw.trim().toUpperCase();
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(id))
    return { error: 'must be 18 characters: 17 digits and a digit or X' };
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || date > new Date())
    return { error: 'its birth date is not a real date' };
  if (checkChar(id.slice(0, 17)) !== id[17]) return { error: 'its check digit is wrong (GB 11643)' };
  return {
    birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
    gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
  };
}

/** A valid number for the given division, birth date (YYYYMMDD) and sequence (1–999): for demo data. */
export function makeIdCard(division: string, birth: string, sequence: number): string {
  const first17 = `${division}${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + checkChar(first17);
}
