// The platform's metadata (users, projects, memberships, datasets, fields) through kysely, in a SQLite file (the
// default) or a PostgreSQL database (a production platform, several instances). Every read the routes need is one
// method here, so the routes never see SQL, and the engine is chosen in openMetadataStore only. The store sits below
// identity and the audit log: it is given the password hash function, and the composition root (records.ts) builds
// the audit log on its database.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, PostgresDialect } from 'kysely';
import { FieldTagSchema, type FieldTag, type Project, type User } from '../../common/contract.ts';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { CatalogueFile } from '../catalogue/catalogue-file.ts';
import type { DemoSeed } from './demo-seed.ts';
import { ColumnLimitsPlugin } from './column-limits.ts';
import { migrateToLatest, pendingMigrations } from './migrations.ts';
import { byName } from './name-order.ts';
import { createNodeSqliteDialect } from './node-sqlite-dialect.ts';
import { createPostgresPool, describeDatabaseUrl, type PostgresStoreOptions } from './postgres-connection.ts';
import { assertCannotRewriteAudit } from './postgres-roles.ts';
import { sqlEngineOf } from './sql-engine.ts';
import { createAirlockRecords, type AirlockRecords } from './airlock.ts';
import { createDriveRecords, type DriveRecords } from './drives.ts';
import { createIncidentRecords, type IncidentRecords } from './incidents.ts';
import { createPeopleRecords, personOf, roleColumns, type PeopleRecords } from './people.ts';
import { createTermsRecords, createTrainingStore, type TermsRecords, type TrainingStore } from './terms.ts';
import { createOidcArtifactStore, type OidcArtifactStore } from './oidc-artifacts.ts';
import { createRevocationList, type RevocationList } from './revocations.ts';
import { createIdentityKeysRecord, type IdentityKeysRecord } from './identity-keys-record.ts';
import { createLoginThrottleRecords, type LoginThrottleRecords } from './login-throttle.ts';
import type { MetadataDatabase } from './schema.ts';

export interface StoredField {
  readonly name: string;
  readonly type: string;
  readonly description: string;
  readonly tags: readonly FieldTag[];
}

export interface StoredDataset {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly orderKey: readonly string[];
  readonly fields: readonly StoredField[];
}

/** A person the platform knows, as the kill-switch screens list them. */
export interface StoredPerson extends User {
  /** The identity provider's `sub` for them; null until bound. */
  readonly subject: string | null;
}

/** The identity provider a person's subject belongs to when it is the platform's own. */
export const EMBEDDED_ISSUER = 'embedded';

export interface MetadataStore {
  /** The person, whatever their status (the people service decides what an invited or disabled person may do). */
  getUser(userId: string): Promise<User | undefined>;
  /** The person the identity provider's `sub` names, if the platform knows them. */
  findUserBySubject(subject: string, issuer: string): Promise<User | undefined>;
  /** Everybody the platform knows, by name. */
  listUsers(): Promise<StoredPerson[]>;
  /**
   * Adds a person bound to an identity (the first admin, from the host). invalid_input when the id or the identity is
   * taken: nothing is changed then.
   */
  addUser(person: {
    id: string;
    displayName: string;
    role: User['role'];
    subject: string;
    issuer?: string;
    createdBy?: string;
  }): Promise<StoredPerson>;
  /** Epoch seconds: access tokens issued at or before this are refused; null when none are. */
  tokensValidAfter(userId: string): Promise<number | null>;
  /** Refuses every access token of the person issued at or before `epochSeconds` (never moves back). */
  endTokensIssuedBy(userId: string, epochSeconds: number): Promise<void>;
  /** Every project by name (ids and names), whoever is a member. */
  listAllProjects(): Promise<Array<{ id: string; name: string }>>;
  /**
   * These projects, by name. Who is a member is the agreements' to say (src/platform/authz/access-policy.ts), never the
   * store's: one source of membership.
   */
  listProjects(ids: readonly string[]): Promise<Project[]>;
  /** The project, whoever asks (access-policy.ts decides whether they may know of it). */
  getProject(projectId: string): Promise<Project | undefined>;
  /** Datasets with their fields in catalogue order; all of them when ids is omitted. */
  listDatasets(ids?: readonly string[]): Promise<StoredDataset[]>;
  /** The user's scrypt password hash for the embedded identity provider, if they have one. */
  getPasswordHash(userId: string): Promise<string | undefined>;
  /** The embedded identity provider's sessions, grants and tokens. */
  readonly oidcArtifacts: OidcArtifactStore;
  /** Access tokens refused before they expire (signed out, locked, revoked). */
  readonly revocations: RevocationList;
  /** The login throttle's budgets, shared by every instance on this store. */
  readonly loginThrottle: LoginThrottleRecords;
  /** The shared identity keys' fingerprint, as first recorded (issue 19 C.2). */
  readonly identityKeys: IdentityKeysRecord;
  /** Incidents and the restrictions put in place during them. */
  readonly incidents: IncidentRecords;
  /** People: records, enrolment codes, changes waiting for a second administrator. */
  readonly people: PeopleRecords;
  /** Terms of use, by audience and version, and who accepted what. */
  readonly terms: TermsRecords;
  /** Training records and the courses each role needs. */
  readonly training: TrainingStore;
  /** The airlock: release requests, their files, reviews, the ledger of released outputs, notifications. */
  readonly airlock: AirlockRecords;
  /** Workspace drives: entries, versions, trash, uploads, app passwords, locks and properties. */
  readonly drives: DriveRecords;
  close(): Promise<void>;
}

