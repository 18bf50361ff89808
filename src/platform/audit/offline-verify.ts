// Verifies a data folder's audit log from its files, changing nothing: the database opened read-only, the key
// read but never made, the anchor read. What `enclave audit verify` runs, beside a running platform or not.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { EnclaveError } from '../../common/errors.ts';
import { AUDIT_ANCHOR_FILE, readAnchors } from './anchor.ts';
import { readAuditKey } from './audit-key.ts';
import type { StoredAuditEvent } from './chain.ts';
import { AUDIT_SCHEMA_QUERY, checkAuditGuards, parseSchemaEntries, type SchemaEntry } from './guards.ts';
import { AUDIT_ROWS_QUERY, parseStoredRows } from './stored-rows.ts';
import { verifyAuditTrail, type AuditReport } from './verify.ts';

export const METADATA_FILE = 'metadata.sqlite';

interface Snapshot {
  readonly schema: SchemaEntry[];
  readonly events: StoredAuditEvent[];
  /** The store holds datasets or users: the platform that seeded them made its audit key at the same start. */
  readonly storeUsedBefore: boolean;
}

function readSnapshot(location: string | URL): Snapshot {
  const database = new DatabaseSync(location, { readOnly: true });
  try {
    const schema = parseSchemaEntries(database.prepare(AUDIT_SCHEMA_QUERY).all());
    const events = schema.some((entry) => entry.type === 'table') ? parseStoredRows(database.prepare(AUDIT_ROWS_QUERY).all()) : [];
    const holds = (table: string): boolean =>
      database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined &&
      database.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
    // Production stores hold datasets before they hold anybody.
    const storeUsedBefore = holds('datasets') || holds('users');
    return { schema, events, storeUsedBefore };
  } finally {
    database.close();
  }
}

/**
 * Reads the database without leaving a trace. A WAL database that nobody has open has no -wal file, and even a
 * read-only connection would create one (and a -shm): then the file is read as immutable. If a writer opened it
 * meanwhile (a -wal appeared), it is read again the ordinary read-only way, which the running writer's -wal and
 * -shm already make possible.
 */
function readDatabase(file: string): Snapshot {
  const wal = `${file}-wal`;
  if (existsSync(wal)) return readSnapshot(file);
  const immutable = pathToFileURL(file);
  immutable.searchParams.set('immutable', '1');
  const snapshot = readSnapshot(immutable);
  return existsSync(wal) ? readSnapshot(file) : snapshot;
}

/** The report, or null when DIR holds neither a metadata store nor an anchor (not a platform data folder). */
export async function verifyAuditFiles(dataDir: string): Promise<{ report: AuditReport; warnings: string[] } | null> {
  const folder = path.join(dataDir, 'identity');
  const file = path.join(dataDir, METADATA_FILE);
  const anchorFile = path.join(folder, AUDIT_ANCHOR_FILE);
  if (!existsSync(file) && !existsSync(anchorFile)) return null;
  const { key, file: keyFile, warning } = await readAuditKey(folder);
  // The anchor before the rows: every anchored event was committed first, so the rows read next include it.
  const anchors = await readAnchors({ file: anchorFile, key });
  let snapshot: Snapshot = { schema: [], events: [], storeUsedBefore: false };
  if (existsSync(file)) {
    try {
      snapshot = readDatabase(file);
    } catch {
      throw new EnclaveError('unavailable', `The metadata store ${file} cannot be read as a SQLite database.`);
    }
  }
  const guards = await checkAuditGuards(snapshot.schema);
  const report = verifyAuditTrail({
    events: snapshot.events,
    key,
    keyFile,
    keyIsNew: false,
    storeUsedBefore: snapshot.storeUsedBefore,
    anchors,
    guards,
  });
  return { report, warnings: warning === undefined ? [] : [warning] };
}
