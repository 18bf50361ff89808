// Day-number date arithmetic against JavaScript's own calendar, and ages across birthdays and leap days.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, completedYears, daysFromCivil, isoFromDays, parseIsoDay, weekday } from '../../../src/platform/synth/calendar.ts';

describe('calendar', () => {
  it('agrees with Date for every day from 1900 to 2100', () => {
    fc.assert(
      fc.property(fc.integer({ min: -25_567, max: 47_482 }), (days) => {
        const iso = new Date(days * 86_400_000).toISOString().slice(0, 10);
        return isoFromDays(days) === iso && parseIsoDay(iso) === days;
      }),
      { numRuns: 2000 },
    );
  });

  it('knows fixed points', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(civilFromDays(daysFromCivil(2020, 2, 29))).toBe(20200229);
    expect(weekday(daysFromCivil(2023, 3, 31))).toBe(4); // a Friday
  });

  it('counts completed years, with a 29 February birthday taking effect on 1 March', () => {
    expect(completedYears(19800615, 20230614)).toBe(42);
    expect(completedYears(19800615, 20230615)).toBe(43);
    expect(completedYears(20000229, 20210228)).toBe(20);
    expect(completedYears(20000229, 20210301)).toBe(21);
    expect(completedYears(20000229, 20240229)).toBe(24);
  });

  it('rejects text that is not an ISO date', () => {
    expect(() => parseIsoDay('31/03/2023')).toThrow(RangeError);
  });
});
