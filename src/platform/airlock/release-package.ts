// The release package of a released request: the approved outputs as published, the request's public context, and
// the results in ACRO's results.json layout (so the SACRO viewer opens it). Only what may leave: no private comment,
// no evidence, no supporting file, no count behind a hidden cell. The ACRO record is written from the published
// output, not from the engine's report: every hidden cell is marked the same way (which hidden cells were the small
// ones and which were hidden to protect them is itself a clue), and the notes are the published ones.
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

function acroRecords(files: readonly PackagedFile[], meta: { requestId: string; releasedAt: string }): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  files.forEach((file, index) => {
    const uid = `output_${index}`;
    const command = `enclave airlock release ${meta.requestId} (${file.name})`;
    const report = file.check.check;
    if (report !== null) {
      const acro = toAcroResults(publishedReport(file, report), { uid, command, timestamp: meta.releasedAt });
      Object.assign(results, acro.results.results);
      return;
    }
    const regression = file.published.regression;
    results[uid] = {
      uid,
      status: ACRO_STATUS[file.check.verdict],
      type: 'regression',
      properties: { method: regression?.model ?? 'regression', dof: regression?.residualDof ?? null },
      files: [],
      outcome: {},
      command,
      summary: ACRO_STATUS[file.check.verdict],
      timestamp: meta.releasedAt,
      comments: file.published.notes,
      exception: '',
    };
  });
  return results;
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
    acro: { version: ACRO_VERSION, results: acroRecords(files, { requestId: request.id, releasedAt: request.releasedAt }) },
  };
}
