// A plain SVG bar chart of a released chart output, drawn from its published cells only: one bar per cell, a hidden
// (suppressed) cell marked as such with no bar. Static markup: no script, no styles, no links, no external reference;
// every text is escaped, and characters XML cannot hold are dropped.

export interface ChartBar {
  readonly label: string;
  /** Null: the cell is not published (suppressed). */
  readonly value: number | null;
}

export interface BarChartSpec {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly bars: readonly ChartBar[];
  /** Lines under the chart: suppression and rounding notes, the provenance line. */
  readonly notes: readonly string[];
}

const HEIGHT_PLOT = 280;
const MARGIN = { top: 56, right: 24, bottom: 120, left: 72 };
const BAR_SLOT = 36;
const MIN_PLOT_WIDTH = 360;
const NOTE_LINE = 16;
const MAX_LABEL_CHARS = 28;

// eslint-disable-next-line no-control-regex -- exactly the characters XML 1.0 forbids
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text as XML character data or an attribute value: escaped, with characters XML cannot hold removed. */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function shorten(text: string): string {
  return text.length <= MAX_LABEL_CHARS ? text : `${text.slice(0, MAX_LABEL_CHARS - 1)}…`;
}

/** A round step for the y axis: 1, 2 or 5 times a power of ten, giving about five ticks. */
function tickStep(max: number): number {
  if (max <= 0) return 1;
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  const nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10;
  return Math.max(nice * power, Number.MIN_VALUE);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-GB') : value.toLocaleString('en-GB', { maximumFractionDigits: 2 });
}

export function barChartSvg(spec: BarChartSpec): string {
  const values = spec.bars.flatMap((bar) => (bar.value === null ? [] : [bar.value]));
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const step = tickStep(top - bottom);
  const axisTop = Math.ceil(top / step) * step || step;
  const axisBottom = Math.floor(bottom / step) * step;
  const plotWidth = Math.max(MIN_PLOT_WIDTH, spec.bars.length * BAR_SLOT);
  const width = MARGIN.left + plotWidth + MARGIN.right;
  const height = MARGIN.top + HEIGHT_PLOT + MARGIN.bottom + spec.notes.length * NOTE_LINE + 8;
  const y = (value: number) => MARGIN.top + HEIGHT_PLOT - ((value - axisBottom) / (axisTop - axisBottom)) * HEIGHT_PLOT;
  const slot = plotWidth / Math.max(1, spec.bars.length);
  const parts: string[] = [];

  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc" font-family="sans-serif" font-size="12">`,
    `<title id="chart-title">${xmlText(spec.title)}</title>`,
    `<desc id="chart-desc">${xmlText(
      spec.bars.map((bar) => `${bar.label}: ${bar.value === null ? 'suppressed' : formatNumber(bar.value)}`).join('; '),
    )}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="28" font-size="16" font-weight="bold" fill="#0b0c0c">${xmlText(spec.title)}</text>`,
  );
  for (let tick = axisBottom; tick <= axisTop + step / 2; tick += step) {
    const at = y(tick).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${at}" x2="${MARGIN.left + plotWidth}" y2="${at}" stroke="#d0d0d0" stroke-width="1"/>`,
      `<text x="${MARGIN.left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle" fill="#0b0c0c">${xmlText(formatNumber(tick))}</text>`,
    );
  }
  const zero = y(0).toFixed(1);
  spec.bars.forEach((bar, index) => {
    const centre = MARGIN.left + slot * index + slot / 2;
    const barWidth = Math.max(4, slot * 0.7);
    if (bar.value === null) {
      parts.push(
        `<text x="${centre.toFixed(1)}" y="${(Number(zero) - 6).toFixed(1)}" text-anchor="start" transform="rotate(-90 ${centre.toFixed(1)} ${(Number(zero) - 6).toFixed(1)})" fill="#505a5f" font-style="italic">suppressed</text>`,
      );
    } else {
      const from = y(Math.max(0, bar.value));
      const to = y(Math.min(0, bar.value));
      parts.push(
        `<rect x="${(centre - barWidth / 2).toFixed(1)}" y="${from.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0, to - from).toFixed(1)}" fill="#1d70b8"><title>${xmlText(`${bar.label}: ${formatNumber(bar.value)}`)}</title></rect>`,
      );
    }
    const labelY = MARGIN.top + HEIGHT_PLOT + 14;
    parts.push(
      `<text x="${centre.toFixed(1)}" y="${labelY}" text-anchor="end" transform="rotate(-45 ${centre.toFixed(1)} ${labelY})" fill="#0b0c0c">${xmlText(shorten(bar.label))}</text>`,
    );
  });
  parts.push(
    `<line x1="${MARGIN.left}" y1="${zero}" x2="${MARGIN.left + plotWidth}" y2="${zero}" stroke="#0b0c0c" stroke-width="1"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + HEIGHT_PLOT}" stroke="#0b0c0c" stroke-width="1"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + HEIGHT_PLOT + MARGIN.bottom - 12}" text-anchor="middle" fill="#0b0c0c">${xmlText(spec.xTitle)}</text>`,
    `<text x="18" y="${MARGIN.top + HEIGHT_PLOT / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + HEIGHT_PLOT / 2})" fill="#0b0c0c">${xmlText(spec.yTitle)}</text>`,
  );
  spec.notes.forEach((note, index) => {
    parts.push(
      `<text x="12" y="${MARGIN.top + HEIGHT_PLOT + MARGIN.bottom + 4 + index * NOTE_LINE}" font-size="11" fill="#505a5f">${xmlText(note)}</text>`,
    );
  });
  parts.push('</svg>');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${parts.join('\n')}\n`;
}
