// Samplers over the ICD-10 and OPCS-4 lists, by admission type, age group and sex, built once per run.
import { AliasTable } from './alias.ts';
import type { Prng } from './prng.ts';
import type { Diagnosis, ReferenceData, Sex } from './reference-data.ts';

export const METHOD_ELECTIVE = 0;
export const METHOD_EMERGENCY = 1;
export const METHOD_MATERNITY = 2;
export const METHOD_TRANSFER = 3;
export const ADMISSION_METHODS = ['elective', 'emergency', 'maternity', 'transfer'] as const;

/** What a code is drawn for; one mutable record is reused for every draw (tens of millions of them). */
export interface CodeQuery {
  method: number;
  age: number;
  /** 0 = female, 1 = male. */
  sex: number;
  /** The primary diagnosis already drawn, or -1. */
  primary: number;
}

/** Age groups for the samplers; exact age limits are then checked per draw. */
const AGE_GROUPS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 4],
  [5, 15],
  [16, 44],
  [45, 64],
  [65, 79],
  [80, 200],
];
export function ageGroup(age: number): number {
  if (age < 1) return 0;
  if (age < 5) return 1;
  if (age < 16) return 2;
  if (age < 45) return 3;
  if (age < 65) return 4;
  if (age < 80) return 5;
  return 6;
}

/** Procedures that fit many diagnoses (imaging, endoscopy, infusions): the ones drawn without a link. */
const GENERAL_PROCEDURE_PREFIXES = ['U', 'G45', 'H22', 'H25', 'M45', 'M47', 'E49', 'T43', 'X29', 'X33', 'W90'];

function ageMultiplier(d: Diagnosis, group: number): number {
  if (group <= 2) return d.child;
  if (group <= 4) return d.adult;
  return d.older;
}

function sexFits(codeSex: Sex, sex: number): boolean {
  return codeSex === '' || (codeSex === 'F' ? sex === 0 : sex === 1);
}

interface Subset {
  codes: number[];
  table: AliasTable;
}

function subset(count: number, weight: (i: number) => number): Subset | null {
  const codes: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < count; i++) {
    const w = weight(i);
    if (w > 0) {
      codes.push(i);
      weights.push(w);
    }
  }
  return codes.length === 0 ? null : { codes, table: new AliasTable(weights) };
}

function draw(s: Subset, prng: Prng): number {
  return s.codes[s.table.sample(prng)] ?? -1;
}

export class ClinicalCodes {
  readonly diagnosisCodes: string[];
  readonly procedureCodes: string[];
  /** [methodGroup 0..2][ageGroup][sex] */
  private readonly primary: (Subset | null)[][][];
  /** [ageGroup][sex] */
  private readonly secondary: (Subset | null)[][];
  /** [diagnosis][methodGroup]: procedures typical for the diagnosis. */
  private readonly related: (Subset | null)[][];
  /** [methodGroup][sex]: any procedure plausible for the admission type. */
  private readonly general: (Subset | null)[][];
  private readonly fallback: number;
  readonly covidConfirmed: number;
  readonly covidSuspected: number;

  private readonly ref: ReferenceData;

