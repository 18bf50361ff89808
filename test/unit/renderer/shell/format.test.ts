// Numbers, sizes and durations as a UK reader expects them; the large-result notice.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatRows, largeResultNotice } from '../../../../renderer/src/shell/format.ts';

describe('formatting', () => {
  it('groups thousands with commas and says row or rows', () => {
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatRows(1)).toBe('1 row');
    expect(formatRows(0)).toBe('0 rows');
    expect(formatRows(4_200_000)).toBe('4,200,000 rows');
  });

  it('gives sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(43.2 * 1024 * 1024)).toBe('43.2 MB');
    expect(formatBytes(3.1 * 1024 ** 3)).toBe('3.1 GB');
  });

  it('gives durations in ms, seconds or minutes', () => {
    expect(formatDuration(140)).toBe('140 ms');
    expect(formatDuration(2345)).toBe('2.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('large results', () => {
  it('says nothing about a small result', () => {
    expect(largeResultNotice(10, 1000)).toBeNull();
  });

  it('warns from a million rows or 256 MB, naming the memory limit', () => {
    expect(largeResultNotice(1_000_000, 40 * 1024 * 1024)).toMatch(/1,000,000 rows.*about 3 GB/);
    expect(largeResultNotice(5, 300 * 1024 * 1024)).toMatch(/300 MB/);
  });
});
