// The sync journal of one person's copy of one project drive (issue 17): the last state both sides agreed on (the
// base every decision is made against), the transfers under way (so a crash resumes them), and the notices a person
// has not dismissed. One node:sqlite file in the state folder, outside the synced folder, 0600 in a 0700 folder.
//   - It is bound to the project, the person and (through the engine) the drive's id, the platform's epoch and this
//     device; a journal of another person or project is refused as it is.
//   - It holds a single-instance lock for as long as it is open: SQLite's exclusive locking mode keeps the file
//     locked by this connection, so a second engine (in this process or another) is refused with a clear message, and
//     the operating system frees the lock when the process dies.
//   - It is checked at start (integrity_check): a damaged journal is moved aside, kept, and a fresh one started.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { DatabaseSync } from 'node:sqlite';
import { EnclaveError } from '../../common/errors.ts';
import type { SyncNotice } from './sync-api.ts';

export const JOURNAL_SCHEMA_VERSION = 1;
export const JOURNAL_FILE = 'journal.sqlite';
const FILE_MODE = 0o600;
const FOLDER_MODE = 0o700;
/** Notices kept, newest first; older dismissed ones are forgotten. */
const NOTICES_KEPT = 200;

/** What both sides agreed on last for one path. */
export interface BaseRecord {
  /** drivePathKey of the path: the journal's key (two spellings of one name are one entry). */
  readonly key: string;
  /** The canonical drive path. */
  readonly path: string;
  readonly kind: 'file' | 'folder';
  readonly sha256: string | null;
  readonly etag: string | null;
  readonly size: number;
  /** The local file's size, mtime, ctime and inode when it was hashed: a hint to skip hashing again. */
  readonly fingerprint: string | null;
  /** When the local file was hashed (epoch ms): a file modified within the clock's grain of that is hashed again. */
  readonly hashedAt: number;
}

/** A download under way: the temporary file it is written to, and what it must turn out to be. */
export interface PendingDownload {
  readonly key: string;
  readonly path: string;
  /** The temporary file, relative to the local root, in the target's folder. */
  readonly temp: string;
  readonly etag: string;
  readonly sha256: string;
  readonly size: number;
}

/** An upload session under way, and the local content it carries. */
export interface PendingUpload {
  readonly key: string;
  readonly path: string;
  readonly uploadId: string;
  readonly sha256: string;
  readonly size: number;
  /** The condition it was started with, as JSON (a WriteCondition). */
  readonly condition: string;
}

/** What the journal is bound to on the platform's side; empty until the first pass. */
export interface JournalBinding {
  readonly journalId: string;
  readonly deviceId: string;
  readonly driveId: string | null;
  readonly epoch: number | null;
  readonly cursor: number | null;
  /** Counts the passes that changed anything; the root marker carries the same number. */
  readonly generation: number;
  /** Whether the local folder was given its marker: from then on, it must be there with it. */
  readonly syncedOnce: boolean;
  /** Why the next passes must resync (no deletions anywhere), or null. */
  readonly resyncReason: string | null;
}

const TABLES: Readonly<Record<string, string>> = {
  meta: 'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT',
  base: `CREATE TABLE base (key TEXT PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('file', 'folder')),
    sha256 TEXT, etag TEXT, size INTEGER NOT NULL, fingerprint TEXT, hashed_at INTEGER NOT NULL) STRICT`,
  downloads: `CREATE TABLE downloads (key TEXT PRIMARY KEY, path TEXT NOT NULL, temp TEXT NOT NULL, etag TEXT NOT NULL,
    sha256 TEXT NOT NULL, size INTEGER NOT NULL) STRICT`,
  uploads: `CREATE TABLE uploads (key TEXT PRIMARY KEY, path TEXT NOT NULL, upload_id TEXT NOT NULL, sha256 TEXT NOT NULL,
    size INTEGER NOT NULL, condition TEXT NOT NULL) STRICT`,
  notices: `CREATE TABLE notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at TEXT NOT NULL,
    kind TEXT NOT NULL, message TEXT NOT NULL, paths TEXT NOT NULL, dismissed INTEGER NOT NULL DEFAULT 0) STRICT`,
};

