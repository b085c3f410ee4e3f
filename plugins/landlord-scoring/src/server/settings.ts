import type { SettingsSchema } from '@civicgrid/kernel';

/**
 * Per-tenant settings (validated by the host with Ajv, defaults filled in). Thresholds are "at or
 * below": a landlord at 6 points with `yellowFlagAt: 6` is a yellow-flag landlord.
 */
export const settingsSchema: SettingsSchema = {
  type: 'object',
  properties: {
    // Points every subject starts the calendar year with.
    base: { type: 'integer', minimum: 1, maximum: 100, default: 12 },
    yellowFlagAt: { type: 'integer', minimum: -100, maximum: 100, default: 6 },
    // Landlords at or below this (and every yellow-flag landlord) are enrolled in the next class.
    improvementClassAt: { type: 'integer', minimum: -100, maximum: 100, default: 6 },
    // At or below this the subject is referred to law enforcement (综合执法).
    referralAt: { type: 'integer', minimum: -100, maximum: 100, default: 0 },
    // true: a score never goes below zero; false: deductions past zero show as a negative score.
    floorAtZero: { type: 'boolean', default: true },
    // When the monthly assessment runs, in the tenant's time zone (the schedule's cronSetting): 02:00
    // on the 1st by default; it always assesses the month before the firing.
    assessmentCron: {
      type: 'string',
      pattern: '^\\s*[0-9*,/-]+(\\s+[0-9*,/-]+){4}\\s*$',
      default: '0 2 1 * *',
    },
    // Largest evidence photo accepted on a record, in MB (as events' attachmentMaxMb).
    evidenceMaxMb: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    // The rule item (its code, in the landlord catalogue in force on the visit's date) deducted for each
    // tenant a grid worker finds undeclared on a visit: population management's "tenant not declared".
    undeclaredTenantItem: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$', default: 'tenant-undeclared' },
    // A tenant found gone on a visit left without the landlord declaring it (a declared departure ends
    // the residence before the visit): the same item, "tenant not declared" — arrivals and departures.
    deductUndeclaredDeparture: { type: 'boolean', default: true },
    // A red-flag (model) shop: no deduction in the last `months` months (the assessed one included)
    // and at least `minBonus` bonus points over the same months.
    redFlag: {
      type: 'object',
      properties: {
        months: { type: 'integer', minimum: 1, maximum: 12, default: 3 },
        minBonus: { type: 'integer', minimum: 0, maximum: 36, default: 1 },
      },
      additionalProperties: false,
      default: {},
    },
  },
  additionalProperties: false,
};
