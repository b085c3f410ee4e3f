import type { Tx } from '@civicgrid/db';
import type { Urgency } from '../common/index.ts';
import { addMinutes, type EventsSettings } from './settings.ts';

/**
 * The working-time calendar of a tenant's time limits (setting `workingCalendar`):
 * - `natural` (default): a limit is wall-clock minutes;
 * - `working-days`: only minutes on working days count (Monday–Friday, minus `holidays`, plus
 *   `workdays` — the weekend days worked in exchange, 调休);
 * - `working-hours`: only minutes between `dayStart` and `dayEnd` (local time) of working days count.
 * Red (urgent) events always run on wall-clock minutes: "1 / 5 / 15 minutes" means now.
 */
export interface WorkingCalendar {
  mode: 'natural' | 'working-days' | 'working-hours';
  dayStart: string;
  dayEnd: string;
  holidays: string[];
  workdays: string[];
}

const DAY = 86_400_000;
const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/** Offset of `tz` from UTC at `at`, in ms (positive east of Greenwich). */
function offsetMs(at: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const v = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return (
    Date.UTC(v('year'), v('month') - 1, v('day'), v('hour'), v('minute'), v('second')) - (at - (at % 1000))
  );
}

/** The local calendar day (as a UTC-midnight number) and minute of the day of an instant in `tz`. */
function local(at: number, tz: string) {
  const shifted = at + offsetMs(at, tz);
  const day = Math.floor(shifted / DAY) * DAY;
  return { day, minute: Math.floor((shifted - day) / 60_000) };
}

/** The instant of a local day's minute in `tz`. */
function instant(day: number, minute: number, tz: string): number {
  const guess = day + minute * 60_000;
  const first = guess - offsetMs(guess, tz);
  return guess - offsetMs(first, tz);
}

/** When `minutes` of working time have passed after `from` under the calendar, in time zone `tz`. */
export function addWorkingMinutes(from: Date, minutes: number, cal: WorkingCalendar, tz: string): Date {
  if (cal.mode === 'natural') return addMinutes(from, minutes);
  const holidays = new Set(cal.holidays);
  const workdays = new Set(cal.workdays);
  const iso = (day: number) => new Date(day).toISOString().slice(0, 10);
  const working = (day: number) => {
    if (workdays.has(iso(day))) return true;
    const dow = new Date(day).getUTCDay();
    return dow !== 0 && dow !== 6 && !holidays.has(iso(day));
  };
  let [start, end] = cal.mode === 'working-hours' ? [hm(cal.dayStart), hm(cal.dayEnd)] : [0, 1440];
  if (end <= start) [start, end] = [0, 1440];
  let left = minutes;
  let { day, minute } = local(from.getTime(), tz);
  let at = from.getTime();
  // At most a few years of days: limits are capped at a year of minutes.
  for (let i = 0; i < 5000; i++) {
    if (working(day) && minute < end) {
      if (minute < start) {
        minute = start;
        at = instant(day, start, tz);
      }
      const available = end - minute;
      if (left <= available) return new Date(at + left * 60_000);
      left -= available;
    }
    day += DAY;
    minute = start;
    at = instant(day, start, tz);
  }
  return addMinutes(from, minutes);
}

/** The due moment of a stage limit of `minutes` starting `from`, for an event of `urgency`. */
export async function limitDue(
  tx: Tx,
  s: EventsSettings,
  urgency: Urgency,
  from: Date,
  minutes: number,
): Promise<Date> {
  const cal = s.workingCalendar;
  if (!cal || cal.mode === 'natural' || urgency === 'red') return addMinutes(from, minutes);
  const [t] = await tx.query<{ timezone: string }>(`select timezone from tenant where id = ?`, [tx.tenantId]);
  return addWorkingMinutes(from, minutes, cal, t?.timezone ?? 'Asia/Shanghai');
}
