// The ledger of released outputs in words (issue 16), pure: which export formats an output offers (SVG only for a
// chart), which released requests offer their release package, and what the workstation did with an export — saved
// where the person chose, handed to the browser as a download, or nothing saved because the save dialog was closed.
import { OUTPUT_KIND_WORDS, type ReleasedOutput } from '../../../src/common/airlock.ts';
import type { ExportFormat, ExportOutcome, OutputExportFormat } from '../../../src/common/contract.ts';

export const FORMAT_LABELS: Readonly<Record<ExportFormat, string>> = {
  xlsx: 'Excel (xlsx)',
  csv: 'CSV',
  svg: 'SVG',
  package: 'release package (zip)',
};

/** The formats an output may be exported as; none once it is revoked. */
export function exportFormats(output: Pick<ReleasedOutput, 'kind' | 'revoked'>): OutputExportFormat[] {
  if (output.revoked !== null) return [];
  return output.kind === 'chart' ? ['xlsx', 'csv', 'svg'] : ['xlsx', 'csv'];
}

/** What an export did, in words. */
export function exportNews(outcome: ExportOutcome, title: string, format: ExportFormat): string {
  switch (outcome.kind) {
    case 'saved':
      return `Saved “${title}” as ${FORMAT_LABELS[format]} to ${outcome.path}.`;
    case 'download':
      return `Downloading “${outcome.fileName}”: the browser saves it where it keeps downloads.`;
    case 'cancelled':
      return `Nothing was saved: the save dialog was closed before “${title}” was written.`;
  }
}

/** "Frequency table over sex, age band", "Regression summary". */
export function releasedWhat(output: Pick<ReleasedOutput, 'kind' | 'dimensions'>): string {
  const kind = OUTPUT_KIND_WORDS[output.kind];
  const words = kind.charAt(0).toUpperCase() + kind.slice(1);
  return output.dimensions.length === 0 ? words : `${words} over ${output.dimensions.join(', ')}`;
}

export interface ReleasedRequest {
  readonly requestId: string;
  readonly title: string;
  readonly outputs: number;
  readonly releasedAt: string;
}

/** The released requests whose release package may be exported: those with no revoked output, in the ledger's order. */
export function packageableRequests(released: readonly ReleasedOutput[]): ReleasedRequest[] {
  const requests = new Map<string, ReleasedRequest & { revoked: boolean }>();
  for (const output of released) {
    const known = requests.get(output.requestId);
    requests.set(output.requestId, {
      requestId: output.requestId,
      title: output.requestTitle,
      outputs: (known?.outputs ?? 0) + 1,
      releasedAt: known?.releasedAt ?? output.releasedAt,
      revoked: (known?.revoked ?? false) || output.revoked !== null,
    });
  }
  return [...requests.values()].filter((request) => !request.revoked).map(({ revoked: _revoked, ...request }) => request);
}
