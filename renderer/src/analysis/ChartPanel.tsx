// Charts of a local result with Plotly, SVG traces only (WebGL traces need 'unsafe-eval', which our CSP forbids).
// Large results are aggregated or sampled in local DuckDB first, and the chart says so.
import { useEffect, useId, useRef, useState } from 'react';
import type { DataType, Field, Table } from 'apache-arrow';
import type { PlotTrace, Plotter } from 'plotly.js-dist-min';
import { bestEffort, handledElsewhere } from '../../../src/common/detached.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { countByValue, planChart, sortByX, type ChartType } from './chart-plan.ts';
import { columnKind, type ResultColumn } from './column-kind.ts';
import type { LocalEngine } from './engine.ts';
import { isNumericKind, toPlotValue, type ColumnKind } from './result-values.ts';

const ROWS = '__rows__';

let plotly: Promise<Plotter> | null = null;
/** Plotly is 4.8 MB: loaded on the first chart, after its CSS (linked in index.html) is already in place. */
function loadPlotly(): Promise<Plotter> {
  // A UMD bundle: Vite's interop puts the Plotly object on `default`.
  plotly ??= import('plotly.js-dist-min').then(
    (mod) => mod.default,
    (err: unknown) => {
      plotly = null; // let the next attempt try again
      throw err;
    },
  );
  return plotly;
}

function columnValues({
  table,
  index,
  kind,
  limit,
}: {
  table: Table;
  index: number;
  kind: ColumnKind;
  limit: number;
}): (number | string | null)[] {
  const vector = table.getChildAt(index);
  const n = Math.min(table.numRows, limit);
  const values: (number | string | null)[] = new Array<number | string | null>(n);
  for (let i = 0; i < n; i += 1) values[i] = toPlotValue(vector?.get(i), kind);
  return values;
}

export interface ChartResult {
  table: Table;
  columns: ResultColumn[];
  sql: string;
}

