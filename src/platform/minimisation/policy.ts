// The policy profile: data, not code. It maps a field's kind (and, where it matters, its tags) to a default treatment;
// an agreement may choose another treatment only if it is at least as strict as the default, unless the agreement's
// legal basis explicitly allows more. The agreements (src/platform/agreements/) call effectiveTreatment through an
// injected function; nothing here reads a file.
//
// Strictness, per family of kinds (each list from least to most strict). Two treatments are compared by their level;
// at the same level by their parameters. `drop` is the strictest of all, `null` next (the column is there, empty);
// both fit every kind.
//   event dates:                day (keep) < ISO week < month < year
//   dates of birth:             full date (keep) < ISO week < month < { year, year of birth, age band }
//                               — at that last level a band is as strict as another when it is at least as wide and
//                               top-codes at or below the other's top (no top: never top-coded). Year of birth and a
//                               1-year age band carry the same information (either fixes the birth to one year's
//                               window), so they count as equal; a 5-year band is stricter than both.
//   person and record ids:      as recorded < project pseudonym
//   postcodes:                  as recorded < sector < district
//   small-area codes:           as recorded < region
//   ages and measures:          as recorded < top-coded at N (a lower N is stricter)
//   codes, organisations, text: as recorded < first N characters (a shorter N is stricter)
// Pairs that neither order decides (year of birth against a 5-year band top-coded at 90) are not "at least as
// strict": an agreement cannot pick them without a legal basis that allows more.
import { z } from 'zod';
import { FieldTagSchema, type FieldTag } from '../../common/contract.ts';
import { FieldKindSchema, TreatmentSchema, type FieldKind, type Treatment, type TreatmentName } from './treatment-schema.ts';

export const PolicyRuleSchema = z
  .object({
    kind: FieldKindSchema,
    /** The rule applies only to a field carrying every one of these tags. A rule without tags is the kind's fallback. */
    whenTags: z.array(FieldTagSchema).min(1).optional(),
    treatment: TreatmentSchema,
  })
  .strict();
export type PolicyRule = z.infer<typeof PolicyRuleSchema>;

/** Which treatments make sense for which kind: a postcode district of a date, or an age band of an NHS number, do not. */
export const TREATMENTS_BY_KIND: Readonly<Record<FieldKind, readonly TreatmentName[]>> = {
  person_identifier: ['keep', 'pseudonym', 'null', 'drop'],
  record_identifier: ['keep', 'pseudonym', 'null', 'drop'],
  date_of_birth: ['keep', 'date', 'year_of_birth', 'age_band', 'null', 'drop'],
  event_date: ['keep', 'date', 'null', 'drop'],
  postcode: ['keep', 'postcode', 'null', 'drop'],
  small_area_code: ['keep', 'region', 'null', 'drop'],
  organisation_code: ['keep', 'truncate', 'null', 'drop'],
  age: ['keep', 'top_code', 'null', 'drop'],
  free_text: ['keep', 'truncate', 'null', 'drop'],
  coded_value: ['keep', 'truncate', 'null', 'drop'],
  measure: ['keep', 'top_code', 'null', 'drop'],
};

export function treatmentFits(treatment: Treatment, kind: FieldKind): boolean {
  return TREATMENTS_BY_KIND[kind].includes(treatment.treatment);
}

export const PolicyProfileSchema = z
  .object({
    name: z.string().min(1),
    /** Bumped whenever a rule changes: a project's minimised copy records the version it was built with. */
    version: z.number().int().min(1),
    /** Tried in order: the first rule of the field's kind whose tags the field carries decides. */
    rules: z.array(PolicyRuleSchema).min(1),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const fallbackAt = new Map<FieldKind, number>();
    profile.rules.forEach((rule, i) => {
      if (!treatmentFits(rule.treatment, rule.kind)) {
        ctx.addIssue({ code: 'custom', path: ['rules', i, 'treatment'], message: `does not apply to a field of kind ${rule.kind}` });
      }
      const fallback = fallbackAt.get(rule.kind);
      if (fallback !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i],
          message: `can never apply: rule ${fallback} already covers every ${rule.kind}`,
        });
      }
      if (rule.whenTags === undefined && fallback === undefined) fallbackAt.set(rule.kind, i);
    });
    for (const kind of FieldKindSchema.options) {
      if (!fallbackAt.has(kind))
        ctx.addIssue({ code: 'custom', path: ['rules'], message: `has no rule for every ${kind} (one without tags)` });
    }
  });
