// The policy profile: defaults by kind and tags, the strictness order an agreement may only tighten, and refusals that
// name the field and say why.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  defaultTreatment,
  effectiveTreatment,
  PolicyProfileSchema,
  tightens,
  TREATMENTS_BY_KIND,
  treatmentFits,
} from '../../../../src/platform/minimisation/policy.ts';
import {
  FieldKindSchema,
  TreatmentSchema,
  type FieldKind,
  type Treatment,
} from '../../../../src/platform/minimisation/treatment-schema.ts';

const T = {
  drop: { treatment: 'drop' },
  null: { treatment: 'null' },
  keep: { treatment: 'keep' },
  pseudonym: { treatment: 'pseudonym' },
  week: { treatment: 'date', resolution: 'iso_week' },
  month: { treatment: 'date', resolution: 'month' },
  year: { treatment: 'date', resolution: 'year' },
  yob: { treatment: 'year_of_birth' },
  band1: { treatment: 'age_band', width: 1 },
  band5: { treatment: 'age_band', width: 5 },
  band5top90: { treatment: 'age_band', width: 5, topAt: 90 },
  band5top85: { treatment: 'age_band', width: 5, topAt: 85 },
  band10top90: { treatment: 'age_band', width: 10, topAt: 90 },
  band10top95: { treatment: 'age_band', width: 10, topAt: 95 },
  top90: { treatment: 'top_code', at: 90 },
  top85: { treatment: 'top_code', at: 85 },
  top95: { treatment: 'top_code', at: 95 },
  sector: { treatment: 'postcode', resolution: 'sector' },
  district: { treatment: 'postcode', resolution: 'district' },
  region: { treatment: 'region' },
  trunc3: { treatment: 'truncate', length: 3 },
  trunc1: { treatment: 'truncate', length: 1 },
} as const satisfies Record<string, Treatment>;

