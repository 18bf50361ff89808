// The Electron shell's way out for a checked export (main/export-dialog.ts), with Electron's dialog as a stand-in (its
// binary is not installed here): the save dialog suggests the export's name and format, the file is written 0600
// whatever was there before, and closing the dialog writes nothing.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SaveDialogOptions } from 'electron';
import { createDialogSaveExport, saveDialogOptions, writePrivateFile } from '../../../main/export-dialog.ts';
import type { ExportFile } from '../../../src/workstation/airlock/export-file.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { errorOf } from '../../support/error-of.ts';

const FILE: ExportFile = {
  projectId: 'covid-outcomes',
  fileId: 'file-0123456789abcdef0123',
  sha256: 'ab'.repeat(32),
  format: 'xlsx',
  fileName: 'admissions-abababab.xlsx',
  mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]),
  recheck: () => Promise.resolve(),
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enclave-save-dialog-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the save dialog export', () => {
  it("suggests the export's name in the default folder, filtered to its format", () => {
    expect(saveDialogOptions(FILE, '/home/ada/Downloads')).toEqual({
      title: 'Export released output',
      defaultPath: '/home/ada/Downloads/admissions-abababab.xlsx',
      filters: [{ name: 'Excel workbook', extensions: ['xlsx'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    });
    expect(saveDialogOptions({ ...FILE, format: 'svg', fileName: 'c.svg' }, null)).toMatchObject({
      defaultPath: 'c.svg',
      filters: [{ name: 'SVG image', extensions: ['svg'] }],
    });
  });

  it('writes the bytes where the person chose, readable by them alone (0600)', async () => {
    const target = join(dir, 'my-export.xlsx');
    const asked: SaveDialogOptions[] = [];
    const save = createDialogSaveExport({
      showSaveDialog: async (options) => {
        asked.push(options);
        return { canceled: false, filePath: target };
      },
      defaultFolder: () => dir,
    });

    const outcome = await save(FILE, new AbortController().signal);

    expect(outcome).toEqual({ kind: 'saved', path: target });
    expect(asked[0]?.defaultPath).toBe(join(dir, FILE.fileName));
    expect(Buffer.from(await readFile(target)).equals(Buffer.from(FILE.bytes))).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['my-export.xlsx']);
  });

  it('replaces a file that was there, taking away the mode it had', async () => {
    const target = join(dir, 'old.xlsx');
    await writeFile(target, 'an older export', { mode: 0o644 });

    await writePrivateFile(target, FILE.bytes);

    expect(Buffer.from(await readFile(target)).equals(Buffer.from(FILE.bytes))).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['old.xlsx']);
  });

  it('writes nothing when the person closes the dialog', async () => {
    const save = createDialogSaveExport({ showSaveDialog: async () => ({ canceled: true, filePath: '' }) });

    expect(await save(FILE, new AbortController().signal)).toEqual({ kind: 'cancelled' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes nothing when the call was cancelled while the dialog was open (a sign-out, the window closed)', async () => {
    const controller = new AbortController();
    const target = join(dir, 'late.xlsx');
    const save = createDialogSaveExport({
      showSaveDialog: async () => {
        controller.abort();
        return { canceled: false, filePath: target };
      },
    });

    expect((await errorOf(save(FILE, controller.signal))).code).toBe('cancelled');
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes nothing when egress froze (or the output was revoked) while the dialog was open: the platform is asked again', async () => {
    const target = join(dir, 'frozen.xlsx');
    const frozen = new EnclaveError('egress_frozen', 'Nothing may leave this project now. Nothing was exported.');
    const save = createDialogSaveExport({ showSaveDialog: async () => ({ canceled: false, filePath: target }) });

    const error = await errorOf(save({ ...FILE, recheck: () => Promise.reject(frozen) }, new AbortController().signal));

    expect(error.code).toBe('egress_frozen');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a folder that cannot be written fails with a message the person can act on, leaving no partial file behind', async () => {
    const save = createDialogSaveExport({ showSaveDialog: async () => ({ canceled: false, filePath: join(dir, 'missing', 'x.xlsx') }) });

    const error = await errorOf(save(FILE, new AbortController().signal));

    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/could not be written to .*x\.xlsx \(ENOENT\): choose another folder\. Nothing was saved\./);
    expect(await readdir(dir)).toEqual([]);
  });
});
