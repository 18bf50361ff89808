// A person's SARS-CoV-2 tests, March 2020 to December 2022: volume follows national testing (PCR first, mass
// lateral-flow testing from 2021, free testing ending in April 2022), positivity follows the waves.
import type { Person } from './population.ts';
import type { Prng } from './prng.ts';
import { COVID_TEST_END, COVID_TEST_START, FREE_TESTING_END, lateralFlowShare, pcrPositivity } from './timeline.ts';
import type { Timeline } from './timeline.ts';

export const TESTS_PER_PERSON = 1.5;
export const TEST_TYPES = ['PCR', 'LFD'] as const;
export const TEST_RESULTS = ['positive', 'negative', 'void'] as const;
const MAX_TESTS = 200;
/** Heavy testers (health and care staff, school pupils) and people never tested: a gamma with a small shape. */
const TESTING_SHAPE = 0.45;
const WINDOW_DAYS = COVID_TEST_END - COVID_TEST_START + 1;

/** Relative testing by age: school-age children tested twice weekly in 2021, working ages most. */
function testingRate(age: number): number {
  if (age < 5) return 0.25;
  if (age < 18) return 1.5;
  if (age < 65) return 1.15;
  if (age < 80) return 0.7;
  return 0.8;
}

export class TestBuffer {
  count = 0;
  readonly date = new Int32Array(MAX_TESTS);
  readonly type = new Int32Array(MAX_TESTS);
  readonly result = new Int32Array(MAX_TESTS);
}

export class CovidTestModel {
  private readonly scale: number;

  private readonly timeline: Timeline;

  constructor(timeline: Timeline, ageWeights: readonly { minAge: number; maxAge: number; weight: number }[]) {
    this.timeline = timeline;
    let total = 0;
    let weight = 0;
    for (const band of ageWeights) {
      for (let age = band.minAge; age <= Math.min(band.maxAge, 99); age++) {
        const w = band.weight / (Math.min(band.maxAge, 99) - band.minAge + 1);
        // People under three at the extract were born during the testing window.
        total += w * testingRate(Math.max(0, age - 1.5)) * Math.min(1, (age + 0.5) / 2.8);
        weight += w;
      }
    }
    // 1.02: measured correction for deaths, which the expectation leaves out.
    this.scale = (TESTS_PER_PERSON * 1.02) / (total / weight);
  }

  generate(prng: Prng, person: Person, out: TestBuffer): void {
    out.count = 0;
    const lo = Math.max(COVID_TEST_START, person.dateOfBirth);
    const hi = Math.min(COVID_TEST_END, person.dateOfDeath >= 0 ? person.dateOfDeath : COVID_TEST_END);
    if (hi < lo) return;
    const exposure = (hi - lo + 1) / WINDOW_DAYS;
    const mean =
      this.scale * testingRate(Math.max(0, person.ageAtReference - 1.5)) * exposure * (prng.gamma(TESTING_SHAPE) / TESTING_SHAPE);
    const n = Math.min(MAX_TESTS, prng.poisson(mean));
    for (let i = 0; i < n; i++) out.date[i] = this.timeline.covidTests.sample(prng, lo, hi);
    out.date.subarray(0, n).sort();
    for (let i = 0; i < n; i++) {
      const day = out.date[i] ?? lo;
      const lfd = prng.chance(lateralFlowShare(day));
      out.type[i] = lfd ? 1 : 0;
      // Lateral-flow tests were mostly routine tests of people without symptoms until April 2022.
      const positivity = pcrPositivity(day) * (lfd ? (day < FREE_TESTING_END ? 0.2 : 0.6) : 1);
      const u = prng.float();
      const voidShare = lfd ? 0.01 : 0.005;
      out.result[i] = u < voidShare ? 2 : u < voidShare + positivity ? 0 : 1;
    }
    out.count = n;
  }
}
