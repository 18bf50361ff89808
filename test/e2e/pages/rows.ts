// Reads a list's rows in one step in the page. Read row by row (count the rows, then read each one), a row that goes
// between the count and its read (a listing answering meanwhile) makes that read wait the locator's 30 s for it, and
// an expect.poll around it times out holding a stale value.
import type { Locator } from 'playwright-core';

/** What to read of each row: one of its own attributes ('' when absent), or the text of one element inside it. */
export type Cell = { attribute: string } | { text: string };

export const attribute = (name: string): Cell => ({ attribute: name });
/** The trimmed text of the row's one element with that test id. */
export const textOf = (testId: string): Cell => ({ text: `[data-testid="${testId}"]` });
/** The trimmed text of the row's one element that the CSS `selector` finds. */
export const textAt = (selector: string): Cell => ({ text: selector });

/** The little of the DOM the page function uses (the tests are typed without the DOM library). */
interface RowElement {
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<RowElement>;
  readonly innerText: string;
}

/**
 * Every row `rows` finds, in the page's order, as the cells asked for, all read at one moment. A text cell must find
 * exactly one element, as a strict locator must; otherwise the read fails (and an expect.poll around it reads again).
 */
export async function readRows<K extends string>(rows: Locator, cells: Record<K, Cell>): Promise<Array<Record<K, string>>> {
  const spec: Record<string, Cell> = cells;
  const read = await rows.evaluateAll(
    (elements: RowElement[], asked: Record<string, Cell>) =>
      elements.map((row) =>
        Object.fromEntries(
          Object.entries(asked).map(([key, cell]) => {
            if ('attribute' in cell) return [key, row.getAttribute(cell.attribute) ?? ''];
            const found = row.querySelectorAll(cell.text);
            if (found.length !== 1) throw new Error(`a row has ${found.length} elements matching ${cell.text}, not one`);
            return [key, found[0].innerText.trim()];
          }),
        ),
      ),
    spec,
  );
  // Each row's keys are the keys of `cells`.
  return read as Array<Record<K, string>>;
}
