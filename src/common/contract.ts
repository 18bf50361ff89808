// The renderer↔workstation API, declared once. Every transport (in-process, Electron IPC, HTTP) serves this
// table; the receiving side parses every payload with these schemas before a handler sees it.
import { z } from 'zod';
import {
  ColumnSummarySchema,
  FilterSchema,
  LocalModeSchema,
  LocalTableNameSchema,
  LocalTableSchema,
  PageRequestSchema,
  RunResultSchema,
} from './local-engine.ts';
import {
  EditorTabSchema,
  EditorTabsSchema,
  HistoryEntrySchema,
  HistoryPageSchema,
  HistoryQuerySchema,
  LayoutSchema,
  MAX_SQL_CHARS,
  RunRecordSchema,
  SavedQueryChangeSchema,
  SavedQueryIdSchema,
  SavedQueryNewSchema,
  SavedQuerySchema,
  SqlTextSchema,
  TabIdSchema,
  TabMoveSchema,
  TabSaveSchema,
} from './workspace.ts';
import {
  BindSubjectSchema,
  EnrolSchema,
  PeopleOverviewSchema,
  PersonChangeResultSchema,
  PersonDetailSchema,
  RegisteredPersonSchema,
  RegisterPersonSchema,
  RoleChangeSchema,
  RoleSchema,
  StatusChangeSchema,
} from './people.ts';
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
import { RulesSchema } from './sdc/rules.ts';
import {
  AgreementsOverviewSchema,
  AgreementViewSchema,
  AuditFilterSchema,
  AuditPageSchema,
  MembersUpdateSchema,
} from './agreement-views.ts';
import { RecordReviewSchema, SecurityReviewSchema, UsageReportSchema } from './oversight.ts';
import {
  AddCommentSchema,
  CastVoteSchema,
  CreateRequestSchema,
  FileIdSchema,
  NotificationSchema,
  NotificationsReadSchema,
  PutOutputFileSchema,
  PutSupportingFileSchema,
  QueueEntrySchema,
  ReadNotificationsSchema,
  ReleasedFileSchema,
  ReleasedOutputSchema,
  ReleasePackageSchema,
  RequestDetailSchema,
  RequestFileContentSchema,
  RequestIdSchema,
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
  DriveEntryPathSchema,
  DriveEntrySchema,
  DriveFolderSchema,
  DriveInfoSchema,
  DrivePathSchema,
  DriveTrashEntrySchema,
  DriveVersionsSchema,
  MakeFolderSchema,
  MoveEntrySchema,
  NewAppPasswordSchema,
  RestoreTrashSchema,
  RestoreVersionSchema,
  UploadIdSchema,
  UploadSessionSchema,
  WriteConditionSchema,
  driveNameProblem,
} from './drives.ts';
import { OutputCheckSchema } from './output-check.ts';
import { OutputDocumentSchema } from './outputs.ts';
import {
  AccessReportRequestSchema,
  AccessReportSchema,
  ActionEffectSchema,
  CloseIncidentSchema,
  INCIDENT_ID_PATTERN,
  IncidentSchema,
  KillSwitchActionSchema,
  KillSwitchOverviewSchema,
  LiftRestrictionSchema,
  OpenIncidentSchema,
  RESTRICTION_ID_PATTERN,
} from './incidents.ts';

export const IdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, "-" or "_"');

export { RoleSchema, type Role } from './people.ts';

export const FieldTagSchema = z.enum(['direct_identifier', 'quasi_identifier', 'sensitive', 'clinical', 'reference']);
export type FieldTag = z.infer<typeof FieldTagSchema>;

export const UserSchema = z.object({
  id: IdSchema,
  displayName: z.string(),
  /** The primary role (the first the person holds in precedence order): the one the window opens on. */
  role: RoleSchema,
  /** Every role the person holds, primary first. A platform from before roles were a set sends none: read it as [role]. */
  roles: z.array(RoleSchema).optional(),
});
export type User = z.infer<typeof UserSchema>;

/**
 * The workstation's sign-in state, as the renderer may know it. Tokens never appear here: they stay in the
 * workstation core (access token in memory, refresh token in the OS keychain).
 *   signed_out  nobody is signed in; `message` may say why (signed out, session ended, sign-in failed).
 *   signing_in  a browser sign-in is under way; the core waits for the identity provider's redirect.
 *   signed_in   the user may work.
 *   locked      idle too long (or locked by hand): the user is known, every other method is refused, and only a
 *               fresh sign-in as the same user unlocks.
 *   enrolling   signed in at the identity provider, but the platform does not know the person yet: they enter the
 *               enrolment code their administrator sent them ('session.enrol'), or sign out. `user` is null.
 */
export const SessionStateSchema = z.enum(['signed_out', 'signing_in', 'signed_in', 'locked', 'enrolling']);
export type SessionState = z.infer<typeof SessionStateSchema>;

