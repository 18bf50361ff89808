// Schema changes as kysely migrations, declared in code so they travel with the build. The same migrations run on
// SQLite and PostgreSQL and make the same tables: portable DDL, and where the engines differ (the audit table's guards,
// a 64-bit sequence, a generated id, a JSON reader) the migration asks sqlEngineOf which one it runs on. The SQLite
// branches are exactly the DDL that existing stores were made with, so their schema (which the audit check compares
// with these migrations) does not change.
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { createGuardFunction, createGuardTrigger, GUARD_FUNCTIONS, GUARD_TRIGGERS, pinGuardSearchPath } from './postgres-audit-guards.ts';
import type { MetadataDatabase } from './schema.ts';
import { JSON_STRING_MEMBER_FUNCTION, sqlEngineOf } from './sql-engine.ts';

const onPostgres = (db: Kysely<unknown>): boolean => sqlEngineOf(db).name === 'postgres';

/** Creates the PostgreSQL guards the migration `migration` makes (audit_events' triggers and the functions they call). */
async function createPostgresGuards(db: Kysely<unknown>, migration: '0002' | '0004'): Promise<void> {
  const triggers = GUARD_TRIGGERS.filter((trigger) => trigger.migration === migration);
  for (const fn of GUARD_FUNCTIONS.filter((candidate) => triggers.some((trigger) => trigger.fn === candidate.name))) {
    await createGuardFunction(db, fn);
  }
  for (const trigger of triggers) await createGuardTrigger(db, trigger);
}

