// The ACRO part of a release package: results.json (ACRO's layout, so the SACRO viewer opens it) and every CSV file it
// names, written only from what may leave: each file's name, its published output and the engine's verdict on it. The
// platform writes the package with it; the workstation writes it again from the outputs it has verified against the
// ledger and exports only a package that is exactly that, so nothing the platform (or anything between) adds can leave
// with it. The records follow the files' names (then ids), whatever order the package lists them in, so the order
// carries nothing either. Every hidden cell is marked the same way (which hidden cells were the small ones and which
// were hidden to protect them is itself a clue), and the notes are the published ones. A regression's CSV file is its
// published coefficients (ACRO writes a regression's tables as CSV files with an empty sdc). Pure.
import type { ReleasePackage } from './airlock.ts';
import type { PublishedCell, PublishedOutput } from './output-check.ts';
import { toAcroResults, ACRO_VERSION, type AcroInput } from './sdc/acro.ts';
import type { CellReport } from './sdc/check.ts';

type PackageFile = Pick<ReleasePackage['files'][number], 'fileId' | 'name' | 'output' | 'verdict'>;
export type AcroPart = Pick<ReleasePackage, 'acro' | 'acroFiles'>;

const ACRO_STATUS = { pass: 'pass', flag: 'fail', review: 'review' } as const;

function acroCell(cell: PublishedCell): CellReport {
  return {
    key: cell.key,
    count: cell.value,
    published: cell.value,
    status: cell.status === 'suppressed' ? 'secondary' : cell.status === 'rounded' ? 'rounded' : 'safe',
    reasons: [],
  };
}

/** An engine report carrying only what was published. */
function publishedReport(file: PackageFile): AcroInput {
  return {
    status: ACRO_STATUS[file.verdict],
    cells: file.output.cells.map(acroCell),
    totals: file.output.totals.map(acroCell),
    notes: file.output.notes,
  };
}

/** A CSV field: quoted when it must be, and a text a spreadsheet would take for a formula starts with an apostrophe. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function coefficientsCsv(regression: PublishedOutput['regression']): string {
  const rows: (string | number | null)[][] = [
    ['term', 'coef', 'std err', 'P>|t|'],
    ...(regression?.coefficients ?? []).map((c) => [c.term, c.estimate, c.standardError, c.pValue]),
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** The package's files in the order their ACRO records are written (output_0, output_1, …): by name, then id. */
export function acroOrder<T extends Pick<PackageFile, 'fileId' | 'name'>>(files: readonly T[]): T[] {
  const compare = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...files].sort((x, y) => compare(x.name, y.name) || compare(x.fileId, y.fileId));
}

/**
 * results.json and its CSV files for a release package's outputs, from nothing but the package's request id and release
 * time and each output's name, published content and verdict.
 */
export function packageAcro(pack: {
  request: Pick<ReleasePackage['request'], 'id' | 'releasedAt'>;
  files: readonly PackageFile[];
}): AcroPart {
  const part: AcroPart = { acro: { version: ACRO_VERSION, results: {} }, acroFiles: [] };
  acroOrder(pack.files).forEach((file, index) => {
    const uid = `output_${index}`;
    const command = `enclave airlock release ${pack.request.id} (${file.name})`;
    const timestamp = pack.request.releasedAt;
    const status = ACRO_STATUS[file.verdict];
    if (file.output.regression === null) {
      const acro = toAcroResults(publishedReport(file), { uid, command, timestamp, spreadsheetSafe: true });
      Object.assign(part.acro.results, acro.results.results);
      part.acroFiles.push(...acro.files);
      return;
    }
    const regression = file.output.regression;
    const name = `${uid}_0.csv`;
    part.acro.results[uid] = {
      uid,
      status,
      type: 'regression',
      properties: { method: regression.model, dof: regression.residualDof },
      files: [{ name, sdc: {} }],
      outcome: {},
      command,
      summary: status,
      timestamp,
      comments: file.output.notes,
      exception: '',
    };
    part.acroFiles.push({ name, csv: coefficientsCsv(regression) });
  });
  return part;
}