/** What the contract says of a person: their id, name, primary role and every role. */
function userOf(person: { id: string; displayName: string; roles: readonly User['role'][] }): User {
  return { id: person.id, displayName: person.displayName, role: person.roles[0], roles: [...person.roles] };
}

function parseStringArray(json: string): string[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new EnclaveError('internal', 'The metadata store holds a malformed list.');
  }
  return value;
}

async function seedIfEmpty(db: Kysely<MetadataDatabase>, seed: { demo: DemoSeed | null; catalogue: CatalogueFile }): Promise<boolean> {
  // A store that holds datasets (or, from before production mode, people) was seeded before.
  const existing =
    (await db.selectFrom('datasets').select('id').limit(1).executeTakeFirst()) ??
    (await db.selectFrom('users').select('id').limit(1).executeTakeFirst());
  if (existing !== undefined) return false;
  await db.transaction().execute(async (trx) => {
    for (const dataset of seed.catalogue) {
      await trx
        .insertInto('datasets')
        .values({
          id: dataset.id,
          name: dataset.name,
          description: dataset.description,
          // Without a declared key, every column orders the sample: still fully deterministic.
          order_key: JSON.stringify(dataset.key ?? dataset.fields.map((field) => field.name)),
        })
        .execute();
      await trx
        .insertInto('fields')
        .values(
          dataset.fields.map((field, position) => ({
            dataset_id: dataset.id,
            position,
            name: field.name,
            type: field.type.toUpperCase(),
            description: field.description,
            tags: JSON.stringify(field.tags),
          })),
        )
        .execute();
    }
    // Production never loads the demo's people and projects: its first admin comes from `enclave platform user add`.
    if (seed.demo === null) return;
    await trx
      .insertInto('users')
      .values(
        seed.demo.users.map((user) => ({
          id: user.id,
          display_name: user.displayName,
          ...roleColumns(user.roles ?? [user.role]),
          subject: user.id,
          issuer: EMBEDDED_ISSUER,
          status: 'active' as const,
          accreditation: '[]',
          verification_method: 'Demo account (synthetic data only)',
          created_by: 'demo seed',
        })),
      )
      .execute();
    for (const project of seed.demo.projects) {
      await trx
        .insertInto('projects')
        .values({
          id: project.id,
          name: project.name,
          purpose: project.purpose,
          local_data: project.localData,
          clipboard_cell_limit: project.clipboardCellLimit,
        })
        .execute();
      await trx
        .insertInto('project_datasets')
        .values(project.datasetIds.map((datasetId, position) => ({ project_id: project.id, dataset_id: datasetId, position })))
        .execute();
    }
  });
  return true;
}

const PROJECT_COLUMNS = [
  'projects.id',
  'projects.name',
  'projects.purpose',
  'projects.local_data',
  'projects.clipboard_cell_limit',
] as const;

function projectOf(
  row: { id: string; name: string; purpose: string; local_data: 'disk' | 'memory'; clipboard_cell_limit: number },
  datasetIds: string[],
): Project {
  return {
    id: row.id,
    name: row.name,
    purpose: row.purpose,
    datasetIds,
    localData: row.local_data,
    clipboardCellLimit: Number(row.clipboard_cell_limit),
  };
}

/**
 * Demo projects' workspace settings follow the seed on every open (they are demo data, like the accounts): a store
 * seeded before these settings existed gains them.
 */
