// The state file's tables, and the check that a file is one of ours: SQLite's own integrity check, the tables this
// version expects, and who it belongs to. A file that fails is damaged (./disk-store.ts keeps it aside); one made by
// a newer Enclave, or for someone else, is refused and left as it is.
import type { DatabaseSync } from 'node:sqlite';
import { EnclaveError } from '../../common/errors.ts';
import { sameOwner, type WorkspaceOwner } from './owner.ts';

export const STATE_SCHEMA_VERSION = 1;

const ENGINE_CHECK = "CHECK (engine IN ('local', 'platform'))";

const TABLES: Readonly<Record<string, string>> = {
  meta: 'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT',
  tabs: `CREATE TABLE tabs (id TEXT PRIMARY KEY, title TEXT NOT NULL, sql TEXT NOT NULL, engine TEXT NOT NULL ${ENGINE_CHECK},
    position INTEGER NOT NULL, updated_at TEXT NOT NULL) STRICT`,
  // Tabs closed lately: a save that was still on its way when the tab closed must not bring it back.
  closed_tabs: 'CREATE TABLE closed_tabs (id TEXT PRIMARY KEY, closed_at TEXT NOT NULL) STRICT',
  saved_queries: `CREATE TABLE saved_queries (id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
    sql TEXT NOT NULL, engine TEXT NOT NULL ${ENGINE_CHECK}, saved_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT`,
  history: `CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, sql TEXT NOT NULL, started_at TEXT NOT NULL,
    duration_ms REAL NOT NULL, rows INTEGER, outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'cancelled')),
    message TEXT NOT NULL, engine TEXT NOT NULL ${ENGINE_CHECK}) STRICT`,
};
const INDEXES = ['CREATE INDEX history_newest ON history (started_at DESC, id DESC)'];

/** The file is not a state file this version can read as it is: it goes aside and a fresh one starts. */
export class DamagedState extends Error {}

function metaValue(db: DatabaseSync, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key);
  return typeof row?.value === 'string' ? row.value : undefined;
}

/** Creates the tables in an empty database, or checks an existing one; then checks or records the owner. */
export function prepareStateDatabase(db: DatabaseSync, key: { owner: WorkspaceOwner; projectId: string }): void {
  const check = db.prepare('PRAGMA quick_check').all();
  if (check.length !== 1 || check[0]?.quick_check !== 'ok') throw new DamagedState('quick_check failed');
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
      for (const ddl of [...Object.values(TABLES), ...INDEXES]) db.exec(ddl);
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      insert.run('schema_version', String(STATE_SCHEMA_VERSION));
      insert.run('issuer', key.owner.issuer);
      insert.run('sub', key.owner.sub);
      insert.run('project_id', key.projectId);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    return;
  }
  if (!existing.has('meta')) throw new DamagedState('no meta table');
  const version = Number(metaValue(db, 'schema_version'));
  if (Number.isInteger(version) && version > STATE_SCHEMA_VERSION) {
    throw new EnclaveError(
      'unavailable',
      "This project's saved tabs, history and queries were written by a newer version of Enclave. Update Enclave to open them; they have been left as they are.",
    );
  }
  if (version !== STATE_SCHEMA_VERSION) throw new DamagedState('unknown schema version');
  for (const table of Object.keys(TABLES)) if (!existing.has(table)) throw new DamagedState(`missing table ${table}`);
  const issuer = metaValue(db, 'issuer');
  const sub = metaValue(db, 'sub');
  if (issuer === undefined || sub === undefined || metaValue(db, 'project_id') === undefined) throw new DamagedState('no owner');
  if (!sameOwner({ issuer, sub }, key.owner) || metaValue(db, 'project_id') !== key.projectId) {
    throw new EnclaveError('forbidden', 'This workspace belongs to someone else, or to another project; Enclave will not open it.');
  }
}
