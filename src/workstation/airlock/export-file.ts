// What the export gate hands to the shell once it has checked a released output or a release package: the file's bytes
// and name, and which released file (and hash) they were made from. The shell decides where it goes (SaveExport):
// Electron through a save dialog, the browser shell as a one-time download.
import type { ExportFormat, ExportOutcome } from '../../common/contract.ts';

export type { ExportFormat, ExportOutcome };

export interface ExportFile {
  readonly projectId: string;
  /** The released file's id in the project's ledger; null for a release package, which holds every file of a request. */
  readonly fileId: string | null;
  /**
   * The SHA-256 the platform recorded at release, which the content was checked against; null for a release package,
   * each of whose files was checked against its own.
   */
  readonly sha256: string | null;
  readonly format: ExportFormat;
  /** A safe file name: letters, digits, '-' and '.', ending in the format's extension. */
  readonly fileName: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  /**
   * Asks the platform again, at the moment the bytes leave (after a save dialog, when a download is fetched): throws,
   * and nothing may be written or served, if egress froze, or the output was revoked or changed, since the gate's check.
   */
  readonly recheck: (signal: AbortSignal) => Promise<void>;
}

/** Puts a checked export where the person wants it, or says they cancelled. Never called for anything unchecked. */
export type SaveExport = (file: ExportFile, signal: AbortSignal) => Promise<ExportOutcome>;

export const MEDIA_TYPE_BY_FORMAT: Readonly<Record<ExportFormat, string>> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  svg: 'image/svg+xml',
  package: 'application/zip',
};

/** The file name's extension for each format: a release package is a zip. */
export const EXTENSION_BY_FORMAT: Readonly<Record<ExportFormat, string>> = { xlsx: 'xlsx', csv: 'csv', svg: 'svg', package: 'zip' };
