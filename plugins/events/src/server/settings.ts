import type { SettingsSchema } from '@civicgrid/kernel';
import { STAGES, type Stage, URGENCIES, type Urgency } from '../common/index.ts';
import type { WorkingCalendar } from './calendar.ts';

/**
 * Default limits in minutes per urgency × stage. Red follows Jincheng's rapid response ("discover in
 * 1 min, respond in 5, handle in 15"); the others follow Beijing's 12345 standard (DB11/T 2021—2022):
 * intake within 2 h, dispatch 1 h for emergencies / 2 h utilities / 24 h general, reply 2 h / 24 h /
 * 7 days. `feedback` is the follow-up visit (回访) after resolution.
 */
export const DEFAULT_LIMITS: Record<Urgency, Record<Stage, number>> = {
  red: { accept: 1, dispatch: 5, handle: 15, feedback: 120 },
  orange: { accept: 30, dispatch: 60, handle: 120, feedback: 1440 },
  yellow: { accept: 120, dispatch: 120, handle: 1440, feedback: 2880 },
  green: { accept: 120, dispatch: 1440, handle: 10080, feedback: 4320 },
};

const minutes = (d: number) => ({ type: 'integer', minimum: 1, maximum: 525_600, default: d });

export const settingsSchema: SettingsSchema = {
  type: 'object',
  properties: {
    limits: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: Object.fromEntries(
        URGENCIES.map((u) => [
          u,
          {
            type: 'object',
            default: {},
            additionalProperties: false,
            properties: Object.fromEntries(STAGES.map((s) => [s, minutes(DEFAULT_LIMITS[u][s])])),
          },
        ]),
      ),
    },
    /** Duplicate suggestions: same category, same building or within this many metres, this recent. */
    duplicateRadiusM: { type: 'integer', minimum: 0, maximum: 5000, default: 100 },
    duplicateWindowHours: { type: 'integer', minimum: 1, maximum: 720, default: 72 },
    /**
     * Shared secret of the hotline system's webhook (HMAC-SHA-256); empty = the webhook is off.
     * Write-only: the modules API shows it masked and keeps it when the mask is sent back.
     */
    hotlineSecret: { type: 'string', maxLength: 200, default: '', writeOnly: true },
    /**
     * When the three-rate report job runs (cron, the tenant's time zone): it writes the last complete
     * month's report, and the quarter's after a quarter's last month. Five fields, digits and `*,-/`.
     */
    reportCron: {
      type: 'string',
      pattern: '^\\s*[0-9*,/-]+(\\s+[0-9*,/-]+){4}\\s*$',
      default: '30 2 1 * *',
    },
    /** Whether non-red limits count only working time (see calendar.ts). */
    workingCalendar: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: {
        mode: { enum: ['natural', 'working-days', 'working-hours'], default: 'natural' },
        dayStart: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '08:30' },
        dayEnd: { type: 'string', pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', default: '17:30' },
        /** public holidays (法定节假日), local dates */
        holidays: {
          type: 'array',
          maxItems: 400,
          uniqueItems: true,
          items: { type: 'string', format: 'date' },
          default: [],
        },
        /** weekend days worked in exchange (调休上班) */
        workdays: {
          type: 'array',
          maxItems: 100,
          uniqueItems: true,
          items: { type: 'string', format: 'date' },
          default: [],
        },
      },
    },
    /** Largest attachment (photo, PDF) accepted, in MB. */
    attachmentMaxMb: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  },
  additionalProperties: false,
};

export interface EventsSettings {
  limits: Record<Urgency, Record<Stage, number>>;
  duplicateRadiusM: number;
  duplicateWindowHours: number;
  hotlineSecret: string;
  attachmentMaxMb: number;
  reportCron: string;
  workingCalendar: WorkingCalendar;
}

export const addMinutes = (at: Date, m: number) => new Date(at.getTime() + m * 60_000);
