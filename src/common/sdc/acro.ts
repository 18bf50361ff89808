// Writes a check's result in the results.json layout of ACRO 0.4 (AI-SDC/ACRO v0.4.12,
// acro/record.py Records.finalise_json; acro/acro_tables.py get_table_sdc, get_summary,
// apply_suppression), which SACRO-Viewer (AI-SDC/SACRO-Viewer, sacro/models.py, supported
// version "0.4.x") opens. Pure: returns the JSON object and the CSV text; the caller writes files.
import type { CheckOutput, CellReport } from './check.ts';
import { TOTAL } from './table.ts';
import type { KeyValue } from './table.ts';

export const ACRO_VERSION = '0.4.12';
/** The flags ACRO 0.4 always writes, in its order; "secondary" is ours (the viewer shows any flag). */
const ACRO_FLAGS = ['negative', 'missing', 'threshold', 'p-ratio', 'nk-rule', 'all-values-are-same'] as const;
type Flag = (typeof ACRO_FLAGS)[number] | 'secondary';

export interface AcroSdc {
  summary: Record<string, number | boolean>;
  cells: Record<string, [number, number][]>;
}

export interface AcroRecord {
  uid: string;
  status: string;
  type: 'table';
  properties: { method: 'crosstab' };
  files: { name: string; sdc: AcroSdc }[];
  outcome: Record<string, Record<string, string>>;
  command: string;
  summary: string;
  timestamp: string;
  comments: string[];
  exception: string;
}

export interface AcroResults {
  version: string;
  results: Record<string, AcroRecord>;
}

const ALL = 'All';

function label(value: KeyValue | undefined): string {
  return value === TOTAL || value === undefined ? ALL : String(value);
}

/** Rows are every dimension but the last (joined with " / "), columns the last; one column for 1-way tables. */
function gridPosition(dimensions: string[], key: Record<string, KeyValue>): { row: string; col: string } {
  if (dimensions.length === 1) return { row: label(key[dimensions[0]]), col: 'count' };
  const rowDims = dimensions.slice(0, -1);
  return { row: rowDims.map((d) => label(key[d])).join(' / '), col: label(key[dimensions.at(-1) as string]) };
}

function flagsOf(cell: CellReport): Flag[] {
  const flags: Flag[] = [];
  for (const reason of cell.reasons) {
    const code = reason.split(':')[0];
    if (code === 'threshold' || code === 'zero') flags.push('threshold');
    else if (code === 'dominance') flags.push('nk-rule');
    else if (code === 'p-ratio') flags.push('p-ratio');
    else if (code === 'negative' || code === 'missing') flags.push(code);
  }
  if (cell.status === 'secondary') flags.push('secondary');
  return [...new Set(flags)];
}

/**
 * A CSV field. `spreadsheetSafe` (a file that leaves the environment): a text a spreadsheet would run as a formula
 * (=, +, -, @, tab, CR first) is written after an apostrophe, and a CR is quoted too. Without it, the command's
 * documented output (`enclave sdc check`), unchanged.
 */
function csvField(text: string, spreadsheetSafe: boolean): string {
  const field = spreadsheetSafe && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  const quote = spreadsheetSafe ? /[",\r\n]/ : /[",\n]/;
  return quote.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

function summaryOf(status: string, sdc: AcroSdc, suppressed: boolean): string {
  const s = sdc.summary;
  const verb = suppressed ? 'suppressed' : 'may need suppressing';
  let text = '';
  if ((s['negative'] as number) > 0) text = 'negative values found';
  else if ((s['missing'] as number) > 0) text = 'missing values found';
  else {
    for (const flag of ['threshold', 'p-ratio', 'nk-rule', 'secondary']) {
      const n = s[flag] as number;
      if (n > 0) text += `${flag}: ${n} cells ${verb}; `;
    }
  }
  return text === '' ? status : `${status}; ${text}`;
}

/** What an ACRO record is written from: the status, the cells and totals with what is published of each, the notes. */
export type AcroInput = Pick<CheckOutput, 'status' | 'cells' | 'totals' | 'notes'>;

export function toAcroResults(
  output: AcroInput,
  meta: { uid: string; command: string; timestamp: string; spreadsheetSafe?: boolean },
): { results: AcroResults; files: { name: string; csv: string }[] } {
  const dimensions = Object.keys(output.cells[0]?.key ?? {});
  const reports = [...output.cells, ...output.totals];
  const rows: string[] = [];
  const cols: string[] = [];
  const placed = reports.map((cell) => {
    const at = gridPosition(dimensions, cell.key);
    if (!rows.includes(at.row)) rows.push(at.row);
    if (!cols.includes(at.col)) cols.push(at.col);
    return { cell, ...at };
  });
  const suppressed = reports.some((c) => c.published === null);
  const sdc: AcroSdc = { summary: { suppressed }, cells: {} };
  for (const flag of [...ACRO_FLAGS, 'secondary']) {
    sdc.summary[flag] = 0;
    sdc.cells[flag] = [];
  }
  // Built as own properties (a category may be called "__proto__"): an assignment would set the prototype instead.
  const outcome: Record<string, Record<string, string>> = Object.fromEntries(
    cols.map((col) => [col, Object.fromEntries(rows.map((r) => [r, 'ok']))]),
  );
  const grid = rows.map(() => cols.map(() => ''));
  for (const { cell, row, col } of placed) {
    const r = rows.indexOf(row);
    const c = cols.indexOf(col);
    grid[r][c] = cell.published === null ? '' : String(cell.published);
    const flags = flagsOf(cell);
    for (const flag of flags) {
      (sdc.summary[flag] as number) += 1;
      sdc.cells[flag]?.push([r, c]);
    }
    // An own property already (above), so this sets its value even for "__proto__".
    if (flags.length > 0) outcome[col][row] = flags.map((f) => `${f}; `).join('');
  }
  const field = (text: string): string => csvField(text, meta.spreadsheetSafe === true);
  const header = [dimensions.slice(0, dimensions.length === 1 ? 1 : -1).join(' / '), ...cols].map(field).join(',');
  const csv = [header, ...rows.map((row, r) => [row, ...grid[r]].map(field).join(','))].join('\n') + '\n';
  const name = `${meta.uid}_0.csv`;
  const record: AcroRecord = {
    uid: meta.uid,
    status: output.status,
    type: 'table',
    properties: { method: 'crosstab' },
    files: [{ name, sdc }],
    outcome,
    command: meta.command,
    summary: summaryOf(output.status, sdc, suppressed),
    timestamp: meta.timestamp,
    comments: output.notes,
    exception: '',
  };
  return { results: { version: ACRO_VERSION, results: { [meta.uid]: record } }, files: [{ name, csv }] };
}
