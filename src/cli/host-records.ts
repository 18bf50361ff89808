// What the operator's commands on the platform's host share (break-glass, `platform user add`, `platform drives`): the
// platform's records opened without the data engine (a running server may hold it), from DIR/metadata.sqlite or from the
// PostgreSQL database serve runs on (--database-url and --identity-keys-dir, as serve takes them); the operator's name; and printing text that
// others wrote (a reason, a summary) to a terminal without letting it steer the terminal.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import type { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';
import { AUDIT_ANCHOR_FILE } from '../platform/audit/anchor.ts';
import { AUDIT_KEY_FILE } from '../platform/audit/audit-key.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../platform/catalogue/catalogue-file.ts';
import { readKeyFolder } from '../platform/key-folder.ts';
import { checkRecordedKeys, recordFirstKeys } from '../platform/key-record.ts';
import { postgresOptions, type PlatformDatabaseOptions } from '../platform/platform-core.ts';
import { openPlatformRecords, type PlatformRecords } from '../platform/records.ts';
import { describeDatabaseUrl } from '../platform/store/postgres-connection.ts';
import { hostDatabaseChoice, type DatabaseFlags } from './database-options.ts';

/** Bad input: the command says why (with its usage, for a malformed command line) and exits 2, having changed nothing. */
export class UsageProblem extends Error {
  readonly showUsage: boolean;
  constructor(message: string, showUsage = true) {
    super(message);
    this.showUsage = showUsage;
  }
}

const METADATA_FILE = 'metadata.sqlite';

