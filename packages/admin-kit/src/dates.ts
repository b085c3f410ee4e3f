import { session } from './session.ts';

/**
 * Today's date where the tenant is (`YYYY-MM-DD`), for a date field's default and its "not in the
 * future" limit. The server dates and checks by the tenant's calendar; a device set to another zone (an
 * operator's laptop on UTC) is a day behind Yiwu from 16:00 UTC, so its own date would be refused as
 * "not let on that day" or offered as the default for yesterday. Without a tenant (an operator), the
 * device's date.
 */
export function tenantToday(now = new Date(), timeZone = session.me?.tenant?.timezone): string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  } catch {
    // A zone this browser does not know: its own date is the best left.
    format = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
