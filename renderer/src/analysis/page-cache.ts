// The grid's window onto a kept result: it asks the engine for the pages under the rows on screen plus a margin,
// keeps a few of them (least recently shown go first), and never holds the result whole: a 10M-row result costs
// `maxPages` pages in this window, however far the analyst scrolls. Sorting and filtering are the engine's: a new
// view drops every page and stops every request made for the old one.
import { EnclaveError } from '../../../src/common/errors.ts';
import { MAX_PAGE_ROWS, type Filter, type SortKey } from '../../../src/common/local-engine.ts';
import type { ResultPage } from './result-page.ts';

/** How the engine orders and filters the result for the grid. */
export interface GridView {
  readonly sort: readonly SortKey[];
  readonly filters: readonly Filter[];
}

export const EMPTY_VIEW: GridView = { sort: [], filters: [] };

export type ReadPage = (request: { offset: number; limit: number; view: GridView; signal: AbortSignal }) => Promise<ResultPage>;

export type PageCacheEvent =
  /** Rows arrived: redraw them. */
  | { kind: 'loaded'; firstRow: number; rows: number; page: ResultPage }
  /** The engine counted the rows that pass the view's filters. */
  | { kind: 'total'; total: number }
  /** A page could not be read; nothing more is asked until retry(). */
  | { kind: 'failed'; message: string };

/** A cell whose page has not arrived yet (the grid draws it as loading). */
export const NOT_LOADED: unique symbol = Symbol('not loaded');

export interface PageCache {
  view(): GridView;
  /** Sort or filter differently: every page held or on its way is dropped. */
  setView(view: GridView): void;
  /** The rows on screen (inclusive); loads what they and the margin need. */
  show(firstRow: number, lastRow: number): void;
  value(row: number, column: number): unknown;
  /** The rows that pass the filters; null until the engine has said (after a filter change). */
  total(): number | null;
  /** The cells of rows [first, first + count) if every one is held, else null. */
  heldRows(first: number, count: number, columns: readonly number[]): unknown[][] | null;
  /** Reads rows straight from the engine in the current view, without keeping them (at most MAX_PAGE_ROWS). */
  readRows(request: { first: number; count: number; columns: readonly number[]; signal?: AbortSignal }): Promise<unknown[][]>;
  failure(): string | null;
  retry(): void;
  /** Pages held and pages on their way (for tests and the "never more than" promise). */
  held(): { pages: number; loading: number };
  close(): void;
}

export interface PageCacheOptions {
  read: ReadPage;
  view?: GridView;
  /** The result's row count, known before any page when nothing filters it. */
  total: number | null;
  pageRows?: number;
  /** Most pages held at once, counting those on their way. */
  maxPages?: number;
  /** Rows beyond the screen, above and below, loaded ahead of scrolling. */
  marginRows?: number;
  onEvent(event: PageCacheEvent): void;
}

export const DEFAULT_PAGE_ROWS = 500;
export const DEFAULT_MAX_PAGES = 6;
export const DEFAULT_MARGIN_ROWS = 100;

