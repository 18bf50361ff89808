// The platform's HTTP API, declared once. Per route: its method and path, the schemas of its path, query and
// body, what it answers, which roles may call it and how large a body it reads. The platform registers its
// routes from this table (src/platform/api/), the workstation's platform client calls through it
// (src/workstation/platform-client.ts), and the access tests walk it. Pure: no I/O.
import { z } from 'zod';
import {
  CatalogueSchema,
  IdSchema,
  PLATFORM_QUERY_MAX_CHARS,
  ProjectSchema,
  RuleProfileSchema,
  SAMPLE_ROW_LIMIT,
  UserSchema,
  type Role,
} from './contract.ts';
import {
  AgreementsOverviewSchema,
  AgreementViewSchema,
  AuditPageSchema,
  AuditQuerySchema,
  MembersUpdateSchema,
} from './agreement-views.ts';
import {
  BindSubjectSchema,
  DecideChangeSchema,
  EnrolSchema,
  PeopleOverviewSchema,
  PersonChangeResultSchema,
  PersonDetailSchema,
  RegisteredPersonSchema,
  RegisterPersonSchema,
  RoleChangeSchema,
  StatusChangeSchema,
} from './people.ts';
import { RecordReviewSchema, SecurityReviewSchema, UsageQuerySchema, UsageReportSchema } from './oversight.ts';
import {
  AcceptTermsSchema,
  DeclineTermsSchema,
  MyTermsListSchema,
  PublishTermsSchema,
  RecordTrainingSchema,
  TermsHistorySchema,
  TermsVersionSchema,
  TrainingOverviewSchema,
  TrainingRecordSchema,
  TrainingRequirementsSchema,
  TrainingStandingSchema,
} from './terms.ts';
import {
  AccessReportQuerySchema,
  AccessReportSchema,
  ActionEffectSchema,
  CloseIncidentSchema,
  EgressStatusSchema,
  INCIDENT_ID_PATTERN,
  IncidentSchema,
  KillSwitchActionSchema,
  KillSwitchOverviewSchema,
  LiftRestrictionSchema,
  OpenIncidentSchema,
  REASON_MAX_CHARS,
  RESTRICTION_ID_PATTERN,
} from './incidents.ts';

import {
  AddCommentSchema,
  CastVoteSchema,
  CreateRequestSchema,
  FILE_ID_PATTERN,
  NotificationSchema,
  NotificationsReadSchema,
  PutFileSchema,
  QueueEntrySchema,
  ReadNotificationsSchema,
  ReleasedFileSchema,
  ReleasedOutputSchema,
  ReleasePackageSchema,
  REQUEST_ID_PATTERN,
  RequestDetailSchema,
  RequestFileContentSchema,
  RequestSummarySchema,
  UpdateContextSchema,
  VersionedReasonSchema,
  VersionedSchema,
} from './airlock.ts';
import {
  AppPasswordIdSchema,
  AppPasswordSchema,
  CreateAppPasswordSchema,
  DeleteEntrySchema,
  DRIVE_PATH_MAX_CHARS,
  DriveEntrySchema,
  DriveFolderSchema,
  DriveInfoSchema,
  DriveTrashEntrySchema,
  DriveTreeSchema,
  DriveVersionsSchema,
  MakeFolderSchema,
  MoveEntrySchema,
  NewAppPasswordSchema,
  RestoreTrashSchema,
  RestoreVersionSchema,
  StartUploadSchema,
  UPLOAD_CHUNK_MAX_BYTES,
  UploadIdSchema,
  UploadSessionSchema,
} from './drives.ts';
import { OutputCheckSchema } from './output-check.ts';
import { OutputDocumentSchema } from './outputs.ts';

/** Where the API's paths start on the platform's URL. */
export const PLATFORM_API_PREFIX = '/api/v1';

/**
 * 'public': no identity needed. 'identified': a valid token of the trusted issuer, whoever it names (enrolment: the
 * platform does not know the person yet). Otherwise the roles that may call the route; everyone else is refused.
 */
export type RouteAccess = 'public' | 'identified' | readonly Role[];

/**
 * JSON that the schema accepts, rows ('rows': an Arrow IPC stream, or Parquet where the call asks for it), or no
 * body at all ('empty': 204).
 */
export type RouteAnswer = z.ZodType | 'rows' | 'empty';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

/** How rows travel: an Arrow IPC stream (what the window's engine reads), or a Parquet file (the core's engine). */
export const RowsFormatSchema = z.enum(['arrow', 'parquet']);
export type RowsFormat = z.infer<typeof RowsFormatSchema>;

/**
 * Rows a handler streams rather than holds: a file's bytes in chunks, with their size (the Content-Length). The
 * platform stops reading and closes it when the client goes away.
 */
