// A resubmitted output against the version this checker reviewed (issue 16): what changed about the output as a whole,
// then every cell that differs — its published value and status and the count behind it, before and after — and, on
// request, the cells that did not change.
import { useState } from 'react';
import { describeCell } from './cell-keys.ts';
import { diffOutputs, diffSummary, type CellChange, type CellSide, type OutputVersion } from './cell-diff.ts';
import { CELL_STATUS_LABELS } from './checking-words.ts';
import { formatValue } from './PublishedTableView.tsx';

const CHANGE_WORDS: Readonly<Record<CellChange, string>> = {
  added: 'Added',
  removed: 'Removed',
  changed: 'Changed',
  unchanged: 'Unchanged',
};

function Side(props: { side: CellSide | null }) {
  const { side } = props;
  if (side === null) return <span className="hint">not in this version</span>;
  return (
    <span className="diff-side">
      <span className="diff-value">{formatValue(side)}</span> <span className="diff-status">({CELL_STATUS_LABELS[side.status]})</span>
      {side.count !== null ? <span className="diff-count"> count {side.count}</span> : null}
      {side.detail !== null ? <span className="diff-count"> {side.detail}</span> : null}
    </span>
  );
}

export function DiffView(props: { previous: OutputVersion; current: OutputVersion }) {
  const { previous, current } = props;
  const [showAll, setShowAll] = useState(false);
  const diff = diffOutputs(previous, current);
  const dimensions = current.published.dimensions;
  const rows = showAll ? diff.rows : diff.rows.filter((row) => row.change !== 'unchanged');
  return (
    <section className="file-section diff" aria-labelledby="diff-heading" data-testid="file-diff">
      <h4 id="diff-heading">
        Changes since you reviewed it (version {previous.fileVersion} → {current.fileVersion})
      </h4>
      <p data-testid="diff-summary">{diffSummary(diff)}</p>
      {diff.whole.length > 0 ? (
        <ul className="diff-whole" data-testid="diff-whole">
          {diff.whole.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="fields diff-table" data-testid="diff-table">
            <caption className="visually-hidden">Cells, before and after</caption>
            <thead>
              <tr>
                <th scope="col">Cell</th>
                <th scope="col">Change</th>
                <th scope="col">Reviewed version</th>
                <th scope="col">This version</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={describeCell(row.key)} className={`diff-${row.change}`} data-testid="diff-row" data-change={row.change}>
                  <th scope="row">{describeCell(row.key, dimensions)}</th>
                  <td>
                    <span className={`diff-change diff-change-${row.change}`}>{CHANGE_WORDS[row.change]}</span>
                  </td>
                  <td>
                    <Side side={row.before} />
                  </td>
                  <td>
                    <Side side={row.after} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {diff.counts.unchanged > 0 ? (
        <button
          type="button"
          className="link-button"
          aria-pressed={showAll}
          onClick={() => setShowAll((v) => !v)}
          data-testid="diff-show-all"
        >
          {showAll ? 'Show only the cells that differ' : `Show the ${diff.counts.unchanged} unchanged cells too`}
        </button>
      ) : null}
    </section>
  );
}
