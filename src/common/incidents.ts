// Incidents and the kill switch (issue 18): what an administrator records when something goes wrong, the actions that
// stop a person, a project or the way out at once, and the access report of what someone touched (JSON, and CSV). Pure zod, shared by
// the platform's routes (src/common/platform-api.ts), the workstation contract (src/common/contract.ts) and the
// renderer. This file must not import contract.ts at run time: contract.ts imports it.
import { z } from 'zod';

/** A project or user id as the platform writes it (contract.ts's IdSchema, repeated: contract.ts imports this file). */
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const Id = z.string().regex(ID_PATTERN, 'must be lower-case letters, digits, "-" or "_"');

/** An incident's or an action's id: `inc-…` / `act-…` and 20 hex digits. */
export const INCIDENT_ID_PATTERN = /^inc-[0-9a-f]{20}$/;
export const RESTRICTION_ID_PATTERN = /^act-[0-9a-f]{20}$/;

/** Words a person types: a reason, a summary. Never empty, never a novel. */
const Words = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((text) => text.trim().length >= 3, 'must say something (at least 3 characters)');

export const REASON_MAX_CHARS = 2000;

// ---- Incidents --------------------------------------------------------------------------------------------------

export const IncidentSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type IncidentSeverity = z.infer<typeof IncidentSeveritySchema>;

/** `open` until `closed` (with its resolution). Actions can name only an open incident. */
export const IncidentStatusSchema = z.enum(['open', 'closed']);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;

export const IncidentSchema = z.object({
  id: z.string().regex(INCIDENT_ID_PATTERN),
  summary: z.string(),
  severity: IncidentSeveritySchema,
  /** When it was noticed (ISO 8601), as the person who opened it said. */
  detectedAt: z.iso.datetime({ offset: true }),
  /** Whether personal data may be involved (a reportable breach is then a question for the data protection officer). */
  personalData: z.boolean(),
  status: IncidentStatusSchema,
  resolution: z.string().nullable(),
  openedBy: z.string(),
  openedAt: z.iso.datetime(),
  closedBy: z.string().nullable(),
  closedAt: z.iso.datetime().nullable(),
});
export type Incident = z.infer<typeof IncidentSchema>;

export const OpenIncidentSchema = z
  .object({
    summary: Words(500),
    severity: IncidentSeveritySchema,
    detectedAt: z.iso.datetime({ offset: true }),
    personalData: z.boolean(),
  })
  .strict()
  .describe('The incident');
export type OpenIncident = z.infer<typeof OpenIncidentSchema>;

export const CloseIncidentSchema = z
  .object({ resolution: Words(REASON_MAX_CHARS) })
  .strict()
  .describe('The resolution');
export type CloseIncident = z.infer<typeof CloseIncidentSchema>;

// ---- Restrictions: what the kill switch puts in place -----------------------------------------------------------

/**
 * user_suspended: every route and channel refuses the person; project_suspended: the project's routes refuse everybody;
 * egress_frozen: nothing leaves (one project, or `*`: every project).
 */
export const RestrictionKindSchema = z.enum(['user_suspended', 'project_suspended', 'egress_frozen']);
export type RestrictionKind = z.infer<typeof RestrictionKindSchema>;

/** The target of a global egress freeze. */
export const EVERY_PROJECT = '*';

export const RestrictionSchema = z.object({
  id: z.string().regex(RESTRICTION_ID_PATTERN),
  kind: RestrictionKindSchema,
  /** A user id, a project id, or `*` (egress frozen for every project). */
  target: z.string(),
  /** The target's name as the platform knows it (a person's, a project's); null for `*` or one it no longer knows. */
  targetName: z.string().nullable(),
  incidentId: z.string().regex(INCIDENT_ID_PATTERN),
  reason: z.string(),
  appliedBy: z.string(),
  appliedAt: z.iso.datetime(),
  liftedBy: z.string().nullable(),
  liftedAt: z.iso.datetime().nullable(),
  liftReason: z.string().nullable(),
});
export type Restriction = z.infer<typeof RestrictionSchema>;

