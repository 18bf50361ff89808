// A person's hospital admissions over the five-year window: how many (by age and frailty), when (winter peak,
// the 2020 drop in planned care), why (ICD-10 by admission type, age and sex; COVID-19 in the waves), what was
// done (OPCS-4, mostly the procedures that treat the diagnosis), where, and for how long.
import { civilFromDays, completedYears } from './calendar.ts';
import { METHOD_ELECTIVE, METHOD_EMERGENCY, METHOD_MATERNITY, METHOD_TRANSFER } from './clinical-codes.ts';
import type { ClinicalCodes, CodeQuery } from './clinical-codes.ts';
import type { Geography } from './geography.ts';
import type { Person } from './population.ts';
import type { Prng } from './prng.ts';
import type { ReferenceData } from './reference-data.ts';
import { COVID_TEST_START, covidAdmissionShare, EPISODE_START, REFERENCE_DAY } from './timeline.ts';
import type { Timeline } from './timeline.ts';

/** Average admissions per person over the window; the brief asks for about two. */
export const EPISODES_PER_PERSON = 2;
const MAX_EPISODES = 120;
/** Measured correction for what the analytic expectation leaves out (deaths, stays cut at the window's end). */
const CALIBRATION = 1.05;
const DAYS_PER_YEAR = 365.2425;

/** Admissions per person-year by age, relative (HES admission rates rise steeply after 60). */
function admissionRate(age: number): number {
  if (age < 1) return 1.0;
  if (age < 5) return 0.35;
  if (age < 15) return 0.15;
  if (age < 20) return 0.22;
  if (age < 50) return 0.28;
  if (age < 60) return 0.45;
  if (age < 70) return 0.7;
  if (age < 80) return 1.1;
  if (age < 90) return 1.9;
  return 2.1;
}

/** Extra maternity admissions per woman-year of child-bearing age (antenatal stays and deliveries). */
function maternityRate(age: number, sex: number): number {
  if (sex !== 0 || age < 16 || age > 45) return 0;
  if (age < 20) return 0.06;
  if (age < 40) return 0.22;
  return 0.05;
}

/** Planned, emergency and transfer shares of non-maternity admissions by age. */
function methodShares(age: number): readonly [number, number] {
  if (age < 16) return [0.35, 0.97];
  if (age < 65) return [0.6, 0.97];
  return [0.5, 0.96];
}

const LOS_GENERIC = 0;
const LOS_DELIVERY = 1;
const LOS_CAESAREAN = 2;
const LOS_ANTENATAL = 3;
const LOS_DAY_CASE = 4;
const LOS_LONG = 5;

function lengthOfStayClass(code: string): number {
  if (/^O8[01]|^O70|^O60|^O72/.test(code)) return LOS_DELIVERY;
  if (code.startsWith('O82')) return LOS_CAESAREAN;
  if (code.startsWith('O')) return LOS_ANTENATAL;
  if (/^Z51|^Z49|^H25|^H26|^H35|^D12|^K63/.test(code)) return LOS_DAY_CASE;
  if (/^S72|^I6[134]|^F03|^F05|^Z50/.test(code)) return LOS_LONG;
  return LOS_GENERIC;
}

/** Reused output arrays for one person's episodes, in admission order. */
export class EpisodeBuffer {
  count = 0;
  readonly admission = new Int32Array(MAX_EPISODES + 1);
  readonly lengthOfStay = new Int32Array(MAX_EPISODES + 1);
  readonly method = new Int32Array(MAX_EPISODES + 1);
  readonly primary = new Int32Array(MAX_EPISODES + 1);
  readonly secondary = new Int32Array(MAX_EPISODES + 1);
  readonly procedure = new Int32Array(MAX_EPISODES + 1);
  readonly provider = new Int32Array(MAX_EPISODES + 1);
  readonly age = new Int32Array(MAX_EPISODES + 1);
}

export class EpisodeModel {
  private readonly losClass: Int32Array;
  private readonly scale: number;
  private readonly methods = new Int32Array(MAX_EPISODES + 1);
  private readonly dates = new Int32Array(MAX_EPISODES + 1);

  private readonly ref: ReferenceData;
  private readonly geo: Geography;
  private readonly timeline: Timeline;
  readonly codes: ClinicalCodes;

  private readonly query: CodeQuery = { method: 0, age: 0, sex: 0, primary: -1 };

