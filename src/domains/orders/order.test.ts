import { describe, expect, it } from 'vitest';
import { downloadEndDate } from './order.js';

describe('downloadEndDate', () => {
  it('adds the window in whole days to the UTC date the order was received', () => {
    expect(downloadEndDate(new Date('2026-11-26T23:59:59+00:00'), 30, [])).toBe('2026-12-26');
    // 23:30 in New York is already the next day in UTC.
    expect(downloadEndDate(new Date('2026-12-31T23:30:00-05:00'), 1, [])).toBe('2027-01-02');
    expect(downloadEndDate(new Date('2028-02-28T10:00:00Z'), 1, [])).toBe('2028-02-29');
    expect(downloadEndDate(new Date('2027-02-28T10:00:00Z'), 1, [])).toBe('2027-03-01');
    expect(downloadEndDate(new Date('2026-01-01T00:00:00Z'), 0, [])).toBe('2026-01-01');
    expect(downloadEndDate(new Date('2026-01-01T00:00:00Z'), 3650, [])).toBe('2035-12-30');
  });

  it('then adds each extension bought, in calendar units', () => {
    // 31 January plus a month ends on the month's last day.
    expect(downloadEndDate(new Date('2026-01-01T00:00:00Z'), 30, ['P1M'])).toBe('2026-02-28');
    expect(downloadEndDate(new Date('2026-01-01T00:00:00Z'), 30, ['P1Y', 'P6M'])).toBe('2027-07-31');
    expect(downloadEndDate(new Date('2026-01-01T00:00:00Z'), 0, ['P1M', 'P1M'])).toBe('2026-03-01');
  });
});
