// NHS numbers: the modulus-11 check digit, and the generator's sequence (999 test range, unique, valid).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, NhsNumberSequence, nhsCheckDigit } from '../../../src/platform/synth/nhs-number.ts';

describe('NHS number check digit', () => {
  it.each([
    ['9434765919', 'the worked example in the NHS number standard'],
    ['9000000009', 'a published API sandbox number'],
    ['9000000017', 'a published API sandbox number'],
    ['9990000050', 'a remainder of 0, whose check digit is 0'],
  ])('accepts %s (%s)', (number) => {
    expect(isValidNhsNumber(number)).toBe(true);
  });

  it.each([
    ['9434765918', 'a wrong check digit'],
    ['9434765910', 'a wrong check digit'],
    ['9876544321', 'the formatting example, whose check digit would be 2'],
    ['9990000000', 'a stem whose check digit would be 10, so it has no valid number'],
    ['943476591', 'nine digits'],
    ['94347659190', 'eleven digits'],
    ['943 476 5919', 'spaces'],
    ['94347659l9', 'a letter'],
    ['', 'nothing'],
  ])('rejects %s (%s)', (number) => {
    expect(isValidNhsNumber(number)).toBe(false);
  });

  it('has no valid number for a stem whose remainder gives 10', () => {
    expect(nhsCheckDigit(999_000_000)).toBeNull();
    expect(nhsCheckDigit(943_476_591)).toBe(9);
  });

  it('catches every single-digit change of a valid number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const digits = '9434765919'.split('').map(Number);
        digits[position] = (digits[position] + delta) % 10;
        return !isValidNhsNumber(digits.join(''));
      }),
    );
  });
});

describe("the generator's NHS number sequence", () => {
  it('gives unique valid numbers from the 999 test range, then moves to 998 when the range is used up', () => {
    const sequence = new NhsNumberSequence(7);
    // One flag per nine-digit stem in 998 000 000 … 999 999 999.
    const seen = new Uint8Array(2_000_000);
    let first998 = -1;
    let invalid = 0;
    let repeated = 0;
    for (let i = 0; i < 920_000; i++) {
      const n = sequence.next();
      const stem = Math.floor(n / 10);
      const slot = stem - 998_000_000;
      if (slot < 0 || seen[slot] === 1) repeated++;
      seen[slot] = 1;
      if (nhsCheckDigit(stem) !== n % 10) invalid++;
      if (first998 < 0 && stem < 999_000_000) first998 = i;
    }
    expect(invalid).toBe(0);
    expect(repeated).toBe(0);
    // The 999 range holds exactly 909,091 valid numbers (10^6 stems less those whose check digit is 10).
    expect(first998).toBe(909_091);
  });

  it('is the same for the same seed and differs between seeds', () => {
    const take = (seed: number): number[] => {
      const s = new NhsNumberSequence(seed);
      return Array.from({ length: 50 }, () => s.next());
    };
    expect(take(3)).toEqual(take(3));
    expect(take(3)).not.toEqual(take(4));
  });

  it('does not hand out numbers in an obvious order', () => {
    const s = new NhsNumberSequence(1);
    const numbers = Array.from({ length: 200 }, () => s.next());
    const increasing = numbers.slice(1).filter((n, i) => n > numbers[i]).length;
    expect(increasing).toBeGreaterThan(60);
    expect(increasing).toBeLessThan(140);
  });
});
