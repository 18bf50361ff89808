// A data folder with only an audit log in it (migrated metadata store, audit key, anchor), the attacker's tools
// for changing it with raw SQL (no key, or a wrong one), and `enclave audit verify` run on it in process.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { Kysely } from 'kysely';
import { runAuditCommand } from '../../../src/cli/audit.ts';
import { openAuditLog, type AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { hashAuditEvent, macAuditEvent, type SealedContent } from '../../../src/platform/audit/chain.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { openPlatformRecords, type PlatformRecords } from '../../../src/platform/records.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { openSqliteDatabase } from '../../../src/platform/store/metadata-store.ts';
import { migrateToLatest } from '../../../src/platform/store/migrations.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';

export interface AuditDir {
  readonly dataDir: string;
  readonly file: string;
  readonly folder: string;
  readonly anchorFile: string;
  cleanup(): Promise<void>;
}

/** The audit log's files in a platform data folder (its caller removes the folder). */
export function auditDirIn(dataDir: string): AuditDir {
  const folder = path.join(dataDir, 'identity');
  return {
    dataDir,
    file: path.join(dataDir, 'metadata.sqlite'),
    folder,
    anchorFile: path.join(folder, 'audit-anchor.jsonl'),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export async function createAuditDir(): Promise<AuditDir> {
  return auditDirIn(await mkdtemp(path.join(os.tmpdir(), 'enclave-audit-')));
}

/** The platform's own way in: the migrated store and the audit log with its key and anchor. */
export async function openAudit(dir: AuditDir): Promise<{ audit: AuditLog; db: Kysely<MetadataDatabase>; close(): Promise<void> }> {
  const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(openSqliteDatabase(dir.file)) });
  await migrateToLatest(db);
  const audit = await openAuditLog({ db, folder: dir.folder });
  return { audit, db, close: () => db.destroy() };
}

/** The platform's records as `serve` opens them: the store, seeded at its first open, and the audit log beside it. */
export async function openRecords(dir: AuditDir): Promise<PlatformRecords> {
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  return openPlatformRecords({ file: dir.file, seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) } });
}

/** Opens, appends `count` events (test.1, test.2, …) and closes. */
export async function writeEvents(dir: AuditDir, count: number): Promise<void> {
  const { audit, close } = await openAudit(dir);
  try {
    for (let i = 1; i <= count; i++) await audit.append({ type: `test.${i}`, actor: `user-${i}`, outcome: 'success', details: { i } });
  } finally {
    await close();
  }
}

export async function auditKey(dir: AuditDir): Promise<Buffer> {
  const { key } = JSON.parse(await readFile(path.join(dir.folder, 'audit-key.json'), 'utf8')) as { key: string };
  return Buffer.from(key, 'base64url');
}

export interface Row {
  seq: number;
  occurred_at: string;
  type: string;
  actor: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
  chain: string;
}

const content = (row: Row): SealedContent => ({
  seq: row.seq,
  occurredAt: row.occurred_at,
  type: row.type,
  actor: row.actor,
  outcome: row.outcome,
  details: row.details,
  prevHash: row.prev_hash,
});

/** How an attacker without the audit key seals a row: a key of their own, or unkeyed sha256. */
export type ForgedSeal = { kind: 'wrong-key'; key: Buffer } | { kind: 'sha256' };

export const WRONG_KEY: ForgedSeal = { kind: 'wrong-key', key: randomBytes(32) };
export const UNKEYED: ForgedSeal = { kind: 'sha256' };

export function sealAs(row: Row, seal: ForgedSeal): Row {
  const chain = seal.kind === 'sha256' ? 'sha256' : 'hmac-sha256';
  return { ...row, chain, hash: seal.kind === 'sha256' ? hashAuditEvent(content(row)) : macAuditEvent(seal.key, content(row)) };
}

/** The attacker at the file, with SQL: rows, the triggers they drop, and re-chaining from a row on. */
export class RawAudit {
  readonly db: DatabaseSync;
  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA busy_timeout = 5000');
  }
  rows(): Row[] {
    return this.db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as unknown as Row[];
  }
  exec(text: string): void {
    this.db.exec(text);
  }
  triggerSql(name: string): string {
    return (this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").get(name) as { sql: string }).sql;
  }
  dropTriggers(): void {
    for (const name of ['audit_events_no_update', 'audit_events_no_delete', 'audit_events_next_seq_only'])
      this.db.exec(`DROP TRIGGER IF EXISTS ${name}`);
  }
  /** Rewrites every row whose seq is at least `from`: each linked to the row before it, sealed the attacker's way. */
  rechain(from: number, seal: ForgedSeal): void {
    let previous: Row | undefined;
    for (const row of this.rows()) {
      if (row.seq >= from) {
        const relinked = sealAs({ ...row, prev_hash: previous?.hash ?? '0'.repeat(64) }, seal);
        this.db
          .prepare('UPDATE audit_events SET prev_hash = ?, hash = ?, chain = ? WHERE seq = ?')
          .run(relinked.prev_hash, relinked.hash, relinked.chain, row.seq);
        previous = relinked;
      } else {
        previous = row;
      }
    }
  }
  insert(row: Row, verb = 'INSERT'): void {
    this.db
      .prepare(
        `${verb} INTO audit_events (seq, occurred_at, type, actor, outcome, details, prev_hash, hash, chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.seq, row.occurred_at, row.type, row.actor, row.outcome, row.details, row.prev_hash, row.hash, row.chain);
  }
  close(): void {
    this.db.close();
  }
}

/** Tampers with the database file through raw SQL, then closes it. */
export function tamper(dir: AuditDir, attack: (raw: RawAudit) => void): void {
  const raw = new RawAudit(dir.file);
  try {
    attack(raw);
  } finally {
    raw.close();
  }
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `enclave audit verify --data-dir DIR` in process (the binary is run as a child in the CLI test). */
export async function verifyCli(args: string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await runAuditCommand('verify', args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

export function verifyDir(dir: AuditDir): Promise<CliRun> {
  return verifyCli(['--data-dir', dir.dataDir]);
}
