// CSV text of an export (RFC 4180: comma-separated, CRLF, quotes doubled). A text cell that a spreadsheet would read as
// a formula (it starts with =, +, -, @, a tab or a carriage return) gets a leading apostrophe, so opening the file never
// runs anything; numbers are written as numbers.

export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvText(rows: ReadonlyArray<readonly CsvValue[]>): string {
  return rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
