import { describe, expect, it } from 'vitest';
import { PERIOD, previousPeriod } from '../src/period.ts';

describe('the period an assessment covers', () => {
  const at = (iso: string) => new Date(iso);

  it('is the last complete period before the due moment, in the tenant’s zone', () => {
    // 1 December 02:00 in Shanghai is still 30 November in UTC.
    const due = at('2026-11-30T18:00:00Z');
    expect(previousPeriod('month', due, 'Asia/Shanghai')).toBe('2026-11');
    expect(previousPeriod('month', due, 'UTC')).toBe('2026-10');
    expect(previousPeriod('day', due, 'Asia/Shanghai')).toBe('2026-11-30');
    expect(previousPeriod('day', due, 'UTC')).toBe('2026-11-29');
  });

  it('crosses year and quarter boundaries', () => {
    const newYear = at('2027-01-01T00:30:00+08:00');
    expect(previousPeriod('day', newYear, 'Asia/Shanghai')).toBe('2026-12-31');
    expect(previousPeriod('month', newYear, 'Asia/Shanghai')).toBe('2026-12');
    expect(previousPeriod('quarter', newYear, 'Asia/Shanghai')).toBe('2026-Q4');
    expect(previousPeriod('year', newYear, 'Asia/Shanghai')).toBe('2026');
    expect(previousPeriod('quarter', at('2026-08-15T12:00:00Z'), 'UTC')).toBe('2026-Q2');
    expect(previousPeriod('day', at('2028-03-01T12:00:00Z'), 'UTC')).toBe('2028-02-29');
  });

  it('names periods in one of four shapes', () => {
    for (const ok of ['2026', '2026-Q4', '2026-11', '2026-11-26']) expect(PERIOD.test(ok)).toBe(true);
    for (const bad of ['26', '2026-Q5', '2026-13', '2026-11-32', '2026-1', "2026'; drop"])
      expect(PERIOD.test(bad)).toBe(false);
  });
});
