// The workspace drives' records (issue 17): drives, entries (live and trashed) by path and twin key, kept versions, the
// trash, upload sessions, app passwords, WebDAV locks and dead properties. Only storage: the drive service
// (src/platform/drives/) decides who may do what, checks the name policy, the quota and the write conditions. Every
// change runs through `change`, one transaction that holds the database's write lock from its first statement and moves
// the drive's change counter on by one: a compare-and-swap made inside it is atomic with the write.
import { randomBytes } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import type {
  DriveAppPasswordsTable,
  DriveEntriesTable,
  DriveLocksTable,
  DrivesTable,
  DriveTrashTable,
  DriveUploadsTable,
  DriveVersionsTable,
  MetadataDatabase,
} from './schema.ts';
import { sqlEngineOf } from './sql-engine.ts';

export type StoredDrive = Selectable<DrivesTable>;
export type StoredEntry = Selectable<DriveEntriesTable>;
export type StoredVersion = Selectable<DriveVersionsTable>;
export type StoredTrash = Selectable<DriveTrashTable>;
export type StoredUpload = Selectable<DriveUploadsTable>;
export type StoredAppPassword = Selectable<DriveAppPasswordsTable>;
export type StoredLockRow = Selectable<DriveLocksTable>;

export const newDriveRecordId = (prefix: 'drv' | 'ent' | 'trash' | 'app'): string => `${prefix}-${randomBytes(10).toString('hex')}`;
export const newUploadId = (): string => `up-${randomBytes(12).toString('hex')}`;

/** What a drive starts with. */
export interface DriveSettings {
  readonly quotaBytes: number;
  readonly keepVersions: number;
  readonly trashDays: number;
}

/** Reads and writes on one connection: the database's, or a change's transaction. */
export interface DriveQueries {
  drive(projectId: string): Promise<StoredDrive | undefined>;
  /** The live entry with this path key ('' is the root). */
  entry(projectId: string, pathKey: string): Promise<StoredEntry | undefined>;
  /** An entry by its id, live or trashed. */
  entryById(entryId: string): Promise<StoredEntry | undefined>;
  /** A folder's live entries (by the folder's path key). */
  children(projectId: string, parentKey: string): Promise<StoredEntry[]>;
  /** Every live entry but the root, by path. */
  liveEntries(projectId: string): Promise<StoredEntry[]>;
  /** The live entry with this key and every live entry below it. */
  subtree(projectId: string, pathKey: string): Promise<StoredEntry[]>;
  /** Bytes of every kept version (current files, earlier versions, the trash): what counts against the quota. */
  usedBytes(projectId: string): Promise<number>;
  liveFileCount(projectId: string): Promise<number>;
  /** Rows of every entry of the drive, live and trashed, the root included: what the entry cap counts. */
  entryCount(projectId: string): Promise<number>;
  /** A file's kept versions, newest first. */
  versions(entryId: string): Promise<StoredVersion[]>;
  version(entryId: string, version: number): Promise<StoredVersion | undefined>;
  /** Sizes of every version of these entries. */
  versionBytes(entryIds: readonly string[]): Promise<number>;
  /** The drive's trash, newest first. */
  trash(projectId: string): Promise<StoredTrash[]>;
  trashRow(projectId: string, trashId: string): Promise<StoredTrash | undefined>;
  /** Trash entries whose time is up. */
  expiredTrash(nowIso: string): Promise<StoredTrash[]>;
  /** A person's display name (for a refusal made inside a change, where the store's other reads would wait for it). */
  displayName(userId: string): Promise<string | undefined>;
  /** Whether any version of any drive still holds this content. */
  blobReferenced(sha256: string): Promise<boolean>;

