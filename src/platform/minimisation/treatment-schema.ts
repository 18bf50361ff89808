// The vocabulary of minimisation (issue 15), declared once: what kind of thing a field holds, and what may be done to
// it before a project sees it. Pure zod. The policy profile (./policy.ts) maps a field's kind and tags to a default
// treatment; an agreement (src/platform/agreements/) may only tighten a default unless its legal basis allows more;
// ./treatments.ts turns a treatment into the SQL that applies it and the words that describe it.
import { z } from 'zod';

/** What a field holds, as the data manager describes it in the catalogue: it decides the default treatment. */
export const FieldKindSchema = z.enum([
  /** Identifies a person across datasets (the NHS number). */
  'person_identifier',
  /** Identifies a row within its dataset only (an episode or test id): no meaning outside it. */
  'record_identifier',
  'date_of_birth',
  /** The date of something that happened (admission, specimen, death). */
  'event_date',
  'postcode',
  /** A small statistical area (LSOA, about 1,500 residents). */
  'small_area_code',
  /** An organisation (GP practice, trust, local authority). */
  'organisation_code',
  /** An age in years. */
  'age',
  'free_text',
  /** A value from a code list (sex, ethnicity, ICD-10, admission method). */
  'coded_value',
  /** A number measured or counted (length of stay). */
  'measure',
]);
export type FieldKind = z.infer<typeof FieldKindSchema>;

/** One treatment of a field's values. Filters, joins and ordering see the treated values only. */
export const TreatmentSchema = z.discriminatedUnion('treatment', [
  /** The field is not available to the project at all. */
  z.object({ treatment: z.literal('drop') }).strict(),
  /** The value as it is. */
  z.object({ treatment: z.literal('keep') }).strict(),
  /**
   * A keyed pseudonym: HMAC-SHA-256 of the value under the project's own secret (held only by the platform), written
   * so that it never looks like an NHS number. The same person has the same pseudonym in every dataset of a project
   * and different ones across projects.
   */
  z.object({ treatment: z.literal('pseudonym') }).strict(),
  /** A date written at a coarser resolution: 2020, 2020-03, 2020-W10; never as a full date. */
  z.object({ treatment: z.literal('date'), resolution: z.enum(['year', 'month', 'iso_week']) }).strict(),
  /** A date of birth as an age band of `width` years at the agreement's reference date ("40-44"), top-coded at `topAt`. */
  z
    .object({
      treatment: z.literal('age_band'),
      width: z.number().int().min(1).max(20),
      topAt: z.number().int().min(1).max(120).optional(),
    })
    .strict(),
  /** A date of birth as the year of birth. */
  z.object({ treatment: z.literal('year_of_birth') }).strict(),
  /** A number at or above `at` written as "at+" (ages: 90+). */
  z.object({ treatment: z.literal('top_code'), at: z.number().int().min(1) }).strict(),
  /** A postcode cut to its district (SW1A) or sector (SW1A 1). */
  z.object({ treatment: z.literal('postcode'), resolution: z.enum(['district', 'sector']) }).strict(),
  /** A small-area code replaced by its region, from the lookup the platform ships. */
  z.object({ treatment: z.literal('region') }).strict(),
  /** The field is there, but every value is null. */
  z.object({ treatment: z.literal('null') }).strict(),
  /** Text cut to its first `length` characters. */
  z.object({ treatment: z.literal('truncate'), length: z.number().int().min(1).max(1000) }).strict(),
]);
export type Treatment = z.infer<typeof TreatmentSchema>;
export type TreatmentName = Treatment['treatment'];
