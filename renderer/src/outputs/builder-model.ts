// The output builder's choices and words (issue 16), pure: what the analyst may choose from a result's columns, the
// choices as the output-build module takes them (src/common/output-build.ts), the default title and file name, the
// requests an output may be added to, and what the suggested mitigation's button says.
import type { RequestSummary } from '../../../src/common/airlock.ts';
import type { OutputChoices } from '../../../src/common/output-build.ts';
import { holdsRegression } from '../../../src/common/output-build.ts';
import type { SuggestedMitigation } from '../../../src/common/output-check.ts';
import { rateWords } from '../../../src/common/output-check.ts';
import { RATE_BASES, type AppliedMitigation, type RateBase } from '../../../src/common/outputs.ts';
import { isNumericKind, type ResultColumn } from '../analysis/column-kind.ts';
import { isIdColumn } from '../analysis/chart-axes.ts';
import { planBins } from '../analysis/chart-plan.ts';

export type BuilderKind = 'frequency' | 'magnitude' | 'bar' | 'histogram' | 'regression';

export const KIND_LABELS: Readonly<Record<BuilderKind, string>> = {
  frequency: 'Frequency table',
  magnitude: 'Magnitude table (sum or mean)',
  bar: 'Bar chart',
  histogram: 'Histogram',
  regression: 'Regression summary',
};

export const MAX_DIMENSIONS: Readonly<Record<'frequency' | 'magnitude' | 'bar', number>> = { frequency: 3, magnitude: 3, bar: 2 };
export const DEFAULT_BINS = 10;
export const MIN_BINS = 5;
export const MAX_BINS = 50;

/** What the analyst has chosen so far, as the form holds it (numbers as typed). */
export interface BuilderState {
  kind: BuilderKind;
  /** Chosen dimensions in order; a blank choice is ''. */
  dimensions: string[];
  measure: string;
  statistic: 'sum' | 'mean';
  totals: boolean;
  bins: number;
  model: string;
  observations: string;
  residualDof: string;
  /** The title as typed; empty means "the default title for the choices". */
  title: string;
  mitigation: AppliedMitigation;
  /** A frequency table's derived values as rates per this base; null for percentages. */
  ratePer: RateBase | null;
}

export const NO_MITIGATION: AppliedMitigation = { kind: 'none', roundingBase: null };

/** Columns that can be a table's dimension: anything a category can be read from. */
export function dimensionColumns(columns: readonly ResultColumn[]): ResultColumn[] {
  return columns.filter((c) => !['nested', 'blob', 'other'].includes(c.kind.kind));
}

/** Columns that can be summed, averaged or binned. */
export function measureColumns(columns: readonly ResultColumn[]): ResultColumn[] {
  return columns.filter((c) => isNumericKind(c.kind));
}

/** The kinds a result can make: a regression summary only from a result holding its coefficient columns. */
export function kindsFor(columns: readonly ResultColumn[]): BuilderKind[] {
  const kinds: BuilderKind[] = [];
  if (dimensionColumns(columns).length > 0) kinds.push('frequency', 'bar');
  if (measureColumns(columns).length > 0) {
    if (dimensionColumns(columns).length > 1) kinds.push('magnitude');
    kinds.push('histogram');
  }
  if (holdsRegression(columns)) kinds.push('regression');
  return (['frequency', 'magnitude', 'bar', 'histogram', 'regression'] as const).filter((k) => kinds.includes(k));
}

/** Where the builder starts: a regression summary when the result is one, else a one-way frequency table. */
export function initialState(columns: readonly ResultColumn[]): BuilderState {
  const kinds = kindsFor(columns);
  const kind: BuilderKind = kinds.includes('regression') ? 'regression' : (kinds[0] ?? 'frequency');
  // Never an identifier by default (a column named like one, or a UUID): a table by it has a row per person.
  const groups = dimensionColumns(columns).filter((c) => !isIdColumn(c));
  const firstDimension =
    groups.find((c) => c.kind.kind === 'string' || c.kind.kind === 'boolean') ?? groups.find((c) => !isNumericKind(c.kind)) ?? groups[0];
  const measures = measureColumns(columns).filter((c) => !isIdColumn(c));
  const firstMeasure = measures.find((c) => c.name !== firstDimension?.name) ?? measures[0];
  return {
    kind,
    dimensions: firstDimension ? [firstDimension.name] : [''],
    measure: firstMeasure?.name ?? '',
    statistic: 'sum',
    totals: true,
    bins: DEFAULT_BINS,
    model: '',
    observations: '',
    residualDof: '',
    title: '',
    mitigation: NO_MITIGATION,
    ratePer: null,
  };
}

/** The state after choosing another kind: dimensions trimmed to what it allows, the mitigation kept only where it fits. */
export function withKind(state: BuilderState, kind: BuilderKind): BuilderState {
  const most = kind === 'frequency' || kind === 'magnitude' || kind === 'bar' ? MAX_DIMENSIONS[kind] : 3;
  const dimensions = state.dimensions.slice(0, most);
  // Rounding is for counts: a magnitude table (and a regression) starts again without it.
  const mitigation =
    kind === 'regression' || (kind === 'magnitude' && state.mitigation.kind === 'rounded') ? NO_MITIGATION : state.mitigation;
  return { ...state, kind, dimensions: dimensions.length > 0 ? dimensions : [''], mitigation };
}

