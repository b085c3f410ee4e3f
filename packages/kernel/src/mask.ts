/** 13812345678 → 138****5678: lists and details never show a full phone number. */
export const maskPhone = (phone: string | null): string | null =>
  phone == null
    ? null
    : phone.length <= 7
      ? '*'.repeat(phone.length)
      : `${phone.slice(0, 3)}****${phone.slice(-4)}`;

/** `330782********1234`: an ID card keeps its region and last four; a passport its first two and last four. */
export function maskId(id: string): string {
  if (id.length <= 6) return '*'.repeat(id.length);
  const keep = id.length >= 15 ? 6 : 2;
  return id.slice(0, keep) + '*'.repeat(Math.max(0, id.length - keep - 4)) + id.slice(-4);
}