async function seedProjectSettings(db: Kysely<MetadataDatabase>, demo: DemoSeed): Promise<void> {
  for (const project of demo.projects) {
    await db
      .updateTable('projects')
      .set({ local_data: project.localData, clipboard_cell_limit: project.clipboardCellLimit })
      .where('id', '=', project.id)
      .execute();
  }
}

/**
 * Gives every seeded demo user without a password hash one from the seed. Runs on every open, so a store
 * made before sign-in existed gains its demo accounts' passwords; a hash already stored is never replaced.
 */
async function seedMissingCredentials(db: Kysely<MetadataDatabase>, seed: { demo: DemoSeed; hashPassword: HashPassword }): Promise<void> {
  const { demo, hashPassword } = seed;
  const known = new Set((await db.selectFrom('users').select('id').execute()).map((row) => row.id));
  const hashed = new Set((await db.selectFrom('credentials').select('user_id').execute()).map((row) => row.user_id));
  for (const user of demo.users) {
    if (!known.has(user.id) || hashed.has(user.id)) continue;
    await db
      .insertInto('credentials')
      .values({ user_id: user.id, password_hash: await hashPassword(user.password) })
      .execute();
  }
}

/**
 * The demo's training (the courses each role needs, and the demo people's records) on a store that has none of either:
 * a store from before training existed gains it, so its demo people keep working. A store with any is left alone.
 */
async function seedTrainingIfNone(db: Kysely<MetadataDatabase>, demo: DemoSeed): Promise<void> {
  const any =
    (await db.selectFrom('training_requirements').select('role').limit(1).executeTakeFirst()) ??
    (await db.selectFrom('training_records').select('id').limit(1).executeTakeFirst());
  if (any !== undefined) return;
  const known = new Set((await db.selectFrom('users').select('id').execute()).map((row) => row.id));
  await db.transaction().execute(async (trx) => {
    const requirements = Object.entries(demo.training.requirements).flatMap(([role, courses]) =>
      courses.map((course) => ({ role, course })),
    );
    if (requirements.length > 0) await trx.insertInto('training_requirements').values(requirements).execute();
    const records = demo.training.records.filter((record) => known.has(record.userId));
    if (records.length > 0) {
      await trx
        .insertInto('training_records')
        .values(
          records.map((record, index) => ({
            id: `trn-demo-${String(index).padStart(4, '0')}`,
            user_id: record.userId,
            course: record.course,
            completed: record.completed,
            expires: record.expires,
            evidence: record.evidence,
            recorded_by: 'demo seed',
            recorded_at: new Date().toISOString(),
          })),
        )
        .execute();
    }
  });
}

/** Turns a demo user's password into the hash the store keeps (identity/passwords.ts). */
export type HashPassword = (password: string) => Promise<string>;

/** Where the store lives: a SQLite file (created with its folder if missing), or a PostgreSQL database. */
export type StoreLocation =
  { readonly file: string; readonly postgres?: undefined } | { readonly postgres: PostgresStoreOptions; readonly file?: undefined };

export type OpenMetadataStoreOptions = StoreLocation & {
  /**
   * Written only when the store is new: the catalogue's datasets, and the demo's people and projects unless `demo` is
   * null (production).
   */
  readonly seed: { demo: DemoSeed | null; catalogue: CatalogueFile };
  /** Hashes the demo users' passwords while seeding. */
  readonly hashPassword: HashPassword;
  /**
   * The role the store is opened as. 'owner' (the default) brings the schema up to date. 'app' (`serve` against
   * PostgreSQL) changes no schema: it refuses a database a migration is pending on, and on PostgreSQL a role that owns
   * audit_events or may UPDATE, DELETE or TRUNCATE it (postgres-roles.ts).
   */
  readonly role?: 'owner' | 'app';
};

/** The store as opened: the routes see a MetadataStore; the composition root also gets the database under it. */
export interface OpenedMetadataStore extends MetadataStore {
  /** True when this open wrote the seed (the store held no users). */
  readonly seeded: boolean;
  /** The store's database, for the records the composition root keeps beside it (the audit log). Closed by close(). */
  readonly database: Kysely<MetadataDatabase>;
}

/**
 * Opens the SQLite file, private to this OS user: the folder 0700 and the file 0600 before SQLite touches it,
 * since SQLite creates files with the process's umask and gives the -wal and -shm files the database's mode.
 */
