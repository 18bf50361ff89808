// A differencing flag shown as the issue asks, "with both shown side by side": the output being checked and the earlier
// release of the project it was compared with, each as its published cells, the cells where they differ by a small
// group marked in both. Only published values appear (the earlier table is already released; this one's hidden cells
// show as hidden), so the analyst's builder and the checkers' review use the same view.
import type { CellKey, OutputCheck, ReviewFlag } from '../../../src/common/output-check.ts';
import { cellKeyId, covers, valueText } from './cell-keys.ts';

interface Side {
  readonly heading: string;
  readonly dimensions: readonly string[];
  readonly cells: ReadonlyArray<{ key: CellKey; value: number | null }>;
}

function SideTable(props: { side: Side; marked: readonly CellKey[]; testId: string }) {
  const { side, marked } = props;
  return (
    <table className="side-table" data-testid={props.testId}>
      <caption>{side.heading}</caption>
      <thead>
        <tr>
          {side.dimensions.map((dimension) => (
            <th key={dimension} scope="col">
              {dimension}
            </th>
          ))}
          <th scope="col">Published</th>
        </tr>
      </thead>
      <tbody>
        {side.cells.map((cell) => {
          const differs = marked.some((pattern) => covers(pattern, cell.key));
          return (
            <tr key={cellKeyId(cell.key)} className={differs ? 'differs' : undefined} data-differs={differs}>
              {side.dimensions.map((dimension) => (
                <td key={dimension}>{cell.key[dimension] === undefined ? '' : valueText(cell.key[dimension])}</td>
              ))}
              <td className="numeric">
                {cell.value === null ? <em>hidden</em> : cell.value}
                {differs ? <span className="visually-hidden"> (differs by a small group)</span> : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Both tables of one differencing flag; nothing for any other flag. */
export function DifferencingSideBySide(props: { check: OutputCheck; flag: ReviewFlag; title: string }) {
  const { check, flag } = props;
  if (flag.code !== 'differencing' || flag.earlier === null || check.check === null) return null;
  const current: Side = {
    heading: `This output: “${props.title}”`,
    dimensions: check.check.cells[0] ? Object.keys(check.check.cells[0].key) : [],
    cells: [...check.check.cells, ...check.check.totals].map((cell) => ({ key: cell.key, value: cell.published })),
  };
  const earlier: Side = {
    heading: `Released earlier: “${flag.earlier.title ?? flag.earlier.id}”`,
    dimensions: flag.earlier.dimensions,
    cells: flag.earlier.cells,
  };
  return (
    <div className="side-by-side" data-testid="differencing-side-by-side">
      <SideTable side={current} marked={flag.cells} testId="side-current" />
      <SideTable side={earlier} marked={flag.cells} testId="side-earlier" />
    </div>
  );
}
