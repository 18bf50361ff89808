// Pure conversions of page values for display (grid), copying, and plotting (charts). No DOM, no Arrow: the caller
// says what kind of column a value came from (column-kind.ts). A value is what apache-arrow's `get` gives for a
// page cell: boolean, number, bigint (64-bit integers), milliseconds since the epoch (dates and timestamps), or
// the engine's text (every other type; a BLOB's size).
import type { ColumnKind } from './column-kind.ts';

/** Grid cells show at most this many characters; the whole value is one keypress away (the cell viewer). */
export const CELL_TEXT_LIMIT = 200;
/** Floats show at most this many decimal places; copying and the cell viewer give the exact value. */
export const MAX_FLOAT_PLACES = 6;

export function isNullValue(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A BigInt as a number when that is exact, otherwise as its decimal string (never a silently rounded number). */
export function bigintToSafe(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

const PLAIN_NUMBER = /^([-+]?)(\d+)(\.\d+)?$/;

/** Thousands separators in a plain decimal text ("-1234567.50" → "-1,234,567.50"); any other text is returned as it is. */
export function groupDigits(text: string): string {
  const match = PLAIN_NUMBER.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
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

/**
 * Milliseconds since the epoch (with microseconds as the fraction, as apache-arrow gives a microsecond timestamp)
 * as YYYY-MM-DD HH:MM:SS, plus .mmm or .uuuuuu when there is a fraction: ISO 8601 with the space DuckDB prints
 * (and accepts back in SQL).
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const wholeMs = Math.floor(ms);
  const micros = Math.round((ms - wholeMs) * 1000) + (((wholeMs % 1000) + 1000) % 1000) * 1000;
  const d = new Date(wholeMs - (((wholeMs % 1000) + 1000) % 1000));
  if (Number.isNaN(d.getTime())) return String(ms);
  const fraction = micros === 0 ? '' : micros % 1000 === 0 ? `.${pad(micros / 1000, 3)}` : `.${pad(micros, 6)}`;
  return `${formatDate(d.getTime())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction}`;
}

/** A time of day as HH:MM:SS[.fraction]; `unit` as Arrow's TimeUnit (0 s, 1 ms, 2 µs, 3 ns). */
export function formatTime(value: number | bigint, unit: 0 | 1 | 2 | 3 = 2): string {
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

function isExponentRange(value: number): boolean {
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e15);
}

/**
 * A float for reading, with thousands separators. With `places`, exactly that many decimals (so a column's decimal
 * points line up); without, up to six with trailing zeros dropped. Very large or small magnitudes in exponent form.
 */
export function formatFloat(value: number, places?: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (isExponentRange(value)) return value.toExponential(MAX_FLOAT_PLACES).replace(/\.?0+e/, 'e');
  if (places !== undefined) return groupDigits(value.toFixed(Math.max(0, Math.min(MAX_FLOAT_PLACES, places))));
  return groupDigits(value.toFixed(MAX_FLOAT_PLACES).replace(/\.?0+$/, ''));
}

/** The decimals a float column needs so that these values show without losing digits (at most six). */
export function floatPlaces(values: Iterable<unknown>): number {
  let places = 0;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value) || isExponentRange(value)) continue;
    const text = value.toFixed(MAX_FLOAT_PLACES).replace(/\.?0+$/, '');
    const dot = text.indexOf('.');
    if (dot >= 0) places = Math.max(places, text.length - dot - 1);
    if (places === MAX_FLOAT_PLACES) break;
  }
  return places;
}

/** A DECIMAL with exactly its scale's places: the engine's text is exact, so it is padded, never rounded. */
export function formatDecimal(value: unknown, scale: number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? groupDigits(value.toFixed(Math.min(scale, 100))) : String(value);
  const text = String(value).trim();
  const match = PLAIN_NUMBER.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '.').slice(1);
  const padded = fraction.length >= scale ? fraction : fraction.padEnd(scale, '0');
  return groupDigits(`${match[1]}${match[2]}${padded.length > 0 ? `.${padded}` : ''}`);
}

function integerText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return String(value).trim();
}

function blobText(size: unknown): string {
  const text = integerText(size);
  return `${groupDigits(text)} ${text === '1' ? 'byte' : 'bytes'}`;
}

function temporalText(value: unknown, kind: ColumnKind): string {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : null;
  if (ms === null) return String(value);
  if (kind.kind === 'date') return formatDate(ms);
  return kind.kind === 'timestamp' && kind.zoned ? `${formatTimestamp(ms)} UTC` : formatTimestamp(ms);
}

/**
 * Text for a grid cell (and the cell viewer): thousands separators, a DECIMAL's own places, a float column's
 * `places`, ISO dates and timestamps, a BLOB's size. Null is the empty string; the grid shows it as NULL.
 */
export function formatValue(value: unknown, kind: ColumnKind, options: { places?: number } = {}): string {
  if (isNullValue(value)) return '';
  switch (kind.kind) {
    case 'integer':
      return groupDigits(integerText(value));
    case 'decimal':
      return formatDecimal(value, kind.scale);
    case 'float':
      return typeof value === 'number' ? formatFloat(value, options.places) : String(value);
    case 'date':
    case 'timestamp':
      return temporalText(value, kind);
    case 'time':
      return typeof value === 'number' || typeof value === 'bigint' ? formatTime(value) : String(value);
    case 'blob':
      return blobText(value);
    case 'boolean':
    case 'string':
    case 'uuid':
    case 'interval':
      return String(value);
    case 'nested':
    case 'other':
      return toJsonText(value);
  }
}

/** A cell's text cut to CELL_TEXT_LIMIT characters (and to its first line), with an ellipsis when cut. */
export function cellText(text: string): { text: string; cut: boolean } {
  const newline = text.search(/[\r\n]/);
  const end = newline >= 0 ? Math.min(newline, CELL_TEXT_LIMIT) : CELL_TEXT_LIMIT;
  if (text.length <= end) return { text, cut: false };
  return { text: `${text.slice(0, end)}…`, cut: true };
}

/** The exact text of a value, for the clipboard: no separators, floats unrounded, whole strings. */
export function copyText(value: unknown, kind: ColumnKind): string {
  if (isNullValue(value)) return '';
  switch (kind.kind) {
    case 'integer':
      return integerText(value);
    case 'decimal':
      return typeof value === 'number' ? value.toFixed(Math.min(kind.scale, 100)) : String(value);
    case 'float':
      return String(value);
    case 'blob':
      return `${integerText(value)} bytes`;
    default:
      return formatValue(value, kind);
  }
}

/** Lists, structs and maps that did arrive as Arrow values: JSON, with BigInts as exact values. */
export function toJsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? bigintToSafe(inner) : inner)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A value Plotly can draw: numbers as numbers (BigInt and exact text to the nearest double), dates as ISO text. */
export function toPlotValue(value: unknown, kind: ColumnKind): number | string | null {
  if (isNullValue(value)) return null;
  if (typeof value === 'bigint') return Number(value);
  if ((kind.kind === 'integer' || kind.kind === 'decimal' || kind.kind === 'float') && typeof value === 'string') {
    const parsed = Number(value);
    return Number.isNaN(parsed) ? value : parsed;
  }
  if (kind.kind === 'date' || kind.kind === 'timestamp') {
    // Plotly reads ISO text as a date axis; a zoned timestamp's text is the engine's own (UTC offset included).
    const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : null;
    if (ms === null) return String(value);
    return kind.kind === 'date' ? formatDate(ms) : formatTimestamp(ms);
  }
  if (typeof value === 'number' || typeof value === 'string') return value;
  return formatValue(value, kind);
}
