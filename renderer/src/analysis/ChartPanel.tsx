// Charts of a result with Plotly, SVG traces only (WebGL traces need 'unsafe-eval', which our CSP forbids). The
// points come from one query in the local engine over the result's own SQL (chart-plan.ts): grouped, binned or
// sampled there, so only what is drawn reaches this window, and the note under the chart says how it was made.
//
// Props, agreed with the workspace screen:
//   <ChartPanel engine={engine} result={runResult} sql={theSqlThatRan}
//               settings={chartKeptWithTheTab} onSettingsChange={keepItWithTheTab} fill />
// `sql` is the text whose last statement produced the result; the chart runs that statement again, grouped.
// Given the project's drive, a drawn chart is saved there as an SVG image (Plotly's own export, with the caption and
// notes inside it), from a dialog; there is no image download: files leave the environment only through the airlock.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { bestEffort, handledElsewhere } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, LocalMode, RunResult } from '../../../src/common/local-engine.ts';
import { fileStemFor, svgWithText } from '../drives/save-words.ts';
import { SaveChartButton } from '../drives/SaveChartToDrive.tsx';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import {
  adjustForType,
  BLANK_SETTINGS,
  cardinalityCandidates,
  defaultChart,
  reconcileSettings,
  type ColumnCardinality,
} from './chart-axes.ts';
import { readChartRows } from './chart-data.ts';
import { buildFigure, type ChartFigure, type ChartRow } from './chart-figure.ts';
import { planChart, type ChartQuery, type ChartSettings } from './chart-plan.ts';
import { ChartControls } from './ChartControls.tsx';
import { resultColumnsOf } from './column-kind.ts';
import { loadPlotly, plotlyAsked } from './plotly-loader.ts';
import './grid-chart.css';

export interface ChartPanelProps {
  /** The project's local engine (the same one the result lives in). */
  engine: LocalEngine;
  result: RunResult;
  /** The SQL that produced the result. */
  sql: string;
  /** The chart as the analyst left it in this tab (for the session); every change is reported. */
  settings?: ChartSettings | null;
  onSettingsChange?: (settings: ChartSettings) => void;
  /** Fill the pane's height (the IDE layout); otherwise the plot is 420 px tall. */
  fill?: boolean;
  /** The project's drive (through the client) and where its local data lives: with it, the chart's "Save to drive". */
  drive?: { client: Client; projectId: string; mode: LocalMode };
}

const PLOT_HEIGHT = 420;

type Phase = 'choosing' | 'drawing' | 'drawn' | 'idle';

