// The state store of a project kept on disk: one SQLite file (WAL, 0600) in the project's folder. A file SQLite
// cannot read, or that is not one of ours, is moved aside with its WAL (kept, never deleted: it may hold the only
// copy of someone's SQL) and a fresh one started, with a notice that says so and where the old one is.
import { chmodSync, closeSync, existsSync, openSync, renameSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { DatabaseSync } from 'node:sqlite';
import { EnclaveError } from '../../common/errors.ts';
import type { WorkspaceFolder } from './folder.ts';
import { parseWorkspaceKey } from './owner.ts';
import { FILE_MODE } from './private-folders.ts';
import { DamagedState, prepareStateDatabase } from './state-schema.ts';
import { createStateStore, type WorkspaceStore } from './state-store.ts';

/** State files open in this process: removing a project's data waits until its workspace is closed. */
const openStateFiles = new Map<string, number>();

export function isStateFileOpen(file: string): boolean {
  return (openStateFiles.get(path.resolve(file)) ?? 0) > 0;
}

function track(file: string, delta: 1 | -1): void {
  const key = path.resolve(file);
  const count = (openStateFiles.get(key) ?? 0) + delta;
  if (count > 0) openStateFiles.set(key, count);
  else openStateFiles.delete(key);
}

const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function isDamage(err: unknown): boolean {
  if (err instanceof DamagedState) return true;
  const code = (err as { errcode?: unknown }).errcode;
  // Extended result codes keep the primary code in the low byte.
  return typeof code === 'number' && [SQLITE_CORRUPT, SQLITE_NOTADB].includes(code & 0xff);
}

const COMPANION_SUFFIXES = ['-wal', '-shm'] as const;
const companions = (file: string): string[] => COMPANION_SUFFIXES.map((suffix) => `${file}${suffix}`);

/** SQLite creates files with the umask and gives the WAL and shared-memory files the database's mode. */
function makePrivate(file: string): void {
  if (process.platform === 'win32') return;
  for (const each of [file, ...companions(file)]) if (existsSync(each)) chmodSync(each, FILE_MODE);
}

function openDatabase(file: string, folder: WorkspaceFolder, synchronous: 'FULL' | 'NORMAL'): DatabaseSync {
  // Created 0600 before SQLite sees it: a umask of 022 would otherwise leave it readable by others for a moment.
  closeSync(openSync(file, 'a', FILE_MODE));
  makePrivate(file);
  const db = new DatabaseSync(file, { defensive: true });
  try {
    db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = 5000; PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF;`,
    );
    prepareStateDatabase(db, folder);
    makePrivate(file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Moves a damaged file and its WAL aside under one name SQLite can still open together; returns the new name. */
function moveAside(file: string, at: Date): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const { dir, name, ext } = path.parse(file);
  const kept = path.join(dir, `${name}.damaged-${stamp}${ext}`);
  renameSync(file, kept);
  for (const suffix of COMPANION_SUFFIXES) if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${kept}${suffix}`);
  return kept;
}

export interface OpenedWorkspaceStore {
  store: WorkspaceStore;
  /** Something to tell the analyst once (a damaged file was kept aside), or null. */
  notice: string | null;
}

export interface DiskStoreOptions {
  historyLimit?: number;
  now?: () => Date;
  /**
   * 'FULL' (default): every save is on the disk before it is acknowledged, so not even a power cut loses a tab's
   * text. 'NORMAL' survives the app crashing but may lose the last saves to a power cut.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/** Opens the project's state file (creating it on first use) for the person the folder was opened for. */
export async function openWorkspaceStore(folder: WorkspaceFolder, options: DiskStoreOptions = {}): Promise<OpenedWorkspaceStore> {
  // The brand says openWorkspaceFolder made it; this says nobody changed whose it is since.
  parseWorkspaceKey({ owner: folder.owner, projectId: folder.projectId });
  const file = folder.stateFile;
  const now = options.now ?? (() => new Date());
  // Spelled out, not passed through: it goes into a PRAGMA's text.
  const synchronous = options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL';
  let notice: string | null = null;
  let db: DatabaseSync;
  try {
    db = openDatabase(file, folder, synchronous);
  } catch (err) {
    if (!isDamage(err)) throw openError(err);
    let kept: string;
    try {
      kept = moveAside(file, now());
    } catch {
      throw new EnclaveError(
        'unavailable',
        `This project's saved tabs, history and queries (${file}) are damaged and could not be moved aside.`,
      );
    }
    notice =
      `This project's saved tabs, history and saved queries could not be read: the file was damaged. It has been kept as ` +
      `${path.basename(kept)} in ${path.dirname(kept)}, and a fresh one started.`;
    try {
      db = openDatabase(file, folder, synchronous);
    } catch (retry) {
      throw openError(retry);
    }
  }
  track(file, 1);
  let released = false;
  const store = createStateStore({
    db,
    kind: 'disk',
    historyLimit: options.historyLimit,
    now: options.now,
    release: () => {
      if (released) return;
      released = true;
      try {
        db.close();
      } finally {
        track(file, -1);
        makePrivate(file);
      }
    },
  });
  return { store, notice };
}

function openError(err: unknown): EnclaveError {
  if (err instanceof EnclaveError) return err;
  const detail = (err as { errstr?: unknown }).errstr;
  return new EnclaveError(
    'unavailable',
    `This project's saved tabs, history and queries cannot be opened${typeof detail === 'string' ? ` (${detail})` : ''}.`,
  );
}
