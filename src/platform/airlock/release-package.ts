// The release package of a released request: the approved outputs as published, the request's public context, and
// the results in ACRO's results.json layout (so the SACRO viewer opens it). Only what may leave: no private comment,
// no evidence, no supporting file, no count behind a hidden cell. The ACRO record is written from the published
// output, not from the engine's report: every hidden cell is marked the same way (which hidden cells were the small
// ones and which were hidden to protect them is itself a clue), and the notes are the published ones. The package
// carries every CSV file results.json names, so the viewer, opening results.json, finds each output beside it; a
// regression's is its published coefficients (ACRO writes a regression's tables as CSV files with an empty sdc).
import type { ReleasePackage, RequestContext } from '../../common/airlock.ts';
import type { OutputCheck, PublishedCell, PublishedOutput } from '../../common/output-check.ts';
import { toAcroResults, ACRO_VERSION } from '../../common/sdc/acro.ts';
import type { CellReport, CheckOutput } from '../../common/sdc/check.ts';

export interface PackagedFile {
  readonly fileId: string;
  readonly name: string;
  readonly sha256: string;
  readonly published: PublishedOutput;
  /** The platform's check of the released version (for the verdict and the rules; its evidence is never read here). */
  readonly check: OutputCheck;
}

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
function publishedReport(file: PackagedFile, report: CheckOutput): CheckOutput {
  return {
    status: ACRO_STATUS[file.check.verdict],
    rules: report.rules,
    totalsMode: report.totalsMode,
    lowerBound: report.lowerBound,
    cells: file.published.cells.map(acroCell),
    totals: file.published.totals.map(acroCell),
    intervals: [],
    notes: file.published.notes,
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

interface AcroPart {
  results: Record<string, unknown>;
  files: ReleasePackage['acroFiles'];
}

function acroRecords(files: readonly PackagedFile[], meta: { requestId: string; releasedAt: string }): AcroPart {
  const part: AcroPart = { results: {}, files: [] };
  files.forEach((file, index) => {
    const uid = `output_${index}`;
    const command = `enclave airlock release ${meta.requestId} (${file.name})`;
    const report = file.check.check;
    if (report !== null) {
      const acro = toAcroResults(publishedReport(file, report), { uid, command, timestamp: meta.releasedAt, spreadsheetSafe: true });
      Object.assign(part.results, acro.results.results);
      part.files.push(...acro.files);
      return;
    }
    const regression = file.published.regression;
    const name = `${uid}_0.csv`;
    part.results[uid] = {
      uid,
      status: ACRO_STATUS[file.check.verdict],
      type: 'regression',
      properties: { method: regression?.model ?? 'regression', dof: regression?.residualDof ?? null },
      files: [{ name, sdc: {} }],
      outcome: {},
      command,
      summary: ACRO_STATUS[file.check.verdict],
      timestamp: meta.releasedAt,
      comments: file.published.notes,
      exception: '',
    };
    part.files.push({ name, csv: coefficientsCsv(regression) });
  });
  return part;
}

export function releasePackage(request: {
  id: string;
  title: string;
  projectId: string;
  projectName: string;
  context: RequestContext;
  releasedAt: string;
  releasedBy: { id: string; name: string };
  reviewers: string[];
  rules: string;
  files: readonly PackagedFile[];
}): ReleasePackage {
  const { files, ...described } = request;
  const acro = acroRecords(files, { requestId: request.id, releasedAt: request.releasedAt });
  return {
    request: {
      id: described.id,
      title: described.title,
      projectId: described.projectId,
      projectName: described.projectName,
      context: described.context,
      releasedAt: described.releasedAt,
      releasedBy: described.releasedBy,
      reviewers: described.reviewers,
      rules: described.rules,
    },
    files: files.map((file) => ({ fileId: file.fileId, name: file.name, sha256: file.sha256, output: file.published })),
    acro: { version: ACRO_VERSION, results: acro.results },
    acroFiles: acro.files,
  };
}
