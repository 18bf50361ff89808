// Reads an exported .xlsx back for the tests WITHOUT SheetJS's reader (its readers have had advisories, and the export
// must be readable by any tool): the file is a zip, its entries are inflated with node:zlib, and each sheet's XML is
// read cell by cell. Enough of OOXML for what the export writes: shared, inline and plain strings, numbers, blanks.
import { inflateRawSync } from 'node:zlib';

/** The entries of a zip archive by name, read through its central directory. */
export function unzip(bytes: Uint8Array): Map<string, Buffer> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let at = buffer.length - 22; at >= Math.max(0, buffer.length - 22 - 65_535); at--) {
    if (buffer.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = buffer.readUInt16LE(end + 10);
  let at = buffer.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let index = 0; index < count; index++) {
    if (buffer.readUInt32LE(at) !== 0x02014b50) throw new Error('broken central directory');
    const method = buffer.readUInt16LE(at + 10);
    const compressed = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const local = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    if (buffer.readUInt32LE(local) !== 0x04034b50) throw new Error(`broken local header for ${name}`);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + compressed);
    if (method === 0) entries.set(name, Buffer.from(data));
    else if (method === 8) entries.set(name, inflateRawSync(data));
    else throw new Error(`unsupported compression ${method} for ${name}`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_m, dec: string) => String.fromCodePoint(Number(dec)))
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

function columnIndex(reference: string): { row: number; column: number } {
  const match = /^([A-Z]+)([0-9]+)$/.exec(reference);
  if (match === null) throw new Error(`bad cell reference ${reference}`);
  let column = 0;
  for (const letter of match[1]) column = column * 26 + (letter.charCodeAt(0) - 64);
  return { row: Number(match[2]) - 1, column: column - 1 };
}

export type CellValue = string | number | null;

export interface ReadWorkbook {
  /** Sheet names in workbook order. */
  names: string[];
  /** Each sheet as rows of cells (null for a blank), trailing blanks dropped. */
  sheets: Map<string, CellValue[][]>;
  /** Every entry's text, to search for what must not be there. */
  entries: Map<string, Buffer>;
  /** Whether any cell holds a formula. */
  hasFormula: boolean;
}

export function readWorkbook(bytes: Uint8Array): ReadWorkbook {
  const entries = unzip(bytes);
  const text = (name: string): string => {
    const entry = entries.get(name);
    if (entry === undefined) throw new Error(`the workbook has no ${name}`);
    return entry.toString('utf8');
  };
  const shared = entries.has('xl/sharedStrings.xml')
    ? [...text('xl/sharedStrings.xml').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((m) =>
        unescapeXml([...m[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('')),
      )
    : [];
  const targets = new Map(
    [...text('xl/_rels/workbook.xml.rels').matchAll(/<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"/g)].map((m) => [m[1], m[2]]),
  );
  const names: string[] = [];
  const sheets = new Map<string, CellValue[][]>();
  let hasFormula = false;
  for (const match of text('xl/workbook.xml').matchAll(/<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"/g)) {
    const name = unescapeXml(match[1]);
    const target = targets.get(match[2]);
    if (target === undefined) throw new Error(`no relationship for sheet ${name}`);
    const xml = text(`xl/${target.replace(/^\/?xl\//, '')}`);
    if (/<f[\s>]/.test(xml)) hasFormula = true;
    const rows: CellValue[][] = [];
    for (const cell of xml.matchAll(/<c r="([A-Z]+[0-9]+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const { row, column } = columnIndex(cell[1]);
      const type = /t="([^"]+)"/.exec(cell[2])?.[1] ?? 'n';
      const body = cell[3] ?? '';
      const v = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1];
      let value: CellValue = null;
      if (type === 's' && v !== undefined) value = shared[Number(v)] ?? null;
      else if (type === 'inlineStr') value = unescapeXml([...body.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join(''));
      else if ((type === 'str' || type === 'e') && v !== undefined) value = unescapeXml(v);
      else if (type === 'b' && v !== undefined) value = v === '1' ? 'TRUE' : 'FALSE';
      else if (v !== undefined) value = Number(v);
      rows[row] ??= [];
      rows[row][column] = value;
    }
    sheets.set(
      name,
      Array.from(rows, (row) => Array.from(row ?? [], (value) => value ?? null)),
    );
    names.push(name);
  }
  return { names, sheets, entries, hasFormula };
}