/** The file is not a journal this version can trust: it goes aside and a fresh one starts. */
class DamagedJournal extends Error {}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function sqliteCode(err: unknown): number | null {
  const code = (err as { errcode?: unknown }).errcode;
  // Extended result codes keep the primary code in the low byte.
  return typeof code === 'number' ? code & 0xff : null;
}

function isDamage(err: unknown): boolean {
  if (err instanceof DamagedJournal) return true;
  const code = sqliteCode(err);
  return code === SQLITE_CORRUPT || code === SQLITE_NOTADB;
}

function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === SQLITE_BUSY || code === SQLITE_LOCKED;
}

function makePrivate(file: string): void {
  if (process.platform === 'win32') return;
  for (const each of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(each)) chmodSync(each, FILE_MODE);
}

export interface OpenJournalOptions {
  readonly stateDir: string;
  readonly projectId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly now: () => Date;
}

export interface OpenedJournal {
  readonly journal: SyncJournal;
  /** Set when a damaged journal was moved aside: where it is now. */
  readonly movedAside: string | null;
}

/** Opens (creating on first use) the journal in `stateDir`, takes its lock, checks it. */
export function openJournal(options: OpenJournalOptions): OpenedJournal {
  mkdirSync(options.stateDir, { recursive: true, mode: FOLDER_MODE });
  if (process.platform !== 'win32') chmodSync(options.stateDir, FOLDER_MODE);
  const file = path.join(options.stateDir, JOURNAL_FILE);
  try {
    return { journal: new SyncJournal(openDatabase(file, options), options), movedAside: null };
  } catch (err) {
    if (!isDamage(err)) throw err;
  }
  const stamp = options.now().toISOString().replace(/[:.]/g, '-');
  const kept = path.join(options.stateDir, `journal.damaged-${stamp}.sqlite`);
  try {
    renameSync(file, kept);
    for (const suffix of ['-wal', '-shm']) if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${kept}${suffix}`);
  } catch {
    throw new EnclaveError(
      'unavailable',
      `The drive's sync journal (${file}) is damaged and could not be moved aside; nothing was synced.`,
    );
  }
  return { journal: new SyncJournal(openDatabase(file, options), options), movedAside: kept };
}

function openDatabase(file: string, options: OpenJournalOptions): DatabaseSync {
  // Created 0600 before SQLite sees it: a umask of 022 would otherwise leave it readable by others for a moment.
  closeSync(openSync(file, 'a', FILE_MODE));
  makePrivate(file);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(file, { defensive: true });
  } catch (err) {
    if (isBusy(err)) throw inUse(file);
    throw err;
  }
  try {
    // Exclusive locking before WAL: no shared-memory file, and the lock stays with this connection until it closes.
    db.exec('PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE;');
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA trusted_schema = OFF; PRAGMA secure_delete = ON;');
    db.exec('BEGIN IMMEDIATE; COMMIT;');
    const check = db.prepare('PRAGMA integrity_check').all();
    if (check.length !== 1 || check[0]?.integrity_check !== 'ok') throw new DamagedJournal('integrity_check failed');
    prepareTables(db, options);
    makePrivate(file);
    return db;
  } catch (err) {
    db.close();
    if (isBusy(err)) throw inUse(file);
    throw err;
  }
}

function inUse(file: string): EnclaveError {
  return new EnclaveError(
    'conflict',
    `This drive is already being synced by another Enclave (its journal ${file} is in use). Close the other one first; nothing was changed.`,
  );
}

function metaValue(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
  return typeof row?.value === 'string' ? row.value : undefined;
}

