// An output as it would be published, for a checker: the table laid out by its dimensions (./published-grid.ts), hidden
// cells said as "hidden", each derived percentage (or rate) beside its cell, and the cells the engine marked — failing
// a rule, hidden to protect another, or named by a flag — shown by a symbol and in words as well as by colour. Every
// cell is a toggle button: the cells a checker picks are the ones a disagreement or a comment concerns. A regression
// shows its coefficients.
import {
  derivedText,
  rateWords,
  shareOfWords,
  type CellKey,
  type PublishedCell,
  type PublishedOutput,
} from '../../../src/common/output-check.ts';
import { cellKeyId, describeCell } from './cell-keys.ts';
import { CELL_STATUS_LABELS } from './checking-words.ts';
import { gridOf } from './published-grid.ts';
import type { CellMark, CellMarkKind } from './review-rules.ts';

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 4 });

export const MARK_SYMBOLS: Readonly<Record<CellMarkKind, string>> = { fails: '!', protects: '#', review: '?' };
export const MARK_WORDS: Readonly<Record<CellMarkKind, string>> = {
  fails: 'fails a rule',
  protects: 'hidden to protect another cell',
  review: 'flagged for a person to review',
};

export function formatValue(cell: Pick<PublishedCell, 'value' | 'status'>): string {
  if (cell.status === 'suppressed') return 'hidden';
  if (cell.value === null) return '—';
  return numberFormat.format(cell.value);
}

function statisticWords(published: PublishedOutput): string {
  if (published.statistic === 'count' || published.statistic === null) return 'Count';
  return `${published.statistic === 'sum' ? 'Sum' : 'Mean'} of ${published.measure ?? 'the measure'}`;
}

function CellButton(props: {
  cell: PublishedCell;
  dimensions: readonly string[];
  mark: CellMark | undefined;
  /** The cell's percentage or rate, as text. */
  derived: string | undefined;
  selected: boolean;
  onToggle: (key: CellKey) => void;
  total: boolean;
}) {
  const { cell, mark, selected, derived } = props;
  const kinds = mark?.kinds ?? [];
  // The accessible name starts with the visible value (WCAG 2.5.3), then says where the cell is and what marks it.
  const words = [describeCell(cell.key, props.dimensions), CELL_STATUS_LABELS[cell.status], ...kinds.map((kind) => MARK_WORDS[kind])];
  const classes = ['cell-button', `cell-${cell.status}`, ...kinds.map((kind) => `mark-${kind}`), props.total ? 'cell-total' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <button
      type="button"
      className={classes}
      aria-pressed={selected}
      title={mark?.reasons.join('\n')}
      onClick={() => props.onToggle(cell.key)}
      data-testid="published-cell"
      data-cell={cellKeyId(cell.key)}
      data-status={cell.status}
      data-marks={kinds.join(' ')}
    >
      <span className="cell-value">{formatValue(cell)}</span>
      {derived !== undefined ? <span className="cell-percent">{derived}</span> : null}
      <span className="visually-hidden">: {words.join(', ')}</span>
      {kinds.length > 0 ? (
        <span className="cell-marks" aria-hidden="true">
          {kinds.map((kind) => MARK_SYMBOLS[kind]).join('')}
        </span>
      ) : null}
    </button>
  );
}

export function PublishedTableView(props: {
  published: PublishedOutput;
  marks: ReadonlyMap<string, CellMark>;
  selection: readonly CellKey[];
  onToggle: (key: CellKey) => void;
}) {
  const { published, marks, selection, onToggle } = props;
  const selected = new Set(selection.map(cellKeyId));
  const derived = new Map(published.derived.map((value) => [cellKeyId(value.key), derivedText(value, published.ratePer)]));

  if (published.regression !== null) {
    const model = published.regression;
    return (
      <div className="table-wrap">
        <table className="fields coefficients-table" data-testid="coefficients-table">
          <caption>
            {published.title}: {model.model}, {numberFormat.format(model.observations)} observations, {model.residualDof} residual degrees
            of freedom
          </caption>
          <thead>
            <tr>
              <th scope="col">Term</th>
              <th scope="col">Estimate</th>
              <th scope="col">Standard error</th>
              <th scope="col">p-value</th>
            </tr>
          </thead>
          <tbody>
            {model.coefficients.map((coefficient) => (
              <tr key={coefficient.term}>
                <th scope="row">{coefficient.term}</th>
                <td>{numberFormat.format(coefficient.estimate)}</td>
                <td>{coefficient.standardError === null ? '—' : numberFormat.format(coefficient.standardError)}</td>
                <td>{coefficient.pValue === null ? '—' : numberFormat.format(coefficient.pValue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  const blocks = gridOf(published);
  const statistic = statisticWords(published);
  return (
    <div className="published-blocks" data-testid="published-table">
      {blocks.map((block, b) => (
        <div className="table-wrap" key={block.heading ?? b}>
          <table className="published-grid">
            <caption>
              {published.title}
              {block.heading ? ` — ${block.heading}` : ''} ({statistic.toLowerCase()}
              {published.ratePer === undefined ? '' : `; rates ${rateWords(published.ratePer)} of ${shareOfWords(published.dimensions)}`})
            </caption>
            <thead>
              <tr>
                <th scope="col">
                  {block.columnDimension === null ? block.rowDimension : `${block.rowDimension} \\ ${block.columnDimension}`}
                </th>
                {block.columns.map((column) => (
                  <th scope="col" key={String(column.value)} className={column.total ? 'grid-total' : undefined}>
                    {block.columnDimension === null ? statistic : column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row) => (
                <tr key={String(row.value)} className={row.total ? 'grid-total' : undefined}>
                  <th scope="row">{row.label}</th>
                  {row.cells.map((cell, c) =>
                    cell === null ? (
                      <td key={c} className="cell-none">
                        <span className="visually-hidden">no cell</span>
                      </td>
                    ) : (
                      <td key={c}>
                        <CellButton
                          cell={cell}
                          dimensions={published.dimensions}
                          mark={marks.get(cellKeyId(cell.key))}
                          derived={derived.get(cellKeyId(cell.key))}
                          selected={selected.has(cellKeyId(cell.key))}
                          onToggle={onToggle}
                          total={row.total || (block.columns[c]?.total ?? false)}
                        />
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <ul className="mark-legend" aria-label="What the marks mean">
        {(Object.keys(MARK_SYMBOLS) as CellMarkKind[]).map((kind) => (
          <li key={kind}>
            <span className={`legend-swatch mark-${kind}`} aria-hidden="true">
              {MARK_SYMBOLS[kind]}
            </span>{' '}
            {MARK_WORDS[kind]}
          </li>
        ))}
        <li>
          <span className="legend-swatch cell-suppressed" aria-hidden="true">
            hidden
          </span>{' '}
          not published
        </li>
        <li>Choose cells to select them for your vote or a comment.</li>
      </ul>
    </div>
  );
}