export const SessionSchema = z.object({
  state: SessionStateSchema,
  /** The signed-in (or locked-out) user: null when signed out or signing in for the first time. */
  user: UserSchema.nullable(),
  platform: z.object({
    url: z.string(),
    /** The platform's own name (from its health answer); null until it has answered. */
    name: z.string().nullable(),
    /** 'demo': the embedded platform with synthetic data and demo accounts; 'production' otherwise. */
    mode: z.enum(['demo', 'production']).nullable(),
  }),
  /** The OIDC issuer the workstation signs in with; null until discovered. */
  issuer: z.string().nullable(),
  /** When the session ends whatever the activity (ISO 8601); null when nobody is signed in. */
  sessionEndsAt: z.string().nullable(),
  /** Inactivity after which the workstation locks. */
  idleLockSeconds: z.number().int().positive(),
  /**
   * Where the refresh token is kept. 'memory': no OS keychain was available, so closing the app signs the
   * user out (the UI says so once). Tokens are never written anywhere in plain text.
   */
  tokenStorage: z.enum(['keychain', 'memory']),
  /**
   * Something the sign-in screen should say (why the user was signed out, why sign-in failed), or null. 'suspended':
   * an administrator suspended the person's access during an incident; `text` is the platform's reason.
   */
  message: z.object({ kind: z.enum(['info', 'error', 'suspended']), text: z.string() }).nullable(),
});
export type Session = z.infer<typeof SessionSchema>;

/**
 * One disclosure-control rule profile as the platform enforces it (the output checkers' reference): the SDC
 * engine's own shape, except that any profile name is read, so a platform with a profile this workstation does
 * not know still shows it.
 */
export const RuleProfileSchema = RulesSchema.extend({ profile: z.string() });
export type RuleProfile = z.infer<typeof RuleProfileSchema>;

/** The most cells the grid lets an analyst copy at once, unless a project says otherwise. */
export const DEFAULT_CLIPBOARD_CELL_LIMIT = 100;

export const ProjectSchema = z.object({
  id: IdSchema,
  name: z.string(),
  purpose: z.string(),
  datasetIds: z.array(IdSchema),
  /**
   * Where the analyst's local tables of this project live: 'disk' (native DuckDB in the workstation, kept between
   * sessions) or 'memory' (DuckDB-wasm in the window: nothing on this computer's disk, gone when it closes).
   */
  localData: LocalModeSchema,
  /** The most grid cells one copy may put on the clipboard (row-level data leaves the window no other way). */
  clipboardCellLimit: z.number().int().min(0).max(100_000),
});
export type Project = z.infer<typeof ProjectSchema>;

export const FieldSchema = z.object({
  name: z.string(),
  type: z.string(),
  description: z.string(),
  tags: z.array(FieldTagSchema),
  /** Whether a sample or query of this project can see the field at all (false exactly when it is dropped). */
  available: z.boolean(),
  /** What this project sees of the field, in words: "NHS number → project pseudonym", "not available to this project". */
  treatment: z.string(),
});
export type Field = z.infer<typeof FieldSchema>;

export const DatasetSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string(),
  rowCount: z.number().int().nonnegative(),
  fields: z.array(FieldSchema),
});
export type Dataset = z.infer<typeof DatasetSchema>;

export const CatalogueSchema = z.object({
  projectId: IdSchema,
  datasets: z.array(DatasetSchema),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

export const SAMPLE_ROW_LIMIT = 1_000_000;

/** Arrow IPC stream bytes. Binary outputs travel as raw bytes on every transport, never as JSON. */
export const ArrowBytesSchema = z.instanceof(Uint8Array);

const NoInput = z.object({}).strict();

/** One call's id, made by the client (crypto.randomUUID) when it wants progress or may cancel. */
export const CallIdSchema = z.uuid();

/**
 * How far one call has got, for a progress bar: `done` of `total` (null when the total is not known yet) in
 * `unit`, and a short phrase the UI may show beside it. It says how much, never what: no values, no names.
 */
export const CallProgressSchema = z
  .object({
    done: z.number().nonnegative(),
    total: z.number().nonnegative().nullable(),
    unit: z.enum(['rows', 'bytes', 'steps']),
    stage: z.string().max(100).optional(),
  })
  .strict();
export type CallProgress = z.infer<typeof CallProgressSchema>;

// ---- The analyst's workspace (issue 14) ------------------------------------------------------------------------
// A project's workspace: its local tables (native DuckDB in the core for 'disk' projects; DuckDB-wasm in the window for
// 'memory' ones, which use only the state methods here), editor tabs, saved queries, history and layout. Every method
// names its project; the core opens the workspace only for the signed-in user, and only of a project they belong to.

const ProjectRef = { projectId: IdSchema };

/** The longest SQL a platform query may be: far past any hand-written query, short of anything abusive. */
export const PLATFORM_QUERY_MAX_CHARS = 100_000;

/** The largest JSON body of a call that carries no SQL text (the HTTP transport refuses more). */
export const CALL_BODY_BYTES = 64 * 1024;
/** Of one that carries SQL: the longest text allowed, every character escaped at its longest in JSON (6 bytes), and the rest. */
export const SQL_CALL_BODY_BYTES = MAX_SQL_CHARS * 6 + CALL_BODY_BYTES;

/** What a project's workspace restores when it opens. */
export const WorkspaceSchema = z.object({
  projectId: IdSchema,
  mode: LocalModeSchema,
  tabs: EditorTabsSchema,
  saved: z.array(SavedQuerySchema),
  layout: LayoutSchema.nullable(),
  /** The local tables ('disk'); in 'memory' mode the window's own engine lists them. */
  tables: z.array(LocalTableSchema),
  /** Something to tell the analyst once (a damaged state file kept aside, files made private), or null. */
  notice: z.string().nullable(),
});
export type Workspace = z.infer<typeof WorkspaceSchema>;

export const RemovedLocalDataSchema = z.object({
  removed: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative(), kind: z.enum(['file', 'link']) })),
  bytes: z.number().int().nonnegative(),
  /** What to tell the analyst: "Removed 3 files (1.2 GB): …". */
  summary: z.string(),
});
export type RemovedLocalData = z.infer<typeof RemovedLocalDataSchema>;