  createDrive(drive: StoredDrive, root: StoredEntry): Promise<void>;
  insertEntry(entry: StoredEntry): Promise<void>;
  updateEntry(entryId: string, change: Partial<Omit<StoredEntry, 'id' | 'project_id'>>): Promise<void>;
  addVersion(version: StoredVersion): Promise<void>;
  /** Deletes these versions of a file and answers them. */
  dropVersions(entryId: string, versions: readonly number[]): Promise<StoredVersion[]>;
  /** Moves an entry and everything below it to another path: one statement, whatever their number. */
  moveSubtree(move: {
    projectId: string;
    from: StoredEntry;
    toPath: string;
    toKey: string;
    toParentKey: string;
    seq: number;
  }): Promise<void>;
  /** Puts the live entry with this key, and every live entry below it, in the trash entry `trashId`. */
  trashSubtree(move: { projectId: string; pathKey: string; trashId: string; seq: number }): Promise<void>;
  addTrash(row: StoredTrash): Promise<void>;
  /** Brings a trash entry's entries back and removes the trash entry. */
  untrash(trashId: string, seq: number): Promise<void>;
  /** Deletes a trash entry with its entries, their versions and properties; answers the SHA-256s its versions held. */
  purgeTrash(trashId: string): Promise<string[]>;

  upload(uploadId: string): Promise<StoredUpload | undefined>;
  uploadsOf(projectId: string, userId: string): Promise<StoredUpload[]>;
  /** The declared sizes of the drive's upload sessions that have not expired at `nowIso`, added up. */
  openUploadBytes(projectId: string, nowIso: string): Promise<number>;
  addUpload(upload: StoredUpload): Promise<void>;
  touchUpload(uploadId: string, expiresAt: string): Promise<void>;
  deleteUpload(uploadId: string): Promise<void>;
  expiredUploads(nowIso: string): Promise<StoredUpload[]>;
  uploadIds(): Promise<string[]>;

  appPasswords(projectId: string, userId: string): Promise<StoredAppPassword[]>;
  appPassword(id: string): Promise<StoredAppPassword | undefined>;
  addAppPassword(row: StoredAppPassword): Promise<void>;
  revokeAppPassword(id: string, at: string): Promise<void>;
  appPasswordUsed(id: string, at: string): Promise<void>;

  /** The drive's locks that have not expired at `nowMs`. */
  locks(projectId: string, nowMs: number): Promise<StoredLockRow[]>;
  /** A lock by its token, expired or not. */
  lockByToken(token: string): Promise<StoredLockRow | undefined>;
  saveLock(lock: StoredLockRow): Promise<void>;
  deleteLock(projectId: string, token: string): Promise<void>;
  /** Removes the locks rooted at this key or below it (a moved or deleted entry's). */
  deleteLocksUnder(projectId: string, pathKey: string): Promise<void>;
  deleteExpiredLocks(nowMs: number): Promise<number>;

  properties(entryId: string): Promise<Record<string, string>>;
  setProperties(entry: { id: string; projectId: string }, changes: ReadonlyArray<{ name: string; value: string | null }>): Promise<void>;
  /** Replaces the target's properties with a copy of the source's. */
  copyProperties(fromEntryId: string, to: { id: string; projectId: string }): Promise<void>;

  setDriveSettings(projectId: string, settings: Partial<DriveSettings>): Promise<void>;
  /** Moves every drive's epoch on by one (after the drive store is restored from a backup). Answers how many. */
  bumpEpochs(): Promise<number>;
}