export function ChartPanel(props: { result: ChartResult; engine: LocalEngine }) {
  const { result, engine } = props;
  const numeric = result.columns.filter((c) => isNumericKind(c.kind));
  const [type, setType] = useState<ChartType>('bar');
  const [x, setX] = useState<string>(result.columns[0]?.name ?? '');
  const [y, setY] = useState<string>(ROWS);
  const [drawing, setDrawing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [caption, setCaption] = useState<string | null>(null);
  const plotRoot = useRef<HTMLDivElement>(null);
  const ids = { type: useId(), x: useId(), y: useId() };

  // A new result gets sensible defaults and a clean chart.
  useEffect(() => {
    const firstText = result.columns.find((c) => !isNumericKind(c.kind)) ?? result.columns[0];
    const firstNumber = result.columns.find((c) => isNumericKind(c.kind) && c.name !== firstText?.name);
    setX(firstText?.name ?? '');
    setY(firstNumber?.name ?? ROWS);
    setNote(null);
    setError(null);
    setCaption(null);
    // A Plotly that failed to load drew nothing to purge; draw() shows that failure.
    if (plotRoot.current && plotly) handledElsewhere(plotly.then((p) => plotRoot.current && p.purge(plotRoot.current)));
  }, [result]);

  // Plotly takes seconds to evaluate on a slow machine: fetch it once the chart panel comes into view.
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = panel.current;
    if (!element || plotly) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        // Early only: a failure here is tried again, and shown, when a chart is drawn.
        bestEffort(loadPlotly());
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(
    () => () => {
      if (plotRoot.current && plotly) {
        const root = plotRoot.current;
        handledElsewhere(plotly.then((p) => p.purge(root)));
      }
    },
    [],
  );

  const yOptions = type === 'scatter' ? numeric : [{ name: ROWS } as Pick<ResultColumn, 'name'>, ...numeric];
  const yValue = type === 'scatter' && y === ROWS ? (numeric[0]?.name ?? ROWS) : y;

  const draw = async (): Promise<void> => {
    setError(null);
    setNote(null);
    const xColumn = result.columns.findIndex((c) => c.name === x);
    if (xColumn < 0) return setError('Choose a column for the x axis.');
    const yName = yValue === ROWS ? null : yValue;
    const plan = planChart({ type, x, y: yName, resultRows: result.table.numRows, sql: result.sql });
    if (plan.mode === 'refuse') return setError(plan.message);
    setDrawing(true);
    try {
      let xs: (number | string | null)[];
      let ys: (number | string | null)[];
      let extra: string | null = null;
      if (plan.mode === 'direct') {
        xs = columnValues({ table: result.table, index: xColumn, kind: result.columns[xColumn].kind, limit: Infinity });
        if (yName === null) {
          ({ x: xs, y: ys } = countByValue(xs));
        } else {
          const yIndex = result.columns.findIndex((c) => c.name === yName);
          ys = columnValues({ table: result.table, index: yIndex, kind: result.columns[yIndex].kind, limit: Infinity });
        }
      } else {
        const summary = await engine.query(plan.sql);
        const kinds = summary.schema.fields.map((field: Field<DataType>) => columnKind(field.type));
        const limit = plan.truncatesAt ?? Infinity;
        xs = columnValues({ table: summary, index: 0, kind: kinds[0], limit });
        ys = columnValues({ table: summary, index: 1, kind: kinds[1], limit });
        if (plan.truncatesAt !== null && summary.numRows > plan.truncatesAt) {
          extra = `There are more than ${formatCount(plan.truncatesAt)} values of ${x}; the chart shows the first ${formatCount(plan.truncatesAt)} in order.`;
        }
      }
      if (type === 'line') ({ x: xs, y: ys } = sortByX(xs, ys));
      const yLabel = yName ?? 'Number of rows';
      const trace: PlotTrace =
        type === 'bar'
          ? { type: 'bar', x: xs, y: ys, marker: { color: '#005eb8' } }
          : type === 'line'
            ? { type: 'scatter', mode: xs.length <= 200 ? 'lines+markers' : 'lines', x: xs, y: ys, line: { color: '#005eb8', width: 2 } }
            : { type: 'scatter', mode: 'markers', x: xs, y: ys, marker: { color: '#005eb8', size: 6, opacity: 0.6 } };
      const title = `${yName === null ? 'Number of rows' : plan.mode === 'query' && type !== 'scatter' ? `${type === 'bar' ? 'Sum' : 'Average'} of ${yName}` : yName} by ${x}`;
      const Plotly = await loadPlotly();
      if (!plotRoot.current) return;
      await Plotly.react(
        plotRoot.current,
        [trace],
        {
          title: { text: title },
          autosize: true,
          height: 420,
          margin: { t: 56, r: 24, b: 72, l: 80 },
          font: { family: 'Arial, sans-serif', size: 13, color: '#212b32' },
          xaxis: { title: { text: x }, automargin: true },
          yaxis: { title: { text: yLabel }, automargin: true, rangemode: 'tozero' },
          paper_bgcolor: '#ffffff',
          plot_bgcolor: '#ffffff',
        },
        // No image download: files leave the environment only through the airlock.
        { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['toImage'] },
      );
      const noun = type === 'bar' ? 'bars' : 'points';
      setCaption(`${type === 'bar' ? 'Bar' : type === 'line' ? 'Line' : 'Scatter'} chart: ${title}, ${formatCount(xs.length)} ${noun}.`);
      setNote([plan.note, extra].filter(Boolean).join(' ') || null);
    } catch (err) {
      setError(messageOf(err, 'The chart could not be drawn.'));
    } finally {
      setDrawing(false);
    }
  };

  return (
    <section className="panel" ref={panel} aria-labelledby="chart-heading" data-testid="chart-panel">
      <h2 id="chart-heading">Chart</h2>
      <div className="controls">
        <div className="field">
          <label htmlFor={ids.type}>Chart type</label>
          <select id={ids.type} value={type} data-testid="chart-type" onChange={(e) => setType(e.target.value as ChartType)}>
            <option value="bar">Bar</option>
            <option value="line">Line</option>
            <option value="scatter">Scatter</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.x}>X axis</label>
          <select id={ids.x} value={x} data-testid="chart-x" onChange={(e) => setX(e.target.value)}>
            {result.columns.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.y}>Y axis</label>
          <select id={ids.y} value={yValue} data-testid="chart-y" onChange={(e) => setY(e.target.value)}>
            {yOptions.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name === ROWS ? 'Number of rows' : c.name}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button"
          data-testid="draw-chart"
          disabled={drawing || result.columns.length === 0}
          onClick={() => handledElsewhere(draw())}
        >
          {drawing ? 'Drawing…' : 'Draw chart'}
        </button>
      </div>
      <ErrorMessage testId="chart-error" title="The chart was not drawn" text={error} />
      {note ? <Notice kind="notice" testId="chart-note" text={note} /> : null}
      <figure className="chart">
        <div className="chart-box" ref={plotRoot} data-testid="chart" />
        <figcaption data-testid="chart-caption">{caption ?? 'Choose the axes and draw a chart of the result.'}</figcaption>
      </figure>
    </section>
  );
}
