// The chart's settings as a form: type, axes, how y is combined, the colour series, bins, and the analyst's own
// title and axis labels (blank means the automatic words, shown as placeholders). Every control is a labelled
// native field, so all of it works by keyboard.
import { useId, useState } from 'react';
import { isIdColumn } from './chart-axes.ts';
import {
  AGGREGATE_WORDS,
  eligibleSeries,
  eligibleX,
  eligibleY,
  MAX_BINS,
  MAX_SERIES,
  MIN_BINS,
  type Aggregate,
  type ChartSettings,
  type ChartType,
} from './chart-plan.ts';
import type { ResultColumn } from './column-kind.ts';

const ROWS = '__rows__';
const NONE = '__none__';

export interface ChartControlsProps {
  columns: readonly ResultColumn[];
  settings: ChartSettings;
  automatic: { title: string; xLabel: string; yLabel: string } | null;
  onChange: (patch: Partial<ChartSettings>) => void;
}

const validBins = (text: string): boolean => /^\d+$/.test(text) && Number(text) >= MIN_BINS && Number(text) <= MAX_BINS;

/** "patient_id (identifier)": still choosable, never chosen for the analyst. */
function optionLabel(column: ResultColumn): string {
  return isIdColumn(column) ? `${column.name} (identifier)` : column.name;
}

export function ChartControls(props: ChartControlsProps) {
  const { columns, settings } = props;
  const id = useId();
  const ids = {
    type: `${id}-type`,
    x: `${id}-x`,
    y: `${id}-y`,
    aggregate: `${id}-aggregate`,
    series: `${id}-series`,
    bins: `${id}-bins`,
    title: `${id}-title`,
    xLabel: `${id}-x-label`,
    yLabel: `${id}-y-label`,
    seriesHint: `${id}-series-hint`,
    binsHint: `${id}-bins-hint`,
  };
  // The box holds what is typed ("1" on the way to "12"); the chart takes it once it is a valid count.
  const [binsText, setBinsText] = useState(String(settings.bins));
  const xOptions = columns.filter((c) => eligibleX(settings.type, c));
  const yOptions = columns.filter(eligibleY);
  const seriesOptions = columns.filter((c) => eligibleSeries(c) && c.name !== settings.x);
  const showsAggregate = (settings.type === 'bar' || settings.type === 'line') && settings.y !== null;

  return (
    <div className="chart-controls">
      <div className="controls">
        <div className="field">
          <label htmlFor={ids.type}>Chart type</label>
          <select
            id={ids.type}
            value={settings.type}
            data-testid="chart-type"
            onChange={(e) => props.onChange({ type: e.target.value as ChartType })}
          >
            <option value="bar">Bar</option>
            <option value="line">Line</option>
            <option value="scatter">Scatter</option>
            <option value="histogram">Histogram</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.x}>X axis</label>
          <select id={ids.x} value={settings.x ?? ''} data-testid="chart-x" onChange={(e) => props.onChange({ x: e.target.value || null })}>
            {settings.x === null ? <option value="">Choose a column</option> : null}
            {xOptions.map((c) => (
              <option key={c.name} value={c.name}>
                {optionLabel(c)}
              </option>
            ))}
          </select>
        </div>
        {settings.type === 'histogram' ? (
          <div className="field">
            <label htmlFor={ids.bins}>Bins (about)</label>
            <input
              id={ids.bins}
              type="number"
              min={MIN_BINS}
              max={MAX_BINS}
              value={binsText}
              data-testid="chart-bins"
              aria-invalid={!validBins(binsText)}
              aria-describedby={ids.binsHint}
              onChange={(e) => {
                setBinsText(e.target.value);
                if (validBins(e.target.value)) props.onChange({ bins: Number(e.target.value) });
              }}
            />
            <span id={ids.binsHint} className="hint">
              {MIN_BINS} to {MAX_BINS}
            </span>
          </div>
        ) : (
          <div className="field">
            <label htmlFor={ids.y}>Y axis</label>
            <select
              id={ids.y}
              value={settings.y ?? ROWS}
              data-testid="chart-y"
              onChange={(e) => props.onChange({ y: e.target.value === ROWS ? null : e.target.value })}
            >
              {settings.type === 'scatter' ? null : <option value={ROWS}>Number of rows</option>}
              {yOptions.map((c) => (
                <option key={c.name} value={c.name}>
                  {optionLabel(c)}
                </option>
              ))}
            </select>
          </div>
        )}
        {showsAggregate ? (
          <div className="field">
            <label htmlFor={ids.aggregate}>Combine y by</label>
            <select
              id={ids.aggregate}
              value={settings.aggregate}
              data-testid="chart-aggregate"
              onChange={(e) => props.onChange({ aggregate: e.target.value as Aggregate })}
            >
              {(Object.keys(AGGREGATE_WORDS) as Aggregate[]).map((a) => (
                <option key={a} value={a}>
                  {AGGREGATE_WORDS[a]}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={ids.series}>Colour by</label>
          <select
            id={ids.series}
            value={settings.series ?? NONE}
            data-testid="chart-series"
            aria-describedby={ids.seriesHint}
            onChange={(e) => props.onChange({ series: e.target.value === NONE ? null : e.target.value })}
          >
            <option value={NONE}>Nothing (one colour)</option>
            {seriesOptions.map((c) => (
              <option key={c.name} value={c.name}>
                {optionLabel(c)}
              </option>
            ))}
          </select>
          <span id={ids.seriesHint} className="visually-hidden">
            Each value becomes a coloured series; past {MAX_SERIES}, the rest are drawn together as Other.
          </span>
        </div>
      </div>
      <details className="chart-labels">
        <summary>Title and axis labels</summary>
        <div className="controls">
          <div className="field wide">
            <label htmlFor={ids.title}>Title</label>
            <input
              id={ids.title}
              type="text"
              maxLength={200}
              value={settings.title}
              placeholder={props.automatic?.title}
              data-testid="chart-title"
              onChange={(e) => props.onChange({ title: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.xLabel}>X axis label</label>
            <input
              id={ids.xLabel}
              type="text"
              maxLength={120}
              value={settings.xLabel}
              placeholder={props.automatic?.xLabel}
              data-testid="chart-x-label"
              onChange={(e) => props.onChange({ xLabel: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.yLabel}>Y axis label</label>
            <input
              id={ids.yLabel}
              type="text"
              maxLength={120}
              value={settings.yLabel}
              placeholder={props.automatic?.yLabel}
              data-testid="chart-y-label"
              onChange={(e) => props.onChange({ yLabel: e.target.value })}
            />
          </div>
        </div>
        <p className="hint">Leave a box empty for the automatic words. Your words stay with this tab until you close Enclave.</p>
      </details>
    </div>
  );
}
