// Ctrl+C in the grid. Glide's own copy is switched off (it would copy any selection whole); this copies at most the
// project's clipboard cell limit, through the copy event's own clipboardData (Electron denies the async clipboard
// API, and a TRE workstation should not ask for it). Rows not in the window yet are read first, and the analyst
// is asked to copy again: the copy event cannot wait for the engine.
import { useCallback, useRef, useState, type ClipboardEvent } from 'react';
import type { GridSelection } from '@glideapps/glide-data-grid';
import { handledElsewhere } from '../../../src/common/detached.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import type { ResultColumn } from './column-kind.ts';
import { cellSelectionOf, copyOutcome, rowRuns, type CopyPlan } from './copy-limit.ts';
import { NOT_LOADED, type PageCache } from './page-cache.ts';

export interface CopyNotice {
  kind: 'notice' | 'info';
  text: string;
}

export function useGridCopy(request: {
  cache: PageCache | null;
  columns: readonly ResultColumn[];
  selection: GridSelection;
  totalRows: number;
  limit: number;
}): { onCopy: (event: ClipboardEvent<HTMLElement>) => void; notice: CopyNotice | null; showNotice: (notice: CopyNotice | null) => void } {
  const { cache, columns, selection, totalRows, limit } = request;
  const [notice, setNotice] = useState<CopyNotice | null>(null);
  // Rows read for an earlier Ctrl+C, for this cache and view only.
  const fetched = useRef<{ cache: PageCache; view: unknown; rows: Map<number, unknown[]> } | null>(null);

  const cellOf = useCallback(
    (row: number, column: number): unknown => {
      const held = cache?.value(row, column) ?? NOT_LOADED;
      if (held !== NOT_LOADED) return held;
      const extra = fetched.current;
      if (!extra || extra.cache !== cache || extra.view !== cache.view()) return NOT_LOADED;
      const values = extra.rows.get(row);
      return values ? values[column] : NOT_LOADED;
    },
    [cache],
  );

  const readMissing = useCallback(
    async (plan: CopyPlan, missing: number[]): Promise<void> => {
      if (!cache) return;
      const view = cache.view();
      const rows = fetched.current?.cache === cache && fetched.current.view === view ? fetched.current.rows : new Map<number, unknown[]>();
      const all = columns.map((_, index) => index);
      try {
        for (const run of rowRuns(missing)) {
          const values = await cache.readRows({ first: run.first, count: run.count, columns: all });
          values.forEach((row, offset) => rows.set(run.first + offset, row));
        }
      } catch (err) {
        setNotice({ kind: 'notice', text: messageOf(err, 'The selected rows could not be read, so nothing was copied.') });
        return;
      }
      fetched.current = { cache, view, rows };
      setNotice({
        kind: 'info',
        text: `The ${plan.copied === 1 ? 'cell is' : `${formatCount(plan.copied)} cells are`} ready: press Ctrl+C again to copy.`,
      });
    },
    [cache, columns],
  );

  const onCopy = useCallback(
    (event: ClipboardEvent<HTMLElement>): void => {
      if (!cache) return;
      const outcome = copyOutcome({
        selection: cellSelectionOf(selection, { columns: columns.length, rows: totalRows }),
        limit,
        kinds: columns.map((c) => c.kind),
        cellAt: cellOf,
      });
      if (outcome.kind === 'nothing') return;
      event.preventDefault();
      if (outcome.kind === 'refused') setNotice({ kind: 'notice', text: outcome.notice });
      else if (outcome.kind === 'missing') {
        setNotice({ kind: 'info', text: 'Reading the selected rows from the engine…' });
        // It shows its own outcome (ready, or why not).
        handledElsewhere(readMissing(outcome.plan, outcome.rows));
      } else {
        event.clipboardData.setData('text/plain', outcome.text);
        setNotice({ kind: outcome.plan.notice ? 'notice' : 'info', text: outcome.notice });
      }
    },
    [cache, selection, columns, totalRows, limit, cellOf, readMissing],
  );

  return { onCopy, notice, showNotice: setNotice };
}