const workspaceMethods = {
  /** Opens (or creates) the signed-in user's workspace of a project they belong to, and says what it restores. */
  'workspace.open': { input: z.object(ProjectRef).strict(), output: WorkspaceSchema },
  /** Saves one tab as the analyst types (the window debounces); creates it at the right-hand end if new. */
  'workspace.saveTab': {
    input: z.object({ ...ProjectRef, tab: TabSaveSchema }).strict(),
    output: EditorTabSchema,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  'workspace.moveTab': { input: z.object({ ...ProjectRef, move: TabMoveSchema }).strict(), output: EditorTabsSchema },
  'workspace.closeTab': { input: z.object({ ...ProjectRef, tabId: TabIdSchema }).strict(), output: EditorTabsSchema },
  'workspace.activateTab': { input: z.object({ ...ProjectRef, tabId: TabIdSchema.nullable() }).strict(), output: EditorTabsSchema },
  'workspace.saveQuery': {
    input: z.object({ ...ProjectRef, query: SavedQueryNewSchema }).strict(),
    output: SavedQuerySchema,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  'workspace.changeQuery': {
    input: z.object({ ...ProjectRef, change: SavedQueryChangeSchema }).strict(),
    output: SavedQuerySchema,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  'workspace.deleteQuery': { input: z.object({ ...ProjectRef, id: SavedQueryIdSchema }).strict(), output: z.null() },
  /** Newest first, searchable. Runs of 'disk' workspaces are recorded by the core itself. */
  'workspace.history': { input: z.object({ ...ProjectRef, query: HistoryQuerySchema }).strict(), output: HistoryPageSchema },
  /** Records a run the core did not make itself (the window's in-memory engine). */
  'workspace.recordRun': {
    input: z.object({ ...ProjectRef, run: RunRecordSchema }).strict(),
    output: HistoryEntrySchema,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  'workspace.saveLayout': { input: z.object({ ...ProjectRef, layout: LayoutSchema }).strict(), output: LayoutSchema },
  /** The local tables of a 'disk' workspace, with their columns. */
  'workspace.tables': { input: z.object(ProjectRef).strict(), output: z.array(LocalTableSchema) },
  /**
   * Runs SQL in the project's local engine; cancellable. The analyst's runs are recorded in the history; the window's
   * own queries (a chart drawn from a result) say `record: false`, as they are not something the analyst ran.
   */
  'workspace.run': {
    input: z.object({ ...ProjectRef, sql: SqlTextSchema.min(1), record: z.boolean().optional() }).strict(),
    output: RunResultSchema,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  /** One page of a kept result, sorted and filtered by the engine (an Arrow IPC stream; see local-engine.ts). */
  'workspace.page': { input: z.object({ ...ProjectRef, page: PageRequestSchema }).strict(), output: ArrowBytesSchema, binary: true },
  'workspace.summarise': {
    input: z
      .object({
        ...ProjectRef,
        resultId: z.string().min(1).max(100),
        column: z.string(),
        filters: z.array(FilterSchema).max(16).default([]),
      })
      .strict(),
    output: ColumnSummarySchema,
  },
  'workspace.release': { input: z.object({ ...ProjectRef, resultId: z.string().min(1).max(100) }).strict(), output: z.null() },
  'workspace.drop': { input: z.object({ ...ProjectRef, table: LocalTableNameSchema }).strict(), output: z.null() },
  /**
   * Streams a sample of a dataset from the platform straight into the project's local engine ('disk'), without
   * passing through the window; progress and cancel at every hop. An existing table is kept unless `replace`.
   */
  'workspace.loadSample': {
    input: z
      .object({
        ...ProjectRef,
        datasetId: IdSchema,
        limit: z.number().int().min(1).max(SAMPLE_ROW_LIMIT),
        table: LocalTableNameSchema,
        replace: z.boolean(),
      })
      .strict(),
    output: z.object({ table: z.string(), rows: z.number().int().nonnegative() }),
  },
  /**
   * Runs a minimised query on the platform (the project's minimised copy, as its agreement allows) and loads its rows
   * into a local table, all or nothing; cancellable, with progress. Recorded in the history as a platform run.
   */
  'workspace.loadQuery': {
    input: z
      .object({
        ...ProjectRef,
        sql: SqlTextSchema.min(1).max(PLATFORM_QUERY_MAX_CHARS),
        table: LocalTableNameSchema,
        replace: z.boolean(),
      })
      .strict(),
    output: z.object({ table: z.string(), rows: z.number().int().nonnegative() }),
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  /** Deletes the project's local data on this computer: its tables, or everything (tabs, history, saved queries too). */
  'workspace.removeLocalData': {
    input: z.object({ ...ProjectRef, scope: z.enum(['tables', 'everything']) }).strict(),
    output: RemovedLocalDataSchema,
  },
} as const;

// ---- The export gate (issue 16) ------------------------------------------------------------------------------------
// The only way out of the environment: a released output, re-hashed by the workstation against the platform's ledger,
// written as xlsx, CSV or (a chart) SVG; or a released request's release package, a zip of ACRO's results.json and the
// CSV files it names (what the SACRO viewer opens) with their SHA-256 checksums. Where it goes depends on the shell:
// Electron saves it through a save dialog; the browser shell answers a one-time download URL that it serves once, for
// that export only.

export const ExportFormatSchema = z.enum(['xlsx', 'csv', 'svg', 'package']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;
/** The formats one released output exports as; 'package' is a whole released request's. */
export const OutputExportFormatSchema = ExportFormatSchema.exclude(['package']);
export type OutputExportFormat = z.infer<typeof OutputExportFormatSchema>;

export const ExportOutcomeSchema = z.discriminatedUnion('kind', [
  /** Written where the person chose (Electron's save dialog). */
  z.object({ kind: z.literal('saved'), path: z.string() }).strict(),
  /** A same-origin path the page fetches once, within a minute (the browser shell), and the file's name. */
  z.object({ kind: z.literal('download'), url: z.string(), fileName: z.string() }).strict(),
  /** The person closed the save dialog: nothing was written. */
  z.object({ kind: z.literal('cancelled') }).strict(),
]);
export type ExportOutcome = z.infer<typeof ExportOutcomeSchema>;

/** The largest body of a call that carries an output document (a table's cells, a magnitude table's contributions). */
export const OUTPUT_CALL_BODY_BYTES = 16 * 1024 * 1024;

const RequestRef = { requestId: RequestIdSchema };
const RequestFileRef = { requestId: RequestIdSchema, fileId: FileIdSchema };

/**
 * The airlock (issue 16): one method per route of the platform's airlock API, with the same id; the input is the route's
 * path parameters and body merged into one object, the output the route's answer. The core calls the platform as the
 * signed-in user, so the platform decides and its refusals come back as it said them. `airlock.export` is the export
 * gate, the only way out.
 */
const airlockMethods = {
  /** The rule profile this project's outputs are checked with. */
  'airlock.rules': { input: z.object(ProjectRef).strict(), output: RuleProfileSchema },
  /** The platform's check of an output document, as it will enforce it (the builder's preview). */
  'airlock.check': {
    input: z.object({ ...ProjectRef, document: OutputDocumentSchema }).strict(),
    output: OutputCheckSchema,
    bodyLimit: OUTPUT_CALL_BODY_BYTES,
  },
  /** The project's release requests, newest first. */
  'airlock.requests': { input: z.object(ProjectRef).strict(), output: z.array(RequestSummarySchema) },
  'airlock.create': { input: z.object({ ...ProjectRef, ...CreateRequestSchema.shape }).strict(), output: RequestDetailSchema },
  /** One request as the caller may see it (blinded for checkers until both reviews are complete). */
  'airlock.request': { input: z.object(RequestRef).strict(), output: RequestDetailSchema },
  'airlock.context': { input: z.object({ ...RequestRef, ...UpdateContextSchema.shape }).strict(), output: RequestDetailSchema },
  /** Adds an output file (with its exception text) or a supporting file; the same name again is a new version of it. */
  'airlock.putFile': {
    input: z.union([
      z.object({ ...RequestRef, ...PutOutputFileSchema.shape }).strict(),
      z.object({ ...RequestRef, ...PutSupportingFileSchema.shape }).strict(),
    ]),
    output: RequestDetailSchema,
    bodyLimit: OUTPUT_CALL_BODY_BYTES,
  },
  'airlock.withdrawFile': { input: z.object({ ...RequestFileRef, ...VersionedSchema.shape }).strict(), output: RequestDetailSchema },
  /** A file's content: the document, the platform's check (evidence for checkers only), the reviewed version for a diff. */
  'airlock.file': { input: z.object(RequestFileRef).strict(), output: RequestFileContentSchema },
  'airlock.submit': { input: z.object({ ...RequestRef, ...VersionedSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.withdraw': { input: z.object({ ...RequestRef, ...VersionedReasonSchema.shape }).strict(), output: RequestDetailSchema },
  /** The output checkers' queue across projects (never the caller's own requests). */
  'airlock.queue': { input: NoInput, output: z.array(QueueEntrySchema) },
  'airlock.vote': { input: z.object({ ...RequestFileRef, ...CastVoteSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.comment': {
    input: z
      .object({ ...RequestRef, ...AddCommentSchema.shape })
      .strict()
      .refine((comment) => comment.cell === null || comment.fileId !== null, {
        message: 'a comment on a cell names the file the cell is in',
        path: ['fileId'],
      }),
    output: RequestDetailSchema,
  },
  'airlock.completeReview': { input: z.object({ ...RequestRef, ...VersionedSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.return': { input: z.object({ ...RequestRef, ...VersionedSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.reject': { input: z.object({ ...RequestRef, ...VersionedReasonSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.release': { input: z.object({ ...RequestRef, ...VersionedSchema.shape }).strict(), output: RequestDetailSchema },
  'airlock.revoke': { input: z.object({ ...RequestRef, ...VersionedReasonSchema.shape }).strict(), output: RequestDetailSchema },
  /** The project's ledger of released outputs (revoked ones marked). */
  'airlock.released': { input: z.object(ProjectRef).strict(), output: z.array(ReleasedOutputSchema) },
  /** One released output as published, with the hash recorded at release (the platform audits it as a download). */
  'airlock.releasedFile': { input: z.object({ ...ProjectRef, fileId: FileIdSchema }).strict(), output: ReleasedFileSchema },
  /** A released request's package: approved outputs as published, public context, ACRO's results.json. */
  'airlock.package': { input: z.object(RequestRef).strict(), output: ReleasePackageSchema },
  'airlock.notifications': { input: NoInput, output: z.array(NotificationSchema) },
  'airlock.readNotifications': { input: ReadNotificationsSchema, output: NotificationsReadSchema },
  /**
   * The export gate: writes a released output as xlsx (with a provenance sheet), CSV or (a chart) SVG, or a released
   * request's release package, only after checking that egress is open, nothing is revoked and every output's content
   * hashes to what the platform released.
   */
  'airlock.export': {
    input: z.discriminatedUnion('format', [
      z.object({ ...ProjectRef, fileId: FileIdSchema, format: OutputExportFormatSchema }).strict(),
      z.object({ ...ProjectRef, ...RequestRef, format: z.literal('package') }).strict(),
    ]),
    output: ExportOutcomeSchema,
  },
} as const;

// ---- Workspace drives (issue 17) -----------------------------------------------------------------------------------
// A project's shared drive: browsing, versions, trash and app passwords go to the platform as the signed-in user (one
// method per route, as the airlock's); the sync of a 'disk' project's local folder is the core's (its status, a pass
// now, the answer to a paused delete); a local result is saved into the drive, and a drive file opened as a table.

/** Where one local file stands with the platform (src/workstation/drives/sync-api.ts). */
export const DriveSyncFileSchema = z.object({
  path: z.string(),
  state: z.enum(['synced', 'uploading', 'downloading', 'pending', 'busy', 'name_clash', 'over_quota', 'error']),
  detail: z.string().nullable(),
});
export const DriveSyncNoticeSchema = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.enum(['conflict', 'delete_paused', 'root_missing', 'resync_needed', 'name_clash', 'over_quota', 'error']),
  message: z.string(),
  paths: z.array(z.string()),
});
export type DriveSyncNotice = z.infer<typeof DriveSyncNoticeSchema>;
export const DriveSyncStatusSchema = z.object({
  projectId: z.string(),
  localRoot: z.string(),
  phase: z.enum(['idle', 'scanning', 'syncing', 'paused', 'stopped', 'offline']),
  reason: z.string().nullable(),
  lastSyncedAt: z.string().nullable(),
  transfer: z
    .object({
      path: z.string(),
      direction: z.enum(['up', 'down']),
      done: z.number().nonnegative(),
      total: z.number().nonnegative(),
    })
    .nullable(),
  files: z.array(DriveSyncFileSchema),
  notices: z.array(DriveSyncNoticeSchema),
  pendingDeletes: z.number().int().nonnegative(),
  /** Where files deleted here because they were deleted on the drive are kept (outside the synced folder). */
  localTrash: z.string().nullable(),
});
export type DriveSyncStatusView = z.infer<typeof DriveSyncStatusSchema>;

/** A project drive's local side, as the Drive screen shows it. */
export const DriveSyncViewSchema = z.object({
  projectId: IdSchema,
  /** 'disk': the drive has a local folder kept in step; 'memory': it has none (nothing of the project on this disk). */
  mode: LocalModeSchema,
  /** The local folder the person's desktop tools open and save in ('disk'), or null. */
  localRoot: z.string().nullable(),
  /** The sync's status while it runs; null when it does not. */
  status: DriveSyncStatusSchema.nullable(),
  /** Why it does not run, in words (it could not start, the person signed out); null when it runs or has no folder. */
  problem: z.string().nullable(),
});
export type DriveSyncView = z.infer<typeof DriveSyncViewSchema>;

/** The file formats a local result is saved as, and a drive file opened from. */
export const DriveFileFormatSchema = z.enum(['csv', 'parquet', 'arrow']);
export type DriveFileFormat = z.infer<typeof DriveFileFormatSchema>;
/** The extension a saved file gets. */
export const DRIVE_FORMAT_EXTENSIONS: Readonly<Record<DriveFileFormat, string>> = { csv: '.csv', parquet: '.parquet', arrow: '.arrow' };
const FORMAT_BY_EXTENSION: ReadonlyMap<string, DriveFileFormat> = new Map([
  ['.csv', 'csv'],
  ['.parquet', 'parquet'],
  ['.pq', 'parquet'],
  ['.arrow', 'arrow'],
  ['.arrows', 'arrow'],
  ['.feather', 'arrow'],
  ['.ipc', 'arrow'],
]);
/** The format a drive file opens as, by its extension (any case), or null when it is not a table file. */
export function driveFileFormatOf(name: string): DriveFileFormat | null {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? null : (FORMAT_BY_EXTENSION.get(name.slice(dot).toLowerCase()) ?? null);
}

/** A file name in a drive, as typed: checked by the drive's name policy (src/common/drives.ts). */
export const DriveNameSchema = z
  .string()
  .max(1024)
  .superRefine((value, context) => {
    const problem = driveNameProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => value.normalize('NFC'));

/** A result kept by the local engine (the grid's), or a local table. */
export const LocalSourceSchema = z.union([
  z.object({ table: LocalTableNameSchema }).strict(),
  z.object({ resultId: z.string().min(1).max(100) }).strict(),
]);
export type LocalSource = z.infer<typeof LocalSourceSchema>;

/** What a save into the drive wrote. */
export const DriveSavedSchema = z.object({
  /** The file's path in the drive. */
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  /** Where it is on this computer ('disk' projects), or null (uploaded straight to the platform). */
  localPath: z.string().nullable(),
  /** The drive's local side after the save (a sync pass has run, or was asked for). */
  sync: DriveSyncViewSchema,
});
export type DriveSaved = z.infer<typeof DriveSavedSchema>;

/** A kept version's text, for a preview: at most DRIVE_PREVIEW_BYTES, and nothing for a file that is not text. */
export const DRIVE_PREVIEW_BYTES = 64 * 1024;
export const DriveVersionTextSchema = z.object({
  path: z.string(),
  version: z.number().int().positive(),
  size: z.number().int().nonnegative(),
  /** The first DRIVE_PREVIEW_BYTES as text, or null when the file is not text. */
  text: z.string().nullable(),
  truncated: z.boolean(),
});
export type DriveVersionText = z.infer<typeof DriveVersionTextSchema>;

/** The most a drive file may be to be opened into the window's own engine (it holds everything in memory). */
export const DRIVE_WINDOW_OPEN_MAX_BYTES = 512 * 1024 * 1024;
/** The most bytes of one upload chunk the window sends (as base64 in the call's JSON). */
export const DRIVE_WINDOW_CHUNK_BYTES = 4 * 1024 * 1024;
const Base64Schema = z
  .string()
  .max(Math.ceil(DRIVE_WINDOW_CHUNK_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const driveMethods = {
  /** The drive: its quota, use and settings. */
  'drive.info': { input: z.object(ProjectRef).strict(), output: DriveInfoSchema },
  /** One folder's entries ('' is the root). */
  'drive.folder': { input: z.object({ ...ProjectRef, path: DrivePathSchema }).strict(), output: DriveFolderSchema },
  /** A file's kept versions, newest first. */
  'drive.versions': { input: z.object({ ...ProjectRef, path: DriveEntryPathSchema }).strict(), output: DriveVersionsSchema },
  /** Brings a kept version back as a new version. */
  'drive.restoreVersion': { input: z.object({ ...ProjectRef, ...RestoreVersionSchema.shape }).strict(), output: DriveEntrySchema },
  /** A kept version's first bytes as text, for a preview. */
  'drive.viewVersion': {
    input: z.object({ ...ProjectRef, ...RestoreVersionSchema.shape }).strict(),
    output: DriveVersionTextSchema,
  },
  'drive.trash': { input: z.object(ProjectRef).strict(), output: z.array(DriveTrashEntrySchema) },
  'drive.restoreTrash': { input: z.object({ ...ProjectRef, ...RestoreTrashSchema.shape }).strict(), output: DriveEntrySchema },
  'drive.mkdir': { input: z.object({ ...ProjectRef, ...MakeFolderSchema.shape }).strict(), output: DriveEntrySchema },
  /** Renames or moves, only if the entry is still as the person saw it (its ETag; null for a folder). */
  'drive.move': { input: z.object({ ...ProjectRef, ...MoveEntrySchema.shape }).strict(), output: DriveEntrySchema },
  /** Moves to the trash, only if the entry is still as the person saw it. */
  'drive.delete': { input: z.object({ ...ProjectRef, ...DeleteEntrySchema.shape }).strict(), output: DriveTrashEntrySchema },
  /** The person's app passwords for this drive (WebDAV clients), with their last use. */
  'drive.appPasswords': { input: z.object(ProjectRef).strict(), output: z.array(AppPasswordSchema) },
  /** A new app password: its secret is in this answer only. */
  'drive.createAppPassword': {
    input: z.object({ ...ProjectRef, ...CreateAppPasswordSchema.shape }).strict(),
    output: NewAppPasswordSchema,
  },
  'drive.revokeAppPassword': { input: z.object({ ...ProjectRef, id: AppPasswordIdSchema }).strict(), output: AppPasswordSchema },
  /** The drive's local side: its folder and how its sync stands (started for a 'disk' project if it is not running). */
  'drive.sync': { input: z.object(ProjectRef).strict(), output: DriveSyncViewSchema },
  /** A sync pass now; answers when it has ended. */
  'drive.syncNow': { input: z.object(ProjectRef).strict(), output: DriveSyncViewSchema },
  /** The person's answer to a paused delete: send the deletions, or bring the files back from the platform. */
  'drive.resolveDeletes': {
    input: z.object({ ...ProjectRef, answer: z.enum(['apply', 'restore']) }).strict(),
    output: DriveSyncViewSchema,
  },
  'drive.dismissNotice': { input: z.object({ ...ProjectRef, noticeId: z.string().min(1).max(200) }).strict(), output: DriveSyncViewSchema },
  /**
   * Writes a local result (a kept result or a local table) as a CSV, Parquet or Arrow file into the drive: written by
   * the project's local engine into its own folder, then moved whole into the drive's local folder, then synced
   * ('disk'). Nothing is written anywhere else, and a refused save leaves nothing behind. Cancellable, with progress.
   */
  'drive.saveResult': {
    input: z
      .object({
        ...ProjectRef,
        source: LocalSourceSchema,
        format: DriveFileFormatSchema,
        folder: DrivePathSchema,
        name: DriveNameSchema,
        /** Replace a file of that name (the drive keeps the old one as a version). */
        replace: z.boolean(),
      })
      .strict(),
    output: DriveSavedSchema,
  },
  /**
   * Opens a drive file (CSV, Parquet or Arrow) as a table of the project's local engine ('disk'), all or nothing, from
   * a copy in the engine's own folder. Cancellable, with progress.
   */
  'drive.openFile': {
    input: z.object({ ...ProjectRef, path: DriveEntryPathSchema, table: LocalTableNameSchema, replace: z.boolean() }).strict(),
    output: z.object({ table: z.string(), rows: z.number().int().nonnegative() }),
  },
  /** A drive file's bytes, for the window's own engine ('memory' projects: never written to this computer's disk). */
  'drive.download': { input: z.object({ ...ProjectRef, path: DriveEntryPathSchema }).strict(), output: ArrowBytesSchema, binary: true },
  /** The window's save ('memory' projects): an upload straight to the platform, in chunks, then committed whole. */
  'drive.uploadStart': {
    input: z
      .object({
        ...ProjectRef,
        path: DriveEntryPathSchema,
        size: z.number().int().nonnegative(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex'),
        condition: WriteConditionSchema,
      })
      .strict(),
    output: UploadSessionSchema,
  },
  'drive.uploadChunk': {
    input: z
      .object({
        ...ProjectRef,
        uploadId: UploadIdSchema,
        offset: z.number().int().nonnegative(),
        /** The whole upload's size (the session's). */
        total: z.number().int().nonnegative(),
        data: Base64Schema,
      })
      .strict(),
    output: UploadSessionSchema,
    bodyLimit: Math.ceil(DRIVE_WINDOW_CHUNK_BYTES / 3) * 4 + CALL_BODY_BYTES,
  },
  'drive.uploadCommit': { input: z.object({ ...ProjectRef, uploadId: UploadIdSchema }).strict(), output: DriveEntrySchema },
} as const;

/** Incidents and the kill switch (admins): the platform decides and records each; these only carry the request. */
const incidentMethods = {
  /** The incidents, the restrictions in force (and lately lifted), and the people and projects an action can name. */
  'admin.killswitch': { input: NoInput, output: KillSwitchOverviewSchema },
  'admin.openIncident': { input: OpenIncidentSchema, output: IncidentSchema },
  'admin.closeIncident': {
    input: z
      .object({
        incidentId: z.string().regex(INCIDENT_ID_PATTERN, 'must be an incident id'),
        resolution: CloseIncidentSchema.shape.resolution,
      })
      .strict(),
    output: IncidentSchema,
  },
  /** Suspends a person or a project, freezes egress, or ends a person's sign-ins, under an open incident. */
  'admin.act': { input: z.object({ action: KillSwitchActionSchema }).strict(), output: ActionEffectSchema },
  /** Lifts a restriction in force, with the reason why. */
  'admin.lift': {
    input: z
      .object({ actionId: z.string().regex(RESTRICTION_ID_PATTERN, 'must be an action id'), reason: LiftRestrictionSchema.shape.reason })
      .strict(),
    output: ActionEffectSchema,
  },
  /** What a person or a project touched between two times, from the audit log. */
  'admin.accessReport': { input: AccessReportRequestSchema, output: AccessReportSchema },
} as const;

/** People (admins): the platform decides and records each change; these only carry the request. */
const peopleMethods = {
  'admin.people': { input: NoInput, output: PeopleOverviewSchema },
  /** One person with their history from the audit log (by them and about them). */
  'admin.person': { input: z.object({ userId: IdSchema }).strict(), output: PersonDetailSchema },
  /** Registers a person: an enrolment code (shown once) unless a subject binds them at once. */
  'admin.registerPerson': { input: z.object({ person: RegisterPersonSchema }).strict(), output: RegisteredPersonSchema },
  'admin.changeRole': {
    input: z
      .object({ userId: IdSchema, change: z.enum(['grant', 'revoke']), role: RoleSchema, reason: RoleChangeSchema.shape.reason })
      .strict(),
    output: PersonChangeResultSchema,
  },
  'admin.setStatus': {
    input: z.object({ userId: IdSchema, status: StatusChangeSchema.shape.status, reason: StatusChangeSchema.shape.reason }).strict(),
    output: PersonChangeResultSchema,
  },
  'admin.bindPerson': {
    input: z.object({ userId: IdSchema, subject: BindSubjectSchema.shape.subject, reason: BindSubjectSchema.shape.reason }).strict(),
    output: PersonChangeResultSchema,
  },
  'admin.enrolmentCode': { input: z.object({ userId: IdSchema }).strict(), output: z.object({ code: z.string(), expiresAt: z.string() }) },
  /** Approves or refuses a change another administrator asked for (granting admin once there are two). */
  'admin.decideChange': {
    input: z
      .object({ changeId: z.string().regex(/^chg-[0-9a-f]{20}$/), approve: z.boolean(), reason: RoleChangeSchema.shape.reason })
      .strict(),
    output: PersonChangeResultSchema,
  },
  /** Every version of every audience's terms, newest first. */
  'admin.terms': { input: NoInput, output: TermsHistorySchema },
  'admin.publishTerms': {
    input: z.object({ terms: PublishTermsSchema }).strict(),
    output: TermsVersionSchema,
    bodyLimit: 100_000 * 6 + 4096,
  },
  'admin.training': { input: NoInput, output: TrainingOverviewSchema },
  'admin.recordTraining': { input: z.object({ record: RecordTrainingSchema }).strict(), output: TrainingRecordSchema },
  'admin.setTrainingRequirements': { input: TrainingRequirementsSchema, output: TrainingOverviewSchema.shape.requirements },
} as const;

/** Oversight (admins) and a project's members (data managers and admins). */
const oversightMethods = {
  /** The usage report for a time range, counted from the audit log. */
  'admin.usage': {
    input: z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict(),
    output: UsageReportSchema,
  },
  /** Since the last review: failed sign-ins, refusals, attempts by suspended accounts, the audit chain; the expiries. */
  'admin.securityReview': { input: NoInput, output: SecurityReviewSchema },
  /** Records that the events up to `upTo` were reviewed, with a note (an audit event). */
  'admin.recordReview': { input: RecordReviewSchema, output: SecurityReviewSchema },
  /** Saves the project's members as a new version of its agreement (through the platform's validation), with a reason. */
  'project.updateMembers': { input: z.object({ projectId: IdSchema, update: MembersUpdateSchema }).strict(), output: AgreementViewSchema },
} as const;

/** The signed-in person's own terms of use and training. */
const standingMethods = {
  /** The current terms of each audience the person belongs to, and whether each must be accepted now. */
  'terms.mine': { input: NoInput, output: MyTermsListSchema },
  /** Accepts the text shown (its version and sha256); answers the terms again. */
  'terms.accept': { input: AcceptTermsSchema, output: MyTermsListSchema },
  /** Declines: recorded on the platform, then the workstation signs out. */
  'terms.decline': { input: DeclineTermsSchema, output: SessionSchema },
  /** The person's training per role they hold, with what expires within 30 days. */
  'me.training': { input: NoInput, output: TrainingStandingSchema },
} as const;

export const methods = {
  'session.get': { input: NoInput, output: SessionSchema },
  /**
   * Starts a browser sign-in (authorization code + PKCE, redirect to a one-time loopback listener) and answers
   * the URL the renderer opens in the system browser. When locked, this is the unlock: the identity provider is
   * asked for a fresh login, and only the locked user is accepted. The outcome arrives as 'session.changed'.
   */
  'session.signIn': { input: NoInput, output: z.object({ authorizationUrl: z.string() }) },
  'session.cancelSignIn': { input: NoInput, output: SessionSchema },
  /** Revokes the tokens at the identity provider, forgets them (keychain included) and records the sign-out. */
  'session.signOut': { input: NoInput, output: SessionSchema },
  /** Locks now, as if idle. */
  'session.lock': { input: NoInput, output: SessionSchema },
  /**
   * Enrolling: sends the one-time enrolment code (any case; dashes and spaces ignored) with the person's sign-in. The
   * platform binds their identity to the person it was issued for; the session then continues signed in.
   */
  'session.enrol': { input: EnrolSchema, output: SessionSchema },
  /** The user did something (key, pointer): postpones the idle lock. The renderer sends it throttled. */
  'session.activity': { input: NoInput, output: z.null() },
  /** The disclosure-control rule profiles in force (output checkers and admins). */
  'checking.rules': { input: NoInput, output: z.array(RuleProfileSchema) },
  'projects.list': { input: NoInput, output: z.array(ProjectSchema) },
  'catalogue.get': { input: z.object({ projectId: IdSchema }).strict(), output: CatalogueSchema },
  'dataset.sample': {
    input: z
      .object({
        projectId: IdSchema,
        datasetId: IdSchema,
        limit: z.number().int().min(1).max(SAMPLE_ROW_LIMIT),
      })
      .strict(),
    output: ArrowBytesSchema,
    binary: true,
  },
  /**
   * A minimised query's rows as an Arrow IPC stream, for a project whose data stays in the window's in-memory engine
   * (the core's own engine takes them through 'workspace.loadQuery' instead). Cancellable, with progress.
   */
  'platform.query': {
    input: z.object({ projectId: IdSchema, sql: z.string().trim().min(1).max(PLATFORM_QUERY_MAX_CHARS) }).strict(),
    output: ArrowBytesSchema,
    binary: true,
    bodyLimit: SQL_CALL_BODY_BYTES,
  },
  /**
   * Stops a call this window started with an id. A cancel for an id that is unknown or already finished does
   * nothing: the call may have ended on its own just before.
   */
  'call.cancel': { input: z.object({ callId: CallIdSchema }).strict(), output: z.null() },
  ...workspaceMethods,
  /** The project's data-sharing agreement, read-only (its members, and admins who are members). */
  'agreement.get': { input: z.object({ projectId: IdSchema }).strict(), output: AgreementViewSchema },
  /** Every agreement the platform knows, with its standing and any refused file (admins). */
  'admin.agreements': { input: NoInput, output: AgreementsOverviewSchema },
  /** A page of the platform's audit log, newest first, as the filter asks (admins). */
  'admin.audit': { input: z.object({ filter: AuditFilterSchema }).strict(), output: AuditPageSchema },
  ...incidentMethods,
  ...peopleMethods,
  ...standingMethods,
  ...oversightMethods,
  ...airlockMethods,
  ...driveMethods,
} as const;

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>;

export const events = {
  /** The workstation's view of the platform it talks to. */
  'platform.status': z.object({
    state: z.enum(['connecting', 'ready', 'unreachable']),
    message: z.string(),
  }),
  /** Every change of the sign-in state (signed in, locked, signed out, sign-in failed, session ended). */
  'session.changed': SessionSchema,
  /**
   * How far a running call has got (at most ~10 a second per call). Every window of the same core hears every
   * call's progress; each transport hands it only to the call's own onProgress.
   */
  'call.progress': z.object({ callId: CallIdSchema, progress: CallProgressSchema }).strict(),
  /** A project drive's local side changed (its sync's phase, a transfer's progress, a notice). */
  'drive.changed': DriveSyncViewSchema,
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export function isBinaryMethod(name: MethodName): boolean {
  return 'binary' in methods[name] && methods[name].binary === true;
}

/** The largest body a call of this method may send over HTTP: more for the few that carry SQL text. */
export function bodyLimitOf(name: MethodName): number {
  const method = methods[name];
  return 'bodyLimit' in method ? method.bodyLimit : CALL_BODY_BYTES;
}

/** The largest body of any method: what the HTTP transport reads at most before it knows better. */
export const LARGEST_CALL_BODY_BYTES = Math.max(...Object.values(methods).map((m) => ('bodyLimit' in m ? m.bodyLimit : CALL_BODY_BYTES)));