  constructor(ref: ReferenceData) {
    this.ref = ref;
    const dx = ref.diagnoses;
    const px = ref.procedures;
    this.diagnosisCodes = dx.map((d) => d.code);
    this.procedureCodes = px.map((p) => p.code);
    const methodWeight = (d: Diagnosis, m: number): number => (m === 0 ? d.elective : m === 1 ? d.emergency : d.maternity);
    const fits = (d: Diagnosis, group: number, sex: number): boolean => {
      const [lo, hi] = AGE_GROUPS[group] ?? [0, 0];
      return sexFits(d.sex, sex) && d.minAge <= hi && d.maxAge >= lo;
    };
    this.primary = [0, 1, 2].map((m) =>
      AGE_GROUPS.map((_, g) =>
        [0, 1].map((sex) =>
          subset(dx.length, (i) => {
            const d = dx[i];
            // Codes that did not exist for the whole window (COVID-19) are drawn by the pandemic curve instead.
            return d.validFrom === null && fits(d, g, sex) ? methodWeight(d, m) * ageMultiplier(d, g) : 0;
          }),
        ),
      ),
    );
    this.secondary = AGE_GROUPS.map((_, g) =>
      [0, 1].map((sex) =>
        subset(dx.length, (i) => {
          const d = dx[i];
          return fits(d, g, sex) ? d.secondary * ageMultiplier(d, g) : 0;
        }),
      ),
    );
    const index = new Map(dx.map((d, i) => [d.code, i]));
    const relatedLists: number[][] = dx.map(() => []);
    // A procedure is limited to one sex when every diagnosis it treats is.
    const procedureSex: Sex[] = px.map((p) => {
      const sexes = new Set(p.relatedDiagnoses.map((code) => dx[index.get(code) ?? -1]?.sex ?? ''));
      return sexes.size === 1 ? [...sexes][0] : '';
    });
    px.forEach((p, pi) => {
      for (const code of p.relatedDiagnoses) {
        const di = index.get(code);
        if (di === undefined) throw new Error(`opcs4.csv: ${p.code} names diagnosis ${code}, which icd10.csv does not list`);
        relatedLists[di]?.push(pi);
      }
    });
    const procedureWeight = (pi: number, m: number): number => {
      const p = px[pi];
      if (!p) return 0;
      const w = m === 0 ? p.elective : m === 1 ? p.emergency : p.maternity;
      // A procedure typical for a diagnosis also happens in other admission types, less often.
      return w > 0 ? w : 0.2 * Math.max(p.elective, p.emergency, p.maternity);
    };
    this.related = relatedLists.map((list) =>
      [0, 1, 2].map((m) => {
        const s = subset(list.length, (k) => procedureWeight(list[k] ?? -1, m));
        return s ? { codes: s.codes.map((k) => list[k] ?? -1), table: s.table } : null;
      }),
    );
    this.general = [0, 1, 2].map((m) =>
      [0, 1].map((sex) =>
        subset(px.length, (pi) => {
          const p = px[pi];
          if (!p || !sexFits(procedureSex[pi] ?? '', sex)) return 0;
          if (!GENERAL_PROCEDURE_PREFIXES.some((prefix) => p.code.startsWith(prefix))) return 0;
          return m === 0 ? p.elective : m === 1 ? p.emergency : p.maternity;
        }),
      ),
    );
    const required = (code: string): number => {
      const i = index.get(code);
      if (i === undefined) throw new Error(`icd10.csv must list ${code}`);
      return i;
    };
    this.fallback = required('R69');
    this.covidConfirmed = required('U07.1');
    this.covidSuspected = required('U07.2');
  }

  /** Whether any primary diagnosis exists for maternity at this age and sex. */
  hasMaternity(age: number, sex: number): boolean {
    return this.primary[METHOD_MATERNITY]?.[ageGroup(age)]?.[sex] != null && age >= 16 && age <= 50;
  }

  primaryDiagnosis(prng: Prng, query: CodeQuery): number {
    const { method, age, sex } = query;
    const m = method === METHOD_TRANSFER ? METHOD_EMERGENCY : method;
    const s = this.primary[m]?.[ageGroup(age)]?.[sex];
    if (s) {
      for (let tries = 0; tries < 12; tries++) {
        const i = draw(s, prng);
        const d = this.ref.diagnoses[i];
        if (d && age >= d.minAge && age <= d.maxAge) return i;
      }
    }
    return this.fallback;
  }

  /** Whether a diagnosis may be given at this age (a repeat admission years later may be past its limits). */
  fitsAge(diagnosis: number, age: number): boolean {
    const d = this.ref.diagnoses[diagnosis];
    return d !== undefined && age >= d.minAge && age <= d.maxAge;
  }

  /** A comorbidity different from the primary diagnosis, or -1 when none fits. */
  secondaryDiagnosis(prng: Prng, query: CodeQuery): number {
    const { primary, age, sex } = query;
    const s = this.secondary[ageGroup(age)]?.[sex];
    if (!s) return -1;
    for (let tries = 0; tries < 12; tries++) {
      const i = draw(s, prng);
      const d = this.ref.diagnoses[i];
      if (i !== primary && d && age >= d.minAge && age <= d.maxAge) return i;
    }
    return -1;
  }

  relatedProcedure(prng: Prng, diagnosis: number, method: number): number {
    const m = method === METHOD_TRANSFER ? METHOD_EMERGENCY : method;
    const s = this.related[diagnosis]?.[m];
    return s ? draw(s, prng) : -1;
  }

  hasRelatedProcedure(diagnosis: number): boolean {
    return this.related[diagnosis]?.[0] != null;
  }

  generalProcedure(prng: Prng, method: number, sex: number): number {
    const m = method === METHOD_TRANSFER ? METHOD_EMERGENCY : method;
    const s = this.general[m]?.[sex];
    return s ? draw(s, prng) : -1;
  }
}
