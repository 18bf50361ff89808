// What the operator's commands on the platform's host share (break-glass, `platform user add`): the platform's records
// opened without the data engine (a running server may hold it), the operator's name, and printing text that others
// wrote (a reason, a summary) to a terminal without letting it steer the terminal.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import type { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../platform/catalogue/catalogue-file.ts';
import { openPlatformRecords, type PlatformRecords } from '../platform/records.ts';

/** Bad input: the command says why (with its usage, for a malformed command line) and exits 2, having changed nothing. */
export class UsageProblem extends Error {
  readonly showUsage: boolean;
  constructor(message: string, showUsage = true) {
    super(message);
    this.showUsage = showUsage;
  }
}

const METADATA_FILE = 'metadata.sqlite';

/**
 * Opens the store and the audit log of the data folder. Never the demo's people: a store it creates holds only the
 * catalogue's datasets. `create: false` (break-glass) refuses a folder with no records rather than making some.
 */
export async function openHostRecords(dataDir: string, options: { create: boolean }): Promise<PlatformRecords> {
  const folder = await stat(dataDir).catch(() => null);
  if (folder === null || !folder.isDirectory()) throw new UsageProblem(`${dataDir} is not a folder.`);
  const file = path.join(dataDir, METADATA_FILE);
  if (!options.create && (await stat(file).catch(() => null)) === null) {
    throw new UsageProblem(
      `${dataDir} holds no platform records (no ${METADATA_FILE}): give the folder \`enclave platform serve --data-dir\` runs on.`,
    );
  }
  // The same catalogue `serve` seeds a new store with; read only when the store is new.
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  return openPlatformRecords({ file, seed: { demo: null, catalogue } });
}

/** Opens the records, runs the work, closes them. What the platform refuses as input (invalid_input, not_found: no
 * such action, lifted already) is a UsageProblem (exit 2): nothing was changed. */
export async function withRecords(
  dataDir: string,
  options: { create: boolean },
  work: (records: PlatformRecords) => Promise<number>,
): Promise<number> {
  const records = await openHostRecords(dataDir, options);
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
