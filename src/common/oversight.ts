// Oversight (issue 18): the usage report (who and what the platform serves, reproducible from the audit log for a time
// range), the security review page (failed sign-ins, refusals, attempts by suspended accounts, the audit chain's
// verification, reviews recorded as audit events) and the expiries panel (agreements, DPIA reviews, training). Pure
// zod, shared by the platform's routes, the workstation contract, the CLI and the renderer. Must not import contract.ts.
import { z } from 'zod';

const Count = z.number().int().nonnegative();

export const UsageReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  people: z.object({
    /** Everybody the platform knows, by role held (a person with two roles counts in both) and by status. */
    byRole: z.record(z.string(), Count),
    byStatus: z.record(z.string(), Count),
    /** People who signed in during the range (the audit log's session.signed_in and auth.sign_in events). */
    active: Count,
  }),
  /** Projects by the standing of their agreement today; a suspended project counts as suspended. */
  projects: z.object({ byState: z.record(z.string(), Count), total: Count }),
  /** The datasets the platform serves: rows and bytes on disk. */
  datasets: z.array(z.object({ id: z.string(), rows: Count, bytes: Count })),
  /**
   * Each project's drive now (the drive store's state when the report was made, not counted from the log): bytes kept
   * (current files, earlier versions, the trash) against its quota, and its files.
   */
  drives: z.array(z.object({ projectId: z.string(), usedBytes: Count, quotaBytes: Count, files: Count })),
  /**
   * Per project, in the range, counted from the audit log: queries and samples answered (and refused), rows answered,
   * catalogue reads; drive reads (files and earlier versions) and writes (saved and uploaded files), with their bytes;
   * release requests submitted, requests released and the files they released, and released files exported.
   */
  activity: z.array(
    z.object({
      projectId: z.string(),
      queries: Count,
      queriesRefused: Count,
      samples: Count,
      rows: Count,
      catalogueReads: Count,
      driveReads: Count,
      driveBytesRead: Count,
      driveWrites: Count,
      driveBytesWritten: Count,
      requestsSubmitted: Count,
      requestsReleased: Count,
      filesReleased: Count,
      exports: Count,
    }),
  ),
  incidents: z.object({ opened: Count, closed: Count, actions: Count, openNow: Count }),
  /** Which figures are the platform's state when the report was made, and which are counted from the log for the range. */
  sources: z.object({ current: z.array(z.string()), counted: z.array(z.string()) }),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

/** What the usage report's `sources` say: the same words in every report, so the same log and range give the same report. */
export const USAGE_SOURCES: UsageReport['sources'] = {
  current: [
    'People by role and status, projects by the standing of their agreement, datasets (rows and bytes on disk), drive use against quota and files, and incidents open: the platform as it is when the report is made.',
  ],
  counted: [
    'People who signed in, and per project the queries, samples, rows answered, catalogue reads, drive reads and writes with their bytes, release requests submitted, requests and files released, and exports: counted from the audit log for the range.',
    'Incidents opened and closed, and kill-switch actions: counted from the audit log for the range.',
  ],
};

export const UsageQuerySchema = z
  .object({
    from: z.iso
      .datetime({ offset: true, error: 'must be a date and time like 2026-12-01T00:00:00Z' })
      .describe('must be a date and time like 2026-12-01T00:00:00Z.'),
    to: z.iso
      .datetime({ offset: true, error: 'must be a date and time like 2026-12-31T00:00:00Z' })
      .describe('must be a date and time like 2026-12-31T00:00:00Z.'),
  })
  .strict();

/** One audit event as the security review lists it. */
const ReviewEventSchema = z.object({
  seq: z.number().int().positive(),
  occurredAt: z.string(),
  type: z.string(),
  actor: z.string().nullable(),
  /** The person named (the username a failed sign-in tried, the refused person). */
  who: z.string().nullable(),
  reason: z.string(),
});

export const ExpiriesSchema = z.object({
  agreements: z.array(z.object({ projectId: z.string(), projectName: z.string(), expires: z.string(), daysLeft: z.number().int() })),
  dpiaReviews: z.array(z.object({ projectId: z.string(), projectName: z.string(), reviewDue: z.string(), daysLeft: z.number().int() })),
  training: z.array(
    z.object({
      userId: z.string(),
      displayName: z.string(),
      course: z.string(),
      expires: z.string().nullable(),
      daysLeft: z.number().int().nullable(),
    }),
  ),
});
export type Expiries = z.infer<typeof ExpiriesSchema>;

export const SecurityReviewSchema = z.object({
  /** The events since the last review (or all of them when there is none): what this review reads. */
  since: z.number().int().nonnegative(),
  headSeq: z.number().int().nonnegative(),
  failedSignIns: z.array(ReviewEventSchema),
  refusals: z.array(ReviewEventSchema),
  /** Calls and sign-ins by suspended or disabled accounts. */
  suspendedAttempts: z.array(ReviewEventSchema),
  audit: z.object({ intact: z.boolean(), summary: z.string() }),
  lastReview: z.object({ upTo: z.number().int().nonnegative(), note: z.string(), by: z.string().nullable(), at: z.string() }).nullable(),
  /** Reviews are due every REVIEW_INTERVAL_DAYS; overdue when the last is older, or there is none and events exist. */
  overdue: z.boolean(),
  /** Within EXPIRY_WARNING_DAYS, or past. */
  expiries: ExpiriesSchema,
});
export type SecurityReview = z.infer<typeof SecurityReviewSchema>;

export const RecordReviewSchema = z
  .object({
    upTo: z.number().int().positive(),
    note: z
      .string()
      .max(4000)
      .refine((text) => text.trim().length >= 3, 'must say what was reviewed and found'),
  })
  .strict()
  .describe('The review');

export const REVIEW_INTERVAL_DAYS = 7;
export const EXPIRY_WARNING_DAYS = 30;