/** Where a host command finds the platform's records. */
export interface HostRecordsOptions {
  /** The folder `serve --data-dir` runs on: the SQLite store and its keys, and in every case the audit anchor (identity/). */
  readonly dataDir: string;
  /** false (break-glass): a data folder with no records is refused rather than given some. */
  readonly create: boolean;
  /** The PostgreSQL database serve runs on, opened as its app role, with its keys folder; without it, DIR/metadata.sqlite. */
  readonly database?: PlatformDatabaseOptions;
  /** Where the operator is told what is not an error (stderr): a SQLite file left unused, a dropped connection. */
  readonly note?: (message: string) => void;
  /** false only for `platform keys record`, which is there to record other keys: the others refuse keys not recorded. */
  readonly checkKeys?: boolean;
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

const toStderr = (message: string): void => void process.stderr.write(`${message}\n`);

/**
 * The database the command line (or the environment: ENCLAVE_DATABASE_URL, ENCLAVE_DATABASE_PASSWORD_FILE) names,
 * through the one code path serve uses; undefined for DIR's SQLite file. A URL or password file it cannot use is bad
 * input (exit 2), before anything is opened.
 */
export async function hostDatabaseOf(
  flags: DatabaseFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PlatformDatabaseOptions | undefined> {
  try {
    return await hostDatabaseChoice(flags, env);
  } catch (err) {
    if (err instanceof EnclaveError && err.code === 'invalid_input') throw new UsageProblem(err.message, false);
    throw err;
  }
}

/**
 * Opens the store and the audit log of the data folder, or of the PostgreSQL database serve runs on with the data
 * folder's audit key and anchor, as serve opens them. Never the demo's people: a SQLite store it creates holds only the
 * catalogue's datasets (a PostgreSQL store is made and seeded by `enclave platform migrate`, never here).
 */
export async function openHostRecords(options: HostRecordsOptions): Promise<PlatformRecords> {
  const { dataDir, database } = options;
  const note = options.note ?? toStderr;
  const folder = await stat(dataDir).catch(() => null);
  if (folder === null || !folder.isDirectory()) throw new UsageProblem(`${dataDir} is not a folder.`);
  const file = path.join(dataDir, METADATA_FILE);
  // The same catalogue `serve` seeds a new store with; read only when the store is new.
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  const seed = { demo: null, catalogue };
  if (database === undefined) {
    if (!options.create && !(await exists(file))) {
      throw new UsageProblem(
        `${dataDir} holds no platform records (no ${METADATA_FILE}): give the folder \`enclave platform serve --data-dir\` runs on, and its --database-url if it has one.`,
      );
    }
    return openPlatformRecords({ file, seed });
  }
  const where = describeDatabaseUrl(database.url);
  // The database wins: a file left from before the move to PostgreSQL is neither read nor written.
  if (await exists(file)) note(`note: ${file} is not used: the platform's records are in ${where}.`);
  // The audit key is the instances' shared one (--identity-keys-dir), checked against the keys recorded in the database
  // before anything is written: with another key an action would be in force while its audit event did not verify.
  // The anchor stays in DIR/identity, as serve keeps it, so DIR must be the folder an instance runs on: one without
  // an anchor beside a log that holds events is another folder, whose anchor would follow nothing serve wrote.
  // The operator's rule: run as root, the folder's owner (the platform's user) may own the files.
  const keys = await readKeyFolder(database.identityKeysDir, { operator: true });
  const identity = path.join(dataDir, 'identity');
  const notServes = (why: string): UsageProblem =>
    new UsageProblem(`${dataDir} ${why}: give the --data-dir that serve runs on with this database. Nothing was recorded.`, false);
  // Every folder serve has run on has identity/ (its first start makes it): checked before anything is opened, so a
  // wrong folder is not given one. Only `user add` may come before serve's first start.
  if (!options.create && !(await exists(identity))) throw notServes('holds no identity/ folder (serve makes it at its first start)');
  const hadAnchor = await exists(path.join(identity, AUDIT_ANCHOR_FILE));
  const records = await openPlatformRecords({
    postgres: {
      ...postgresOptions(database),
      log: (message, detail) => note(`${message}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}`),
    },
    auditFolder: identity,
    sharedAuditKey: { key: keys.auditKey, file: path.join(keys.folder, AUDIT_KEY_FILE) },
    seed,
    role: 'app',
  });
  try {
    if (!hadAnchor && (await records.audit.list({ limit: 1 })).length > 0) {
      throw notServes(`holds no audit anchor (identity/${AUDIT_ANCHOR_FILE}), but the audit log in ${where} holds events`);
    }
    // As serve checks them at start, and records them if this is the first use of the database with a keys folder.
    if (options.checkKeys !== false && (await checkRecordedKeys({ store: records.store, keys })) === 'none') {
      await recordFirstKeys({ store: records.store, audit: records.audit, keys });
    }
  } catch (err) {
    await records.close();
    throw err;
  }
  return records;
}

/** Opens the records, runs the work, closes them. What the platform refuses as input (invalid_input, not_found: no
 * such action, lifted already) is a UsageProblem (exit 2): nothing was changed. */
export async function withRecords(options: HostRecordsOptions, work: (records: PlatformRecords) => Promise<number>): Promise<number> {
  const records = await openHostRecords(options);
  try {
    return await work(records);
  } catch (err) {
    if (err instanceof EnclaveError && (err.code === 'invalid_input' || err.code === 'not_found'))
      throw new UsageProblem(err.message, false);
    throw err;
  } finally {
    await records.close();
  }
}

/** The operator: the OS account running the command on the platform's host (the platform's own OS user). */
export function operatorName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the uid still names the account.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** A control character (C0, DEL, C1), or one that reorders or breaks lines (bidi overrides, line separators). */
export function isControlCharacter(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * Text someone else typed (an administrator's reason, an incident's summary), safe to print on the operator's
 * terminal: control characters (escape sequences that could rewrite the screen or the title, bidi overrides that
 * reorder it) are shown as \u…, and a line break as a space, so it can never pose as a line of the command's own.
 */
export function printable(text: string): string {
  return [...text]
    .map((char) =>
      char === '\n' ? ' ' : isControlCharacter(char) ? `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}` : char,
    )
    .join('');
}

/** The first problem zod found, in the command line's words: `--reason must say something (…)`. */
export function flagProblem(error: z.ZodError, flagOf: Record<string, string>): string {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const flag = flagOf[field] ?? (field === '' ? 'The input' : `--${field}`);
  return `${flag} ${issue?.message ?? 'is not valid'}.`;
}

/** A word to paste into a shell: as it is when plain, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
