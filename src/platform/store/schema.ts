// The metadata store's tables as kysely sees them. Column names are snake_case in SQL, as PostgreSQL expects.
import type { Generated } from 'kysely';
import type { Role } from '../../common/contract.ts';

export interface UsersTable {
  id: string;
  display_name: string;
  role: Role;
}

export interface ProjectsTable {
  id: string;
  name: string;
  purpose: string;
  /** 'disk' or 'memory': where analysts' local tables of this project live. */
  local_data: Generated<'disk' | 'memory'>;
  clipboard_cell_limit: Generated<number>;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
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
}

export interface AuditEventsTable {
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

export interface MetadataDatabase {
  credentials: CredentialsTable;
  oidc_artifacts: OidcArtifactsTable;
  audit_events: AuditEventsTable;
  revoked_tokens: RevokedTokensTable;
  users: UsersTable;
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  project_datasets: ProjectDatasetsTable;
  datasets: DatasetsTable;
  fields: FieldsTable;
}
