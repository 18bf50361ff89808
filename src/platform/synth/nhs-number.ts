// NHS numbers: ten digits, the last a modulus-11 check digit. Synthetic patients get numbers from the 999
// range, which NHS England reserves for testing and never issues to a person.
import { mix32, splitmix32 } from './prng.ts';

/** The check digit for a nine-digit stem, or null when the stem has no valid number (remainder gives 10). */
export function nhsCheckDigit(stem: number): number | null {
  let sum = 0;
  let rest = stem;
  // Digits from the right carry weights 2..10.
  for (let weight = 2; weight <= 10; weight++) {
    sum += (rest % 10) * weight;
    rest = Math.floor(rest / 10);
  }
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

export function isValidNhsNumber(text: string): boolean {
  if (!/^\d{10}$/.test(text)) return false;
  const check = nhsCheckDigit(Number(text.slice(0, 9)));
  return check !== null && check === Number(text[9]);
}

/** The nine-digit stems one block of NHS numbers holds (the block's prefix fixes the first three digits). */
const BLOCK_STEMS = 1_000_000;
/** Valid numbers in one block: the stems whose check digit is not 10. */
export const NUMBERS_PER_BLOCK = 909_091;

/**
 * A seeded permutation of [0, 10^6): a four-round Feistel network on 20 bits, walked until it lands below
 * 10^6 (cycle walking keeps it a bijection). Consecutive patients get unrelated-looking numbers.
 */
class StemPermutation {
  private readonly keys: number[] = [];

  constructor(seed: number) {
    let state = (seed | 0) ^ Math.floor(seed / 0x1_0000_0000);
    for (let i = 0; i < 4; i++) {
      const step = splitmix32(state);
      this.keys.push(step.value);
      state = step.next;
    }
  }

  private round(x: number): number {
    let left = x >>> 10;
    let right = x & 0x3ff;
    for (const key of this.keys) {
      const f = mix32(Math.imul(right, 0x9e3779b1) ^ key) & 0x3ff;
      [left, right] = [right, left ^ f];
    }
    return (left << 10) | right;
  }

  apply(j: number): number {
    let x = this.round(j);
    while (x >= BLOCK_STEMS) x = this.round(x);
    return x;
  }
}

/**
 * Unique, valid NHS numbers in a seed-dependent scrambled order. The first 909,091 come from the 999 test
 * range; beyond that (populations larger than the 999 range can hold) the sequence moves to the 998, 997, …
 * blocks, which are also outside every range issued to patients in England, Wales, Scotland and Northern
 * Ireland (issued numbers start with 0–7).
 */
export class NhsNumberSequence {
  private readonly permutation: StemPermutation;
  private block = 0;
  private j = 0;

  constructor(seed: number) {
    this.permutation = new StemPermutation(seed);
  }

  /** The next number as an integer (exact in a double: at most 9,999,999,999). */
  next(): number {
    for (;;) {
      if (this.j >= BLOCK_STEMS) {
        this.block++;
        this.j = 0;
        if (this.block >= 100) throw new RangeError('ran out of 9xx NHS numbers');
      }
      const stem = (999 - this.block) * BLOCK_STEMS + this.permutation.apply(this.j);
      this.j++;
      const check = nhsCheckDigit(stem);
      if (check !== null) return stem * 10 + check;
    }
  }
}