export interface RowsBody {
  readonly format: RowsFormat;
  readonly bytes: number;
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** A route of the platform's own API. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** Below PLATFORM_API_PREFIX. `:name` is a path parameter, which `params` declares. */
  readonly path: string;
  /** Path parameters. A bad value is refused as "<name> <the field's description>", never echoing the value. */
  readonly params?: z.ZodObject;
  /** Query parameters (strings as sent), described like `params`. Any other name is refused. */
  readonly query?: z.ZodObject;
  /** The JSON body. A bad one is refused as "<the schema's description> is not valid: <which field, why>". */
  readonly body?: z.ZodType;
  readonly answer: RouteAnswer;
  readonly access: RouteAccess;
  /** The largest request body read, in bytes; a larger one is refused with 413. */
  readonly bodyLimit: number;
}

/** A route the embedded identity provider serves itself: the table says only who may call it and how much it reads. */
export interface ProviderRoute {
  readonly access: RouteAccess;
  readonly bodyLimit: number;
  /**
   * The route checks its callers' credentials itself, then the same things the hook does (WebDAV, whose standard
   * clients send Basic credentials): the hook does not authenticate it. Its access still says which roles may call.
   */
  readonly ownCredentials?: boolean;
}

/** How the platform says its users sign in (public: the workstation reads it before anyone has signed in). */
export const PlatformIdentitySchema = z.object({
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  audience: z.string().min(1).nullable().optional(),
  scopes: z.array(z.string()).optional(),
});
export type PlatformIdentity = z.infer<typeof PlatformIdentitySchema>;

export const PlatformHealthSchema = z.object({
  status: z.literal('ok'),
  name: z.string(),
  mode: z.string(),
  // Optional: a platform from before sign-in existed, or one whose identity the workstation is told by config.
  identity: PlatformIdentitySchema.optional(),
});
export type PlatformHealth = z.infer<typeof PlatformHealthSchema>;

/**
 * What the workstation reports about its session; the platform records it as `session.<event>` with the caller
 * as actor. unlock_refused comes with the token of whoever signed in at the lock screen when that was someone
 * else than the locked user: a failure, as the unlock did not happen.
 */
export const SESSION_EVENTS = ['signed_in', 'signed_out', 'locked', 'unlocked', 'unlock_refused', 'session_expired'] as const;
export type SessionEventName = (typeof SESSION_EVENTS)[number];

export const SessionEventSchema = z
  .object({ event: z.enum(SESSION_EVENTS) })
  .strict()
  .describe('The session event');

/** A project or dataset id in a path. */
const PathIdSchema = IdSchema.describe('must be 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.');

/** A plain decimal integer 1..SAMPLE_ROW_LIMIT, given once: no exponents, signs, spaces or fractions. */
const SampleLimitSchema = z
  .string()
  .regex(/^[0-9]{1,7}$/)
  .transform(Number)
  .pipe(z.number().min(1).max(SAMPLE_ROW_LIMIT))
  .describe(`must be a whole number from 1 to ${SAMPLE_ROW_LIMIT.toLocaleString('en-GB')}.`);

const SampleFormatSchema = RowsFormatSchema.default('arrow').describe('must be "arrow" (the default) or "parquet".');

const EVERY_ROLE = ['analyst', 'output_checker', 'data_manager', 'admin'] as const satisfies readonly Role[];

/** One minimised query over the project's relations, and the format its rows come back in. */
export const PlatformQuerySchema = z
  .object({
    // Not trimmed: positions in the engine's errors count in the text as the analyst wrote it.
    sql: z
      .string()
      .max(PLATFORM_QUERY_MAX_CHARS, `must be at most ${PLATFORM_QUERY_MAX_CHARS.toLocaleString('en-GB')} characters`)
      .refine((text) => text.trim().length > 0, 'must not be empty'),
    format: RowsFormatSchema,
  })
  .strict()
  .describe('The query');
export type PlatformQuery = z.infer<typeof PlatformQuerySchema>;

/** Bodies of a few short JSON fields. */
const SMALL_BODY = 1024;

/** A reason (at most 2,000 characters, up to 6 bytes each in JSON) and a few short fields. */
const REASON_BODY = REASON_MAX_CHARS * 6 + SMALL_BODY;
/** A title and the three context texts (at most 5,000 characters each). */
const CONTEXT_BODY = 4 * 5000 * 6 + SMALL_BODY;
/**
 * An output document (a table with each cell's contributions can hold a value per person) or a supporting file (at most
 * 1,000,000 characters): 16 MiB.
 */
const OUTPUT_BODY = 16 * 1024 * 1024;

/** A project's drive in a path. */
const DriveParams = z.object({ projectId: PathIdSchema });
/**
 * A path below a drive's root in a query (empty or absent: the root). Only its length is checked here: the drive
 * service judges it by the name policy, so a refusal says which name is at fault and why.
 */
const DrivePathQuery = z
  .string()
  .max(DRIVE_PATH_MAX_CHARS * 4)
  .default('')
  .describe('must be a path below the drive\'s root: its names joined by "/", at most 1,024 characters (empty for the root).');