function sameFilters(a: readonly Filter[], b: readonly Filter[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createPageCache(options: PageCacheOptions): PageCache {
  const pageRows = Math.max(1, Math.min(MAX_PAGE_ROWS, options.pageRows ?? DEFAULT_PAGE_ROWS));
  const maxPages = Math.max(1, options.maxPages ?? DEFAULT_MAX_PAGES);
  const margin = Math.max(0, options.marginRows ?? DEFAULT_MARGIN_ROWS);
  let view = options.view ?? EMPTY_VIEW;
  let total = options.total;
  let generation = 0;
  let failure: string | null = null;
  let closed = false;
  let shown: { first: number; last: number } | null = null;
  let wanted = new Set<number>();
  // Insertion order is recency: a page shown again moves to the end; eviction takes from the front.
  const pages = new Map<number, ResultPage>();
  const loading = new Map<number, AbortController>();

  const lastPageIndex = (): number | null => (total === null ? null : Math.max(0, Math.ceil(total / pageRows) - 1));

  /** Drops the least recently shown pages off screen until `room` more fit under maxPages. */
  function evict(room = 0): void {
    for (const index of pages.keys()) {
      if (pages.size + loading.size + room <= maxPages) return;
      if (!wanted.has(index)) pages.delete(index);
    }
  }

  function fetch(index: number): void {
    const controller = new AbortController();
    const asked = generation;
    loading.set(index, controller);
    const stale = (): boolean => asked !== generation || controller.signal.aborted || closed;
    options.read({ offset: index * pageRows, limit: pageRows, view, signal: controller.signal }).then(
      (page) => {
        if (stale()) return;
        loading.delete(index);
        pages.set(index, page);
        if (page.total !== null && page.total !== total) {
          total = page.total;
          options.onEvent({ kind: 'total', total: page.total });
        }
        evict();
        options.onEvent({ kind: 'loaded', firstRow: index * pageRows, rows: page.rows, page });
      },
      (err: unknown) => {
        if (stale()) return;
        loading.delete(index);
        if (err instanceof EnclaveError && err.code === 'cancelled') return;
        failure = err instanceof EnclaveError ? err.message : 'A page of the result could not be read.';
        options.onEvent({ kind: 'failed', message: failure });
      },
    );
  }

  function show(firstRow: number, lastRow: number): void {
    if (closed) return;
    shown = { first: Math.max(0, firstRow), last: Math.max(firstRow, lastRow) };
    let from = Math.floor(Math.max(0, shown.first - margin) / pageRows);
    let to = Math.floor((shown.last + margin) / pageRows);
    const lastIndex = lastPageIndex();
    if (lastIndex !== null) {
      to = Math.min(to, lastIndex);
      from = Math.min(from, to);
    }
    // A screen taller than the cache allows: the pages from the top of it, never more than maxPages.
    to = Math.min(to, from + maxPages - 1);
    wanted = new Set<number>();
    for (let index = from; index <= to; index += 1) wanted.add(index);
    // Scrolled past before they arrived: stop asking for them.
    for (const [index, controller] of loading) {
      if (!wanted.has(index)) {
        controller.abort();
        loading.delete(index);
      }
    }
    for (const index of wanted) {
      const page = pages.get(index);
      if (page) {
        pages.delete(index);
        pages.set(index, page);
      }
    }
    const missing = failure === null ? [...wanted].filter((index) => !pages.has(index) && !loading.has(index)) : [];
    evict(missing.length);
    for (const index of missing) fetch(index);
  }

  function dropAll(): void {
    generation += 1;
    for (const controller of loading.values()) controller.abort();
    loading.clear();
    pages.clear();
    failure = null;
  }

  function value(row: number, column: number): unknown {
    const index = Math.floor(row / pageRows);
    const page = pages.get(index);
    if (!page) return NOT_LOADED;
    const within = row - index * pageRows;
    return within < page.rows ? page.value(within, column) : NOT_LOADED;
  }

  return {
    view: () => view,
    setView(next) {
      // The same filters keep the same count: only the order changes.
      if (!sameFilters(next.filters, view.filters)) total = next.filters.length === 0 && options.total !== null ? options.total : null;
      view = next;
      dropAll();
      if (shown) show(shown.first, shown.last);
    },
    show,
    value,
    total: () => total,
    heldRows(first, count, columns) {
      const rows: unknown[][] = [];
      for (let row = first; row < first + count; row += 1) {
        const cells: unknown[] = [];
        for (const column of columns) {
          const cell = value(row, column);
          if (cell === NOT_LOADED) return null;
          cells.push(cell);
        }
        rows.push(cells);
      }
      return rows;
    },
    async readRows({ first, count, columns, signal }) {
      const controller = new AbortController();
      signal?.addEventListener('abort', () => controller.abort(), { once: true });
      const page = await options.read({
        offset: first,
        limit: Math.max(1, Math.min(MAX_PAGE_ROWS, count)),
        view,
        signal: controller.signal,
      });
      const rows: unknown[][] = [];
      for (let row = 0; row < Math.min(count, page.rows); row += 1) rows.push(columns.map((column) => page.value(row, column)));
      return rows;
    },
    failure: () => failure,
    retry() {
      failure = null;
      if (shown) show(shown.first, shown.last);
    },
    held: () => ({ pages: pages.size, loading: loading.size }),
    close() {
      closed = true;
      dropAll();
    },
  };
}