describe('DEFAULT_POLICY', () => {
  it('is valid data under its own schema, and survives a round trip through JSON', () => {
    expect(PolicyProfileSchema.parse(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });

  it.each<[FieldKind, Treatment]>([
    ['person_identifier', T.pseudonym],
    ['record_identifier', T.pseudonym],
    ['date_of_birth', T.band5top90],
    ['event_date', T.month],
    ['postcode', T.district],
    ['small_area_code', T.region],
    ['organisation_code', T.keep],
    ['age', T.top90],
    ['free_text', T.drop],
    ['coded_value', T.keep],
    ['measure', T.keep],
  ])('gives a %s field the default %j', (kind, treatment) => {
    expect(defaultTreatment({ field: { kind, tags: ['quasi_identifier'] } })).toEqual(treatment);
  });

  it('pseudonymises a record identifier whatever its tags: kept, it would link one person across projects', () => {
    expect(defaultTreatment({ field: { kind: 'record_identifier', tags: ['reference'] } })).toEqual(T.pseudonym);
    expect(defaultTreatment({ field: { kind: 'record_identifier', tags: ['direct_identifier', 'reference'] } })).toEqual(T.pseudonym);
  });

  it('covers every kind, each default fitting its kind', () => {
    for (const kind of FieldKindSchema.options) {
      expect(treatmentFits(defaultTreatment({ field: { kind, tags: [] } }), kind)).toBe(true);
    }
  });
});

describe('PolicyProfileSchema refuses a profile that', () => {
  const base = { name: 'p', version: 1, rules: DEFAULT_POLICY.rules };
  it.each([
    ['misses a kind', { ...base, rules: base.rules.filter((rule) => rule.kind !== 'postcode') }],
    ['gives a kind a treatment that does not fit it', { ...base, rules: [{ kind: 'event_date', treatment: T.district }, ...base.rules] }],
    ['has a rule no field can reach', { ...base, rules: [...base.rules, { kind: 'age', whenTags: ['sensitive'], treatment: T.drop }] }],
    ['names an unknown treatment', { ...base, rules: [{ kind: 'age', treatment: { treatment: 'blur' } }, ...base.rules] }],
    ['has no version', { name: 'p', rules: base.rules }],
  ])('%s', (_label, profile) => {
    expect(PolicyProfileSchema.safeParse(profile).success).toBe(false);
  });
});

describe('tightens: an agreement may only choose a treatment at least as strict as the default', () => {
  it.each<[string, Treatment, Treatment, FieldKind, boolean]>([
    // Drop is the strictest of all, null next, for every kind.
    ['drop over anything', T.drop, T.month, 'event_date', true],
    ['drop over null', T.drop, T.null, 'postcode', true],
    ['null over a pseudonym', T.null, T.pseudonym, 'person_identifier', true],
    ['null is looser than drop', T.null, T.drop, 'free_text', false],
    // Event dates: day < ISO week < month < year.
    ['year over month', T.year, T.month, 'event_date', true],
    ['month over month', T.month, T.month, 'event_date', true],
    ['ISO week under month', T.week, T.month, 'event_date', false],
    ['day under month', T.keep, T.month, 'event_date', false],
    ['month over ISO week', T.month, T.week, 'event_date', true],
    // Dates of birth: full date < ISO week < month < year = year of birth = 1-year band < wider bands.
    ['a 10-year band top-coded at 90 over a 5-year band top-coded at 90', T.band10top90, T.band5top90, 'date_of_birth', true],
    ['a 5-year band top-coded at 85 over one top-coded at 90', T.band5top85, T.band5top90, 'date_of_birth', true],
    ['a wider band with a higher top is not decided, so not allowed', T.band10top95, T.band5top90, 'date_of_birth', false],
    ['a band without a top under a top-coded one', T.band5, T.band5top90, 'date_of_birth', false],
    ['year of birth under a 5-year band', T.yob, T.band5top90, 'date_of_birth', false],
    ['a 5-year band over year of birth', T.band5, T.yob, 'date_of_birth', true],
    ['year of birth and a 1-year band are equal', T.yob, T.band1, 'date_of_birth', true],
    ['a 1-year band and year of birth are equal', T.band1, T.yob, 'date_of_birth', true],
    ['month of birth under year of birth', T.month, T.yob, 'date_of_birth', false],
    ['year of birth over month of birth', T.yob, T.month, 'date_of_birth', true],
    ['the full date under anything', T.keep, T.week, 'date_of_birth', false],
    // Identifiers, places, numbers, text.
    ['a pseudonym over the raw identifier', T.pseudonym, T.keep, 'person_identifier', true],
    ['the raw identifier under a pseudonym', T.keep, T.pseudonym, 'person_identifier', false],
    ['district over sector', T.district, T.sector, 'postcode', true],
    ['sector under district', T.sector, T.district, 'postcode', false],
    ['region over the small area', T.region, T.keep, 'small_area_code', true],
    ['top-coding at 85 over 90', T.top85, T.top90, 'age', true],
    ['top-coding at 95 under 90', T.top95, T.top90, 'age', false],
    ['the raw age under top-coding', T.keep, T.top90, 'age', false],
    ['1 character over 3', T.trunc1, T.trunc3, 'coded_value', true],
    ['3 characters under 1', T.trunc3, T.trunc1, 'coded_value', false],
    ['truncating over keeping a code', T.trunc3, T.keep, 'coded_value', true],
    // A treatment that does not fit the kind is never a tightening.
    ['a postcode district on a date', T.district, T.month, 'event_date', false],
    ['a region on a postcode', T.region, T.district, 'postcode', false],
  ])('%s', (...row) => {
    const [, candidate, reference, kind, expected] = row;
    expect(tightens(candidate, reference, kind)).toBe(expected);
  });

  it('is reflexive for every treatment that fits a kind, and drop tightens everything', () => {
    const all = Object.values(T);
    for (const kind of FieldKindSchema.options) {
      for (const treatment of all.filter((candidate) => treatmentFits(candidate, kind))) {
        expect(tightens(treatment, treatment, kind)).toBe(true);
        expect(tightens(T.drop, treatment, kind)).toBe(true);
      }
    }
  });

  it('is transitive over every fitting triple', () => {
    const all = Object.values(T);
    for (const kind of FieldKindSchema.options) {
      const fitting = all.filter((candidate) => treatmentFits(candidate, kind));
      for (const a of fitting)
        for (const b of fitting)
          for (const c of fitting) {
            if (tightens(a, b, kind) && tightens(b, c, kind)) expect(tightens(a, c, kind)).toBe(true);
          }
    }
  });

  it('lists at least keep, null and drop for every kind, and only known treatments', () => {
    const names = TreatmentSchema.options.map((option) => option.shape.treatment.value);
    for (const kind of FieldKindSchema.options) {
      expect(TREATMENTS_BY_KIND[kind]).toEqual(expect.arrayContaining(['keep', 'null', 'drop']));
      for (const name of TREATMENTS_BY_KIND[kind]) expect(names).toContain(name);
    }
  });
});

describe('effectiveTreatment', () => {
  const admission = {
    dataset: 'hospital_episodes',
    name: 'admission_date',
    kind: 'event_date',
    tags: ['quasi_identifier', 'clinical'],
  } as const;

  it('is the default when the agreement says nothing', () => {
    expect(effectiveTreatment({ field: admission })).toEqual({ ok: true, treatment: T.month, source: 'policy', loosened: false });
  });

  it("is the agreement's choice when it tightens the default", () => {
    expect(effectiveTreatment({ field: admission, override: T.year })).toEqual({
      ok: true,
      treatment: T.year,
      source: 'agreement',
      loosened: false,
    });
  });

  it('refuses a looser choice, naming the field, the default and why', () => {
    expect(effectiveTreatment({ field: admission, override: T.keep })).toEqual({
      ok: false,
      field: 'hospital_episodes.admission_date',
      reason: 'loosens',
      message:
        'An agreement may only tighten the default for hospital_episodes.admission_date (month); day would loosen it, and its legal basis does not allow more.',
    });
  });

  it('allows a looser choice when the legal basis allows more, and says it loosened', () => {
    expect(effectiveTreatment({ field: admission, override: T.keep, legalBasisAllowsMore: true })).toEqual({
      ok: true,
      treatment: T.keep,
      source: 'agreement',
      loosened: true,
    });
  });

  it('refuses a treatment that does not fit the kind, even when the legal basis allows more', () => {
    const result = effectiveTreatment({ field: admission, override: T.district, legalBasisAllowsMore: true });
    expect(result).toMatchObject({ ok: false, field: 'hospital_episodes.admission_date', reason: 'unfit' });
    expect(result.ok ? '' : result.message).toBe(
      'hospital_episodes.admission_date is an event date: the treatment postcode → district does not apply to it (it may be keep, date, null, drop).',
    );
  });

  it('refuses year of birth where the default is a top-coded 5-year band', () => {
    const dob = { dataset: 'patients', name: 'date_of_birth', kind: 'date_of_birth', tags: ['quasi_identifier'] } as const;
    const result = effectiveTreatment({ field: dob, override: T.yob });
    expect(result.ok ? '' : result.message).toBe(
      'An agreement may only tighten the default for patients.date_of_birth (5-year age band, 90 and over together); year of birth would loosen it, and its legal basis does not allow more.',
    );
  });

  it('uses another profile when given one', () => {
    const strict = PolicyProfileSchema.parse({
      ...DEFAULT_POLICY,
      name: 'strict',
      rules: DEFAULT_POLICY.rules.map((rule) => (rule.kind === 'event_date' ? { ...rule, treatment: T.year } : rule)),
    });
    expect(effectiveTreatment({ field: admission, policy: strict })).toMatchObject({ ok: true, treatment: T.year });
    expect(effectiveTreatment({ field: admission, override: T.month, policy: strict })).toMatchObject({ ok: false, reason: 'loosens' });
  });
});
