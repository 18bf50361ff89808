// The chart a new result opens with, picked from its column types: a date or a category on x and a measure on y,
// and never an identifier on either. An identifier is a column named like one (*_id, *pseudonym*, nhs_number, …),
// a UUID, or text with so many distinct values that it names rows rather than groups them.
import { isNumericKind, isTemporalKind, type ResultColumn } from './column-kind.ts';
import { DEFAULT_BINS, eligibleX, eligibleY, type ChartSettings } from './chart-plan.ts';

/** A text column's distinct values, from the engine's summary. */
export interface ColumnCardinality {
  rows: number;
  nulls: number;
  distinct: number;
}

/** Categories with more values than this make unreadable bars: not a default x. */
export const MAX_DEFAULT_CATEGORIES = 50;

const ID_NAME_PATTERNS = [
  /(^|_)(id|ids|uuid|guid|key)$/i, // patient_id, episode_key, id
  /[a-z0-9]Id$/, // patientId
  /pseudo/i, // pseudonym, patient_pseudonym, pseudo_id
  /(^|_)nhs_?(no|num|number)(_|$)|^nhs$/i, // nhs_number, nhsno (not nhs_region)
  /(^|_)(chi|upn|mrn|nino|ni_number)(_|$)/i, // other national and hospital numbers
  /(^|_)(email|phone|surname|forename|first_name|last_name|full_name|address)(_|$)/i, // direct identifiers
];

export function isIdName(name: string): boolean {
  return ID_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

/** Text with more than MAX_DEFAULT_CATEGORIES values, most of them different: it names rows, it does not group them. */
export function isHighCardinality(stats: ColumnCardinality | undefined): boolean {
  if (!stats) return false;
  const present = stats.rows - stats.nulls;
  return stats.distinct > MAX_DEFAULT_CATEGORIES && stats.distinct >= 0.5 * present;
}

export function isIdColumn(column: ResultColumn, stats?: ColumnCardinality): boolean {
  if (isIdName(column.name) || column.kind.kind === 'uuid') return true;
  return column.kind.kind === 'string' && isHighCardinality(stats);
}

/** Text columns whose cardinality the defaults want to know (asked of the engine before choosing). */
export function cardinalityCandidates(columns: readonly ResultColumn[], limit = 6): ResultColumn[] {
  return columns.filter((c) => c.kind.kind === 'string' && !isIdName(c.name)).slice(0, limit);
}

export const BLANK_SETTINGS: ChartSettings = {
  type: 'bar',
  x: null,
  y: null,
  aggregate: 'sum',
  series: null,
  bins: DEFAULT_BINS,
  title: '',
  xLabel: '',
  yLabel: '',
};

/**
 * The default chart: a date on x → a line of the first measure's average over time; else a category with few
 * enough values → bars of the first measure's sum; else a measure → a histogram of it; else bars counting rows
 * of the first column that is not an identifier. Null when every column is an identifier (or cannot be an axis).
 */
export function defaultChart(columns: readonly ResultColumn[], cardinality: ReadonlyMap<string, ColumnCardinality>): ChartSettings | null {
  const usable = columns.filter((c) => !isIdColumn(c, cardinality.get(c.name)));
  const measures = usable.filter((c) => isNumericKind(c.kind));
  const temporal = usable.find((c) => isTemporalKind(c.kind));
  const category = usable.find((c) => {
    if (c.kind.kind === 'boolean') return true;
    if (c.kind.kind !== 'string') return false;
    const stats = cardinality.get(c.name);
    return stats === undefined || stats.distinct <= MAX_DEFAULT_CATEGORIES;
  });
  const measureBesides = (x: ResultColumn): ResultColumn | null => measures.find((m) => m.name !== x.name) ?? null;
  if (temporal) {
    const y = measureBesides(temporal);
    return { ...BLANK_SETTINGS, type: 'line', x: temporal.name, y: y?.name ?? null, aggregate: 'avg' };
  }
  if (category) {
    const y = measureBesides(category);
    return { ...BLANK_SETTINGS, type: 'bar', x: category.name, y: y?.name ?? null, aggregate: 'sum' };
  }
  if (measures.length > 0) return { ...BLANK_SETTINGS, type: 'histogram', x: measures[0].name, y: null };
  const other = usable.find((c) => c.kind.kind !== 'nested' && c.kind.kind !== 'blob' && c.kind.kind !== 'other');
  return other ? { ...BLANK_SETTINGS, type: 'bar', x: other.name, y: null } : null;
}

/**
 * Settings kept with a tab, checked against a new result: kept where their columns still exist, the defaults where
 * not. The analyst's own title and labels stay while the axes they describe stay.
 */
export function reconcileSettings(
  kept: ChartSettings | null | undefined,
  columns: readonly ResultColumn[],
  defaults: ChartSettings | null,
): ChartSettings | null {
  if (!kept) return defaults;
  const has = (name: string | null): boolean => name === null || columns.some((c) => c.name === name);
  if (kept.x === null || !has(kept.x) || !has(kept.y)) return defaults;
  return { ...kept, series: has(kept.series) ? kept.series : null };
}

/**
 * A changed chart type keeps what still fits and swaps what does not: a histogram needs a number on x (and counts
 * rows), a scatter a number or date on x and a measure on y. Identifiers are the last resort, never the first.
 */
export function adjustForType(settings: ChartSettings, columns: readonly ResultColumn[]): ChartSettings {
  const byName = (name: string | null): ResultColumn | undefined => columns.find((c) => c.name === name);
  const prefer = (candidates: ResultColumn[]): ResultColumn | undefined => candidates.find((c) => !isIdColumn(c)) ?? candidates[0];
  const x = byName(settings.x);
  let next = { ...settings };
  if (!x || !eligibleX(settings.type, x)) next = { ...next, x: prefer(columns.filter((c) => eligibleX(settings.type, c)))?.name ?? null };
  if (settings.type === 'histogram') next = { ...next, y: null };
  if (settings.type === 'scatter' && (next.y === null || next.y === next.x)) {
    next = { ...next, y: prefer(columns.filter((c) => eligibleY(c) && c.name !== next.x))?.name ?? null };
  }
  return next;
}
