// One synthetic person: demographics drawn from the England 2021 census shapes, a place to live, a practice,
// and (for some, mostly the old) a death in the five years before the extract.
import { AliasTable } from './alias.ts';
import { civilFromDays, completedYears } from './calendar.ts';
import { lsoaOfPostcode } from './geography.ts';
import type { Geography } from './geography.ts';
import { mix32 } from './prng.ts';
import type { Prng } from './prng.ts';
import type { ReferenceData } from './reference-data.ts';
import { EPISODE_START, REFERENCE_DAY } from './timeline.ts';

/** A mutable record reused for every person, so the generator allocates nothing per person. */
export interface Person {
  nhsNumber: number;
  dateOfBirth: number;
  /** yyyymmdd of dateOfBirth, for age arithmetic. */
  birthPacked: number;
  ageAtReference: number;
  /** 0 = female, 1 = male. */
  sex: number;
  ethnicity: number;
  region: number;
  localAuthority: number;
  district: number;
  /** The inward code as a number: sector digit × 400 + unit letters (20 × 20). */
  inward: number;
  lsoa: number;
  practice: number;
  /** Day of death, or -1 when alive at the extract date. */
  dateOfDeath: number;
  /** Index into Geography.trustCodes of the trust most of this person's care comes from. */
  homeTrust: number;
  /** Multiplies this person's use of hospitals and tests (gamma, mean 1): some people are ill more often. */
  frailty: number;
}

export function emptyPerson(): Person {
  return {
    nhsNumber: 0,
    dateOfBirth: 0,
    birthPacked: 0,
    ageAtReference: 0,
    sex: 0,
    ethnicity: 0,
    region: 0,
    localAuthority: 0,
    district: 0,
    inward: 0,
    lsoa: 0,
    practice: 0,
    dateOfDeath: -1,
    homeTrust: 0,
    frailty: 1,
  };
}

/** Share of women by age (more women at older ages, as in the census). */
function femaleShare(age: number): number {
  if (age < 40) return 0.49;
  if (age < 65) return 0.505;
  if (age < 80) return 0.525;
  if (age < 90) return 0.58;
  return 0.67;
}

/** Annual risk of death by age (a Gompertz curve near England's life tables). */
export function annualDeathRisk(age: number): number {
  return Math.min(0.6, 0.0002 + Math.exp(-10.4 + 0.094 * age));
}

const FRAILTY_SHAPE = 0.7;
/** Postcode units in use per sector (of the 400 letter pairs; 37 steps through them without repeats). */
const UNITS_PER_SECTOR = 150;
const DAYS_PER_YEAR = 365.2425;

export class PopulationModel {
  private readonly ageBands: AliasTable;
  private readonly ethnicityLondon: AliasTable;
  private readonly ethnicityElsewhere: AliasTable;

  private readonly ref: ReferenceData;
  private readonly geo: Geography;

  constructor(ref: ReferenceData, geo: Geography) {
    this.ref = ref;
    this.geo = geo;
    this.ageBands = new AliasTable(ref.ageBands.map((b) => b.weight));
    // London's mix is its own; the rest of England gets what is left of the national mix once London is out.
    const londonWeight = ref.regions[geo.londonRegion]?.population ?? 0;
    const total = ref.regions.reduce((sum, r) => sum + r.population, 0);
    const londonFraction = londonWeight / total;
    this.ethnicityLondon = new AliasTable(ref.ethnicities.map((e) => e.londonPct));
    this.ethnicityElsewhere = new AliasTable(
      ref.ethnicities.map((e) => Math.max(0.001, (e.englandPct - londonFraction * e.londonPct) / (1 - londonFraction))),
    );
  }

  /** Fills `person` with a new person; the NHS number is the caller's. */
  next(prng: Prng, person: Person): void {
    const band = this.ref.ageBands[this.ageBands.sample(prng)];
    if (!band) throw new Error('age band out of range');
    // The open top band thins out geometrically (few people live past 100).
    const age =
      band.maxAge >= 100
        ? Math.min(band.maxAge, band.minAge + Math.floor(prng.exponential(4)))
        : band.minAge + prng.int(band.maxAge - band.minAge + 1);
    const dob = REFERENCE_DAY - Math.floor((age + prng.float()) * DAYS_PER_YEAR);
    person.dateOfBirth = dob;
    person.birthPacked = civilFromDays(dob);
    person.ageAtReference = completedYears(person.birthPacked, civilFromDays(REFERENCE_DAY));
    person.sex = prng.chance(femaleShare(age)) ? 0 : 1;

    const region = this.geo.regionSampler.sample(prng);
    person.region = region;
    person.ethnicity = (region === this.geo.londonRegion ? this.ethnicityLondon : this.ethnicityElsewhere).sample(prng);
    const las = this.geo.regionLocalAuthorities[region] ?? [];
    const la = las[this.geo.regionLocalAuthoritySamplers[region]?.sample(prng) ?? 0] ?? 0;
    person.localAuthority = la;
    const laModel = this.geo.localAuthorities[la];
    if (!laModel) throw new Error('local authority out of range');
    person.district = laModel.districts[prng.int(laModel.districts.length)] ?? 0;
    // Real districts use a few sectors of a few hundred units each (about 1.7 million postcodes in the UK):
    // the sectors and units in use are fixed by the district, not by the seed.
    const sectors = 2 + (mix32(person.district * 7919) % 7);
    const sector = prng.int(sectors);
    const unit = (mix32(person.district * 16 + sector) + prng.int(UNITS_PER_SECTOR) * 37) % 400;
    person.inward = sector * 400 + unit;
    person.lsoa = lsoaOfPostcode(laModel, person.district, person.inward);
    person.practice = laModel.practices[laModel.practiceSampler.sample(prng)] ?? 0;
    const trusts = this.geo.regionTrusts[region] ?? [];
    person.homeTrust = trusts[this.geo.regionTrustSamplers[region]?.sample(prng) ?? 0] ?? 0;
    person.frailty = prng.gamma(FRAILTY_SHAPE) / FRAILTY_SHAPE;

    // Death in the window: risk at the person's mid-window age over the years they were alive in it.
    const from = Math.max(EPISODE_START, dob);
    const years = (REFERENCE_DAY - from) / DAYS_PER_YEAR;
    const risk = 1 - Math.exp(-annualDeathRisk(Math.max(0, age - 2.5)) * years * Math.min(2, 0.6 + 0.4 * person.frailty));
    person.dateOfDeath = years > 0 && prng.chance(risk) ? from + prng.int(REFERENCE_DAY - from + 1) : -1;
  }
}
