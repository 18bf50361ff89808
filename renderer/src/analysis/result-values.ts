// Pure conversions of Arrow cell values for display (grid) and plotting (charts). No DOM, no Arrow imports:
// the caller says what kind of column a value came from (see column-kind.ts).

export type ColumnKind =
  | { kind: 'integer' }
  | { kind: 'float' }
  | { kind: 'date' }
  | { kind: 'timestamp'; zoned: boolean }
  /** unit: 0 seconds, 1 milliseconds, 2 microseconds, 3 nanoseconds (Arrow's TimeUnit). */
  | { kind: 'time'; unit: 0 | 1 | 2 | 3 }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'other' };

export function isNumericKind(kind: ColumnKind): boolean {
  return kind.kind === 'integer' || kind.kind === 'float';
}

export function isTemporalKind(kind: ColumnKind): boolean {
  return kind.kind === 'date' || kind.kind === 'timestamp';
}

/** A BigInt as a number when that is exact, otherwise as its decimal string (never a silently rounded number). */
export function bigintToSafe(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Milliseconds since the epoch as YYYY-MM-DD (UTC: Arrow dates carry no zone). */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Milliseconds since the epoch as YYYY-MM-DD HH:MM:SS[.mmm] (UTC). */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const millis = d.getUTCMilliseconds();
  const fraction = millis === 0 ? '' : `.${pad(millis, 3)}`;
  return `${formatDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}`;
}

/** A time of day in the column's unit as HH:MM:SS[.fraction]. */
export function formatTime(value: number | bigint, unit: 0 | 1 | 2 | 3): string {
  const perSecond = [1n, 1_000n, 1_000_000n, 1_000_000_000n][unit];
  const whole = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  const seconds = whole / perSecond;
  const fraction = whole % perSecond;
  const hms = `${pad(Number(seconds / 3600n))}:${pad(Number((seconds / 60n) % 60n))}:${pad(Number(seconds % 60n))}`;
  if (fraction === 0n) return hms;
  return `${hms}.${fraction
    .toString()
    .padStart(String(perSecond).length - 1, '0')
    .replace(/0+$/, '')}`;
}

/** A float for reading: up to 6 decimals (trailing zeros dropped); very large or small values in exponent form. */
export function formatFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e15)) return value.toExponential(6).replace(/\.?0+e/, 'e');
  return value.toFixed(6).replace(/\.?0+$/, '');
}

/** Text for a grid cell. Null is the empty string; the grid shows it as a muted NULL. */
export function formatValue(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return '';
  switch (kind.kind) {
    case 'date':
      return typeof value === 'number' ? formatDate(value) : value instanceof Date ? formatDate(value.getTime()) : String(value);
    case 'timestamp': {
      const text =
        typeof value === 'number' ? formatTimestamp(value) : value instanceof Date ? formatTimestamp(value.getTime()) : String(value);
      return kind.zoned ? `${text} UTC` : text;
    }
    case 'time':
      return typeof value === 'number' || typeof value === 'bigint' ? formatTime(value, kind.unit) : String(value);
    case 'float':
      return typeof value === 'number' ? formatFloat(value) : String(value);
    case 'integer':
    case 'boolean':
    case 'string':
      return String(value);
    case 'other':
      return toJsonText(value);
  }
}

/** The exact text of a value, for copying (floats unrounded). */
export function copyText(value: unknown, kind: ColumnKind): string {
  if (kind.kind === 'float' && typeof value === 'number') return String(value);
  return formatValue(value, kind);
}

/** Lists, structs and maps: Arrow's rows and vectors have toJSON; BigInts become exact strings. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? bigintToSafe(inner) : inner)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A value Plotly can draw: numbers as numbers (BigInt rounded to the nearest double), dates as ISO strings. */
export function toPlotValue(value: unknown, kind: ColumnKind): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (kind.kind === 'date' && typeof value === 'number') return formatDate(value);
  if (kind.kind === 'timestamp' && typeof value === 'number') return formatTimestamp(value);
  if (typeof value === 'number' || typeof value === 'string') return value;
  return formatValue(value, kind);
}