function prepareTables(db: DatabaseSync, options: OpenJournalOptions): void {
  const existing = new Set(
    db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
      .all()
      .map((row) => String(row.name)),
  );
  existing.delete('sqlite_sequence');
  if (existing.size === 0) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const ddl of Object.values(TABLES)) db.exec(ddl);
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      insert.run('schema_version', String(JOURNAL_SCHEMA_VERSION));
      insert.run('journal_id', randomBytes(12).toString('hex'));
      insert.run('project_id', options.projectId);
      insert.run('user_id', options.userId);
      insert.run('device_id', options.deviceId);
      insert.run('generation', '0');
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    return;
  }
  if (!existing.has('meta')) throw new DamagedJournal('no meta table');
  const version = Number(metaValue(db, 'schema_version'));
  if (Number.isInteger(version) && version > JOURNAL_SCHEMA_VERSION) {
    throw new EnclaveError(
      'unavailable',
      "This drive's sync journal was written by a newer version of Enclave. Update Enclave to sync this drive; nothing was changed.",
    );
  }
  if (version !== JOURNAL_SCHEMA_VERSION) throw new DamagedJournal('unknown schema version');
  for (const table of Object.keys(TABLES)) if (!existing.has(table)) throw new DamagedJournal(`missing table ${table}`);
  const projectId = metaValue(db, 'project_id');
  const userId = metaValue(db, 'user_id');
  if (projectId === undefined || userId === undefined || metaValue(db, 'journal_id') === undefined) throw new DamagedJournal('no owner');
  if (projectId !== options.projectId || userId !== options.userId) {
    throw new EnclaveError('forbidden', "This sync journal belongs to another person or another project's drive; Enclave will not use it.");
  }
}

type Row = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : text(value));

function baseFromRow(row: Row): BaseRecord {
  return {
    key: text(row.key),
    path: text(row.path),
    kind: row.kind === 'folder' ? 'folder' : 'file',
    sha256: textOrNull(row.sha256),
    etag: textOrNull(row.etag),
    size: Number(row.size),
    fingerprint: textOrNull(row.fingerprint),
    hashedAt: Number(row.hashed_at),
  };
}

export class SyncJournal {
  readonly #db: DatabaseSync;
  readonly #options: OpenJournalOptions;
  #closed = false;

  constructor(db: DatabaseSync, options: OpenJournalOptions) {
    this.#db = db;
    this.#options = options;
  }

  #meta(key: string): string | undefined {
    return metaValue(this.#db, key);
  }

