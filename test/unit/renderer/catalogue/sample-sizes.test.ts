// The sample sizes offered for a dataset: the standard ones it can fill, all rows of a small one, within the
// platform's limit.
import { describe, expect, it } from 'vitest';
import { sampleSizes } from '../../../../renderer/src/catalogue/sample-sizes.ts';

describe('sample sizes', () => {
  it('offers the standard sizes a dataset can fill', () => {
    expect(sampleSizes(4_200_000)).toEqual([1_000, 100_000, 1_000_000]);
  });

  it('offers all rows of a small dataset', () => {
    expect(sampleSizes(50_000)).toEqual([1_000, 50_000]);
    expect(sampleSizes(20)).toEqual([20]);
  });

  it('never offers more than the platform allows or less than one row', () => {
    expect(Math.max(...sampleSizes(10_000_000))).toBe(1_000_000);
    expect(sampleSizes(0)).toEqual([1]);
  });
});
