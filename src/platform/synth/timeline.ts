// The calendar the synthetic data lives in: the extract date, the windows each dataset covers, and the
// seasonal and pandemic curves that shape when things happen.
import { AliasTable } from './alias.ts';
import { civilFromDays, daysFromCivil, monthIndex, weekday } from './calendar.ts';
import type { Prng } from './prng.ts';

/** The extract date: ages are as at this day, and nothing happens after it. */
export const REFERENCE_DAY = daysFromCivil(2023, 3, 31);
/** Hospital episodes cover five financial years, 2018/19 to 2022/23. */
export const EPISODE_START = daysFromCivil(2018, 4, 1);
export const COVID_TEST_START = daysFromCivil(2020, 3, 1);
export const COVID_TEST_END = daysFromCivil(2022, 12, 31);
/** Free universal testing in England ended on 1 April 2022. */
export const FREE_TESTING_END = daysFromCivil(2022, 4, 1);
/** The national data opt-out began on 25 May 2018 (earlier type-2 objections were carried over that day). */
export const OPT_OUT_START = daysFromCivil(2018, 5, 25);
export const GPDPR_START = daysFromCivil(2021, 6, 1);
export const GPDPR_END = daysFromCivil(2021, 7, 31);
/** The first shielded patient list was drawn on 21 March 2020; shielding ended on 15 September 2021. */
export const SHIELDING_START = daysFromCivil(2020, 3, 21);
export const SHIELDING_END = daysFromCivil(2021, 9, 15);

const MARCH_2020 = monthIndex(daysFromCivil(2020, 3, 1));

/** Monthly values from March 2020 to December 2022 (34 months). */
type PandemicMonths = readonly number[];

/** Tests per day in England, millions (rough): mass LFD testing from 2021, free testing ended April 2022. */
const TEST_VOLUME: PandemicMonths = [
  0.01,
  0.05,
  0.1,
  0.1,
  0.1,
  0.15,
  0.2,
  0.25,
  0.35,
  0.45, // 2020 Mar–Dec
  0.6,
  0.6,
  1.0,
  1.1,
  0.9,
  0.9,
  1.0,
  0.8,
  0.9,
  1.0,
  1.0,
  1.5, // 2021
  1.5,
  0.9,
  0.7,
  0.2,
  0.1,
  0.08,
  0.1,
  0.06,
  0.05,
  0.05,
  0.04,
  0.04, // 2022
];
/** PCR positivity, per cent: the first wave, winter 2020/21 (Alpha), Delta, then the Omicron waves. */
const PCR_POSITIVITY: PandemicMonths = [
  25, 30, 8, 2, 1, 1.5, 3, 8, 9, 12, 14, 6, 2.5, 1.5, 1.5, 5, 10, 8, 9, 11, 10, 20, 25, 18, 25, 20, 8, 12, 18, 8, 6, 10, 6, 10,
];
/** COVID-19 share of emergency admissions, per cent (hospital waves: April 2020, January 2021, Omicron). */
const COVID_ADMISSION_SHARE: PandemicMonths = [
  8, 14, 5, 1.5, 0.5, 0.3, 1.5, 5, 7, 10, 15, 8, 2, 0.7, 0.4, 1, 3, 3.5, 3, 3.5, 3, 4, 6, 4, 5, 5, 2, 3, 5, 2.5, 2, 3, 2, 3,
];

function pandemicValue(curve: PandemicMonths, day: number): number {
  const m = monthIndex(day) - MARCH_2020;
  if (m < 0) return 0;
  return curve[Math.min(m, curve.length - 1)] ?? 0;
}

export function pcrPositivity(day: number): number {
  return pandemicValue(PCR_POSITIVITY, day) / 100;
}

/** Share of tests that are lateral flow: none before November 2020, most during mass testing. */
export function lateralFlowShare(day: number): number {
  if (day < daysFromCivil(2020, 11, 1)) return 0;
  if (day < daysFromCivil(2021, 1, 1)) return 0.3;
  if (day < daysFromCivil(2021, 3, 1)) return 0.6;
  if (day < FREE_TESTING_END) return 0.75;
  return 0.5;
}

export function covidAdmissionShare(day: number): number {
  return pandemicValue(COVID_ADMISSION_SHARE, day) / 100;
}

/** Day of year in [0, 1): the phase for seasonal curves. */
function yearPhase(day: number): number {
  const packed = civilFromDays(day);
  const start = daysFromCivil(Math.floor(packed / 10000), 1, 1);
  return (day - start) / 365.25;
}

/** Winter peak: highest in mid-January, lowest in mid-July. */
function winter(day: number, amplitude: number): number {
  return 1 + amplitude * Math.cos(2 * Math.PI * (yearPhase(day) - 0.04));
}

/** Elective activity fell sharply in spring 2020 and recovered slowly. */
function electiveCovidFactor(day: number): number {
  if (day < daysFromCivil(2020, 3, 20)) return 1;
  if (day < daysFromCivil(2020, 6, 1)) return 0.35;
  if (day < daysFromCivil(2020, 9, 1)) return 0.65;
  if (day < daysFromCivil(2021, 1, 1)) return 0.85;
  if (day < daysFromCivil(2021, 3, 1)) return 0.6;
  return 0.92;
}

function emergencyCovidFactor(day: number): number {
  if (day < daysFromCivil(2020, 3, 20)) return 1;
  if (day < daysFromCivil(2020, 6, 1)) return 0.68;
  if (day < daysFromCivil(2020, 9, 1)) return 0.88;
  return 0.96;
}

/** A weighted sampler over the days of a window, with rejection to a sub-range (a person's lifetime). */
export class DaySampler {
  private readonly table: AliasTable;
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number, weight: (day: number) => number) {
    this.start = start;
    this.end = end;
    const weights = new Float64Array(end - start + 1);
    for (let d = start; d <= end; d++) weights[d - start] = weight(d);
    this.table = new AliasTable(weights);
  }

  /** A day in [lo, hi] (clipped to the window) drawn from the curve; uniform when the range is too narrow to hit. */
  sample(prng: Prng, lo: number, hi: number): number {
    const from = Math.max(lo, this.start);
    const to = Math.min(hi, this.end);
    for (let tries = 0; tries < 32; tries++) {
      const d = this.start + this.table.sample(prng);
      if (d >= from && d <= to) return d;
    }
    return from + prng.int(to - from + 1);
  }
}

export interface Timeline {
  elective: DaySampler;
  emergency: DaySampler;
  maternity: DaySampler;
  covidTests: DaySampler;
}

export function buildTimeline(): Timeline {
  return {
    // Planned care happens on weekdays.
    elective: new DaySampler(EPISODE_START, REFERENCE_DAY, (d) => winter(d, 0.04) * electiveCovidFactor(d) * (weekday(d) >= 5 ? 0.12 : 1)),
    emergency: new DaySampler(
      EPISODE_START,
      REFERENCE_DAY,
      (d) => winter(d, 0.14) * emergencyCovidFactor(d) * (weekday(d) >= 5 ? 0.85 : 1),
    ),
    // Births peak slightly in late summer and early autumn.
    maternity: new DaySampler(EPISODE_START, REFERENCE_DAY, (d) => 1 + 0.05 * Math.cos(2 * Math.PI * (yearPhase(d) - 0.7))),
    covidTests: new DaySampler(COVID_TEST_START, COVID_TEST_END, (d) => pandemicValue(TEST_VOLUME, d) * (weekday(d) >= 5 ? 0.8 : 1)),
  };
}