/** One action of the kill switch. Every one names an open incident and a reason. */
export const KillSwitchActionSchema = z
  .discriminatedUnion('action', [
    z
      .object({
        action: z.literal('suspend_user'),
        userId: Id,
        incidentId: z.string().regex(INCIDENT_ID_PATTERN),
        reason: Words(REASON_MAX_CHARS),
      })
      .strict(),
    z
      .object({
        action: z.literal('suspend_project'),
        projectId: Id,
        incidentId: z.string().regex(INCIDENT_ID_PATTERN),
        reason: Words(REASON_MAX_CHARS),
      })
      .strict(),
    z
      .object({
        action: z.literal('freeze_egress'),
        /** null: every project. */
        projectId: Id.nullable(),
        incidentId: z.string().regex(INCIDENT_ID_PATTERN),
        reason: Words(REASON_MAX_CHARS),
      })
      .strict(),
    // Ends every sign-in of the person (sessions, refresh tokens, access tokens) without suspending them.
    z
      .object({
        action: z.literal('revoke_sessions'),
        userId: Id,
        incidentId: z.string().regex(INCIDENT_ID_PATTERN),
        reason: Words(REASON_MAX_CHARS),
      })
      .strict(),
  ])
  .describe('The action');
export type KillSwitchAction = z.infer<typeof KillSwitchActionSchema>;

export const LiftRestrictionSchema = z
  .object({ reason: Words(REASON_MAX_CHARS) })
  .strict()
  .describe('The lifting');
export type LiftRestriction = z.infer<typeof LiftRestrictionSchema>;

/** What an action (or a lifting) did, in words and numbers, for the panel that asked for it. */
export const ActionEffectSchema = z.object({
  /** The restriction put in place or lifted; null for revoke_sessions, which leaves none. */
  restriction: RestrictionSchema.nullable(),
  /** Sign-ins ended at the identity provider (sessions, grants, refresh tokens, device codes). */
  signInsEnded: z.number().int().nonnegative(),
  /** Queries, samples and transfers that were running and were stopped. */
  operationsAborted: z.number().int().nonnegative(),
  /** Each thing done, in words: "Ada Analyst is suspended: every route refuses her from her next call." */
  summary: z.array(z.string()),
});
export type ActionEffect = z.infer<typeof ActionEffectSchema>;

/** A person or project an administrator can act on, by id and name. */
export const NamedTargetSchema = z.object({ id: z.string(), name: z.string() });

/** Everything the incidents screen shows: incidents, restrictions in force and lately lifted, and who/what can be acted on. */
export const KillSwitchOverviewSchema = z.object({
  incidents: z.array(IncidentSchema),
  /** In force now, newest first. */
  active: z.array(RestrictionSchema),
  /** Lifted, newest first (the last 50). */
  lifted: z.array(RestrictionSchema),
  people: z.array(NamedTargetSchema.extend({ role: z.string() })),
  projects: z.array(NamedTargetSchema),
});
export type KillSwitchOverview = z.infer<typeof KillSwitchOverviewSchema>;

/** What the analyst's workstation asks before anything leaves: whether egress is frozen for this project now. */
export const EgressStatusSchema = z.object({
  frozen: z.boolean(),
  /** Why, in words the analyst can act on; null when not frozen. */
  message: z.string().nullable(),
});
export type EgressStatus = z.infer<typeof EgressStatusSchema>;

// ---- The access report --------------------------------------------------------------------------------------------

/** What one audit event counts as in an access report. */
export const AccessActivitySchema = z.enum([
  'sign_in',
  'session',
  'catalogue',
  'query',
  'sample',
  /** Workspace drive reads, writes and changes (drive.*). */
  'drive',
  /** The airlock: release requests, files, reviews, releases and exports (airlock.*). */
  'output',
  'agreement',
  'refused',
  'aborted',
  'other',
]);
export type AccessActivity = z.infer<typeof AccessActivitySchema>;

