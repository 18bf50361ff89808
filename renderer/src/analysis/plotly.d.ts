// The small part of Plotly's API the chart panel uses (plotly.js-dist-min ships no types).
declare module 'plotly.js-dist-min' {
  export interface PlotTrace {
    type: 'bar' | 'scatter';
    mode?: 'lines' | 'markers' | 'lines+markers';
    x: (number | string | null)[];
    y: (number | string | null)[];
    /** Bar widths in x units (a histogram's bins). */
    width?: number[];
    name?: string;
    showlegend?: boolean;
    marker?: Record<string, unknown>;
    line?: Record<string, unknown>;
    hovertemplate?: string;
    customdata?: (number | string)[];
  }
  export interface Plotter {
    react(root: HTMLElement, data: PlotTrace[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<HTMLElement>;
    relayout(root: HTMLElement, update: Record<string, unknown>): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
    /** An image of the plot; an SVG with `imageDataOnly` is the SVG's own text (no data: URL, no canvas). */
    toImage(root: HTMLElement, options: { format: 'svg'; imageDataOnly: true; width?: number; height?: number }): Promise<string>;
    Plots: { resize(root: HTMLElement): Promise<void> };
  }
  const Plotly: Plotter;
  export default Plotly;
}