  #setMeta(key: string, value: string | null): void {
    if (value === null) this.#db.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else
      this.#db
        .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run(key, value);
  }

  /** Runs `work` in one transaction: all of it is on disk, or none. */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  binding(): JournalBinding {
    const number = (key: string): number | null => {
      const value = this.#meta(key);
      return value === undefined ? null : Number(value);
    };
    return {
      journalId: this.#meta('journal_id') ?? '',
      deviceId: this.#meta('device_id') ?? '',
      driveId: this.#meta('drive_id') ?? null,
      epoch: number('epoch'),
      cursor: number('cursor'),
      generation: number('generation') ?? 0,
      syncedOnce: this.#meta('synced_once') === '1',
      resyncReason: this.#meta('resync_reason') ?? null,
    };
  }

  /**
   * Binds the journal to the drive as the platform describes it now and forgets the base, the transfers under way and
   * nothing else: the next pass compares both sides afresh (a resync: nothing can look deleted without a base).
   */
  rebind(binding: { driveId: string; epoch: number; cursor: number; resyncReason: string }): void {
    this.transaction(() => {
      this.#db.exec('DELETE FROM base; DELETE FROM downloads; DELETE FROM uploads;');
      this.#setMeta('drive_id', binding.driveId);
      this.#setMeta('epoch', String(binding.epoch));
      this.#setMeta('cursor', String(binding.cursor));
      this.#setMeta('device_id', this.#options.deviceId);
      this.#setMeta('resync_reason', binding.resyncReason);
    });
  }

  /** The platform's change counter as last read. */
  setCursor(cursor: number): void {
    this.#setMeta('cursor', String(cursor));
  }

  /** The folder has its marker now: from here on, a folder without it stops sync. */
  markRooted(): void {
    this.#setMeta('synced_once', '1');
  }

  /** A pass ended: the generation moves on when it changed anything, and a resync asked for is done. Answers the generation. */
  finishPass(options: { changed: boolean; resyncDone: boolean }): number {
    return this.transaction(() => {
      let generation = this.binding().generation;
      if (options.changed) {
        generation += 1;
        this.#setMeta('generation', String(generation));
      }
      if (options.resyncDone) this.#setMeta('resync_reason', null);
      return generation;
    });
  }

  // ---- The base ----------------------------------------------------------------------------------------------------

  base(): Map<string, BaseRecord> {
    const rows = this.#db.prepare('SELECT * FROM base').all();
    return new Map(rows.map((row) => [text(row.key), baseFromRow(row)]));
  }

  putBase(record: BaseRecord): void {
    this.#db
      .prepare(
        `INSERT INTO base (key, path, kind, sha256, etag, size, fingerprint, hashed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET path = excluded.path, kind = excluded.kind, sha256 = excluded.sha256, etag = excluded.etag,
           size = excluded.size, fingerprint = excluded.fingerprint, hashed_at = excluded.hashed_at`,
      )
      .run(record.key, record.path, record.kind, record.sha256, record.etag, record.size, record.fingerprint, record.hashedAt);
  }

  deleteBase(key: string): void {
    this.#db.prepare('DELETE FROM base WHERE key = ?').run(key);
  }

  // ---- Transfers under way -----------------------------------------------------------------------------------------

  downloads(): PendingDownload[] {
    return this.#db
      .prepare('SELECT * FROM downloads')
      .all()
      .map((row) => ({
        key: text(row.key),
        path: text(row.path),
        temp: text(row.temp),
        etag: text(row.etag),
        sha256: text(row.sha256),
        size: Number(row.size),
      }));
  }

  putDownload(download: PendingDownload): void {
    this.#db
      .prepare(
        `INSERT INTO downloads (key, path, temp, etag, sha256, size) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET path = excluded.path, temp = excluded.temp, etag = excluded.etag, sha256 = excluded.sha256, size = excluded.size`,
      )
      .run(download.key, download.path, download.temp, download.etag, download.sha256, download.size);
  }

  deleteDownload(key: string): void {
    this.#db.prepare('DELETE FROM downloads WHERE key = ?').run(key);
  }

  uploads(): PendingUpload[] {
    return this.#db
      .prepare('SELECT * FROM uploads')
      .all()
      .map((row) => ({
        key: text(row.key),
        path: text(row.path),
        uploadId: text(row.upload_id),
        sha256: text(row.sha256),
        size: Number(row.size),
        condition: text(row.condition),
      }));
  }

  putUpload(upload: PendingUpload): void {
    this.#db
      .prepare(
        `INSERT INTO uploads (key, path, upload_id, sha256, size, condition) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET path = excluded.path, upload_id = excluded.upload_id, sha256 = excluded.sha256,
           size = excluded.size, condition = excluded.condition`,
      )
      .run(upload.key, upload.path, upload.uploadId, upload.sha256, upload.size, upload.condition);
  }

  deleteUpload(key: string): void {
    this.#db.prepare('DELETE FROM uploads WHERE key = ?').run(key);
  }

  // ---- Notices -----------------------------------------------------------------------------------------------------

  /** The notices not dismissed, oldest first. */
  notices(): SyncNotice[] {
    return this.#db
      .prepare('SELECT * FROM notices WHERE dismissed = 0 ORDER BY seq')
      .all()
      .map((row) => ({
        id: text(row.id),
        at: text(row.at),
        kind: text(row.kind) as SyncNotice['kind'],
        message: text(row.message),
        paths: JSON.parse(text(row.paths)) as string[],
      }));
  }

  /** Whether a notice of this kind about exactly these paths was ever given (dismissed or not). */
  hasNotice(kind: SyncNotice['kind'], paths: readonly string[]): boolean {
    return this.#db.prepare('SELECT 1 AS found FROM notices WHERE kind = ? AND paths = ?').get(kind, JSON.stringify(paths)) !== undefined;
  }

  addNotice(notice: SyncNotice): void {
    this.#db
      .prepare('INSERT INTO notices (id, at, kind, message, paths) VALUES (?, ?, ?, ?, ?)')
      .run(notice.id, notice.at, notice.kind, notice.message, JSON.stringify(notice.paths));
    this.#db.prepare('DELETE FROM notices WHERE dismissed = 1 AND seq <= (SELECT max(seq) FROM notices) - ?').run(NOTICES_KEPT);
  }

  dismissNotice(id: string): void {
    this.#db.prepare('UPDATE notices SET dismissed = 1 WHERE id = ?').run(id);
  }

  /** Dismisses every notice of a kind (a stop that has ended, a pause that was answered). */
  dismissKind(kind: SyncNotice['kind']): void {
    this.#db.prepare('UPDATE notices SET dismissed = 1 WHERE kind = ? AND dismissed = 0').run(kind);
  }

  /** Releases the lock. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