function sentenceList(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1) ?? ''}`;
}

/** The title the output gets unless the analyst writes their own. */
export function defaultTitle(state: BuilderState): string {
  const dims = sentenceList(state.dimensions.filter((d) => d !== ''));
  switch (state.kind) {
    case 'frequency':
      return `Number of rows by ${dims}`;
    case 'magnitude':
      return `${state.statistic === 'sum' ? 'Sum' : 'Mean'} of ${state.measure} by ${dims}`;
    case 'bar':
      return `Bar chart of rows by ${dims}`;
    case 'histogram':
      return `Histogram of ${state.measure}`;
    case 'regression':
      return `Regression: ${state.model.trim() || 'model'}`;
  }
}

export function titleOf(state: BuilderState): string {
  return state.title.trim() === '' ? defaultTitle(state) : state.title;
}

/** A file name for the request, from the title: no path separators, no spaces at the ends. */
export function fileNameOf(title: string): string {
  const name = title
    .replace(/[/\\\0]/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 190)
    .trim();
  return name === '' || name === '.' || name === '..' ? 'output' : name;
}

export type ChoicesResult = { ok: true; choices: OutputChoices } | { ok: false; message: string };

function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/**
 * The choices as output-build takes them, or what is still missing in words. A histogram needs the measure's smallest
 * and largest values (from the engine's summary) to place its bins.
 */
export function choicesOf(state: BuilderState, bounds: { min: number; max: number; integers: boolean } | null): ChoicesResult {
  const dimensions = state.dimensions.filter((d) => d !== '');
  if (state.kind === 'regression') {
    if (state.model.trim() === '')
      return { ok: false, message: 'Say what model this is (for example “logistic regression of death on age”).' };
    const observations = wholeNumber(state.observations);
    const residualDof = wholeNumber(state.residualDof);
    if (observations === null || observations < 0)
      return { ok: false, message: 'Enter the number of observations the model was fitted on.' };
    if (residualDof === null) return { ok: false, message: 'Enter the model’s residual degrees of freedom.' };
    return { ok: true, choices: { kind: 'regression', model: state.model.trim(), observations, residualDof } };
  }
  if (state.kind === 'histogram') {
    if (state.measure === '') return { ok: false, message: 'Choose the measure to bin.' };
    if (bounds === null || !Number.isFinite(bounds.min) || !Number.isFinite(bounds.max)) {
      return { ok: false, message: `${state.measure} has no values to bin.` };
    }
    const plan = planBins({ min: bounds.min, max: bounds.max, bins: state.bins, integers: bounds.integers });
    return { ok: true, choices: { kind: 'histogram', measure: state.measure, bins: { origin: plan.origin, width: plan.width } } };
  }
  if (dimensions.length === 0) return { ok: false, message: 'Choose at least one dimension.' };
  if (new Set(dimensions).size !== dimensions.length) return { ok: false, message: 'Choose each dimension once.' };
  if (state.kind === 'magnitude') {
    if (state.measure === '') return { ok: false, message: 'Choose the measure to sum or average.' };
    if (dimensions.includes(state.measure)) return { ok: false, message: `${state.measure} cannot be both a dimension and the measure.` };
    return {
      ok: true,
      choices: { kind: 'magnitude', dimensions, measure: state.measure, statistic: state.statistic, totals: state.totals },
    };
  }
  return { ok: true, choices: { kind: state.kind, dimensions, totals: state.totals } };
}

/** The button that applies the engine's suggestion with one click. */
export function suggestionLabel(suggestion: SuggestedMitigation): string {
  if (suggestion.apply.kind === 'suppressed') return 'Apply suggested suppression';
  if (suggestion.apply.kind === 'rounded') return `Round to base ${suggestion.apply.roundingBase ?? ''}`;
  return 'Apply the suggestion';
}

/** The mitigations the analyst may pick by hand for a kind (rounding is for counts only). */
export function mitigationChoices(kind: BuilderKind): { value: string; label: string; mitigation: AppliedMitigation }[] {
  if (kind === 'regression') return [];
  const choices = [
    { value: 'none', label: 'None', mitigation: NO_MITIGATION },
    {
      value: 'suppressed',
      label: 'Suppress unsafe cells (and those that would give them away)',
      mitigation: { kind: 'suppressed', roundingBase: null } as AppliedMitigation,
    },
  ];
  if (kind === 'magnitude') return choices;
  return [
    ...choices,
    { value: 'rounded-5', label: 'Round counts to base 5', mitigation: { kind: 'rounded', roundingBase: 5 } },
    { value: 'rounded-10', label: 'Round counts to base 10', mitigation: { kind: 'rounded', roundingBase: 10 } },
  ];
}

export function mitigationValue(mitigation: AppliedMitigation): string {
  return mitigation.kind === 'rounded' ? `rounded-${mitigation.roundingBase ?? ''}` : mitigation.kind;
}

/** What a frequency table may derive from its published cells: percentages (the default) or a rate per a base. */
export function derivedChoices(): { value: string; label: string; ratePer: RateBase | null }[] {
  return [
    { value: 'percent', label: 'Percentages', ratePer: null },
    ...RATE_BASES.map((base) => ({ value: String(base), label: `Rates ${rateWords(base)}`, ratePer: base })),
  ];
}

/** The requests of mine in this project that files may still be added to (pending, or returned to me). */
export function requestsToAddTo(requests: readonly RequestSummary[], userId: string): RequestSummary[] {
  return requests.filter((r) => r.author.id === userId && (r.state === 'PENDING' || r.state === 'RETURNED'));
}