  constructor(models: { ref: ReferenceData; geo: Geography; timeline: Timeline; codes: ClinicalCodes }) {
    this.ref = models.ref;
    this.geo = models.geo;
    this.timeline = models.timeline;
    this.codes = models.codes;
    const ref = models.ref;
    this.losClass = Int32Array.from(ref.diagnoses.map((d) => lengthOfStayClass(d.code)));
    this.scale = (EPISODES_PER_PERSON * CALIBRATION) / this.expectedUnscaled();
  }

  /** Expected admissions per person before scaling, over the census age pyramid (people born in the window
   * are exposed for less than five years); CALIBRATION covers the rest, and the distribution test checks
   * the result. */
  private expectedUnscaled(): number {
    let total = 0;
    let weight = 0;
    for (const band of this.ref.ageBands) {
      const top = Math.min(band.maxAge, 99);
      for (let age = band.minAge; age <= top; age++) {
        const w = band.weight / (top - band.minAge + 1);
        const exposure = Math.min(5, age + 0.5);
        const mid = Math.max(0, age - 2.5);
        total += w * exposure * (admissionRate(mid) + 0.5 * maternityRate(mid, 0));
        weight += w;
      }
    }
    return total / weight;
  }

  private lengthOfStay(prng: Prng, query: CodeQuery): number {
    const { method, age } = query;
    const cls = this.losClass[query.primary] ?? LOS_GENERIC;
    const lognormal = (median: number, sigma: number): number =>
      Math.min(365, Math.max(1, Math.round(median * Math.exp(sigma * prng.normal()))));
    if (method === METHOD_MATERNITY || cls === LOS_DELIVERY || cls === LOS_CAESAREAN || cls === LOS_ANTENATAL) {
      if (cls === LOS_CAESAREAN) return lognormal(2.5, 0.45);
      if (cls === LOS_DELIVERY) return prng.chance(0.2) ? 0 : lognormal(1.2, 0.5);
      return prng.chance(0.6) ? 0 : lognormal(1.5, 0.6);
    }
    if (cls === LOS_DAY_CASE) return prng.chance(0.95) ? 0 : lognormal(2, 0.7);
    if (method === METHOD_ELECTIVE) return prng.chance(0.72) ? 0 : lognormal(2.5, 0.8);
    if (method === METHOD_TRANSFER) return lognormal(8, 0.9);
    if (cls === LOS_LONG) return lognormal(age >= 65 ? 12 : 7, 0.8);
    const sameDay = age < 16 ? 0.4 : age < 65 ? 0.3 : 0.15;
    if (prng.chance(sameDay)) return 0;
    return lognormal(age < 16 ? 1.5 : age < 65 ? 2.5 : age < 80 ? 5 : 7, 0.95);
  }

  private provider(prng: Prng, person: Person): number {
    const u = prng.float();
    if (u < 0.85) return person.homeTrust;
    if (u < 0.96) {
      const trusts = this.geo.regionTrusts[person.region] ?? [];
      return trusts[this.geo.regionTrustSamplers[person.region]?.sample(prng) ?? 0] ?? person.homeTrust;
    }
    return this.geo.nationalTrustSampler.sample(prng);
  }

  private chooseMethod(prng: Prng, age: number, sex: number): number {
    const maternity = maternityRate(age, sex);
    if (maternity > 0 && prng.chance(maternity / (maternity + admissionRate(age)))) return METHOD_MATERNITY;
    const [elective, emergency] = methodShares(age);
    const u = prng.float();
    return u < elective ? METHOD_ELECTIVE : u < emergency ? METHOD_EMERGENCY : METHOD_TRANSFER;
  }