const UploadParams = z.object({
  projectId: PathIdSchema,
  uploadId: UploadIdSchema.describe('must be an upload id (up- and 24 hex digits).'),
});
/** The JSON of a drive request that names up to two paths (each at most 1,024 characters, up to 6 bytes each in JSON). */
const DRIVE_PATHS_BODY = 2 * DRIVE_PATH_MAX_CHARS * 6 + SMALL_BODY;

const RequestIdParam = z.string().regex(REQUEST_ID_PATTERN).describe('must be a request id (req- and 20 hex digits).');
const FileIdParam = z.string().regex(FILE_ID_PATTERN).describe('must be a file id (file- and 20 hex digits).');
const RequestParams = z.object({ requestId: RequestIdParam });
const FileParams = z.object({ requestId: RequestIdParam, fileId: FileIdParam });

export const PLATFORM_API = {
  health: { method: 'GET', path: '/health', answer: PlatformHealthSchema, access: 'public', bodyLimit: SMALL_BODY },
  me: { method: 'GET', path: '/me', answer: UserSchema, access: EVERY_ROLE, bodyLimit: SMALL_BODY },
  // The workstation reports sign-in, sign-out, lock and unlock for the audit log.
  'session.events': {
    method: 'POST',
    path: '/session-events',
    body: SessionEventSchema,
    answer: 'empty',
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // The disclosure-control rules in force: the checkers' reference (and the admins who set them).
  'checking.rules': {
    method: 'GET',
    path: '/checking/rules',
    answer: z.array(RuleProfileSchema),
    access: ['output_checker', 'admin'],
    bodyLimit: SMALL_BODY,
  },
  'projects.list': { method: 'GET', path: '/projects', answer: z.array(ProjectSchema), access: EVERY_ROLE, bodyLimit: SMALL_BODY },
  // Data managers and admins read the catalogue of their projects; checkers review outputs, not data.
  'catalogue.get': {
    method: 'GET',
    path: '/projects/:projectId/catalogue',
    params: z.object({ projectId: PathIdSchema }),
    answer: CatalogueSchema,
    access: ['analyst', 'data_manager', 'admin'],
    bodyLimit: SMALL_BODY,
  },
  // Row-level data: analysts only.
  'dataset.sample': {
    method: 'GET',
    path: '/projects/:projectId/datasets/:datasetId/sample',
    params: z.object({ projectId: PathIdSchema, datasetId: PathIdSchema }),
    // The same rows either way: Arrow for the window's engine, Parquet for the core's (it loads Parquet far faster).
    query: z.object({ limit: SampleLimitSchema, format: SampleFormatSchema }).strict(),
    answer: 'rows',
    access: ['analyst'],
    bodyLimit: SMALL_BODY,
  },
  // A minimised query: one checked SELECT over the project's minimised copy, answered once complete (never half).
  'project.query': {
    method: 'POST',
    path: '/projects/:projectId/query',
    params: z.object({ projectId: PathIdSchema }),
    body: PlatformQuerySchema,
    answer: 'rows',
    access: ['analyst'],
    // UTF-8 takes at most 4 bytes a character; JSON escaping at most 6 (\uXXXX).
    bodyLimit: PLATFORM_QUERY_MAX_CHARS * 6 + SMALL_BODY,
  },
  // The project's agreement, read-only: who may see what, for which purpose, until when. Its members (and admins who
  // are members) read it under the same check as the catalogue.
  'project.agreement': {
    method: 'GET',
    path: '/projects/:projectId/agreement',
    params: z.object({ projectId: PathIdSchema }),
    answer: AgreementViewSchema,
    access: ['analyst', 'data_manager', 'admin'],
    bodyLimit: SMALL_BODY,
  },
  // The project's members, edited on its page and saved as a new version of its agreement (the one source of membership),
  // through the same validation as an edited file. Data managers (on the data owner's behalf) and admins.
  'project.members': {
    method: 'POST',
    path: '/projects/:projectId/members',
    params: z.object({ projectId: PathIdSchema }),
    body: MembersUpdateSchema,
    answer: AgreementViewSchema,
    access: ['data_manager', 'admin'],
    bodyLimit: 64 * SMALL_BODY,
  },
  // Every agreement the platform knows, in force or not, and every refused file with its problems: the admins' screen.
  'admin.agreements': {
    method: 'GET',
    path: '/admin/agreements',
    answer: AgreementsOverviewSchema,
    access: ['data_manager', 'admin'],
    bodyLimit: SMALL_BODY,
  },
  // The audit log, newest first, filtered by user, project, type and time, a page at a time.
  'admin.audit': {
    method: 'GET',
    path: '/admin/audit',
    query: AuditQuerySchema,
    answer: AuditPageSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  // Whether anything may leave this project now: the export gate asks at export time (egress frozen by an incident).
  'project.egress': {
    method: 'GET',
    path: '/projects/:projectId/egress',
    params: z.object({ projectId: PathIdSchema }),
    answer: EgressStatusSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // Incidents and the kill switch (admins): the overview, opening and closing incidents, acting and lifting.
  'admin.killswitch': {
    method: 'GET',
    path: '/admin/incidents',
    answer: KillSwitchOverviewSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  'admin.incidents.open': {
    method: 'POST',
    path: '/admin/incidents',
    body: OpenIncidentSchema,
    answer: IncidentSchema,
    access: ['admin'],
    bodyLimit: 4 * SMALL_BODY,
  },
  'admin.incidents.close': {
    method: 'POST',
    path: '/admin/incidents/:incidentId/close',
    params: z.object({ incidentId: z.string().regex(INCIDENT_ID_PATTERN).describe('must be an incident id (inc- and 20 hex digits).') }),
    body: CloseIncidentSchema,
    answer: IncidentSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.actions.apply': {
    method: 'POST',
    path: '/admin/actions',
    body: KillSwitchActionSchema,
    answer: ActionEffectSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.actions.lift': {
    method: 'POST',
    path: '/admin/actions/:actionId/lift',
    params: z.object({ actionId: z.string().regex(RESTRICTION_ID_PATTERN).describe('must be an action id (act- and 20 hex digits).') }),
    body: LiftRestrictionSchema,
    answer: ActionEffectSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  // What a person or a project touched between two times, from the audit log: JSON, or with format=csv the same
  // report as CSV (text/csv, offered as a file to save).
  'admin.access-report': {
    method: 'GET',
    path: '/admin/access-report',
    query: AccessReportQuerySchema,
    answer: AccessReportSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  // Enrolment: a person signed in at the identity provider whom the platform does not know yet binds their identity
  // with the one-time code an administrator sent them.
  enrol: { method: 'POST', path: '/enrol', body: EnrolSchema, answer: UserSchema, access: 'identified', bodyLimit: SMALL_BODY },
  // People (admins): list, one person with their history, register (an enrolment code, or bound at once), roles,
  // status, binding, a new enrolment code, and deciding a change that needs a second administrator.
  'admin.users.list': { method: 'GET', path: '/admin/users', answer: PeopleOverviewSchema, access: ['admin'], bodyLimit: SMALL_BODY },
  'admin.users.get': {
    method: 'GET',
    path: '/admin/users/:userId',
    params: z.object({ userId: PathIdSchema }),
    answer: PersonDetailSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  'admin.users.add': {
    method: 'POST',
    path: '/admin/users',
    body: RegisterPersonSchema,
    answer: RegisteredPersonSchema,
    access: ['admin'],
    bodyLimit: 16 * SMALL_BODY,
  },
  'admin.users.grant': {
    method: 'POST',
    path: '/admin/users/:userId/grant',
    params: z.object({ userId: PathIdSchema }),
    body: RoleChangeSchema,
    answer: PersonChangeResultSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.users.revoke': {
    method: 'POST',
    path: '/admin/users/:userId/revoke',
    params: z.object({ userId: PathIdSchema }),
    body: RoleChangeSchema,
    answer: PersonChangeResultSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.users.status': {
    method: 'POST',
    path: '/admin/users/:userId/status',
    params: z.object({ userId: PathIdSchema }),
    body: StatusChangeSchema,
    answer: PersonChangeResultSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.users.bind': {
    method: 'POST',
    path: '/admin/users/:userId/bind',
    params: z.object({ userId: PathIdSchema }),
    body: BindSubjectSchema,
    answer: PersonChangeResultSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  'admin.users.enrolment-code': {
    method: 'POST',
    path: '/admin/users/:userId/enrolment-code',
    params: z.object({ userId: PathIdSchema }),
    answer: z.object({ code: z.string(), expiresAt: z.iso.datetime() }),
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  'admin.changes.decide': {
    method: 'POST',
    path: '/admin/changes/:changeId',
    params: z.object({
      changeId: z
        .string()
        .regex(/^chg-[0-9a-f]{20}$/)
        .describe('must be a change id (chg- and 20 hex digits).'),
    }),
    body: DecideChangeSchema,
    answer: PersonChangeResultSchema,
    access: ['admin'],
    bodyLimit: REASON_MAX_CHARS * 6 + SMALL_BODY,
  },
  // Terms of use: the caller's current terms (each role's and everyone's), accepting the exact text shown (its sha256),
  // declining (the workstation then signs out). Open before the terms are accepted, like me and the session events.
  'terms.mine': { method: 'GET', path: '/terms', answer: MyTermsListSchema, access: EVERY_ROLE, bodyLimit: SMALL_BODY },
  'terms.accept': {
    method: 'POST',
    path: '/terms/accept',
    body: AcceptTermsSchema,
    answer: MyTermsListSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'terms.decline': {
    method: 'POST',
    path: '/terms/decline',
    body: DeclineTermsSchema,
    answer: 'empty',
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // The caller's own training per role, with what expires within 30 days.
  'me.training': { method: 'GET', path: '/me/training', answer: TrainingStandingSchema, access: EVERY_ROLE, bodyLimit: SMALL_BODY },
  // Admins publish terms (old versions stay readable) and keep training records and each role's required courses.
  'admin.terms': { method: 'GET', path: '/admin/terms', answer: TermsHistorySchema, access: ['admin'], bodyLimit: SMALL_BODY },
  'admin.terms.publish': {
    method: 'POST',
    path: '/admin/terms',
    body: PublishTermsSchema,
    answer: TermsVersionSchema,
    access: ['admin'],
    // The text (at most 100,000 characters, up to 6 bytes each in JSON) and a few short fields.
    bodyLimit: 100_000 * 6 + SMALL_BODY,
  },
  'admin.training': { method: 'GET', path: '/admin/training', answer: TrainingOverviewSchema, access: ['admin'], bodyLimit: SMALL_BODY },
  'admin.training.record': {
    method: 'POST',
    path: '/admin/training',
    body: RecordTrainingSchema,
    answer: TrainingRecordSchema,
    access: ['admin'],
    bodyLimit: 4 * SMALL_BODY,
  },
  'admin.training.requirements': {
    method: 'POST',
    path: '/admin/training/requirements',
    body: TrainingRequirementsSchema,
    answer: TrainingOverviewSchema.shape.requirements,
    access: ['admin'],
    bodyLimit: 4 * SMALL_BODY,
  },
  // Oversight (admins): the usage report for a time range, reproducible from the audit log; the security review with
  // its expiries panel, and recording a review (an audit event) with a note.
  'admin.usage': {
    method: 'GET',
    path: '/admin/usage',
    query: UsageQuerySchema,
    answer: UsageReportSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  'admin.security-review': {
    method: 'GET',
    path: '/admin/security-review',
    answer: SecurityReviewSchema,
    access: ['admin'],
    bodyLimit: SMALL_BODY,
  },
  'admin.security-review.record': {
    method: 'POST',
    path: '/admin/security-review',
    body: RecordReviewSchema,
    answer: SecurityReviewSchema,
    access: ['admin'],
    bodyLimit: 4000 * 6 + SMALL_BODY,
  },
  // ---- The airlock (issue 16): release requests, the checkers' reviews, release, the ledger -----------------------
  // Project-scoped routes are open to every role here; the handlers check membership (and, for a request, whether the
  // caller is its author, a member of its project or an output checker who is not its author).
  'airlock.rules': {
    method: 'GET',
    path: '/projects/:projectId/outputs/rules',
    params: z.object({ projectId: PathIdSchema }),
    answer: RuleProfileSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.check': {
    method: 'POST',
    path: '/projects/:projectId/outputs/check',
    params: z.object({ projectId: PathIdSchema }),
    body: z.object({ document: OutputDocumentSchema }).strict().describe('The output'),
    answer: OutputCheckSchema,
    access: EVERY_ROLE,
    bodyLimit: OUTPUT_BODY,
  },
  'airlock.requests': {
    method: 'GET',
    path: '/projects/:projectId/requests',
    params: z.object({ projectId: PathIdSchema }),
    answer: z.array(RequestSummarySchema),
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.create': {
    method: 'POST',
    path: '/projects/:projectId/requests',
    params: z.object({ projectId: PathIdSchema }),
    body: CreateRequestSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: CONTEXT_BODY,
  },
  'airlock.request': {
    method: 'GET',
    path: '/requests/:requestId',
    params: RequestParams,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.context': {
    method: 'POST',
    path: '/requests/:requestId/context',
    params: RequestParams,
    body: UpdateContextSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: CONTEXT_BODY,
  },
  'airlock.putFile': {
    method: 'POST',
    path: '/requests/:requestId/files',
    params: RequestParams,
    body: PutFileSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: OUTPUT_BODY,
  },
  'airlock.withdrawFile': {
    method: 'POST',
    path: '/requests/:requestId/files/:fileId/withdraw',
    params: FileParams,
    body: VersionedSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // A file's content: its author, and output checkers who are not its author. Every read is an audit event.
  'airlock.file': {
    method: 'GET',
    path: '/requests/:requestId/files/:fileId',
    params: FileParams,
    answer: RequestFileContentSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.submit': {
    method: 'POST',
    path: '/requests/:requestId/submit',
    params: RequestParams,
    body: VersionedSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.withdraw': {
    method: 'POST',
    path: '/requests/:requestId/withdraw',
    params: RequestParams,
    body: VersionedReasonSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: REASON_BODY,
  },
  // The checkers' work: never on a request of their own, whatever roles they hold.
  'airlock.queue': {
    method: 'GET',
    path: '/airlock/queue',
    answer: z.array(QueueEntrySchema),
    access: ['output_checker'],
    bodyLimit: SMALL_BODY,
  },
  'airlock.vote': {
    method: 'POST',
    path: '/requests/:requestId/files/:fileId/vote',
    params: FileParams,
    body: CastVoteSchema,
    answer: RequestDetailSchema,
    access: ['output_checker'],
    bodyLimit: REASON_BODY + 64 * SMALL_BODY,
  },
  // The author comments in public; checkers in public or in private (never shown to the author nor the members).
  'airlock.comment': {
    method: 'POST',
    path: '/requests/:requestId/comments',
    params: RequestParams,
    body: AddCommentSchema,
    answer: RequestDetailSchema,
    access: EVERY_ROLE,
    bodyLimit: 4000 * 6 + SMALL_BODY,
  },
  'airlock.completeReview': {
    method: 'POST',
    path: '/requests/:requestId/review',
    params: RequestParams,
    body: VersionedSchema,
    answer: RequestDetailSchema,
    access: ['output_checker'],
    bodyLimit: SMALL_BODY,
  },
  'airlock.return': {
    method: 'POST',
    path: '/requests/:requestId/return',
    params: RequestParams,
    body: VersionedSchema,
    answer: RequestDetailSchema,
    access: ['output_checker'],
    bodyLimit: SMALL_BODY,
  },
  'airlock.reject': {
    method: 'POST',
    path: '/requests/:requestId/reject',
    params: RequestParams,
    body: VersionedReasonSchema,
    answer: RequestDetailSchema,
    access: ['output_checker'],
    bodyLimit: REASON_BODY,
  },
  // Refused when egress is frozen (egress_frozen), the author may no longer request release, or the stored bytes no
  // longer hash to what was reviewed.
  'airlock.release': {
    method: 'POST',
    path: '/requests/:requestId/release',
    params: RequestParams,
    body: VersionedSchema,
    answer: RequestDetailSchema,
    access: ['output_checker'],
    bodyLimit: SMALL_BODY,
  },
  'airlock.revoke': {
    method: 'POST',
    path: '/requests/:requestId/revoke',
    params: RequestParams,
    body: VersionedReasonSchema,
    answer: RequestDetailSchema,
    access: ['output_checker', 'admin'],
    bodyLimit: REASON_BODY,
  },
  // The project's ledger of released outputs (revoked ones marked), a released file (audited as a download), and a
  // released request's package (published outputs and ACRO's results.json; audited as a read).
  'airlock.released': {
    method: 'GET',
    path: '/projects/:projectId/released',
    params: z.object({ projectId: PathIdSchema }),
    answer: z.array(ReleasedOutputSchema),
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.releasedFile': {
    method: 'GET',
    path: '/projects/:projectId/released/:fileId',
    params: z.object({ projectId: PathIdSchema, fileId: FileIdParam }),
    answer: ReleasedFileSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.package': {
    method: 'GET',
    path: '/requests/:requestId/package',
    params: RequestParams,
    answer: ReleasePackageSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // Changes of owner that concern the caller (newest first), and marking them read.
  'airlock.notifications': {
    method: 'GET',
    path: '/airlock/notifications',
    answer: z.array(NotificationSchema),
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'airlock.readNotifications': {
    method: 'POST',
    path: '/airlock/notifications/read',
    body: ReadNotificationsSchema,
    answer: NotificationsReadSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // ---- Workspace drives (issue 17): a shared folder per project ---------------------------------------------------
  // Open to every role here; the drive service checks membership of the drive's project now (the agreement in force, the
  // kill switch), as every project-scoped route does: a non-member gets the same 404 as a project that does not exist.
  // The bytes travel on the raw routes below (DRIVE_RAW_ROUTES) and over WebDAV.
  'drive.list': { method: 'GET', path: '/drives', answer: z.array(DriveInfoSchema), access: EVERY_ROLE, bodyLimit: SMALL_BODY },
  'drive.info': {
    method: 'GET',
    path: '/drives/:projectId',
    params: DriveParams,
    answer: DriveInfoSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.folder': {
    method: 'GET',
    path: '/drives/:projectId/folder',
    params: DriveParams,
    query: z.object({ path: DrivePathQuery }).strict(),
    answer: DriveFolderSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // Every live entry and the change counter it was read at: the sync engine's view of the platform.
  'drive.tree': {
    method: 'GET',
    path: '/drives/:projectId/tree',
    params: DriveParams,
    answer: DriveTreeSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.mkdir': {
    method: 'POST',
    path: '/drives/:projectId/folders',
    params: DriveParams,
    body: MakeFolderSchema,
    answer: DriveEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: DRIVE_PATHS_BODY,
  },
  'drive.move': {
    method: 'POST',
    path: '/drives/:projectId/move',
    params: DriveParams,
    body: MoveEntrySchema,
    answer: DriveEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: DRIVE_PATHS_BODY,
  },
  // Soft: the entry (with everything in it) goes to the drive's trash.
  'drive.delete': {
    method: 'POST',
    path: '/drives/:projectId/delete',
    params: DriveParams,
    body: DeleteEntrySchema,
    answer: DriveTrashEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: DRIVE_PATHS_BODY,
  },
  'drive.versions': {
    method: 'GET',
    path: '/drives/:projectId/versions',
    params: DriveParams,
    query: z.object({ path: DrivePathQuery }).strict(),
    answer: DriveVersionsSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // A restore is a new version with the old content.
  'drive.restoreVersion': {
    method: 'POST',
    path: '/drives/:projectId/versions/restore',
    params: DriveParams,
    body: RestoreVersionSchema,
    answer: DriveEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: DRIVE_PATHS_BODY,
  },
  'drive.trash': {
    method: 'GET',
    path: '/drives/:projectId/trash',
    params: DriveParams,
    answer: z.array(DriveTrashEntrySchema),
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.restoreTrash': {
    method: 'POST',
    path: '/drives/:projectId/trash/restore',
    params: DriveParams,
    body: RestoreTrashSchema,
    answer: DriveEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // Resumable uploads: start (name, condition and quota checked from the declared size), chunks on the raw route
  // `drive.uploadChunk`, where it stands, commit (the SHA-256 verified, then written only if the condition still holds).
  'drive.uploadStart': {
    method: 'POST',
    path: '/drives/:projectId/uploads',
    params: DriveParams,
    body: StartUploadSchema,
    answer: UploadSessionSchema,
    access: EVERY_ROLE,
    bodyLimit: DRIVE_PATHS_BODY,
  },
  'drive.uploadStatus': {
    method: 'GET',
    path: '/drives/:projectId/uploads/:uploadId',
    params: UploadParams,
    answer: UploadSessionSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.uploadCommit': {
    method: 'POST',
    path: '/drives/:projectId/uploads/:uploadId/commit',
    params: UploadParams,
    answer: DriveEntrySchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  // App passwords for standard WebDAV clients: the caller's own, for this drive; the secret is shown once.
  'drive.appPasswords': {
    method: 'GET',
    path: '/drives/:projectId/app-passwords',
    params: DriveParams,
    answer: z.array(AppPasswordSchema),
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.createAppPassword': {
    method: 'POST',
    path: '/drives/:projectId/app-passwords',
    params: DriveParams,
    body: CreateAppPasswordSchema,
    answer: NewAppPasswordSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
  'drive.revokeAppPassword': {
    method: 'POST',
    path: '/drives/:projectId/app-passwords/:id/revoke',
    params: z.object({ projectId: PathIdSchema, id: AppPasswordIdSchema.describe('must be an app password id (app- and 20 hex digits).') }),
    answer: AppPasswordSchema,
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
} as const satisfies Record<string, ApiRoute>;

/** A route that carries bytes rather than JSON: registered by hand, its access checked by the same hook. */
export interface RawRoute extends ProviderRoute {
  readonly method: 'GET' | 'PUT';
  /** Below PLATFORM_API_PREFIX, like an API route's. */
  readonly path: string;
}

/**
 * The drives' byte routes (issue 17), authenticated with the same Bearer token as the API:
 * - `drive.uploadChunk`: PUT the raw bytes of one chunk of an upload session (at most UPLOAD_CHUNK_MAX_BYTES), with
 *   `Content-Range: bytes START-END/TOTAL`; START must be the session's offset, else 409 with the session as the JSON
 *   body (its `offset` says where to go on from). Answers 200 with the session.
 * - `drive.versionContent`: GET the bytes of a kept version, `?path=P`.
 */
export const DRIVE_RAW_ROUTES = {
  'drive.uploadChunk': {
    method: 'PUT',
    path: '/drives/:projectId/uploads/:uploadId',
    access: EVERY_ROLE,
    bodyLimit: UPLOAD_CHUNK_MAX_BYTES,
  },
  'drive.versionContent': {
    method: 'GET',
    path: '/drives/:projectId/versions/:version/content',
    access: EVERY_ROLE,
    bodyLimit: SMALL_BODY,
  },
} as const satisfies Record<string, RawRoute>;

/** The header the upload-chunk route reads the chunk's place from: `bytes START-END/TOTAL`, both ends included. */
export function uploadContentRange(start: number, length: number, total: number): string {
  return `bytes ${start}-${start + length - 1}/${total}`;
}

/**
 * The drives' WebDAV mount (`/dav/:projectId/<path>`, src/platform/drives/webdav/): it authenticates its callers itself
 * (a Bearer token, or Basic with an app password over HTTPS or loopback) and then applies the same checks as the API's
 * hook, so the hook lets it through unauthenticated (`ownCredentials`). Every role may call it; the drive service
 * checks membership. Its bodies are XML (PROPFIND, PROPPATCH, LOCK) or a file's bytes, which it streams.
 */
export const WEBDAV_ROUTES = {
  'drive.dav': { access: EVERY_ROLE, bodyLimit: 1024 * 1024, ownCredentials: true },
} as const satisfies Record<string, ProviderRoute>;

/**
 * Routes served whatever the caller's terms and training: what a person needs in order to see and accept the terms,
 * learn where their training stands, report their session and enrol. Every other route refuses until the current
 * terms are accepted (terms_required) and, for the route's roles, the training is valid (training_required).
 */
export const ALWAYS_OPEN_ROUTES: ReadonlySet<string> = new Set([
  'health',
  'me',
  'session.events',
  'terms.mine',
  'terms.accept',
  'terms.decline',
  'me.training',
  'enrol',
]);

/**
 * The embedded identity provider's routes (only when the platform runs it): its protocol endpoints (discovery,
 * keys, authorize, token, revocation, device) and its sign-in pages are how a caller gets an identity at all.
 */
export const IDENTITY_PROVIDER_ROUTES = {
  // oidc-provider reads these bodies itself and refuses any past 56 KiB (its own limit): the platform passes
  // the request through unread.
  'idp.protocol': { access: 'public', bodyLimit: 56 * 1024 },
  // The sign-in form (username and password).
  'idp.pages': { access: 'public', bodyLimit: 4096 },
} as const satisfies Record<string, ProviderRoute>;

/** Every route the platform serves, by the id its access check reads. A route not in here is refused to all. */
export const PLATFORM_ROUTES = {
  ...PLATFORM_API,
  ...IDENTITY_PROVIDER_ROUTES,
  ...DRIVE_RAW_ROUTES,
  ...WEBDAV_ROUTES,
} as const satisfies Record<string, ProviderRoute>;

export type ApiRouteId = keyof typeof PLATFORM_API;
export type RouteId = keyof typeof PLATFORM_ROUTES;

export const ROUTE_IDS = Object.keys(PLATFORM_ROUTES) as RouteId[];
export const API_ROUTE_IDS = Object.keys(PLATFORM_API) as ApiRouteId[];

export function isRouteId(value: unknown): value is RouteId {
  return typeof value === 'string' && Object.hasOwn(PLATFORM_ROUTES, value);
}

export function routeAccess(route: RouteId): RouteAccess {
  return PLATFORM_ROUTES[route].access;
}

/** Whether the route authenticates its callers itself (WebDAV), so the API's hook must let it through. */
export function routeHasOwnCredentials(route: RouteId): boolean {
  const entry: ProviderRoute = PLATFORM_ROUTES[route];
  return entry.ownCredentials === true;
}

type ApiRouteOf<R extends ApiRouteId> = (typeof PLATFORM_API)[R];
type RoutePart = 'params' | 'query' | 'body';
type PartSchema<R extends ApiRouteId, K extends RoutePart> =
  ApiRouteOf<R> extends { readonly [P in K]: infer S extends z.ZodType } ? S : undefined;
type DeclaredPart<R extends ApiRouteId> = { [K in RoutePart]: PartSchema<R, K> extends z.ZodType ? K : never }[RoutePart];

/** A route's params, query and body as its handler sees them: parsed by their schemas; undefined when not declared. */
export type RouteInput<R extends ApiRouteId> = {
  readonly [K in RoutePart]: PartSchema<R, K> extends z.ZodType ? z.output<PartSchema<R, K>> : undefined;
};

/** What a caller sends: the parts the route declares, as they travel (path and query values are strings). */
export type RouteCallInput<R extends ApiRouteId> = {
  readonly [K in DeclaredPart<R>]: PartSchema<R, K> extends z.ZodType ? z.input<PartSchema<R, K>> : never;
};

type AnswerOf<R extends ApiRouteId> = ApiRouteOf<R>['answer'];

/** What a caller gets back: the parsed JSON, the rows' bytes, or nothing. */
export type RouteAnswerOf<R extends ApiRouteId> =
  AnswerOf<R> extends z.ZodType ? z.output<AnswerOf<R>> : AnswerOf<R> extends 'rows' ? Uint8Array<ArrayBuffer> : undefined;

/**
 * What a handler gives back for the platform to check and send: JSON its schema accepts, rows (Arrow bytes, or a
 * body it streams), or nothing.
 */
export type RouteResult<R extends ApiRouteId> =
  AnswerOf<R> extends z.ZodType ? z.input<AnswerOf<R>> : AnswerOf<R> extends 'rows' ? Uint8Array | RowsBody : void;

/** Whether the route's handler gets no principal: it needs no identity, or only a token nobody on the platform holds yet. */
export type IsPublicRoute<R extends ApiRouteId> = ApiRouteOf<R>['access'] extends 'public' | 'identified' ? true : false;