export type PolicyProfile = z.infer<typeof PolicyProfileSchema>;

/** The platform's default profile. Checked by its own schema when this module loads. */
export const DEFAULT_POLICY: PolicyProfile = PolicyProfileSchema.parse({
  name: 'default',
  version: 1,
  rules: [
    { kind: 'person_identifier', treatment: { treatment: 'pseudonym' } },
    // A record identifier (an episode or test id) is the same in every project that receives its dataset: kept as
    // recorded, it would link one person's rows across projects (and so their pseudonyms). Each project gets its own
    // pseudonym of it, which still tells records apart and joins them within the project.
    { kind: 'record_identifier', treatment: { treatment: 'pseudonym' } },
    { kind: 'date_of_birth', treatment: { treatment: 'age_band', width: 5, topAt: 90 } },
    { kind: 'event_date', treatment: { treatment: 'date', resolution: 'month' } },
    { kind: 'postcode', treatment: { treatment: 'postcode', resolution: 'district' } },
    { kind: 'small_area_code', treatment: { treatment: 'region' } },
    { kind: 'organisation_code', treatment: { treatment: 'keep' } },
    { kind: 'age', treatment: { treatment: 'top_code', at: 90 } },
    { kind: 'free_text', treatment: { treatment: 'drop' } },
    { kind: 'coded_value', treatment: { treatment: 'keep' } },
    { kind: 'measure', treatment: { treatment: 'keep' } },
  ],
} satisfies z.input<typeof PolicyProfileSchema>);

/** A field as the policy sees it. */
export interface PolicyField {
  readonly dataset: string;
  readonly name: string;
  readonly kind: FieldKind;
  readonly tags: readonly FieldTag[];
}

/** The profile's treatment for a field: the first rule of its kind whose tags it carries. */
export function defaultTreatment(options: { field: Pick<PolicyField, 'kind' | 'tags'>; policy?: PolicyProfile }): Treatment {
  const { field, policy = DEFAULT_POLICY } = options;
  const rule = policy.rules.find(
    (candidate) => candidate.kind === field.kind && (candidate.whenTags ?? []).every((tag) => field.tags.includes(tag)),
  );
  // The schema guarantees a fallback per kind; a profile built around it still fails closed.
  return rule?.treatment ?? { treatment: 'drop' };
}

interface Rank {
  readonly level: number;
  /** Band width in years (wider is stricter). */
  readonly width?: number;
  /** Top-coding threshold (lower is stricter); Infinity when not top-coded. */
  readonly top?: number;
  /** Characters kept (fewer is stricter). */
  readonly length?: number;
}

const DATE_LEVEL = { iso_week: 1, month: 2, year: 3 } as const;
const STRICTEST = 100;

/** Where a treatment stands in its kind's order; null when it does not apply to the kind. */
function rank(treatment: Treatment, kind: FieldKind): Rank | null {
  if (!treatmentFits(treatment, kind)) return null;
  switch (treatment.treatment) {
    case 'drop':
      return { level: STRICTEST };
    case 'null':
      return { level: STRICTEST - 1 };
    case 'keep':
      return { level: 0, width: 0, top: Infinity, length: Infinity };
    case 'date':
      return { level: DATE_LEVEL[treatment.resolution], width: 1, top: Infinity };
    case 'year_of_birth':
      return { level: DATE_LEVEL.year, width: 1, top: Infinity };
    case 'age_band':
      return { level: DATE_LEVEL.year, width: treatment.width, top: treatment.topAt ?? Infinity };
    case 'top_code':
      return { level: 1, top: treatment.at };
    case 'postcode':
      return { level: treatment.resolution === 'sector' ? 1 : 2 };
    case 'truncate':
      return { level: 1, length: treatment.length };
    case 'pseudonym':
    case 'region':
      return { level: 1 };
  }
}

/**
 * Whether `candidate` is at least as strict as `reference` for a field of this kind: it reveals nothing the reference
 * hides. False when either treatment does not apply to the kind, or when the order does not decide (see the top).
 */