  /** Fills `out` with this person's admissions. */
  generate(prng: Prng, person: Person, out: EpisodeBuffer): void {
    out.count = 0;
    const lo = Math.max(EPISODE_START, person.dateOfBirth);
    const hi = person.dateOfDeath >= 0 ? person.dateOfDeath : REFERENCE_DAY;
    if (hi < lo) return;
    const years = (hi - lo + 1) / DAYS_PER_YEAR;
    const mid = Math.max(0, person.ageAtReference - 2.5);
    const rate = admissionRate(mid) + maternityRate(mid, person.sex);
    let n = Math.min(MAX_EPISODES, prng.poisson(this.scale * rate * years * person.frailty));

    const methods = this.methods;
    const dates = this.dates;
    for (let i = 0; i < n; i++) {
      const method = this.chooseMethod(prng, mid, person.sex);
      const sampler =
        method === METHOD_ELECTIVE
          ? this.timeline.elective
          : method === METHOD_MATERNITY
            ? this.timeline.maternity
            : this.timeline.emergency;
      methods[i] = method;
      dates[i] = sampler.sample(prng, lo, hi);
    }
    // Insertion sort by date: a person has few admissions.
    for (let i = 1; i < n; i++) {
      const d = dates[i] ?? 0;
      const m = methods[i] ?? 0;
      let j = i - 1;
      while (j >= 0 && (dates[j] ?? 0) > d) {
        dates[j + 1] = dates[j] ?? 0;
        methods[j + 1] = methods[j] ?? 0;
        j--;
      }
      dates[j + 1] = d;
      methods[j + 1] = m;
    }
    // About half of deaths happen in hospital: the last stay ends on the day of death.
    const diesInHospital = person.dateOfDeath >= EPISODE_START && prng.chance(0.45);
    if (diesInHospital) {
      const los = Math.min(120, Math.max(0, Math.round(8 * Math.exp(0.9 * prng.normal()))));
      methods[n] = METHOD_EMERGENCY;
      dates[n] = Math.max(lo, person.dateOfDeath - los);
      n++;
    }

    let previousDischarge = lo;
    let firstPrimary = -1;
    let firstMethod = -1;
    for (let i = 0; i < n; i++) {
      let method = methods[i] ?? METHOD_EMERGENCY;
      // No stay starts before the last one ended.
      const admission = Math.max(dates[i] ?? lo, previousDischarge);
      if (admission > hi) break;
      const age = completedYears(person.birthPacked, civilFromDays(admission));
      if (method === METHOD_MATERNITY && !this.codes.hasMaternity(age, person.sex)) method = METHOD_EMERGENCY;
      const last = diesInHospital && i === n - 1;
      const query = this.query;
      query.age = age;
      query.sex = person.sex;
      query.primary = -1;

      let primary: number;
      if (!last && i > 0 && firstMethod !== METHOD_MATERNITY && this.codes.fitsAge(firstPrimary, age) && prng.chance(0.45)) {
        // Repeat admissions for the same condition (chemotherapy cycles, relapses) are common.
        primary = firstPrimary;
        method = firstMethod;
      } else if (
        method !== METHOD_ELECTIVE &&
        method !== METHOD_MATERNITY &&
        admission >= COVID_TEST_START &&
        prng.chance(covidAdmissionShare(admission) * (age < 16 ? 0.2 : age < 50 ? 0.7 : 1.5))
      ) {
        primary = prng.chance(0.9) ? this.codes.covidConfirmed : this.codes.covidSuspected;
      } else {
        query.method = method;
        primary = this.codes.primaryDiagnosis(prng, query);
      }
      if (i === 0) {
        firstPrimary = primary;
        firstMethod = method;
      }

      query.method = method;
      query.primary = primary;
      let los = this.lengthOfStay(prng, query);
      if (last) los = Math.max(0, person.dateOfDeath - admission);
      const discharge = Math.min(admission + los, hi);
      previousDischarge = discharge;

      const k = out.count++;
      out.admission[k] = admission;
      out.lengthOfStay[k] = discharge - admission;
      out.method[k] = method;
      out.primary[k] = primary;
      out.age[k] = age;
      const comorbid = age < 16 ? 0.25 : age < 65 ? 0.5 : 0.8;
      out.secondary[k] = prng.chance(comorbid) ? this.codes.secondaryDiagnosis(prng, query) : -1;
      out.procedure[k] = this.procedure(prng, query);
      out.provider[k] = this.provider(prng, person);
    }
  }

  private procedure(prng: Prng, query: CodeQuery): number {
    const { method, primary, sex } = query;
    const related = this.codes.hasRelatedProcedure(primary);
    if (method === METHOD_MATERNITY) return related && prng.chance(0.95) ? this.codes.relatedProcedure(prng, primary, method) : -1;
    if (method === METHOD_ELECTIVE) {
      if (related) return prng.chance(0.9) ? this.codes.relatedProcedure(prng, primary, method) : -1;
      return prng.chance(0.45) ? this.codes.generalProcedure(prng, method, sex) : -1;
    }
    if (related) return prng.chance(0.6) ? this.codes.relatedProcedure(prng, primary, method) : -1;
    return prng.chance(0.15) ? this.codes.generalProcedure(prng, METHOD_EMERGENCY, sex) : -1;
  }
}
