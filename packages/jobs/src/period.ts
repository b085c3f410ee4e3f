import type { PeriodKind } from '@civicgrid/kernel';

/** `2026-11-26`, `2026-11`, `2026-Q4`, `2026`. */
export const PERIOD = /^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in a time zone (IANA name). */
export function localDate(at: Date, timeZone: string): { y: number; m: number; d: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), m: Number(parts.month), d: Number(parts.day) };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The last complete period before `due`, seen in the tenant's time zone: a monthly assessment due on
 * 1 December at 02:00 in Shanghai covers `2026-11`; a daily one due on 27 November covers `2026-11-26`.
 * Assessments run after their period has closed, so this is the period they judge.
 */
export function previousPeriod(kind: PeriodKind, due: Date, timeZone: string): string {
  const { y, m, d } = localDate(due, timeZone);
  switch (kind) {
    case 'day': {
      // Calendar arithmetic on a UTC date: the local date is already fixed, so no zone is involved.
      const prev = new Date(Date.UTC(y, m - 1, d - 1));
      return `${prev.getUTCFullYear()}-${pad(prev.getUTCMonth() + 1)}-${pad(prev.getUTCDate())}`;
    }
    case 'month':
      return m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1)}`;
    case 'quarter': {
      const q = Math.floor((m - 1) / 3) + 1;
      return q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`;
    }
    case 'year':
      return String(y - 1);
  }
}
