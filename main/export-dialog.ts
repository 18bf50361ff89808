// Where an export goes in the Electron shell: a save dialog, then the file written 0600 (other users of a shared
// desktop must not read it). The export gate (src/workstation/airlock) has checked the file before this sees it.
// Nothing here imports electron at run time: the dialog comes in as a parameter, so the tests exercise this module
// where Electron's binary is not installed.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SaveDialogOptions, SaveDialogReturnValue } from 'electron';
import { bestEffort } from '../src/common/detached.ts';
import { EnclaveError } from '../src/common/errors.ts';
import type { ExportFile, ExportFormat, SaveExport } from '../src/workstation/airlock/export-file.ts';

/** Electron's dialog.showSaveDialog, bound to the window it belongs to. */
export type ShowSaveDialog = (options: SaveDialogOptions) => Promise<Pick<SaveDialogReturnValue, 'canceled' | 'filePath'>>;

const FILTER_BY_FORMAT: Readonly<Record<ExportFormat, { name: string; extensions: string[] }>> = {
  xlsx: { name: 'Excel workbook', extensions: ['xlsx'] },
  csv: { name: 'CSV file', extensions: ['csv'] },
  svg: { name: 'SVG image', extensions: ['svg'] },
  package: { name: 'Release package (zip)', extensions: ['zip'] },
};

/** The dialog's settings for one export: its file name suggested, its own format's filter only. */
export function saveDialogOptions(file: Pick<ExportFile, 'fileName' | 'format'>, defaultFolder: string | null): SaveDialogOptions {
  return {
    title: file.format === 'package' ? 'Export release package' : 'Export released output',
    defaultPath: defaultFolder === null ? file.fileName : path.join(defaultFolder, file.fileName),
    filters: [FILTER_BY_FORMAT[file.format]],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
}

/**
 * Writes the bytes to `target` with mode 0600: first to a new file beside it (created exclusively, so nothing else's
 * file is written through), then renamed over it, so a file that was there keeps neither its content nor its mode.
 */
export async function writePrivateFile(target: string, bytes: Uint8Array): Promise<void> {
  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.part`);
  const handle = await open(partial, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, target);
  } catch (err) {
    await bestEffort(rm(partial, { force: true }));
    throw err;
  }
}

export interface DialogExportOptions {
  showSaveDialog: ShowSaveDialog;
  /** The folder the dialog opens in (the user's Downloads), or null for the dialog's own choice. */
  defaultFolder?: () => string | null;
}

/** The Electron shell's SaveExport: asks where, writes 0600, answers the path (or that the person cancelled). */
export function createDialogSaveExport(options: DialogExportOptions): SaveExport {
  return async (file, signal) => {
    const chosen = await options.showSaveDialog(saveDialogOptions(file, options.defaultFolder?.() ?? null));
    if (chosen.canceled || !chosen.filePath) return { kind: 'cancelled' };
    // The person may have signed out or closed the window while the dialog was open: then nothing is written.
    if (signal.aborted) throw new EnclaveError('cancelled', 'The export was cancelled: nothing was written.');
    // The dialog may have been open a long while: egress may have frozen, the output been revoked.
    await file.recheck(signal);
    try {
      await writePrivateFile(chosen.filePath, file.bytes);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? 'the write failed';
      throw new EnclaveError(
        'invalid_input',
        `The export could not be written to ${chosen.filePath} (${why}): choose another folder. Nothing was saved.`,
      );
    }
    return { kind: 'saved', path: chosen.filePath };
  };
}
