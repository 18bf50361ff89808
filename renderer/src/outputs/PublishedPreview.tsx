// The output as it would be published (issue 16): the table with its hidden cells empty and every marked cell
// highlighted (a rule it fails, a cell hidden to protect another, a cell the analyst hid, a cell a person must look
// at); choosing a cell shows the rule, the evidence behind it, and lets the analyst hide it or show it again. A
// regression shows its coefficients and residual degrees of freedom.
import { useState } from 'react';
import { rateWords, shareOfWords, type CellKey, type OutputCheck, type PublishedOutput } from '../../../src/common/output-check.ts';
import { cellKeyId } from '../checking/cell-keys.ts';
import { OutputChartView } from './OutputChartView.tsx';
import { evidenceWords, MARK_WORDS, publishedGrid, sameKey, statusWords, type GridCell } from './published-grid.ts';

function keyWords(key: CellKey): string {
  return Object.entries(key)
    .map(([d, v]) => `${d} ${v === '*' ? 'total' : String(v)}`)
    .join(', ');
}

function CellButton(props: { cell: GridCell; selected: boolean; onSelect: () => void }) {
  const { cell } = props;
  const words = statusWords(cell);
  // The name is the visible text with the cell's place and marks around it (hidden from sight, read out).
  return (
    <button
      type="button"
      className={`published-cell${cell.mark ? ` mark-${cell.mark}` : ''}${cell.status === 'suppressed' ? ' hidden-cell' : ''}`}
      aria-pressed={props.selected}
      data-testid="published-cell"
      data-cell={cellKeyId(cell.key)}
      data-status={cell.status}
      data-mark={cell.mark ?? ''}
      onClick={props.onSelect}
    >
      <span className="visually-hidden">{keyWords(cell.key)}: </span>
      <span className="cell-value">{cell.status === 'suppressed' ? 'hidden' : cell.status === 'empty' ? 'empty' : cell.text}</span>
      {cell.derived !== null ? <span className="cell-percent">{cell.derived}</span> : null}
      {words ? <span className="visually-hidden"> ({words})</span> : null}
    </button>
  );
}

function CellDetails(props: { cell: GridCell; hiddenByYou: boolean; onToggleHidden: (key: CellKey) => void }) {
  const { cell } = props;
  return (
    <section className="cell-details" aria-label={`The cell ${keyWords(cell.key)}`} data-testid="cell-details">
      <h4>{keyWords(cell.key)}</h4>
      <p>
        Published: <strong>{cell.status === 'suppressed' ? 'hidden' : cell.status === 'empty' ? 'empty (no values)' : cell.text}</strong>
        {cell.mark ? <> — {MARK_WORDS[cell.mark]}</> : null}
      </p>
      {cell.reasons.length > 0 ? (
        <ul className="cell-reasons" data-testid="cell-reasons">
          {cell.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      {cell.evidence ? (
        <p className="cell-evidence" data-testid="cell-evidence">
          Evidence (stays in the environment): {evidenceWords(cell.evidence).join('; ')}.
        </p>
      ) : null}
      {/* The analyst hides interior cells that are shown, and may show again the ones they hid. */}
      {!cell.total && (props.hiddenByYou || cell.status !== 'suppressed') ? (
        <button type="button" className="button secondary" data-testid="toggle-hidden" onClick={() => props.onToggleHidden(cell.key)}>
          {props.hiddenByYou ? 'Show this cell again' : 'Hide this cell'}
        </button>
      ) : null}
    </section>
  );
}

export function PublishedPreview(props: {
  published: PublishedOutput;
  check: OutputCheck;
  hiddenByYou: readonly CellKey[];
  onToggleHidden: (key: CellKey) => void;
}) {
  const { published, check } = props;
  const [selected, setSelected] = useState<CellKey | null>(null);

  if (published.regression) {
    const regression = published.regression;
    return (
      <div className="table-wrap">
        <table className="published-table" data-testid="published-regression">
          <caption>
            {published.title}
            <span className="caption-detail">
              {regression.model}: {regression.observations} observations, {regression.residualDof} residual degrees of freedom
            </span>
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
            {regression.coefficients.map((c) => (
              <tr key={c.term}>
                <th scope="row">{c.term}</th>
                <td>{c.estimate}</td>
                <td>{c.standardError ?? ''}</td>
                <td>{c.pValue ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  const grid = publishedGrid({ published, check, hiddenByYou: props.hiddenByYou });
  const chosen =
    selected === null ? null : (grid.rows.flatMap((row) => row.cells).find((cell) => cell !== null && sameKey(cell.key, selected)) ?? null);
  return (
    <>
      {published.chart ? <OutputChartView published={published} /> : null}
      <div className="table-wrap">
        <table className="published-table" data-testid="published-table">
          <caption>
            {published.title}
            {published.chart ? ` (${published.chart.type === 'bar' ? 'bar chart' : 'histogram'}: its bars are these cells)` : ''}
            {published.ratePer !== undefined ? (
              <span className="caption-detail" data-testid="published-rate-base">
                Beside each count: its rate {rateWords(published.ratePer)} of {shareOfWords(published.dimensions)}
              </span>
            ) : null}
          </caption>
          <thead>
            {grid.columnDimension !== null ? (
              <tr>
                <td colSpan={grid.rowDimensions.length} />
                <th scope="colgroup" colSpan={grid.columns.length}>
                  {grid.columnDimension}
                </th>
              </tr>
            ) : null}
            <tr>
              {grid.rowDimensions.map((d) => (
                <th key={d} scope="col">
                  {d}
                </th>
              ))}
              {grid.columns.map((column) => (
                <th key={column.label} scope="col" className={column.total ? 'total' : undefined}>
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.rows.map((row) => (
              <tr key={row.labels.join('\u0000')} className={row.total ? 'total' : undefined}>
                {row.labels.map((label, i) => (
                  <th key={i} scope="row">
                    {label}
                  </th>
                ))}
                {row.cells.map((cell, i) => (
                  <td key={i}>
                    {cell ? (
                      <CellButton
                        cell={cell}
                        selected={selected !== null && sameKey(cell.key, selected)}
                        onSelect={() => setSelected(selected !== null && sameKey(cell.key, selected) ? null : cell.key)}
                      />
                    ) : null}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul className="cell-legend" aria-label="What the highlights mean">
        <li className="mark-fails">{MARK_WORDS.fails}</li>
        <li className="mark-protects">{MARK_WORDS.protects}</li>
        <li className="mark-hidden-by-you">{MARK_WORDS['hidden-by-you']}</li>
        <li className="mark-flagged">{MARK_WORDS.flagged}</li>
      </ul>
      {chosen ? (
        <CellDetails
          cell={chosen}
          hiddenByYou={props.hiddenByYou.some((key) => sameKey(key, chosen.key))}
          onToggleHidden={props.onToggleHidden}
        />
      ) : (
        <p className="hint">Choose a cell to see the rule it fails and the evidence behind it, or to hide it yourself.</p>
      )}
    </>
  );
}
