// Writes an export's workbook with SheetJS. WRITE ONLY: Enclave never reads a workbook with SheetJS (its readers have
// had advisories), so this is the one module that imports it, and it imports the writer and the sheet builders alone
// (a unit test holds every other file to that). Text cells are written as text, never as formulas, whatever they hold.
import { utils, write } from 'xlsx';

export type SheetValue = string | number | null;

export interface SheetSpec {
  /** At most 31 characters, none of : \ / ? * [ ] (Excel's rule). */
  readonly name: string;
  readonly rows: ReadonlyArray<readonly SheetValue[]>;
  /** Column widths in characters, when the defaults are too narrow. */
  readonly widths?: readonly number[];
}

export function workbookBytes(options: { title: string; sheets: readonly SheetSpec[] }): Uint8Array {
  const book = utils.book_new();
  book.Props = { Title: options.title, Author: 'Enclave', Company: 'Released through the Enclave airlock' };
  for (const sheet of options.sheets) {
    const rows = sheet.rows.map((row) => [...row]);
    const worksheet = utils.aoa_to_sheet(rows);
    if (sheet.widths) worksheet['!cols'] = sheet.widths.map((wch) => ({ wch }));
    utils.book_append_sheet(book, worksheet, sheet.name);
  }
  const bytes: unknown = write(book, { type: 'buffer', bookType: 'xlsx', compression: true });
  if (!(bytes instanceof Uint8Array)) throw new Error('SheetJS did not write a buffer.');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