export function openSqliteDatabase(file: string): DatabaseSync {
  let database: DatabaseSync | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    database = new DatabaseSync(file);
    // WAL lets readers (`enclave audit verify`, a backup) run beside the server; foreign keys are off by default in
    // SQLite; secure_delete overwrites what is deleted (spent tokens, old artifacts) instead of leaving it in free pages.
    database.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON;');
    for (const companion of [`${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
    return database;
  } catch {
    database?.close();
    throw new EnclaveError('unavailable', `The metadata store ${file} cannot be opened as a SQLite database.`);
  }
}

/** What a connection failure says, for the database's operator: what failed, never the password. */
function unreachable(location: string, err: unknown): EnclaveError {
  const reason = err instanceof Error ? err.message : String(err);
  const certificate = /certificate|self.signed|unable to verify|altnames/i.test(reason);
  return new EnclaveError(
    'unavailable',
    certificate
      ? `The metadata database at ${location} presented a certificate the platform does not trust (${reason}); give its CA with --ca-file.`
      : `The metadata database at ${location} cannot be used: ${reason}`,
  );
}

/** The database's kysely, and how to name it in messages (never with a password). */
async function openDatabase(options: StoreLocation): Promise<{ db: Kysely<MetadataDatabase>; location: string }> {
  if (options.postgres !== undefined) {
    const pool = await createPostgresPool(options.postgres);
    return {
      db: new Kysely<MetadataDatabase>({ dialect: new PostgresDialect({ pool }) }),
      location: describeDatabaseUrl(options.postgres.url),
    };
  }
  return {
    db: new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(openSqliteDatabase(options.file)) }),
    location: options.file,
  };
}

/** Brings the schema up to date, or as the app role checks that it is, changing nothing. */
async function settleSchema(db: Kysely<MetadataDatabase>, options: OpenMetadataStoreOptions, location: string): Promise<void> {
  const schema = options.postgres?.schema;
  const pending = await pendingMigrations(db, { schema }).catch((err: unknown) => {
    throw unreachable(location, err);
  });
  if (pending.length === 0) return;
  if (options.role === 'app') {
    throw new EnclaveError(
      'unavailable',
      `The metadata database at ${location} is not up to date (pending: ${pending.join(', ')}). Run \`enclave platform migrate\` as the database's owner first.`,
    );
  }
  try {
    await migrateToLatest(db, { schema });
  } catch {
    throw new EnclaveError('unavailable', `The metadata store ${location} could not be brought up to date.`);
  }
}

