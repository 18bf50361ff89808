// Plotly, loaded once per window for every chart in it (the analysis screen's and the outputs'): 4.8 MB, so only when a
// chart is about to be drawn, after its CSS (linked in index.html) is already in place.
import type { Plotter } from 'plotly.js-dist-min';
import { EnclaveError } from '../../../src/common/errors.ts';

let plotly: Promise<Plotter> | null = null;

export function loadPlotly(): Promise<Plotter> {
  // A UMD bundle: Vite's interop puts the Plotly object on `default`.
  plotly ??= import('plotly.js-dist-min').then(
    (mod) => mod.default,
    () => {
      plotly = null; // let the next attempt try again
      throw new EnclaveError('unavailable', 'The chart library could not be loaded into this window. Draw again, or reload the window.');
    },
  );
  return plotly;
}

/** Plotly if a chart asked for it already (loaded or loading), else null: what a resize or a purge works with. */
export function plotlyAsked(): Promise<Plotter> | null {
  return plotly;
}
