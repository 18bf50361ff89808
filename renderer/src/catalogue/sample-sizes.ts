// The sample sizes offered for a dataset (pure, so it can be tested without a DOM).
import { SAMPLE_ROW_LIMIT } from '../../../src/common/contract.ts';

const SIZES = [1_000, 100_000, 1_000_000];

/** The standard sizes the dataset can fill (up to the platform's limit), plus "all" when it is smaller. */
export function sampleSizes(rowCount: number): number[] {
  const sizes = SIZES.filter((size) => size <= Math.min(rowCount, SAMPLE_ROW_LIMIT));
  if (rowCount > 0 && rowCount < SAMPLE_ROW_LIMIT && !sizes.includes(rowCount)) sizes.push(rowCount);
  return sizes.length > 0 ? sizes : [Math.max(1, Math.min(rowCount, SAMPLE_ROW_LIMIT))];
}