/** Opens the store: migrated (or checked) and seeded under the setup lock, so one of several processes at once seeds. */
export async function openMetadataStore(options: OpenMetadataStoreOptions): Promise<OpenedMetadataStore> {
  const opened = await openDatabase(options);
  const { location } = opened;
  let db = opened.db;
  let seeded: boolean;
  try {
    seeded = await sqlEngineOf(db).withSetupLock(db, async () => {
      await settleSchema(db, options, location);
      if (options.role === 'app' && options.postgres !== undefined) await assertCannotRewriteAudit(db, location);
      try {
        const fresh = await seedIfEmpty(db, options.seed);
        const { demo } = options.seed;
        if (demo !== null) {
          await seedMissingCredentials(db, { demo, hashPassword: options.hashPassword });
          await seedProjectSettings(db, demo);
          await seedTrainingIfNone(db, demo);
        }
        return fresh;
      } catch {
        throw new EnclaveError('unavailable', `The metadata store ${location} could not be seeded.`);
      }
    });
    // From here on, text too long for its column is refused alike on both engines (column-limits.ts).
    db = db.withPlugin(new ColumnLimitsPlugin(await sqlEngineOf(db).columnLimits(db)));
  } catch (err) {
    await bestEffort(db.destroy());
    throw err instanceof EnclaveError ? err : unreachable(location, err);
  }

  const people = createPeopleRecords(db);

  async function datasetIdsOf(projectIds: readonly string[]): Promise<Map<string, string[]>> {
    const byProject = new Map<string, string[]>(projectIds.map((id) => [id, []]));
    if (projectIds.length === 0) return byProject;
    const rows = await db
      .selectFrom('project_datasets')
      .select(['project_id', 'dataset_id'])
      .where('project_id', 'in', projectIds)
      .orderBy('project_id')
      .orderBy('position')
      .execute();
    for (const row of rows) byProject.get(row.project_id)?.push(row.dataset_id);
    return byProject;
  }

  return {
    seeded,
    database: db,
    oidcArtifacts: createOidcArtifactStore(db),
    revocations: createRevocationList(db),
    loginThrottle: createLoginThrottleRecords(db),
    identityKeys: createIdentityKeysRecord(db),
    incidents: createIncidentRecords(db),
    people,
    terms: createTermsRecords(db),
    training: createTrainingStore(db),
    airlock: createAirlockRecords(db),
    drives: createDriveRecords(db),
    async findUserBySubject(subject, issuer) {
      const person = await people.bySubject(issuer, subject);
      return person === undefined ? undefined : userOf(person);
    },
    async listUsers() {
      return (await people.list()).map((person) => ({ ...userOf(person), subject: person.subject }));
    },
    async addUser(person) {
      const added = await people.add({
        id: person.id,
        displayName: person.displayName,
        email: null,
        organisation: null,
        roles: [person.role],
        verification: null,
        accreditation: [],
        createdBy: person.createdBy ?? 'operator',
        at: new Date(),
        identity: { issuer: person.issuer ?? EMBEDDED_ISSUER, subject: person.subject },
      });
      return { ...userOf(added), subject: added.subject };
    },
    async tokensValidAfter(userId) {
      const row = await db.selectFrom('users').select('tokens_valid_after').where('id', '=', userId).executeTakeFirst();
      return row?.tokens_valid_after === null || row === undefined ? null : Number(row.tokens_valid_after);
    },
    async endTokensIssuedBy(userId, epochSeconds) {
      await db
        .updateTable('users')
        .set({ tokens_valid_after: epochSeconds })
        .where('id', '=', userId)
        .where((eb) => eb.or([eb('tokens_valid_after', 'is', null), eb('tokens_valid_after', '<', epochSeconds)]))
        .execute();
    },
    async listAllProjects() {
      return byName(await db.selectFrom('projects').select(['id', 'name']).execute());
    },
    async getPasswordHash(userId) {
      const row = await db.selectFrom('credentials').select('password_hash').where('user_id', '=', userId).executeTakeFirst();
      return row?.password_hash;
    },
    async getUser(userId) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      return row === undefined ? undefined : userOf(personOf(row));
    },
    async listProjects(ids) {
      if (ids.length === 0) return [];
      const rows = byName(
        await db
          .selectFrom('projects')
          .select(PROJECT_COLUMNS)
          .where('projects.id', 'in', [...ids])
          .execute(),
      );
      const datasets = await datasetIdsOf(rows.map((row) => row.id));
      return rows.map((row) => projectOf(row, datasets.get(row.id) ?? []));
    },
    async getProject(projectId) {
      const row = await db.selectFrom('projects').select(PROJECT_COLUMNS).where('projects.id', '=', projectId).executeTakeFirst();
      if (row === undefined) return undefined;
      const datasets = await datasetIdsOf([row.id]);
      return projectOf(row, datasets.get(row.id) ?? []);
    },
    async listDatasets(ids) {
      if (ids !== undefined && ids.length === 0) return [];
      let datasetQuery = db.selectFrom('datasets').selectAll();
      let fieldQuery = db.selectFrom('fields').selectAll();
      if (ids !== undefined) {
        datasetQuery = datasetQuery.where('id', 'in', ids);
        fieldQuery = fieldQuery.where('dataset_id', 'in', ids);
      }
      const [datasets, fields] = await Promise.all([
        datasetQuery.execute(),
        fieldQuery.orderBy('dataset_id').orderBy('position').execute(),
      ]);
      const fieldsOf = new Map<string, StoredField[]>();
      for (const field of fields) {
        const list = fieldsOf.get(field.dataset_id) ?? [];
        list.push({
          name: field.name,
          type: field.type,
          description: field.description,
          tags: parseStringArray(field.tags).map((tag) => FieldTagSchema.parse(tag)),
        });
        fieldsOf.set(field.dataset_id, list);
      }
      const found = new Map(
        datasets.map((row) => [
          row.id,
          {
            id: row.id,
            name: row.name,
            description: row.description,
            orderKey: parseStringArray(row.order_key),
            fields: fieldsOf.get(row.id) ?? [],
          },
        ]),
      );
      // In the order asked for (a project's order), else by id.
      const order = ids ?? [...found.keys()].sort();
      return order.flatMap((id) => {
        const dataset = found.get(id);
        return dataset === undefined ? [] : [dataset];
      });
    },
    async close() {
      await db.destroy();
    },
  };
}
