// Terms of use and training (issue 18): the terms each role (and everyone) agrees to before using the platform,
// versioned, and the training each role needs. Pure zod, shared by the platform's routes (src/common/platform-api.ts),
// the workstation contract, the CLI and the renderer. This file must not import contract.ts at run time.
import { z } from 'zod';
import { RoleSchema } from './people.ts';

/** Terms for one role, or for everyone who uses the platform ('everyone'). */
export const TermsAudienceSchema = z.union([RoleSchema, z.literal('everyone')]);
export type TermsAudience = z.infer<typeof TermsAudienceSchema>;

/** The largest terms text, in characters. */
export const TERMS_MAX_CHARS = 100_000;

export const TermsVersionSchema = z.object({
  audience: TermsAudienceSchema,
  version: z.number().int().positive(),
  /** Markdown, exactly as published: what a person is shown and what the sha256 is of. */
  text: z.string(),
  /** sha256 (hex) of the text's UTF-8 bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  summary: z.string(),
  /** From when this version is the current one (ISO 8601). */
  effectiveAt: z.string(),
  author: z.string(),
  publishedAt: z.string(),
  /** Whether people who accepted an earlier version must accept this one. */
  requiresAcceptance: z.boolean(),
});
export type TermsVersion = z.infer<typeof TermsVersionSchema>;

/** One set of terms as a person sees it: the current version, and whether they have agreed to what it needs. */
export const MyTermsSchema = z.object({
  current: TermsVersionSchema,
  /** The version this person accepted last; null when none. */
  acceptedVersion: z.number().int().positive().nullable(),
  /** Whether they must accept the current version before using the platform. */
  mustAccept: z.boolean(),
});
export type MyTerms = z.infer<typeof MyTermsSchema>;

export const MyTermsListSchema = z.array(MyTermsSchema);

export const AcceptTermsSchema = z
  .object({
    audience: TermsAudienceSchema,
    version: z.number().int().positive(),
    /** The sha256 of the text the person was shown: a stale or altered text is refused. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 of the text shown (64 hex digits)'),
  })
  .strict()
  .describe('The acceptance');
export type AcceptTerms = z.infer<typeof AcceptTermsSchema>;

export const DeclineTermsSchema = z
  .object({ audience: TermsAudienceSchema, version: z.number().int().positive() })
  .strict()
  .describe('The refusal');

export const PublishTermsSchema = z
  .object({
    audience: TermsAudienceSchema,
    text: z
      .string()
      .max(TERMS_MAX_CHARS, `must be at most ${TERMS_MAX_CHARS.toLocaleString('en-GB')} characters`)
      .refine((text) => text.trim().length >= 20, 'must be the terms themselves (at least 20 characters)'),
    summary: z.string().trim().min(3, 'must say what changed').max(500),
    /** Default: now. */
    effectiveAt: z.iso.datetime({ offset: true }).optional(),
    requiresAcceptance: z.boolean(),
  })
  .strict()
  .describe('The terms');
export type PublishTerms = z.input<typeof PublishTermsSchema>;

/** Every version of every audience's terms, newest first: old versions stay readable. */
export const TermsHistorySchema = z.array(TermsVersionSchema);

// ---- Training -----------------------------------------------------------------------------------------------------

const CourseSchema = z.string().trim().min(2).max(100);
const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-31');

export const TrainingRecordSchema = z.object({
  id: z.string(),
  userId: z.string(),
  course: z.string(),
  completed: z.string(),
  expires: z.string(),
  /** A certificate number, a link to the learning system's record. */
  evidence: z.string(),
  recordedBy: z.string(),
  recordedAt: z.string(),
});
export type TrainingRecord = z.infer<typeof TrainingRecordSchema>;

export const RecordTrainingSchema = z
  .object({
    userId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    course: CourseSchema,
    completed: DaySchema,
    expires: DaySchema,
    evidence: z.string().trim().min(3).max(500),
  })
  .strict()
  .describe('The training record');
export type RecordTraining = z.infer<typeof RecordTrainingSchema>;

export const TrainingRequirementsSchema = z
  .object({ role: RoleSchema, courses: z.array(CourseSchema).max(20) })
  .strict()
  .describe('The required courses');

/** One person's training, judged today: per role, each required course and whether it is valid. */
export const TrainingStandingSchema = z.object({
  userId: z.string(),
  records: z.array(TrainingRecordSchema),
  roles: z.array(
    z.object({
      role: RoleSchema,
      courses: z.array(
        z.object({
          course: z.string(),
          /** The latest expiry on record; null when never completed. */
          expires: z.string().nullable(),
          state: z.enum(['valid', 'expiring', 'expired', 'missing']),
        }),
      ),
    }),
  ),
});
export type TrainingStanding = z.infer<typeof TrainingStandingSchema>;

export const TrainingOverviewSchema = z.object({
  requirements: z.array(z.object({ role: RoleSchema, courses: z.array(z.string()) })),
  people: z.array(TrainingStandingSchema),
});
export type TrainingOverview = z.infer<typeof TrainingOverviewSchema>;

/** Days before an expiry that a person and their administrators are warned. */
export const TRAINING_WARNING_DAYS = 30;