export interface DriveRecords extends DriveQueries {
  /**
   * Runs `work` in one transaction that holds the write lock from its first statement, after moving the drive's change
   * counter on by one (answered as `seq`): all of it happens, or none of it. not_found when the drive does not exist.
   */
  change<T>(projectId: string, work: (queries: DriveQueries, seq: number) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction holding the write lock, without moving any change counter. */
  transaction<T>(work: (queries: DriveQueries) => Promise<T>): Promise<T>;
  /** Runs reads in one transaction, so they see one moment (a tree and its cursor). */
  snapshot<T>(work: (queries: DriveQueries) => Promise<T>): Promise<T>;
}

/** Characters, as SQL's substr and length count them (code points, not UTF-16 units). */
const sqlLength = (text: string): number => [...text].length;

/** Numbers as JavaScript numbers (PostgreSQL answers bigint columns as strings). */
function entryOf(row: StoredEntry): StoredEntry {
  return { ...row, version: Number(row.version), size: Number(row.size), changed_seq: Number(row.changed_seq) };
}
function versionOf(row: StoredVersion): StoredVersion {
  return { ...row, version: Number(row.version), size: Number(row.size) };
}
function driveOf(row: StoredDrive): StoredDrive {
  return {
    ...row,
    epoch: Number(row.epoch),
    quota_bytes: Number(row.quota_bytes),
    keep_versions: Number(row.keep_versions),
    trash_days: Number(row.trash_days),
    change_seq: Number(row.change_seq),
  };
}
function trashOf(row: StoredTrash): StoredTrash {
  return { ...row, size: Number(row.size) };
}
function uploadOf(row: StoredUpload): StoredUpload {
  return { ...row, size: Number(row.size) };
}
function lockOf(row: StoredLockRow): StoredLockRow {
  return {
    ...row,
    provisional: Number(row.provisional),
    granted_at: Number(row.granted_at),
    timeout_ms: Number(row.timeout_ms),
    expires_at: Number(row.expires_at),
  };
}

/** The entry with this key, and every entry below it (the root's key '' is above every entry). */
const underKey = (pathKey: string) => (eb: ExpressionBuilder<MetadataDatabase, 'drive_entries' | 'drive_locks'>) =>
  pathKey === ''
    ? eb.and([])
    : eb.or([
        eb('path_key', '=', pathKey),
        eb(eb.fn<string>('substr', ['path_key', eb.lit(1), eb.lit(sqlLength(pathKey) + 1)]), '=', `${pathKey}/`),
      ]);

function createDriveQueries(db: Kysely<MetadataDatabase>): DriveQueries {
  return {
    async drive(projectId) {
      const row = await db.selectFrom('drives').selectAll().where('project_id', '=', projectId).executeTakeFirst();
      return row === undefined ? undefined : driveOf(row);
    },
    async entry(projectId, pathKey) {
      const row = await db
        .selectFrom('drive_entries')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('path_key', '=', pathKey)
        .where('trash_id', 'is', null)
        .executeTakeFirst();
      return row === undefined ? undefined : entryOf(row);
    },
    async entryById(entryId) {
      const row = await db.selectFrom('drive_entries').selectAll().where('id', '=', entryId).executeTakeFirst();
      return row === undefined ? undefined : entryOf(row);
    },
    async children(projectId, parentKey) {
      const rows = await db
        .selectFrom('drive_entries')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('parent_key', '=', parentKey)
        .where('trash_id', 'is', null)
        .execute();
      return rows.map(entryOf);
    },
    async liveEntries(projectId) {
      const rows = await db
        .selectFrom('drive_entries')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('trash_id', 'is', null)
        .where('parent_key', 'is not', null)
        .orderBy('path')
        .execute();
      return rows.map(entryOf);
    },
    async subtree(projectId, pathKey) {
      const rows = await db
        .selectFrom('drive_entries')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('trash_id', 'is', null)
        .where(underKey(pathKey))
        .orderBy('path')
        .execute();
      return rows.map(entryOf);
    },
    async usedBytes(projectId) {
      const row = await db
        .selectFrom('drive_versions')
        .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      return Number(row?.bytes ?? 0);
    },
    async liveFileCount(projectId) {
      const row = await db
        .selectFrom('drive_entries')
        .select((eb) => eb.fn.countAll<number | string>().as('files'))
        .where('project_id', '=', projectId)
        .where('kind', '=', 'file')
        .where('trash_id', 'is', null)
        .executeTakeFirst();
      return Number(row?.files ?? 0);
    },
    async entryCount(projectId) {
      const row = await db
        .selectFrom('drive_entries')
        .select((eb) => eb.fn.countAll<number | string>().as('entries'))
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      return Number(row?.entries ?? 0);
    },
    async versions(entryId) {
      const rows = await db.selectFrom('drive_versions').selectAll().where('entry_id', '=', entryId).orderBy('version', 'desc').execute();
      return rows.map(versionOf);
    },
    async version(entryId, version) {
      const row = await db
        .selectFrom('drive_versions')
        .selectAll()
        .where('entry_id', '=', entryId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row === undefined ? undefined : versionOf(row);
    },
    async versionBytes(entryIds) {
      if (entryIds.length === 0) return 0;
      let bytes = 0;
      // In slices, under SQLite's limit on bound parameters.
      for (let at = 0; at < entryIds.length; at += 500) {
        const row = await db
          .selectFrom('drive_versions')
          .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
          .where('entry_id', 'in', entryIds.slice(at, at + 500))
          .executeTakeFirst();
        bytes += Number(row?.bytes ?? 0);
      }
      return bytes;
    },
    async trash(projectId) {
      const rows = await db
        .selectFrom('drive_trash')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('deleted_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(trashOf);
    },
    async trashRow(projectId, trashId) {
      const row = await db
        .selectFrom('drive_trash')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('id', '=', trashId)
        .executeTakeFirst();
      return row === undefined ? undefined : trashOf(row);
    },
    async expiredTrash(nowIso) {
      return (await db.selectFrom('drive_trash').selectAll().where('purge_at', '<=', nowIso).execute()).map(trashOf);
    },
    async displayName(userId) {
      const row = await db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirst();
      return row?.display_name;
    },
    async blobReferenced(sha256) {
      const row = await db.selectFrom('drive_versions').select('entry_id').where('sha256', '=', sha256).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async createDrive(drive, root) {
      await db.insertInto('drives').values(drive).execute();
      await db.insertInto('drive_entries').values(root).execute();
    },
    async insertEntry(entry) {
      await db.insertInto('drive_entries').values(entry).execute();
    },
    async updateEntry(entryId, change) {
      await db.updateTable('drive_entries').set(change).where('id', '=', entryId).execute();
    },
    async addVersion(version) {
      await db.insertInto('drive_versions').values(version).execute();
    },
    async dropVersions(entryId, versions) {
      if (versions.length === 0) return [];
      const rows = await db
        .deleteFrom('drive_versions')
        .where('entry_id', '=', entryId)
        .where('version', 'in', [...versions])
        .returningAll()
        .execute();
      return rows.map(versionOf);
    },
    async moveSubtree({ projectId, from, toPath, toKey, toParentKey, seq }) {
      const pathLength = sqlLength(from.path);
      const keyLength = sqlLength(from.path_key);
      await db
        .updateTable('drive_entries')
        .set((eb) => ({
          path: eb(eb.val(toPath), '||', eb.fn<string>('substr', ['path', eb.lit(pathLength + 1)])),
          path_key: eb(eb.val(toKey), '||', eb.fn<string>('substr', ['path_key', eb.lit(keyLength + 1)])),
          parent_key: eb
            .case()
            .when('id', '=', from.id)
            .then(toParentKey)
            .else(eb(eb.val(toKey), '||', eb.fn<string>('substr', ['parent_key', eb.lit(keyLength + 1)])))
            .end(),
          changed_seq: seq,
        }))
        .where('project_id', '=', projectId)
        .where('trash_id', 'is', null)
        .where(underKey(from.path_key))
        .execute();
    },
    async trashSubtree({ projectId, pathKey, trashId, seq }) {
      await db
        .updateTable('drive_entries')
        .set({ trash_id: trashId, changed_seq: seq })
        .where('project_id', '=', projectId)
        .where('trash_id', 'is', null)
        .where(underKey(pathKey))
        .execute();
    },
    async addTrash(row) {
      await db.insertInto('drive_trash').values(row).execute();
    },
    async untrash(trashId, seq) {
      await db.updateTable('drive_entries').set({ trash_id: null, changed_seq: seq }).where('trash_id', '=', trashId).execute();
      await db.deleteFrom('drive_trash').where('id', '=', trashId).execute();
    },
    async purgeTrash(trashId) {
      const entries = db.selectFrom('drive_entries').select('id').where('trash_id', '=', trashId);
      const versions = await db.deleteFrom('drive_versions').where('entry_id', 'in', entries).returning('sha256').execute();
      await db.deleteFrom('drive_properties').where('entry_id', 'in', entries).execute();
      await db.deleteFrom('drive_entries').where('trash_id', '=', trashId).execute();
      await db.deleteFrom('drive_trash').where('id', '=', trashId).execute();
      return [...new Set(versions.map((version) => version.sha256))];
    },

    async upload(uploadId) {
      const row = await db.selectFrom('drive_uploads').selectAll().where('id', '=', uploadId).executeTakeFirst();
      return row === undefined ? undefined : uploadOf(row);
    },
    async uploadsOf(projectId, userId) {
      const rows = await db
        .selectFrom('drive_uploads')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute();
      return rows.map(uploadOf);
    },
    async openUploadBytes(projectId, nowIso) {
      const row = await db
        .selectFrom('drive_uploads')
        .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
        .where('project_id', '=', projectId)
        .where('expires_at', '>', nowIso)
        .executeTakeFirst();
      return Number(row?.bytes ?? 0);
    },
    async addUpload(upload) {
      await db.insertInto('drive_uploads').values(upload).execute();
    },
    async touchUpload(uploadId, expiresAt) {
      await db.updateTable('drive_uploads').set({ expires_at: expiresAt }).where('id', '=', uploadId).execute();
    },
    async deleteUpload(uploadId) {
      await db.deleteFrom('drive_uploads').where('id', '=', uploadId).execute();
    },
    async expiredUploads(nowIso) {
      return (await db.selectFrom('drive_uploads').selectAll().where('expires_at', '<=', nowIso).execute()).map(uploadOf);
    },
    async uploadIds() {
      return (await db.selectFrom('drive_uploads').select('id').execute()).map((row) => row.id);
    },

    async appPasswords(projectId, userId) {
      return db
        .selectFrom('drive_app_passwords')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
    },
    async appPassword(id) {
      return db.selectFrom('drive_app_passwords').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async addAppPassword(row) {
      await db.insertInto('drive_app_passwords').values(row).execute();
    },
    async revokeAppPassword(id, at) {
      await db.updateTable('drive_app_passwords').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    },
    async appPasswordUsed(id, at) {
      await db.updateTable('drive_app_passwords').set({ last_used_at: at }).where('id', '=', id).execute();
    },

    async locks(projectId, nowMs) {
      const rows = await db
        .selectFrom('drive_locks')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('expires_at', '>', nowMs)
        .orderBy('path')
        .execute();
      return rows.map(lockOf);
    },
    async lockByToken(token) {
      const row = await db.selectFrom('drive_locks').selectAll().where('token', '=', token).executeTakeFirst();
      return row === undefined ? undefined : lockOf(row);
    },
    async saveLock(lock) {
      await db
        .insertInto('drive_locks')
        .values(lock)
        .onConflict((oc) =>
          oc.column('token').doUpdateSet({
            path: lock.path,
            path_key: lock.path_key,
            scope: lock.scope,
            depth: lock.depth,
            provisional: lock.provisional,
            owner: lock.owner,
            granted_at: lock.granted_at,
            timeout_ms: lock.timeout_ms,
            expires_at: lock.expires_at,
          }),
        )
        .execute();
    },
    async deleteLock(projectId, token) {
      await db.deleteFrom('drive_locks').where('project_id', '=', projectId).where('token', '=', token).execute();
    },
    async deleteLocksUnder(projectId, pathKey) {
      await db.deleteFrom('drive_locks').where('project_id', '=', projectId).where(underKey(pathKey)).execute();
    },
    async deleteExpiredLocks(nowMs) {
      const rows = await db.deleteFrom('drive_locks').where('expires_at', '<=', nowMs).returning('token').execute();
      return rows.length;
    },

    async properties(entryId) {
      const rows = await db
        .selectFrom('drive_properties')
        .select(['name', 'value'])
        .where('entry_id', '=', entryId)
        .orderBy('name')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.name, row.value]));
    },
    async setProperties(entry, changes) {
      for (const { name, value } of changes) {
        if (value === null) {
          await db.deleteFrom('drive_properties').where('entry_id', '=', entry.id).where('name', '=', name).execute();
        } else {
          await db
            .insertInto('drive_properties')
            .values({ entry_id: entry.id, project_id: entry.projectId, name, value })
            .onConflict((oc) => oc.columns(['entry_id', 'name']).doUpdateSet({ value }))
            .execute();
        }
      }
    },
    async copyProperties(fromEntryId, to) {
      await db.deleteFrom('drive_properties').where('entry_id', '=', to.id).execute();
      const rows = await db.selectFrom('drive_properties').select(['name', 'value']).where('entry_id', '=', fromEntryId).execute();
      if (rows.length > 0) {
        await db
          .insertInto('drive_properties')
          .values(rows.map((row) => ({ entry_id: to.id, project_id: to.projectId, name: row.name, value: row.value })))
          .execute();
      }
    },

    async setDriveSettings(projectId, settings) {
      const change = {
        ...(settings.quotaBytes === undefined ? {} : { quota_bytes: settings.quotaBytes }),
        ...(settings.keepVersions === undefined ? {} : { keep_versions: settings.keepVersions }),
        ...(settings.trashDays === undefined ? {} : { trash_days: settings.trashDays }),
      };
      if (Object.keys(change).length === 0) return;
      const result = await db.updateTable('drives').set(change).where('project_id', '=', projectId).executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0)
        throw new EnclaveError('not_found', `The project ${projectId} has no drive yet. Nothing was changed.`);
    },
    async bumpEpochs() {
      const result = await db
        .updateTable('drives')
        .set((eb) => ({ epoch: eb('epoch', '+', 1) }))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}

/**
 * Runs `work` in a transaction that holds the drives' write lock from its first statement, so a second process on the
 * same store waits instead of failing on commit (FACTS.md: "Several processes on one metadata store"): SQLite's write
 * lock (BEGIN IMMEDIATE), or on PostgreSQL an advisory lock (sql-engine.ts).
 */
function withWriteLock<T>(db: Kysely<MetadataDatabase>, work: (conn: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
  return sqlEngineOf(db).withWriteLock(db, 'drives', work);
}

export function createDriveRecords(db: Kysely<MetadataDatabase>): DriveRecords {
  return {
    ...createDriveQueries(db),
    async change(projectId, work) {
      return withWriteLock(db, async (conn) => {
        const row = await conn
          .updateTable('drives')
          .set((eb) => ({ change_seq: eb('change_seq', '+', 1) }))
          .where('project_id', '=', projectId)
          .returning('change_seq')
          .executeTakeFirst();
        if (row === undefined) throw new EnclaveError('not_found', 'This project has no drive. Nothing was changed.');
        return work(createDriveQueries(conn), Number(row.change_seq));
      });
    },
    async transaction(work) {
      return withWriteLock(db, async (conn) => work(createDriveQueries(conn)));
    },
    async snapshot(work) {
      // REPEATABLE READ: on PostgreSQL every read of the transaction sees one snapshot (READ COMMITTED would take a new
      // one per statement). SQLite's transactions read one snapshot anyway and ignore the level.
      return db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => work(createDriveQueries(trx)));
    },
  };
}
