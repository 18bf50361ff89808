// Histograms: every bin is a count cell and must pass the threshold (and the zero rule), as ACRO's
// hist() fails a histogram when any bin's frequency is below its threshold.
import { checkCell } from './rules.ts';
import type { Finding, Rules } from './rules.ts';

export interface HistogramBin {
  lower: number;
  upper: number;
  count: number | null;
}

export interface HistogramVerdict {
  status: 'pass' | 'fail' | 'review';
  bins: { lower: number; upper: number; findings: Finding[] }[];
}

export function checkHistogram(bins: readonly HistogramBin[], rules: Rules): HistogramVerdict {
  const checked = bins.map((bin) => ({
    lower: bin.lower,
    upper: bin.upper,
    findings: checkCell({ count: bin.count, contributions: null }, rules),
  }));
  const flagged = checked.filter((b) => b.findings.length > 0);
  const review = flagged.some((b) => b.findings.some((f) => f.code === 'missing' || f.code === 'negative'));
  return { status: review ? 'review' : flagged.length > 0 ? 'fail' : 'pass', bins: flagged };
}
