// The metadata store's tables as kysely sees them. Column names are snake_case in SQL, as PostgreSQL expects.
import type { Generated } from 'kysely';
import type { Role } from '../../common/contract.ts';

export interface UsersTable {
  id: string;
  display_name: string;
  role: Role;
  /** The `sub` the identity provider gives this person (the embedded provider's is the user id); unique. */
  subject: string | null;
  /** Epoch seconds: access tokens issued at or before this are refused (sessions revoked, suspended). */
  tokens_valid_after: number | null;
  /** JSON array of Role: every role the person holds (`role` is the first of them in precedence order). */
  roles: string;
  /** 'invited' until bound to an identity, 'active', or 'disabled' (left). Suspension is a restriction, not a status. */
  status: 'invited' | 'active' | 'disabled';
  /** The identity provider the subject belongs to: 'embedded', or the external issuer's URL; null until bound. */
  issuer: string | null;
  email: string | null;
  organisation: string | null;
  verification_method: string | null;
  verified_by: string | null;
  verified_at: string | null;
  /** JSON array of accreditation references. */
  accreditation: string;
  created_at: string | null;
  created_by: string | null;
}

/** The one-time enrolment code of an invited person: its sha256 only, valid 7 days, used once. */
export interface EnrolmentCodesTable {
  user_id: string;
  code_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A change to a person that needs a second administrator (granting admin once there are two). */
export interface PendingChangesTable {
  id: string;
  kind: 'grant_role';
  user_id: string;
  role: string;
  reason: string;
  requested_by: string;
  requested_at: string;
  status: 'pending' | 'approved' | 'refused';
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
}

export interface ProjectsTable {
  id: string;
  name: string;
  purpose: string;
  /** 'disk' or 'memory': where analysts' local tables of this project live. */
  local_data: Generated<'disk' | 'memory'>;
  clipboard_cell_limit: Generated<number>;
}

export interface ProjectDatasetsTable {
  project_id: string;
  dataset_id: string;
  /** The order the project lists its datasets in. */
  position: number;
}

export interface DatasetsTable {
  id: string;
  name: string;
  description: string;
  /** JSON array of column names that order a sample deterministically. */
  order_key: string;
}

export interface FieldsTable {
  dataset_id: string;
  /** The field's place in the dataset, from 0: catalogue and samples list fields in this order. */
  position: number;
  name: string;
  type: string;
  description: string;
  /** JSON array of FieldTag. */
  tags: string;
}

export interface CredentialsTable {
  user_id: string;
  /** scrypt$N$r$p$salt$hash (base64url); never the password. */
  password_hash: string;
}

/** The embedded identity provider's artifacts (oidc-provider models), one row per model instance. */
export interface OidcArtifactsTable {
  model: string;
  id: string;
  /** The model's JSON payload as oidc-provider gave it. */
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  /** Epoch seconds; null: does not expire. */
  expires_at: number | null;
  /** Keyed hash of the account the artifact belongs to (sessions, grants, codes, tokens), to end them all at once. */
  account_key: Generated<string | null>;
  /** Epoch seconds when it was used (a rotated refresh token, an exchanged code); null while unused. Set only by consume. */
  consumed_at: Generated<number | null>;
}

export interface AuditEventsTable {
  /** The order of the log: each event is the one after the highest seq stored, taken under the write lock (audit-log.ts). */
  seq: number;
  occurred_at: string;
  type: string;
  actor: string | null;
  outcome: 'success' | 'failure';
  /** Canonical JSON (sorted keys, no spaces). */
  details: string;
  prev_hash: string;
  hash: string;
  /** 'hmac-sha256': keyed with the platform's audit key; 'sha256': written before keyed chaining (unkeyed). */
  chain: Generated<'sha256' | 'hmac-sha256'>;
}

/** Keys whose access tokens the platform refuses before they expire ('grant:<id>', 'jti:<id>', 'sid:<id>'). */
export interface RevokedTokensTable {
  key: string;
  /** Epoch seconds. */
  revoked_at: number;
  /** Epoch seconds; the row can go after this. */
  expires_at: number;
}

/** An incident an administrator opened; the kill switch's actions name one. */
export interface IncidentsTable {
  id: string;
  summary: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  /** ISO 8601, as the person who opened it said. */
  detected_at: string;
  /** 1: personal data may be involved. */
  personal_data: number;
  status: 'open' | 'closed';
  resolution: string | null;
  opened_by: string;
  opened_at: string;
  closed_by: string | null;
  closed_at: string | null;
}

/** What the kill switch put in place: a suspended person or project, or frozen egress. In force while lifted_at is null. */
export interface RestrictionsTable {
  id: string;
  kind: 'user_suspended' | 'project_suspended' | 'egress_frozen';
  /** A user id, a project id, or '*' (egress frozen everywhere). */
  target: string;
  incident_id: string;
  reason: string;
  /** The admin's user id, or 'operator:<name>' for a break-glass command on the host. */
  applied_by: string;
  applied_at: string;
  lifted_by: string | null;
  lifted_at: string | null;
  lift_reason: string | null;
}

/** One version of the terms of use of a role, or of everyone ('everyone'). Never changed once published. */
export interface TermsTable {
  audience: string;
  version: number;
  text: string;
  sha256: string;
  summary: string;
  effective_at: string;
  author: string;
  published_at: string;
  /** 1: people who accepted an earlier version must accept this one. */
  requires_acceptance: number;
}

/** A person's acceptance of one version of one audience's terms, with the hash of the exact text they were shown. */
export interface TermsAcceptancesTable {
  user_id: string;
  audience: string;
  version: number;
  sha256: string;
  accepted_at: string;
  /** What the person accepted in: 'workstation', 'cli', with its version where it says. */
  client: string;
}

/** A course a person completed, with its expiry and evidence. */
export interface TrainingRecordsTable {
  id: string;
  user_id: string;
  course: string;
  completed: string;
  expires: string;
  evidence: string;
  recorded_by: string;
  recorded_at: string;
}

/** The courses a role needs, valid, before the platform serves that role. */
export interface TrainingRequirementsTable {
  role: string;
  course: string;
}

/** A release request (issue 16). `version` is +1 on every change; `round` is +1 on every submission (0 before the first). */
export interface AirlockRequestsTable {
  id: string;
  project_id: string;
  title: string;
  /** JSON RequestContext. */
  context: string;
  state: string;
  author_id: string;
  created_at: string;
  submitted_at: string | null;
  updated_at: string;
  version: number;
  round: number;
}

/** A file of a request: an output or a supporting file, its current version, and the version last reviewed. */
export interface AirlockFilesTable {
  id: string;
  request_id: string;
  name: string;
  role: 'output' | 'supporting';
  /** The order files were added in. */
  position: number;
  current_version: number;
  /** 1: withdrawn by the author (kept, never released). */
  withdrawn: number;
  added_at: string;
  /** The version the checkers last reviewed (set when the request is returned); null before. */
  reviewed_version: number | null;
}

/** Every version of every file, never changed but for its check (re-run at submission). */
export interface AirlockFileVersionsTable {
  file_id: string;
  version: number;
  kind: string | null;
  title: string | null;
  /** JSON: the OutputDocument, or the SupportingFile. */
  content: string;
  /** SHA-256 (hex) of outputBytes(document) (or the supporting file's canonical JSON), computed when it was added. */
  sha256: string;
  /** JSON OutputCheck (with its evidence); null for a supporting file. */
  output_check: string | null;
  exception: string | null;
  added_at: string;
  added_by: string;
}

/** A checker's vote on a file; it counts only while `file_version` is the file's current version. */
export interface AirlockVotesTable {
  file_id: string;
  checker_id: string;
  file_version: number;
  vote: 'approve' | 'request_changes';
  /** JSON Disagreement, or null. */
  disagreement: string | null;
  /** The round it was cast (or last changed) in. */
  round: number;
  at: string;
  /** SHA-256 of the published output the checker saw when voting (null: cast before 0012, never counts). */
  published_sha256: string | null;
  /** The engine's verdict the checker saw when voting (null: cast before 0012, never counts). */
  verdict: string | null;
}

/** A checker's review of one round of a request; complete once `completed_at` is set. */
export interface AirlockReviewsTable {
  request_id: string;
  round: number;
  checker_id: string;
  started_at: string;
  completed_at: string | null;
}

export interface AirlockCommentsTable {
  id: string;
  request_id: string;
  file_id: string | null;
  /** JSON CellKey, or null. */
  cell: string | null;
  visibility: 'public' | 'private';
  text: string;
  author_id: string;
  round: number;
  at: string;
}

/** What happened to a request, in order (seq from 1). */
export interface AirlockHistoryTable {
  request_id: string;
  seq: number;
  at: string;
  actor: string;
  event: string;
  from_state: string | null;
  to_state: string;
  reason: string | null;
}

/** The ledger: one row per released output file, revoked ones marked. */
export interface AirlockReleasesTable {
  file_id: string;
  request_id: string;
  project_id: string;
  file_version: number;
  name: string;
  title: string;
  kind: string;
  /** JSON PublishedOutput: exactly what left. */
  published: string;
  /** SHA-256 (hex) of the PublishedOutput's canonical JSON. */
  sha256: string;
  /** SHA-256 of the reviewed document's bytes (outputBytes). */
  reviewed_sha256: string;
  /** JSON array of the table's dimensions. */
  dimensions: string;
  released_at: string;
  released_by: string;
  /** JSON array of the reviewers' names. */
  reviewers: string;
  rules: string;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

/** A change of owner that concerns one person. */
export interface AirlockNotificationsTable {
  /** Given by the database as rows arrive: newer rows have higher ids. */
  id: Generated<number>;
  user_id: string;
  kind: string;
  request_id: string;
  project_id: string;
  title: string;
  by_id: string;
  at: string;
  message: string;
  read_at: string | null;
}

// ---- Workspace drives (issue 17) ------------------------------------------------------------------------------------

/** One drive per project, made on first use. */
export interface DrivesTable {
  project_id: string;
  /** `drv-` and 20 hex digits: stays the same for the drive's life. */
  drive_id: string;
  /** Moves on when the drive store is restored from a backup (sync journals made before must resync). */
  epoch: number;
  quota_bytes: number;
  keep_versions: number;
  trash_days: number;
  /** The change counter: one more with every change to the drive (the tree's cursor). */
  change_seq: number;
  created_at: string;
  created_by: string;
}

/**
 * A file or folder of a drive, live or in the trash (`trash_id` set). The root is an entry too (path ''). Paths are
 * canonical (each name NFC); `path_key` is the path's twin key (src/common/drives.ts: drivePathKey), unique among the
 * drive's live entries, so no two names of a folder fold to the same key.
 */
export interface DriveEntriesTable {
  /** `ent-` and 20 hex digits: stays with the entry through moves, so its versions and properties follow it. */
  id: string;
  project_id: string;
  path: string;
  path_key: string;
  /** The parent's path key; null for the root. */
  parent_key: string | null;
  kind: 'file' | 'folder';
  /** The current version (1 for a folder). */
  version: number;
  /** The current content's SHA-256 (hex); null for a folder. */
  sha256: string | null;
  size: number;
  modified_at: string;
  modified_by: string;
  /** The trash entry it went with when deleted; null while live. */
  trash_id: string | null;
  /** The drive's change counter when the entry last changed. */
  changed_seq: number;
}

/** Every kept version of a file, the current one included. What counts against the quota is the sum of their sizes. */
export interface DriveVersionsTable {
  entry_id: string;
  version: number;
  project_id: string;
  sha256: string;
  size: number;
  media_type: string | null;
  at: string;
  by: string;
  /** What made it: 'created', 'written' or 'restored'. */
  change: string;
}

/** A deleted entry (with everything in it), restorable until `purge_at`. */
export interface DriveTrashTable {
  id: string;
  project_id: string;
  /** The entry that was deleted (its subtree's entries carry this row's id in `trash_id`). */
  entry_id: string;
  path: string;
  kind: 'file' | 'folder';
  /** Bytes of every kept version in it. */
  size: number;
  deleted_at: string;
  deleted_by: string;
  purge_at: string;
}

/** A resumable upload: its bytes are in the drive store's uploads folder, as many as arrived durably. */
export interface DriveUploadsTable {
  id: string;
  project_id: string;
  user_id: string;
  path: string;
  size: number;
  sha256: string;
  /** JSON WriteCondition. */
  condition: string;
  created_at: string;
  expires_at: string;
}

/** A person's app password for one drive (WebDAV Basic): only the SHA-256 of the secret is kept. */
export interface DriveAppPasswordsTable {
  id: string;
  project_id: string;
  user_id: string;
  label: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A WebDAV lock (RFC 4918 class 2). Times are epoch milliseconds. */
export interface DriveLocksTable {
  token: string;
  project_id: string;
  path: string;
  path_key: string;
  user_id: string;
  scope: 'exclusive' | 'shared';
  depth: '0' | 'infinity';
  provisional: number;
  owner: string;
  granted_at: number;
  timeout_ms: number;
  expires_at: number;
}

/** WebDAV dead properties (PROPPATCH), per entry: they follow the entry through moves. */
export interface DrivePropertiesTable {
  entry_id: string;
  project_id: string;
  name: string;
  value: string;
}

/**
 * The login throttle's budgets (migration 0015), one row each: a username's (or an address's enrolment codes'), a
 * client address's, and everybody's. The key is a keyed hash (login-throttle.ts): no typed username is stored.
 * Times are epoch milliseconds.
 */
/** The shared identity keys' fingerprint as first recorded (or as the operator last recorded it); one row, id 1. */
export interface IdentityKeysRecordTable {
  id: number;
  /** Canonical JSON of the keys' thumbprints and hashes (key-folder.ts), never a key. */
  fingerprint: string;
  recorded_at: string;
}

export interface LoginThrottleTable {
  key: string;
  /** Failures counted in the current window (not counted once window_ends_at has passed). */
  failures: number;
  window_ends_at: number;
  /** A username refused until then; 0 when not paused. */
  paused_until: number;
  /** The last pause's length, which the next failure doubles. */
  last_pause_ms: number;
  /** Checks under way; none once lease_until has passed (an instance that crashed mid-check). */
  in_flight: number;
  lease_until: number;
}

export interface MetadataDatabase {
  drives: DrivesTable;
  drive_entries: DriveEntriesTable;
  drive_versions: DriveVersionsTable;
  drive_trash: DriveTrashTable;
  drive_uploads: DriveUploadsTable;
  drive_app_passwords: DriveAppPasswordsTable;
  drive_locks: DriveLocksTable;
  drive_properties: DrivePropertiesTable;
  airlock_requests: AirlockRequestsTable;
  airlock_files: AirlockFilesTable;
  airlock_file_versions: AirlockFileVersionsTable;
  airlock_votes: AirlockVotesTable;
  airlock_reviews: AirlockReviewsTable;
  airlock_comments: AirlockCommentsTable;
  airlock_history: AirlockHistoryTable;
  airlock_releases: AirlockReleasesTable;
  airlock_notifications: AirlockNotificationsTable;
  terms: TermsTable;
  terms_acceptances: TermsAcceptancesTable;
  training_records: TrainingRecordsTable;
  training_requirements: TrainingRequirementsTable;
  enrolment_codes: EnrolmentCodesTable;
  pending_changes: PendingChangesTable;
  incidents: IncidentsTable;
  restrictions: RestrictionsTable;
  credentials: CredentialsTable;
  oidc_artifacts: OidcArtifactsTable;
  audit_events: AuditEventsTable;
  revoked_tokens: RevokedTokensTable;
  users: UsersTable;
  projects: ProjectsTable;
  project_datasets: ProjectDatasetsTable;
  datasets: DatasetsTable;
  fields: FieldsTable;
  login_throttle: LoginThrottleTable;
  identity_keys_record: IdentityKeysRecordTable;
}
