// A chart output drawn as it would be published (issue 16), in the builder's preview and in the checkers' review: its
// bars from the published cells only (the bars the exported SVG draws), with Plotly's SVG traces as the analysis
// screen draws them (its CSS is linked in index.html, so nothing is injected under the CSP). A cell with nothing
// published is a gap, never a zero. The caption and a text alternative say every bar's value; the table beside it
// holds the same cells. No mode bar and no zoom: there is no image download, files leave only through the airlock.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { bestEffort, handledElsewhere } from '../../../src/common/detached.ts';
import { outputChart } from '../../../src/common/output-chart.ts';
import type { PublishedOutput } from '../../../src/common/output-check.ts';
import { loadPlotly, plotlyAsked } from '../analysis/plotly-loader.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { outputChartFigure } from './output-chart-figure.ts';
import './output-chart.css';

type Phase = 'drawing' | 'drawn' | 'failed';

export function OutputChartView(props: { published: PublishedOutput }) {
  const chart = useMemo(() => outputChart(props.published), [props.published]);
  const signature = JSON.stringify(chart);
  const root = useRef<HTMLDivElement>(null);
  const [phase, setPhase] = useState<Phase>('drawing');
  const [attempt, setAttempt] = useState(0);
  const ids = { caption: useId(), description: useId() };
  const figure = useMemo(() => (chart === null ? null : outputChartFigure(chart)), [signature]);

  useEffect(() => {
    const element = root.current;
    if (!element || chart === null) return;
    let live = true;
    setPhase('drawing');
    const draw = async (): Promise<void> => {
      try {
        const Plotly = await loadPlotly();
        if (!live) return;
        const sized = outputChartFigure(chart, element.clientWidth || 640);
        await Plotly.react(element, sized.traces, sized.layout, { displaylogo: false, responsive: true, displayModeBar: false });
        if (live) setPhase('drawn');
      } catch {
        if (live) setPhase('failed');
      }
    };
    handledElsewhere(draw());
    return () => {
      live = false;
    };
  }, [signature, attempt]);

  // The builder's panes resize the box without resizing the window: Plotly is told.
  useEffect(() => {
    const element = root.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      const asked = plotlyAsked();
      if (asked && element.querySelector('.main-svg') && element.getClientRects().length > 0)
        handledElsewhere(bestEffort(asked.then((p) => p.Plots.resize(element))));
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      const asked = plotlyAsked();
      if (asked) handledElsewhere(bestEffort(asked.then((p) => p.purge(element))));
    };
  }, []);

  if (chart === null || figure === null) return null;
  return (
    <figure
      className="output-chart"
      data-testid="output-chart"
      data-state={phase}
      data-bars={figure.drawn}
      data-gaps={figure.gaps}
      aria-busy={phase === 'drawing'}
    >
      <div
        className="output-chart-box"
        ref={root}
        role="img"
        aria-labelledby={ids.caption}
        aria-describedby={ids.description}
        data-testid="output-chart-plot"
      />
      <figcaption id={ids.caption} data-testid="output-chart-caption">
        {figure.caption}
      </figcaption>
      <p className="visually-hidden" id={ids.description} data-testid="output-chart-description">
        {figure.description}
      </p>
      <ErrorMessage
        testId="output-chart-error"
        title="The chart was not drawn"
        text={phase === 'failed' ? 'The chart library could not be loaded into this window. The table below holds the same values.' : null}
      >
        <button type="button" className="button secondary" onClick={() => setAttempt((n) => n + 1)}>
          Draw again
        </button>
      </ErrorMessage>
    </figure>
  );
}
