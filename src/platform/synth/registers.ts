// The two national lists a person may be on: the shielded patient list (clinically extremely vulnerable to
// COVID-19, about 4% of people, mostly older) and the national data opt-out (about 5%).
import { AliasTable } from './alias.ts';
import type { Person } from './population.ts';
import type { Prng } from './prng.ts';
import type { AgeBand, ShieldingReason } from './reference-data.ts';
import { GPDPR_END, GPDPR_START, OPT_OUT_START, REFERENCE_DAY, SHIELDING_END } from './timeline.ts';

export const SHIELDED_SHARE = 0.04;
export const OPT_OUT_SHARE = 0.05;

function shieldingAgeFactor(age: number): number {
  if (age < 18) return 0.25;
  if (age < 50) return 0.6;
  if (age < 70) return 1.4;
  return 2.4;
}

function optOutAgeFactor(age: number): number {
  if (age < 13) return 0.6;
  if (age < 30) return 0.8;
  if (age < 70) return 1.15;
  return 0.9;
}

/** Mean of an age factor over the census pyramid, to scale a per-person probability to a target share. */
function meanOverPyramid(bands: readonly AgeBand[], factor: (age: number) => number): number {
  let total = 0;
  let weight = 0;
  for (const band of bands) {
    const top = Math.min(band.maxAge, 99);
    for (let age = band.minAge; age <= top; age++) {
      const w = band.weight / (top - band.minAge + 1);
      total += w * factor(age);
      weight += w;
    }
  }
  return total / weight;
}

export interface ShieldingEntry {
  shielded: boolean;
  reason: number;
  dateAdded: number;
}

export class RegisterModel {
  private readonly shieldingBase: number;
  private readonly optOutBase: number;
  private readonly reasonTable: AliasTable;

  private readonly reasons: readonly ShieldingReason[];

  constructor(bands: readonly AgeBand[], reasons: readonly ShieldingReason[]) {
    this.reasons = reasons;
    this.shieldingBase = SHIELDED_SHARE / meanOverPyramid(bands, shieldingAgeFactor);
    this.optOutBase = OPT_OUT_SHARE / meanOverPyramid(bands, optOutAgeFactor);
    this.reasonTable = new AliasTable(reasons.map((r) => r.weight));
  }

  /** The person's shielding entry, or null when they are not on the list. */
  shielding(prng: Prng, person: Person): ShieldingEntry | null {
    // Frailer people are likelier to be on the list (capped so the overall share stays near 4%).
    const frailty = Math.min(2.5, Math.max(0.4, person.frailty));
    if (!prng.chance(this.shieldingBase * shieldingAgeFactor(person.ageAtReference) * frailty)) return null;
    for (let tries = 0; tries < 12; tries++) {
      const index = this.reasonTable.sample(prng);
      const reason = this.reasons[index];
      if (!reason) continue;
      const age = person.ageAtReference - 2;
      if (age < reason.minAge || age > reason.maxAge) continue;
      if (reason.sex !== '' && (reason.sex === 'F') !== (person.sex === 0)) continue;
      // Most were on the first list or its first additions; a tail was added until shielding ended.
      let dateAdded = prng.chance(0.6) ? reason.earliestAdded : reason.earliestAdded + Math.floor(prng.exponential(45));
      dateAdded = Math.min(dateAdded, SHIELDING_END);
      if (dateAdded < person.dateOfBirth) continue;
      if (person.dateOfDeath >= 0 && person.dateOfDeath < dateAdded) return null;
      return { shielded: !prng.chance(0.07), reason: index, dateAdded };
    }
    return null;
  }

  /** The day the person opted out, or -1. */
  optOut(prng: Prng, person: Person): number {
    if (!prng.chance(this.optOutBase * optOutAgeFactor(person.ageAtReference))) return -1;
    const lo = Math.max(OPT_OUT_START, person.dateOfBirth);
    const hi = person.dateOfDeath >= 0 ? person.dateOfDeath : REFERENCE_DAY;
    if (hi < lo) return -1;
    const u = prng.float();
    // Type-2 objections carried over on the first day; a surge around the GP data plans of summer 2021.
    if (u < 0.35 && lo === OPT_OUT_START) return OPT_OUT_START;
    if (u < 0.55 && lo <= GPDPR_START && hi >= GPDPR_END) return GPDPR_START + prng.int(GPDPR_END - GPDPR_START + 1);
    return lo + prng.int(hi - lo + 1);
  }
}