export const AccessReportEntrySchema = z.object({
  seq: z.number().int().positive(),
  occurredAt: z.string(),
  activity: AccessActivitySchema,
  /** The audit event's own type ('query.run'). */
  type: z.string(),
  actor: z.string().nullable(),
  projectId: z.string().nullable(),
  /** The datasets (relations) the event read. */
  datasets: z.array(z.string()),
  /** Rows answered; null where none were (a refusal, a sign-in). */
  rows: z.number().int().nonnegative().nullable(),
  /** Bytes a drive read or write carried; null where the log does not say (or nothing was carried). */
  bytes: z.number().int().nonnegative().nullable(),
  outcome: z.enum(['success', 'failure']),
  /**
   * What an investigator reads next: the SQL of a query; the path of a drive file; the outputs and the request of an
   * airlock event, by name; the reason of a refusal (after the path or output when both are known).
   */
  detail: z.string(),
});
export type AccessReportEntry = z.infer<typeof AccessReportEntrySchema>;

export const AccessReportSchema = z.object({
  subject: z.object({ kind: z.enum(['person', 'project']), id: z.string() }),
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  /** Oldest first. */
  entries: z.array(AccessReportEntrySchema),
  /** Entries by activity, and rows answered by queries and samples. */
  totals: z.object({ byActivity: z.record(z.string(), z.number().int().nonnegative()), rows: z.number().int().nonnegative() }),
});
export type AccessReport = z.infer<typeof AccessReportSchema>;

/** The report asked for: a person's or a project's activity in [from, to). */
export const AccessReportRequestSchema = z
  .object({
    subject: z.enum(['person', 'project']),
    id: Id,
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .strict();
export type AccessReportRequest = z.infer<typeof AccessReportRequestSchema>;

/** The same request as query parameters of the platform's route; every one described for refusals. */
export const AccessReportQuerySchema = z
  .object({
    subject: z.enum(['person', 'project']).describe('must be "person" or "project".'),
    id: Id.describe('must be a user or project id.'),
    from: z.iso.datetime({ offset: true }).describe('must be a date and time like 2026-12-01T09:00:00Z.'),
    to: z.iso.datetime({ offset: true }).describe('must be a date and time like 2026-12-01T17:00:00Z.'),
    /** json (the default) or csv: the same report, as accessReportCsv writes it. */
    format: z.enum(['json', 'csv']).optional().describe('must be "json" or "csv".'),
  })
  .strict();

export const ACCESS_REPORT_CSV_TYPE = 'text/csv; charset=utf-8';

/** The file name a CSV report is offered under: `access-report-person-demo-analyst-20261201T0900Z.csv`. */
export function accessReportFileName(report: Pick<AccessReport, 'subject' | 'from'>): string {
  const from = report.from.slice(0, 16).replaceAll('-', '').replace(':', '');
  return `access-report-${report.subject.kind}-${report.subject.id}-${from}Z.csv`;
}

const CSV_COLUMNS = [
  'seq',
  'occurredAt',
  'activity',
  'type',
  'actor',
  'projectId',
  'datasets',
  'rows',
  'bytes',
  'outcome',
  'detail',
] as const;

/** One CSV cell (RFC 4180), with a leading =, +, - or @ defused so a spreadsheet never runs it as a formula. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report as CSV: a header, then one line per entry, oldest first. */
export function accessReportCsv(report: AccessReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const entry of report.entries) {
    lines.push(
      [
        String(entry.seq),
        entry.occurredAt,
        entry.activity,
        entry.type,
        entry.actor ?? '',
        entry.projectId ?? '',
        entry.datasets.join(' '),
        entry.rows === null ? '' : String(entry.rows),
        entry.bytes === null ? '' : String(entry.bytes),
        entry.outcome,
        entry.detail,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