async function dropPostgresGuards(db: Kysely<unknown>, migration: '0002' | '0004'): Promise<void> {
  const triggers = GUARD_TRIGGERS.filter((trigger) => trigger.migration === migration);
  for (const trigger of triggers) await sql.raw(`DROP TRIGGER IF EXISTS ${trigger.name} ON audit_events`).execute(db);
  for (const name of new Set(triggers.map((trigger) => trigger.fn))) await sql.raw(`DROP FUNCTION IF EXISTS ${name}()`).execute(db);
}

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('projects')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('datasets')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('order_key', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('fields')
      .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull().references('datasets.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('type', 'varchar(64)', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('fields_pk', ['dataset_id', 'name'])
      .addUniqueConstraint('fields_position_unique', ['dataset_id', 'position'])
      .execute();
    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute();
    await db.schema.createIndex('project_members_by_user').on('project_members').column('user_id').execute();
    await db.schema
      .createTable('project_datasets')
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('dataset_id', 'varchar(64)', (c) => c.notNull().references('datasets.id').onDelete('restrict'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('project_datasets_pk', ['project_id', 'dataset_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['project_datasets', 'project_members', 'fields', 'datasets', 'projects', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

// Sign-in (issue 3): password hashes for the embedded identity provider's demo accounts, the provider's own
// artifacts (sessions, grants, refresh tokens…) so a restart keeps people signed in, and the audit log.
const identityAndAudit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('credentials')
      .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('oidc_artifacts')
      .addColumn('model', 'varchar(64)', (c) => c.notNull())
      .addColumn('id', 'varchar(512)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('grant_id', 'varchar(512)')
      .addColumn('user_code', 'varchar(64)')
      .addColumn('uid', 'varchar(512)')
      /** Epoch seconds; null: does not expire. */
      .addColumn('expires_at', 'bigint')
      .addPrimaryKeyConstraint('oidc_artifacts_pk', ['model', 'id'])
      .execute();
    await db.schema.createIndex('oidc_artifacts_by_grant').on('oidc_artifacts').columns(['model', 'grant_id']).execute();
    await db.schema.createIndex('oidc_artifacts_by_user_code').on('oidc_artifacts').columns(['model', 'user_code']).execute();
    await db.schema.createIndex('oidc_artifacts_by_uid').on('oidc_artifacts').columns(['model', 'uid']).execute();
    await db.schema
      .createTable('audit_events')
      // On SQLite an INTEGER is 64 bits already (and this exact definition is what the audit check expects).
      .addColumn('seq', onPostgres(db) ? 'bigint' : 'integer', (c) => c.primaryKey())
      .addColumn('occurred_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('type', 'varchar(64)', (c) => c.notNull())
      .addColumn('actor', 'varchar(64)')
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'char(64)', (c) => c.notNull())
      .addColumn('hash', 'char(64)', (c) => c.notNull().unique())
      .execute();
    // Append-only, enforced by the database as well as by the store's interface (which has no update or delete). On
    // PostgreSQL TRUNCATE is refused too, and the app role also lacks UPDATE, DELETE and TRUNCATE (README).
    if (onPostgres(db)) {
      await createPostgresGuards(db, '0002');
      return;
    }
    await sql`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (onPostgres(db)) {
      await dropPostgresGuards(db, '0002');
    } else {
      await sql`DROP TRIGGER IF EXISTS audit_events_no_delete`.execute(db);
      await sql`DROP TRIGGER IF EXISTS audit_events_no_update`.execute(db);
    }
    for (const table of ['audit_events', 'oidc_artifacts', 'credentials']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

// The identity provider's artifacts are now keyed by sha256 of their id (see identity/embedded/adapter.ts), so
// rows stored under the raw id (refresh tokens, codes, sessions in the clear) can never be found again, and
// must not linger. They are deleted: everyone signed in to the embedded provider signs in once more.
const hashedArtifactKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`DELETE FROM oidc_artifacts`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`DELETE FROM oidc_artifacts`.execute(db);
  },
};

// The issue about other local users and anyone who can write the platform's files:
// - audit events are chained with a key the database does not hold (HMAC-SHA-256, key in the identity folder);
//   events written before this are marked 'sha256' and stay verifiable, protected by the first keyed event that
//   chains onto them;
// - an insert must be the next sequence number and may not reuse a hash, so `INSERT OR REPLACE` (whose implicit
//   delete fires no delete trigger) cannot replace an event;
// - access tokens of an ended grant or session are refused at once: a small list of revoked keys, each kept as
//   long as the tokens it refuses can live.
const keyedAuditAndRevocations: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('audit_events')
      .addColumn('chain', 'varchar(16)', (c) => c.notNull().defaultTo('sha256'))
      .execute();
    if (onPostgres(db)) await createPostgresGuards(db, '0004');
    else {
      await sql`CREATE TRIGGER audit_events_next_seq_only BEFORE INSERT ON audit_events
      WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_events)
        OR EXISTS (SELECT 1 FROM audit_events WHERE hash = NEW.hash)
      BEGIN SELECT RAISE(ABORT, 'the audit log takes only the next event'); END`.execute(db);
    }
    await db.schema
      .createTable('revoked_tokens')
      // 'grant:<id>', 'jti:<id>', 'sid:<id>'.
      .addColumn('key', 'varchar(600)', (c) => c.primaryKey())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      /** Epoch seconds after which no token it refuses can still be valid. */
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('revoked_tokens_by_expiry').on('revoked_tokens').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('revoked_tokens').execute();
    if (onPostgres(db)) await dropPostgresGuards(db, '0004');
    else await sql`DROP TRIGGER IF EXISTS audit_events_next_seq_only`.execute(db);
    await db.schema.alterTable('audit_events').dropColumn('chain').execute();
  },
};

// The identity provider's artifacts are now sealed (AES-256-GCM under a key in the identity folder) and found by
// keyed hashes (identity/embedded/artifact-sealing.ts). Rows stored before are unreadable to the provider and
// would keep their plaintext (device codes, account ids) until they expire: they are deleted, with SQLite's
// secure_delete on (metadata-store.ts), so their pages are overwritten. Everybody signs in once more.
const sealedArtifacts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`DELETE FROM oidc_artifacts`.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await sql`DELETE FROM oidc_artifacts`.execute(db);
  },
};

// Per project: where analysts' local tables live ('disk': native DuckDB in the workstation; 'memory': DuckDB-wasm in
// the window, nothing on this computer's disk), and how many grid cells one copy may take (default 100).
const projectWorkspaceSettings: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('projects')
      .addColumn('local_data', 'varchar(8)', (c) => c.notNull().defaultTo('disk'))
      .execute();
    await db.schema
      .alterTable('projects')
      .addColumn('clipboard_cell_limit', 'integer', (c) => c.notNull().defaultTo(100))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('projects').dropColumn('clipboard_cell_limit').execute();
    await db.schema.alterTable('projects').dropColumn('local_data').execute();
  },
};

// Incidents and the kill switch (issue 18): incidents, the restrictions put in place during them (suspended people and
// projects, frozen egress), each person's identity-provider subject (external subjects are not ids), the moment before
// which a person's access tokens are refused, and the account each identity-provider artifact belongs to (so all of a
// person's sign-ins can be ended at once).
const incidentsAndKillSwitch: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('subject', 'varchar(255)').execute();
    await db.schema.alterTable('users').addColumn('tokens_valid_after', 'bigint').execute();
    await sql`UPDATE users SET subject = id`.execute(db);
    await db.schema.createIndex('users_by_subject').on('users').column('subject').unique().execute();
    await db.schema.alterTable('oidc_artifacts').addColumn('account_key', 'varchar(128)').execute();
    await db.schema.createIndex('oidc_artifacts_by_account').on('oidc_artifacts').column('account_key').execute();
    await db.schema
      .createTable('incidents')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('severity', 'varchar(16)', (c) => c.notNull())
      .addColumn('detected_at', 'varchar(40)', (c) => c.notNull())
      .addColumn('personal_data', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('resolution', 'text')
      .addColumn('opened_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('opened_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('closed_by', 'varchar(128)')
      .addColumn('closed_at', 'varchar(32)')
      .execute();
    await db.schema
      .createTable('restrictions')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('target', 'varchar(64)', (c) => c.notNull())
      .addColumn('incident_id', 'varchar(32)', (c) => c.notNull().references('incidents.id'))
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('applied_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('applied_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('lifted_by', 'varchar(128)')
      .addColumn('lifted_at', 'varchar(32)')
      .addColumn('lift_reason', 'text')
      .execute();
    await db.schema.createIndex('restrictions_in_force').on('restrictions').columns(['lifted_at', 'kind', 'target']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('restrictions').execute();
    await db.schema.dropTable('incidents').execute();
    await db.schema.dropIndex('oidc_artifacts_by_account').execute();
    await db.schema.alterTable('oidc_artifacts').dropColumn('account_key').execute();
    await db.schema.dropIndex('users_by_subject').execute();
    await db.schema.alterTable('users').dropColumn('tokens_valid_after').execute();
    await db.schema.alterTable('users').dropColumn('subject').execute();
  },
};

// People (issue 18): every role a person holds, their status, the identity provider their subject belongs to, their
// contact details, how their identity was verified and their accreditation; enrolment codes (hashed, single-use); and
// changes waiting for a second administrator. Existing people keep their role and sign in as before (embedded).
const people: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [name, type] of [
      ['roles', 'text'],
      ['status', 'varchar(16)'],
      ['issuer', 'varchar(512)'],
      ['email', 'varchar(320)'],
      ['organisation', 'text'],
      ['verification_method', 'text'],
      ['verified_by', 'varchar(128)'],
      ['verified_at', 'varchar(32)'],
      ['accreditation', 'text'],
      ['created_at', 'varchar(32)'],
      ['created_by', 'varchar(128)'],
    ] as const) {
      await db.schema.alterTable('users').addColumn(name, type).execute();
    }
    await sql`UPDATE users SET roles = '["' || role || '"]', status = 'active', accreditation = '[]',
      issuer = CASE WHEN subject IS NULL THEN NULL ELSE 'embedded' END`.execute(db);
    await db.schema.dropIndex('users_by_subject').execute();
    await db.schema.createIndex('users_by_identity').on('users').columns(['issuer', 'subject']).unique().execute();
    await db.schema
      .createTable('enrolment_codes')
      .addColumn('user_id', 'varchar(64)', (c) => c.primaryKey().references('users.id'))
      .addColumn('code_hash', 'char(64)', (c) => c.notNull().unique())
      .addColumn('created_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('used_at', 'varchar(32)')
      .execute();
    await db.schema
      .createTable('pending_changes')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(32)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('requested_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('decided_by', 'varchar(128)')
      .addColumn('decided_at', 'varchar(32)')
      .addColumn('decision_reason', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('pending_changes').execute();
    await db.schema.dropTable('enrolment_codes').execute();
    await db.schema.dropIndex('users_by_identity').execute();
    await db.schema.createIndex('users_by_subject').on('users').column('subject').unique().execute();
    for (const name of [
      'created_by',
      'created_at',
      'accreditation',
      'verified_at',
      'verified_by',
      'verification_method',
      'organisation',
      'email',
      'issuer',
      'status',
      'roles',
    ]) {
      await db.schema.alterTable('users').dropColumn(name).execute();
    }
  },
};

// Terms of use per role (versioned, with the sha256 of each text) and who accepted which version of which text; training
// records and the courses each role needs.
const termsAndTraining: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('terms')
      .addColumn('audience', 'varchar(32)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('effective_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('author', 'varchar(128)', (c) => c.notNull())
      .addColumn('published_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('requires_acceptance', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('terms_pk', ['audience', 'version'])
      .execute();
    await db.schema
      .createTable('terms_acceptances')
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('audience', 'varchar(32)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('accepted_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('client', 'varchar(200)', (c) => c.notNull())
      .addPrimaryKeyConstraint('terms_acceptances_pk', ['user_id', 'audience', 'version'])
      .execute();
    await db.schema
      .createTable('training_records')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('course', 'varchar(100)', (c) => c.notNull())
      .addColumn('completed', 'varchar(10)', (c) => c.notNull())
      .addColumn('expires', 'varchar(10)', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('recorded_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('training_records_by_user').on('training_records').columns(['user_id', 'course']).execute();
    await db.schema
      .createTable('training_requirements')
      .addColumn('role', 'varchar(32)', (c) => c.notNull())
      .addColumn('course', 'varchar(100)', (c) => c.notNull())
      .addPrimaryKeyConstraint('training_requirements_pk', ['role', 'course'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['training_requirements', 'training_records', 'terms_acceptances', 'terms'])
      await db.schema.dropTable(table).execute();
  },
};

// One source of membership: a project's members are those its data-sharing agreement lists (issue 18). The store's own
// list of members, which could disagree with the agreement, goes.
const membershipFromAgreements: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('project_members').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('project_members')
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
      .execute();
  },
};

// The airlock (issue 16): release requests, their files (every version kept, with its SHA-256 and the platform's
// check), the checkers' votes and reviews per round, comments, each request's history, the ledger of released outputs
// and the notifications of changes of owner. Nothing here is ever deleted: a withdrawn file or request keeps its rows.
const airlock: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('airlock_requests')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(32)', (c) => c.notNull())
      .addColumn('author_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('submitted_at', 'varchar(32)')
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('airlock_requests_by_project').on('airlock_requests').columns(['project_id', 'created_at']).execute();
    await db.schema.createIndex('airlock_requests_by_state').on('airlock_requests').column('state').execute();
    await db.schema
      .createTable('airlock_files')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('current_version', 'integer', (c) => c.notNull())
      .addColumn('withdrawn', 'integer', (c) => c.notNull())
      .addColumn('added_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('reviewed_version', 'integer')
      .addUniqueConstraint('airlock_files_name_unique', ['request_id', 'name'])
      .execute();
    await db.schema
      .createTable('airlock_file_versions')
      .addColumn('file_id', 'varchar(32)', (c) => c.notNull().references('airlock_files.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)')
      .addColumn('title', 'text')
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('output_check', 'text')
      .addColumn('exception', 'text')
      .addColumn('added_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('added_by', 'varchar(64)', (c) => c.notNull())
      .addPrimaryKeyConstraint('airlock_file_versions_pk', ['file_id', 'version'])
      .execute();
    await db.schema
      .createTable('airlock_votes')
      .addColumn('file_id', 'varchar(32)', (c) => c.notNull().references('airlock_files.id'))
      .addColumn('checker_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('file_version', 'integer', (c) => c.notNull())
      .addColumn('vote', 'varchar(32)', (c) => c.notNull())
      .addColumn('disagreement', 'text')
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('at', 'varchar(32)', (c) => c.notNull())
      .addPrimaryKeyConstraint('airlock_votes_pk', ['file_id', 'checker_id'])
      .execute();
    await db.schema
      .createTable('airlock_reviews')
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('checker_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('completed_at', 'varchar(32)')
      .addPrimaryKeyConstraint('airlock_reviews_pk', ['request_id', 'round', 'checker_id'])
      .execute();
    await db.schema
      .createTable('airlock_comments')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('file_id', 'varchar(32)', (c) => c.references('airlock_files.id'))
      .addColumn('cell', 'text')
      .addColumn('visibility', 'varchar(16)', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('author_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('airlock_comments_by_request').on('airlock_comments').columns(['request_id', 'at']).execute();
    await db.schema
      .createTable('airlock_history')
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'varchar(32)', (c) => c.notNull())
      .addColumn('actor', 'varchar(64)', (c) => c.notNull())
      .addColumn('event', 'varchar(32)', (c) => c.notNull())
      .addColumn('from_state', 'varchar(32)')
      .addColumn('to_state', 'varchar(32)', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addPrimaryKeyConstraint('airlock_history_pk', ['request_id', 'seq'])
      .execute();
    await db.schema
      .createTable('airlock_releases')
      .addColumn('file_id', 'varchar(32)', (c) => c.primaryKey().references('airlock_files.id'))
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('file_version', 'integer', (c) => c.notNull())
      .addColumn('name', 'varchar(200)', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('published', 'text', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('reviewed_sha256', 'char(64)', (c) => c.notNull())
      .addColumn('dimensions', 'text', (c) => c.notNull())
      .addColumn('released_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('released_by', 'varchar(64)', (c) => c.notNull())
      .addColumn('reviewers', 'text', (c) => c.notNull())
      .addColumn('rules', 'varchar(32)', (c) => c.notNull())
      .addColumn('revoked_at', 'varchar(32)')
      .addColumn('revoked_by', 'varchar(64)')
      .addColumn('revoke_reason', 'text')
      .execute();
    await db.schema.createIndex('airlock_releases_by_project').on('airlock_releases').columns(['project_id', 'released_at']).execute();
    await db.schema
      .createTable('airlock_notifications')
      // Numbered by the database as rows arrive (SQLite: the rowid), so two processes notifying at once never clash.
      .addColumn('id', 'integer', (c) => (onPostgres(db) ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey()))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('request_id', 'varchar(32)', (c) => c.notNull().references('airlock_requests.id'))
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('by_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('at', 'varchar(32)', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('read_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('airlock_notifications_by_user').on('airlock_notifications').columns(['user_id', 'id']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'airlock_notifications',
      'airlock_releases',
      'airlock_history',
      'airlock_comments',
      'airlock_reviews',
      'airlock_votes',
      'airlock_file_versions',
      'airlock_files',
      'airlock_requests',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

// The check each vote was cast on (issue 16): the SHA-256 of the published output the checker saw and the engine's
// verdict then. A vote counts only while the file's check still says the same; votes cast before this have neither
// and count no more (no release has run 0011, so none is lost).
const airlockVoteChecks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('airlock_votes').addColumn('published_sha256', 'varchar(64)').execute();
    await db.schema.alterTable('airlock_votes').addColumn('verdict', 'varchar(16)').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('airlock_votes').dropColumn('verdict').execute();
    await db.schema.alterTable('airlock_votes').dropColumn('published_sha256').execute();
  },
};

// Workspace drives (issue 17): a drive per project, its entries (live and trashed) by path and twin key, every kept
// version of every file (the bytes are content-addressed blobs on disk, named by these SHA-256s), the trash, resumable
// uploads, app passwords (hashed), WebDAV locks and dead properties. The change counter is the drive's `change_seq`.
const drives: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('drives')
      .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey().references('projects.id'))
      .addColumn('drive_id', 'varchar(32)', (c) => c.notNull().unique())
      .addColumn('epoch', 'integer', (c) => c.notNull())
      .addColumn('quota_bytes', 'bigint', (c) => c.notNull())
      .addColumn('keep_versions', 'integer', (c) => c.notNull())
      .addColumn('trash_days', 'integer', (c) => c.notNull())
      .addColumn('change_seq', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('created_by', 'varchar(64)', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('drive_entries')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('drives.project_id'))
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('path_key', 'text', (c) => c.notNull())
      .addColumn('parent_key', 'text')
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'char(64)')
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('modified_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('modified_by', 'varchar(64)', (c) => c.notNull())
      .addColumn('trash_id', 'varchar(32)')
      .addColumn('changed_seq', 'bigint', (c) => c.notNull())
      .execute();
    // No two live entries of a drive share a twin key (the name policy's last word, enforced by the database too).
    await db.schema
      .createIndex('drive_entries_live_key')
      .on('drive_entries')
      .columns(['project_id', 'path_key'])
      .unique()
      .where(sql.ref('trash_id'), 'is', null)
      .execute();
    await db.schema.createIndex('drive_entries_by_parent').on('drive_entries').columns(['project_id', 'parent_key']).execute();
    await db.schema.createIndex('drive_entries_by_trash').on('drive_entries').column('trash_id').execute();
    await db.schema
      .createTable('drive_versions')
      .addColumn('entry_id', 'varchar(32)', (c) => c.notNull().references('drive_entries.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('media_type', 'varchar(255)')
      .addColumn('at', 'varchar(32)', (c) => c.notNull())
      .addColumn('by', 'varchar(64)', (c) => c.notNull())
      .addColumn('change', 'varchar(16)', (c) => c.notNull())
      .addPrimaryKeyConstraint('drive_versions_pk', ['entry_id', 'version'])
      .execute();
    await db.schema.createIndex('drive_versions_by_project').on('drive_versions').column('project_id').execute();
    await db.schema.createIndex('drive_versions_by_sha256').on('drive_versions').column('sha256').execute();
    await db.schema
      .createTable('drive_trash')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('drives.project_id'))
      .addColumn('entry_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('deleted_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('deleted_by', 'varchar(64)', (c) => c.notNull())
      .addColumn('purge_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('drive_trash_by_project').on('drive_trash').columns(['project_id', 'deleted_at']).execute();
    await db.schema
      .createTable('drive_uploads')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('drives.project_id'))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sha256', 'char(64)', (c) => c.notNull())
      .addColumn('condition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('drive_uploads_by_user').on('drive_uploads').columns(['project_id', 'user_id']).execute();
    await db.schema
      .createTable('drive_app_passwords')
      .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull().references('projects.id'))
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id'))
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'char(64)', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('last_used_at', 'varchar(32)')
      .addColumn('revoked_at', 'varchar(32)')
      .execute();
    await db.schema.createIndex('drive_app_passwords_by_user').on('drive_app_passwords').columns(['project_id', 'user_id']).execute();
    await db.schema
      .createTable('drive_locks')
      .addColumn('token', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('path_key', 'text', (c) => c.notNull())
      .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('scope', 'varchar(16)', (c) => c.notNull())
      .addColumn('depth', 'varchar(16)', (c) => c.notNull())
      .addColumn('provisional', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'bigint', (c) => c.notNull())
      .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('drive_locks_by_project').on('drive_locks').column('project_id').execute();
    await db.schema
      .createTable('drive_properties')
      .addColumn('entry_id', 'varchar(32)', (c) => c.notNull().references('drive_entries.id'))
      .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('drive_properties_pk', ['entry_id', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'drive_properties',
      'drive_locks',
      'drive_app_passwords',
      'drive_uploads',
      'drive_trash',
      'drive_versions',
      'drive_entries',
      'drives',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};

// Several instances on one PostgreSQL (issue 19): using an identity-provider artifact (a refresh token, a code) is one
// conditional UPDATE of this column, so only one of two requests at once can use it. Artifacts used before keep being
// used: their payload said so (the store wrote `"consumed":` into it, outside the sealed part), and now the column does.
// On PostgreSQL, a function reads a JSON member of text that may not be JSON (the audit search), as SQLite's json_valid
// and json_extract do; PostgreSQL 15 has no test for valid JSON that does not raise an error.
const consumedAt: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('oidc_artifacts').addColumn('consumed_at', 'bigint').execute();
    await sql`UPDATE oidc_artifacts SET consumed_at = ${Math.floor(Date.now() / 1000)} WHERE payload LIKE '%"consumed":%'`.execute(db);
    if (onPostgres(db)) {
      await sql
        .raw(
          `CREATE OR REPLACE FUNCTION ${JSON_STRING_MEMBER_FUNCTION}(document text, member text) RETURNS text
          LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
          DECLARE parsed jsonb;
          BEGIN
            parsed := document::jsonb;
            IF jsonb_typeof(parsed) = 'object' AND jsonb_typeof(parsed -> member) = 'string' THEN
              RETURN parsed ->> member;
            END IF;
            RETURN NULL;
          EXCEPTION WHEN invalid_text_representation THEN
            RETURN NULL;
          END;
          $fn$`,
        )
        .execute(db);
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (onPostgres(db)) await sql.raw(`DROP FUNCTION IF EXISTS ${JSON_STRING_MEMBER_FUNCTION}(text, text)`).execute(db);
    await db.schema.alterTable('oidc_artifacts').dropColumn('consumed_at').execute();
  },
};

// Several instances (issue 19 C.1): the login throttle's budgets live in the store, so every instance counts against
// the same ones. Plain integer columns and one primary key: the throttle's statements are portable upserts.
const loginThrottle: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('login_throttle')
      .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('failures', 'bigint', (c) => c.notNull())
      .addColumn('window_ends_at', 'bigint', (c) => c.notNull())
      .addColumn('paused_until', 'bigint', (c) => c.notNull())
      .addColumn('last_pause_ms', 'bigint', (c) => c.notNull())
      .addColumn('in_flight', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('login_throttle').execute();
  },
};

// The audit guards' search_path (issue 19 B): pg_temp comes first in a function's default search_path, so an app role
// with TEMP could make a temporary audit_events that the next-event-only guard reads instead of the real one. Each
// guard function now runs with the table's schema, and pg_temp searched last. Nothing on SQLite.
const pinnedAuditGuards: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (onPostgres(db)) for (const fn of GUARD_FUNCTIONS) await pinGuardSearchPath(db, fn);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    if (onPostgres(db)) for (const fn of GUARD_FUNCTIONS) await sql.raw(`ALTER FUNCTION ${fn.name}() RESET search_path`).execute(db);
  },
};

// Shared identity keys (issue 19 C.2): what the instances' keys folder held at the first start, so an instance started
// with other keys is refused. One row at most; fingerprints only (thumbprints and hashes), never a key.
const identityKeysRecord: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('identity_keys_record')
      .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'varchar(40)', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('identity_keys_record').execute();
  },
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return {
      '0001_initial': initial,
      '0002_identity_and_audit': identityAndAudit,
      '0003_hashed_artifact_keys': hashedArtifactKeys,
      '0004_keyed_audit_and_revocations': keyedAuditAndRevocations,
      '0005_sealed_artifacts': sealedArtifacts,
      '0006_project_workspace_settings': projectWorkspaceSettings,
      '0007_incidents_and_kill_switch': incidentsAndKillSwitch,
      '0008_people': people,
      '0009_terms_and_training': termsAndTraining,
      '0010_membership_from_agreements': membershipFromAgreements,
      '0011_airlock': airlock,
      '0012_airlock_vote_checks': airlockVoteChecks,
      '0013_drives': drives,
      '0014_consumed_at': consumedAt,
      '0015_login_throttle': loginThrottle,
      '0016_pinned_audit_guards': pinnedAuditGuards,
      '0017_identity_keys_record': identityKeysRecord,
    };
  },
};

/** Where the migrations keep their own table: beside the store's tables when they live in a schema of their own. */
function migratorFor(db: Kysely<MetadataDatabase>, schema: string | undefined): Migrator {
  return new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
}

/** Brings a database's schema up to date; a migration that fails throws its error. */
export async function migrateToLatest(db: Kysely<MetadataDatabase>, options: { schema?: string } = {}): Promise<void> {
  const { error } = await migratorFor(db, options.schema).migrateToLatest();
  if (error === undefined) return;
  throw error instanceof Error ? error : new Error(`A migration failed: ${String(error)}`);
}

/** The migrations the database has not run yet, by name, without changing anything (no table is created). */
export async function pendingMigrations(db: Kysely<MetadataDatabase>, options: { schema?: string } = {}): Promise<string[]> {
  const migrations = await migratorFor(db, options.schema).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
