// The small part of Plotly's API the chart panel uses (plotly.js-dist-min ships no types).
declare module 'plotly.js-dist-min' {
  export interface PlotTrace {
    type: 'bar' | 'scatter';
    mode?: 'lines' | 'markers' | 'lines+markers';
    x: (number | string | null)[];
    y: (number | string | null)[];
    name?: string;
    marker?: Record<string, unknown>;
    line?: Record<string, unknown>;
    hovertemplate?: string;
  }
  export interface Plotter {
    react(root: HTMLElement, data: PlotTrace[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<HTMLElement>;
    purge(root: HTMLElement): void;
  }
  const Plotly: Plotter;
  export default Plotly;
}
