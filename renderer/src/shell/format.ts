// Pure text helpers for the UI (numbers the way a UK reader expects them).

const integerFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integerFormat.format(n);
}

/** "1 row", "2 rows", "1,000,000 rows". */
export function formatRows(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'row' : 'rows'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Results at or past these sizes get a notice: this window and local DuckDB share about 3 GB (no spilling). */
export const LARGE_RESULT_ROWS = 1_000_000;
export const LARGE_RESULT_BYTES = 256 * 1024 * 1024;

export function largeResultNotice(rows: number, bytes: number): string | null {
  if (rows < LARGE_RESULT_ROWS && bytes < LARGE_RESULT_BYTES) return null;
  return (
    `This result holds ${formatRows(rows)} (about ${formatBytes(bytes)}) in this window. ` +
    'Local DuckDB and this window can use about 3 GB in all and cannot spill to disk: ' +
    'aggregate in SQL (GROUP BY) or select fewer columns before going much larger.'
  );
}