export function ChartPanel(props: ChartPanelProps) {
  const { engine, result } = props;
  const resultId = result.resultId;
  const columns = useMemo(() => resultColumnsOf(result.columns), [result.columns]);
  const [settings, setSettings] = useState<ChartSettings | null>(null);
  const [phase, setPhase] = useState<Phase>('choosing');
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [figure, setFigure] = useState<(ChartFigure & { drawn: string; note: string }) | null>(null);
  const [redraws, setRedraws] = useState(0);
  const drawn = useRef<{ query: ChartQuery; rows: ChartRow[] } | null>(null);
  const running = useRef<AbortController | null>(null);
  const plotRoot = useRef<HTMLDivElement>(null);
  const panel = useRef<HTMLElement>(null);
  const kept = useRef(props.settings);
  kept.current = props.settings;
  const ids = { heading: useId(), caption: useId(), description: useId() };

  const purge = (): void => {
    const root = plotRoot.current;
    // A Plotly that failed to load drew nothing to purge.
    const asked = plotlyAsked();
    if (root && asked) handledElsewhere(asked.then((p) => p.purge(root)));
  };

  // A new result: the tab's own chart if its columns are still there, else defaults from the columns' types (text
  // columns' cardinality asked of the engine, so that a column naming rows is never an axis).
  useEffect(() => {
    drawn.current = null;
    setFigure(null);
    setError(null);
    setInfo(null);
    purge();
    if (resultId === null || columns.length === 0) {
      setSettings(null);
      setPhase('idle');
      return;
    }
    const reconciled = reconcileSettings(kept.current, columns, null);
    if (reconciled) {
      setSettings(reconciled);
      return;
    }
    // One row (a count, a total) or none: a chart of it says nothing, so none is drawn unasked.
    if (result.rowCount < 2) {
      setSettings(BLANK_SETTINGS);
      setPhase('idle');
      setInfo(result.rowCount === 0 ? 'The result has no rows to chart.' : 'The result has one row: no chart was drawn for you.');
      return;
    }
    const controller = new AbortController();
    setPhase('choosing');
    const choose = async (): Promise<void> => {
      const cardinality = new Map<string, ColumnCardinality>();
      for (const column of cardinalityCandidates(columns)) {
        // Without its count a column is judged by its name and type only: still never an id by name.
        await bestEffort(
          engine.summarise({ resultId, column: column.name, signal: controller.signal }).then((summary) => {
            cardinality.set(column.name, summary);
          }),
        );
        if (controller.signal.aborted) return;
      }
      const chosen = defaultChart(columns, cardinality);
      setSettings(chosen ?? BLANK_SETTINGS);
      if (!chosen) {
        setPhase('idle');
        setInfo('Every column of this result looks like an identifier, so no chart was drawn for you. Choose the axes to draw one.');
      }
    };
    handledElsewhere(choose());
    return () => controller.abort();
    // purge reads refs only; a result's row count comes with its id.
  }, [engine, resultId, columns]);

  const render = async (current: ChartSettings, note: string): Promise<void> => {
    const data = drawn.current;
    const root = plotRoot.current;
    if (!data || !root) return;
    const built = buildFigure({
      settings: current,
      query: data.query,
      columns,
      rows: data.rows,
      box: { width: root.clientWidth, height: root.clientHeight },
    });
    const Plotly = await loadPlotly();
    await Plotly.react(
      root,
      built.traces,
      { ...built.layout, height: props.fill ? undefined : PLOT_HEIGHT },
      // No image download and no mouse-only tool bar: files leave only through the airlock, and every action here
      // has a keyboard way (the controls above, Reset zoom).
      { displaylogo: false, responsive: true, displayModeBar: false, doubleClick: 'reset' },
    );
    setFigure({ ...built, drawn: `${current.type}|${current.x ?? ''}|${current.y ?? ''}`, note });
    setPhase('drawn');
  };

  const dataKey = settings
    ? JSON.stringify([resultId, settings.type, settings.x, settings.y, settings.aggregate, settings.series, settings.bins, redraws])
    : null;
  useEffect(() => {
    const current = settings;
    if (!current || current.x === null || resultId === null) return;
    const controller = new AbortController();
    running.current?.abort();
    running.current = controller;
    const draw = async (): Promise<void> => {
      setPhase('drawing');
      setError(null);
      setInfo(null);
      try {
        let bounds: { min: number; max: number } | null = null;
        if (current.type === 'histogram') {
          const summary = await engine.summarise({ resultId, column: current.x ?? '', signal: controller.signal });
          bounds = {
            min: summary.min === null ? Number.NaN : Number(summary.min),
            max: summary.max === null ? Number.NaN : Number(summary.max),
          };
        }
        const plan = planChart({ settings: current, columns, rowCount: result.rowCount, sql: props.sql, bounds });
        if (!plan.ok) {
          drawn.current = null;
          purge();
          setFigure(null);
          setError(plan.message);
          setPhase('idle');
          return;
        }
        const rows = await readChartRows({ engine, sql: plan.query.sql, signal: controller.signal });
        if (controller.signal.aborted) return;
        drawn.current = { query: plan.query, rows };
        await render(current, plan.query.note);
      } catch (err) {
        if (controller.signal.aborted || (err instanceof EnclaveError && err.code === 'cancelled')) {
          if (running.current === controller) setPhase('idle');
          return;
        }
        setError(messageOf(err, 'The chart could not be drawn.'));
        setPhase('idle');
      } finally {
        if (running.current === controller) running.current = null;
      }
    };
    handledElsewhere(draw());
    return () => controller.abort();
    // dataKey names everything the query depends on; labels redraw without asking the engine (below).
  }, [dataKey]);

  // The analyst's own title and labels: the same points, drawn again with their words (no query).
  const labelKey = settings ? [settings.title, settings.xLabel, settings.yLabel].join('\u0000') : '';
  useEffect(() => {
    if (!settings || !drawn.current || !figure) return;
    const current = settings;
    const note = figure.note;
    const timer = setTimeout(
      () => handledElsewhere(render(current, note).catch((err: unknown) => setError(messageOf(err, 'The chart could not be drawn.')))),
      150,
    );
    return () => clearTimeout(timer);
  }, [labelKey]);

  // The pane's splitter resizes the plot's box without resizing the window: Plotly is told.
  useEffect(() => {
    const root = plotRoot.current;
    if (!root) return;
    const observer = new ResizeObserver(() => {
      // A plot hidden (a locked window, another tab) has no size to take: it is resized when it shows again, as
      // that is a resize too. Hidden between this call and Plotly's look, Plotly refuses, and that changes nothing.
      const asked = plotlyAsked();
      if (asked && root.querySelector('.main-svg') && root.getClientRects().length > 0)
        handledElsewhere(bestEffort(asked.then((p) => p.Plots.resize(root))));
    });
    observer.observe(root);
    return () => observer.disconnect();
  }, []);

  // Plotly takes seconds to evaluate on a slow machine: fetch it once the chart panel comes into view.
  useEffect(() => {
    const element = panel.current;
    if (!element || plotlyAsked()) return;
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
      running.current?.abort();
      purge();
    },
    [],
  );

  const change = (patch: Partial<ChartSettings>): void => {
    if (!settings) return;
    let next: ChartSettings = { ...settings, ...patch };
    if (patch.type !== undefined || patch.x !== undefined) next = adjustForType(next, columns);
    setSettings(next);
    props.onSettingsChange?.(next);
  };

  const cancel = (): void => {
    running.current?.abort();
    running.current = null;
    setPhase('idle');
    setInfo('Drawing was cancelled.');
  };

  const resetZoom = (): void => {
    const root = plotRoot.current;
    const asked = plotlyAsked();
    if (root && asked) handledElsewhere(asked.then((p) => p.relayout(root, { 'xaxis.autorange': true, 'yaxis.autorange': true })));
  };

  const notes = figure ? [figure.note, ...figure.notes].join(' ') : null;
  const drawnNow = phase === 'drawn' && figure !== null && error === null;

  /** The chart as drawn now, as an SVG file: Plotly's export of the plot, named and described by the caption and notes. */
  const chartSvg = async (): Promise<Uint8Array> => {
    const root = plotRoot.current;
    if (!root || !drawnNow || !root.querySelector('.main-svg')) {
      throw new EnclaveError('invalid_input', 'There is no chart drawn to save: draw it, then save it. Nothing was saved.');
    }
    const Plotly = await loadPlotly();
    let svg: string;
    try {
      svg = await Plotly.toImage(root, { format: 'svg', imageDataOnly: true });
    } catch {
      throw new EnclaveError(
        'unavailable',
        'The chart could not be made into an SVG image. Draw it again, then save it. Nothing was saved.',
      );
    }
    const description = [figure.description, notes ?? ''].join(' ').trim();
    return new TextEncoder().encode(svgWithText(svg, { title: figure.caption, description }));
  };

  const placeholder =
    resultId === null
      ? 'This statement returned no rows to chart.'
      : phase === 'choosing'
        ? 'Choosing axes from the result’s columns…'
        : 'Choose the axes to draw a chart of the result.';

  return (
    <section
      className={`panel chart-panel${props.fill ? ' fill' : ''}`}
      ref={panel}
      aria-labelledby={ids.heading}
      data-testid="chart-panel"
    >
      <div className="chart-head">
        <h2 id={ids.heading}>Chart</h2>
        <div className="chart-actions">
          <span role="status" className="chart-status" data-testid="chart-status">
            {phase === 'drawing' ? 'Drawing in local DuckDB…' : (info ?? '')}
          </span>
          {phase === 'drawing' ? (
            <button type="button" className="small-button" data-testid="cancel-chart" onClick={cancel}>
              Cancel
            </button>
          ) : null}
          <button
            type="button"
            className="small-button"
            data-testid="draw-chart"
            disabled={phase === 'drawing' || !settings || settings.x === null}
            onClick={() => setRedraws((n) => n + 1)}
          >
            Draw again
          </button>
          <button type="button" className="small-button" data-testid="chart-reset-zoom" disabled={phase !== 'drawn'} onClick={resetZoom}>
            Reset zoom
          </button>
          {props.drive && settings ? (
            <SaveChartButton
              drive={props.drive}
              ready={drawnNow}
              name={fileStemFor(settings.title.trim() || (figure?.automatic.title ?? ''), 'chart')}
              svg={chartSvg}
            />
          ) : null}
        </div>
      </div>
      {settings ? <ChartControls columns={columns} settings={settings} automatic={figure?.automatic ?? null} onChange={change} /> : null}
      <ErrorMessage testId="chart-error" title="The chart was not drawn" text={error} />
      <figure className="chart" data-testid="chart-figure" data-state={phase} data-drawn={figure?.drawn ?? ''}>
        <div
          className="chart-box"
          ref={plotRoot}
          role="img"
          aria-labelledby={ids.caption}
          aria-describedby={figure && !error ? ids.description : undefined}
          data-testid="chart"
        />
        <figcaption id={ids.caption}>
          <span data-testid="chart-caption">{figure && !error ? figure.caption : placeholder}</span>
        </figcaption>
        {/* What the chart shows, for screen readers (its axes, ranges and series); the caption above is its name. */}
        {figure && !error ? (
          <p className="visually-hidden" id={ids.description} data-testid="chart-description">
            {figure.description}
          </p>
        ) : null}
        {notes && !error ? (
          <p className="chart-note" data-testid="chart-note">
            {notes}
          </p>
        ) : null}
      </figure>
    </section>
  );
}
