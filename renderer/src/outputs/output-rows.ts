// Reading the aggregation query's answer for the output builder (issue 16): the engine keeps the query's result like
// any other (run → page → release), and at most one page of rows (the cells, never the result's own rows) reaches
// this window. Pure apart from the engine it is given.
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { MAX_PAGE_ROWS, type LocalColumn, type LocalEngine } from '../../../src/common/local-engine.ts';
import { MAX_OUTPUT_CELLS, type OutputRow } from '../../../src/common/output-build.ts';
import { decodePage, type ResultPage } from '../analysis/result-page.ts';

/** One page's rows as objects by column name. */
export function rowsOfPage(page: ResultPage, columns: readonly Pick<LocalColumn, 'name'>[]): OutputRow[] {
  const rows: OutputRow[] = [];
  for (let row = 0; row < page.rows; row += 1) {
    rows.push(Object.fromEntries(columns.map((column, index) => [column.name, page.value(row, index)])));
  }
  return rows;
}

/** Runs the aggregation query and reads its rows (one more than the most cells an output may have, at most). */
export async function readOutputRows(request: { engine: LocalEngine; sql: string; signal: AbortSignal }): Promise<OutputRow[]> {
  const { engine, signal } = request;
  const run = await engine.run({ sql: request.sql, signal });
  const resultId = run.resultId;
  if (resultId === null) throw new EnclaveError('internal', 'The output’s query returned no rows.');
  try {
    const limit = Math.min(MAX_PAGE_ROWS, MAX_OUTPUT_CELLS + 1);
    const page = decodePage(await engine.page({ resultId, offset: 0, limit, signal }));
    return rowsOfPage(page, run.columns);
  } finally {
    // The query's own result is of no further use; the engine forgets it whatever happened.
    await bestEffort(engine.release(resultId));
  }
}