export function tightens(candidate: Treatment, reference: Treatment, kind: FieldKind): boolean {
  const c = rank(candidate, kind);
  const r = rank(reference, kind);
  if (c === null || r === null) return false;
  if (c.level !== r.level) return c.level > r.level;
  return (c.width ?? 0) >= (r.width ?? 0) && (c.top ?? Infinity) <= (r.top ?? Infinity) && (c.length ?? Infinity) <= (r.length ?? Infinity);
}

const KIND_WORDS: Readonly<Record<FieldKind, string>> = {
  person_identifier: 'a person identifier',
  record_identifier: 'a record identifier',
  date_of_birth: 'a date of birth',
  event_date: 'an event date',
  postcode: 'a postcode',
  small_area_code: 'a small-area code',
  organisation_code: 'an organisation code',
  age: 'an age',
  free_text: 'free text',
  coded_value: 'a coded value',
  measure: 'a measure',
};

/** A treatment in a few words, as refusals name it ("month", "5-year age band, 90 and over together"). */
export function treatmentShortName(treatment: Treatment, kind: FieldKind): string {
  switch (treatment.treatment) {
    case 'drop':
      return 'not available';
    case 'keep':
      return kind === 'event_date' ? 'day' : kind === 'date_of_birth' ? 'full date' : 'as recorded';
    case 'pseudonym':
      return 'project pseudonym';
    case 'date':
      return treatment.resolution === 'iso_week' ? 'ISO week' : treatment.resolution;
    case 'age_band':
      return `${treatment.width}-year age band${treatment.topAt === undefined ? '' : `, ${treatment.topAt} and over together`}`;
    case 'year_of_birth':
      return 'year of birth';
    case 'top_code':
      return `${treatment.at} and over together`;
    case 'postcode':
      return treatment.resolution;
    case 'region':
      return 'region';
    case 'null':
      return 'always empty';
    case 'truncate':
      return `first ${treatment.length} character${treatment.length === 1 ? '' : 's'}`;
  }
}

export type EffectiveTreatment =
  | {
      readonly ok: true;
      readonly treatment: Treatment;
      /** 'policy' when the profile's default applies; 'agreement' when the agreement's own choice does. */
      readonly source: 'policy' | 'agreement';
      /** True when the agreement's choice is looser than the default, which only its legal basis allows. */
      readonly loosened: boolean;
    }
  | {
      readonly ok: false;
      /** dataset.field */
      readonly field: string;
      /** 'unfit': the treatment does not apply to the field's kind; 'loosens': it is not at least as strict as the default. */
      readonly reason: 'unfit' | 'loosens';
      readonly message: string;
    };

/**
 * The treatment a project's field gets: the profile's default, or the agreement's override when it tightens the
 * default (or when the agreement's legal basis explicitly allows more); otherwise a refusal that names the field.
 */
export function effectiveTreatment(options: {
  field: PolicyField;
  override?: Treatment | undefined;
  legalBasisAllowsMore?: boolean;
  policy?: PolicyProfile;
}): EffectiveTreatment {
  const { field, override } = options;
  const policy = options.policy ?? DEFAULT_POLICY;
  const fallback = defaultTreatment({ field, policy });
  if (override === undefined) return { ok: true, treatment: fallback, source: 'policy', loosened: false };
  const label = `${field.dataset}.${field.name}`;
  if (!treatmentFits(override, field.kind)) {
    const fitting = TREATMENTS_BY_KIND[field.kind].join(', ');
    return {
      ok: false,
      field: label,
      reason: 'unfit',
      message: `${label} is ${KIND_WORDS[field.kind]}: the treatment ${describeName(override)} does not apply to it (it may be ${fitting}).`,
    };
  }
  if (tightens(override, fallback, field.kind)) return { ok: true, treatment: override, source: 'agreement', loosened: false };
  if (options.legalBasisAllowsMore === true) return { ok: true, treatment: override, source: 'agreement', loosened: true };
  return {
    ok: false,
    field: label,
    reason: 'loosens',
    message:
      `An agreement may only tighten the default for ${label} (${treatmentShortName(fallback, field.kind)}); ` +
      `${treatmentShortName(override, field.kind)} would loosen it, and its legal basis does not allow more.`,
  };
}

function describeName(treatment: Treatment): string {
  switch (treatment.treatment) {
    case 'date':
      return `date → ${treatment.resolution}`;
    case 'postcode':
      return `postcode → ${treatment.resolution}`;
    default:
      return treatment.treatment;
  }
}
