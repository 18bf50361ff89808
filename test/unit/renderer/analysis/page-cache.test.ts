// The grid's page source: asks the engine for the pages under the rows on screen plus a margin, keeps a few, drops
// every page and stops every request when the sort or filters change, and never holds more than its cap of pages,
// however the analyst scrolls (a 10M-row result never crosses whole).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../../src/common/errors.ts';
import {
  createPageCache,
  NOT_LOADED,
  type GridView,
  type PageCacheEvent,
  type ReadPage,
} from '../../../../renderer/src/analysis/page-cache.ts';
import type { ResultPage } from '../../../../renderer/src/analysis/result-page.ts';

interface Call {
  offset: number;
  limit: number;
  view: GridView;
  signal: AbortSignal;
  resolve: (page: ResultPage) => void;
  reject: (err: unknown) => void;
}

/** An engine that answers when told: each cell says which view and row it came from ("asc:41:0"). */
function engine(rows: number, filtered = rows) {
  const calls: Call[] = [];
  const read: ReadPage = (request) => new Promise<ResultPage>((resolve, reject) => calls.push({ ...request, resolve, reject }));
  const tag = (view: GridView): string => (view.sort[0]?.descending ? 'desc' : view.filters.length > 0 ? 'filtered' : 'asc');
  const answered = new Set<Call>();
  const answer = (call: Call): void => {
    answered.add(call);
    const total = call.view.filters.length > 0 ? filtered : rows;
    const count = Math.max(0, Math.min(call.limit, total - call.offset));
    call.resolve({
      rows: count,
      total,
      columns: 2,
      value: (row, column) => `${tag(call.view)}:${call.offset + row}:${column}`,
      sample: () => [],
    });
  };
  /** Asked, not answered, not given up on. */
  const open = (): Call[] => calls.filter((c) => !c.signal.aborted && !answered.has(c));
  return { calls, read, answer, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function setup(options: { rows?: number; filtered?: number; maxPages?: number } = {}) {
  const fake = engine(options.rows ?? 10_000_000, options.filtered);
  const events: PageCacheEvent[] = [];
  const cache = createPageCache({
    read: fake.read,
    total: options.rows ?? 10_000_000,
    pageRows: 100,
    marginRows: 50,
    maxPages: options.maxPages ?? 4,
    onEvent: (event) => events.push(event),
  });
  return { fake, events, cache };
}

describe('reading pages for the rows on screen', () => {
  it('asks for the page under the screen (plus margin), shows nothing until it arrives, then the rows', async () => {
    const { fake, events, cache } = setup();
    cache.show(0, 30);
    expect(fake.calls.map((c) => [c.offset, c.limit])).toEqual([[0, 100]]);
    expect(cache.value(5, 1)).toBe(NOT_LOADED);
    fake.answer(fake.calls[0]);
    await tick();
    expect(cache.value(5, 1)).toBe('asc:5:1');
    expect(events).toContainEqual(expect.objectContaining({ kind: 'loaded', firstRow: 0, rows: 100 }));
  });

  it('loads the next page ahead of the screen when the margin reaches into it', () => {
    const { fake, cache } = setup();
    cache.show(60, 90);
    expect(fake.calls.map((c) => c.offset)).toEqual([0, 100]);
  });

  it('keeps pages it holds and never asks twice for one on its way', async () => {
    const { fake, cache } = setup();
    cache.show(0, 30);
    cache.show(0, 31);
    expect(fake.calls).toHaveLength(1);
    fake.answer(fake.calls[0]);
    await tick();
    cache.show(10, 40);
    expect(fake.calls).toHaveLength(1);
  });

  it('stops asking for pages scrolled past before they arrived, and ignores them if they come anyway', async () => {
    const { fake, cache } = setup();
    cache.show(0, 30);
    cache.show(5_000_000, 5_000_030);
    expect(fake.calls[0].signal.aborted).toBe(true);
    fake.answer(fake.calls[0]);
    await tick();
    expect(cache.value(0, 0)).toBe(NOT_LOADED);
    // Rows 4,999,950 to 5,000,080 with the margin: two pages on their way, nothing else.
    expect(cache.held()).toEqual({ pages: 0, loading: 2 });
  });

  it('asks nothing past the last row', async () => {
    const { fake, cache } = setup({ rows: 120 });
    cache.show(90, 119);
    expect(fake.calls.map((c) => c.offset)).toEqual([0, 100]);
    fake.answer(fake.calls[1]);
    await tick();
    expect(cache.value(119, 0)).toBe('asc:119:0');
    expect(cache.value(120, 0)).toBe(NOT_LOADED);
  });
});

describe('never more than the cap', () => {
  it('drops the least recently shown pages first', async () => {
    const { fake, cache } = setup({ maxPages: 4 });
    const showAndAnswer = async (first: number): Promise<void> => {
      cache.show(first, first + 5);
      for (const call of fake.open()) fake.answer(call);
      await tick();
    };
    await showAndAnswer(0); // page 0
    await showAndAnswer(1_040); // pages 9 and 10 (the margin reaches back)
    await showAndAnswer(2_040); // pages 19 and 20: page 0 goes
    expect(cache.value(10, 0)).toBe(NOT_LOADED);
    expect(cache.value(1_040, 0)).toBe('asc:1040:0');
    await showAndAnswer(1_040); // 9 and 10 shown again: now the most recent
    await showAndAnswer(3_040); // 29 and 30: 19 and 20 go
    expect(cache.held().pages).toBe(4);
    expect(cache.value(2_040, 0)).toBe(NOT_LOADED);
    expect(cache.value(1_040, 0)).toBe('asc:1040:0');
    expect(cache.value(3_040, 0)).toBe('asc:3040:0');
  });

  it('holds at most maxPages (counting those on their way) whatever the scrolling and the order answers come in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ first: fc.integer({ min: 0, max: 10_000 }), height: fc.integer({ min: 1, max: 400 }), answer: fc.nat() }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (maxPages, steps) => {
          const { fake, cache } = setup({ rows: 10_000, maxPages });
          for (const step of steps) {
            cache.show(step.first, step.first + step.height);
            const open = fake.open();
            if (open.length > 0) fake.answer(open[step.answer % open.length]);
            await tick();
            const held = cache.held();
            expect(held.pages + held.loading).toBeLessThanOrEqual(maxPages);
            // Whatever is held is right for its row.
            const row = step.first;
            const value = cache.value(row, 0);
            if (value !== NOT_LOADED) expect(value).toBe(`asc:${row}:0`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a new sort or filter', () => {
  const byAgeDescending: GridView = { sort: [{ column: 'age', descending: true }], filters: [] };
  const women: GridView = { sort: [], filters: [{ column: 'sex', op: '=', value: 'F' }] };

  it('drops every page, stops every request for the old view, and reads the screen again in the new one', async () => {
    const { fake, cache } = setup();
    cache.show(0, 30);
    fake.answer(fake.calls[0]);
    await tick();
    cache.show(150, 180);
    const before = fake.calls[1];
    cache.setView(byAgeDescending);
    expect(before.signal.aborted).toBe(true);
    expect(cache.value(5, 0)).toBe(NOT_LOADED);
    expect(cache.held().pages).toBe(0);
    const again = fake.open();
    expect(again.map((c) => [c.offset, c.view])).toEqual([
      [100, byAgeDescending],
      [200, byAgeDescending],
    ]);
    // The old view's answer, late, changes nothing.
    fake.answer(before);
    await tick();
    expect(cache.value(150, 0)).toBe(NOT_LOADED);
    fake.answer(again[0]);
    await tick();
    expect(cache.value(150, 0)).toBe('desc:150:0');
  });

  it('forgets the count when the filters change, learns it from the page, and keeps it when only the order changes', async () => {
    const { fake, events, cache } = setup({ rows: 1_000, filtered: 37 });
    cache.show(0, 30);
    cache.setView(women);
    expect(cache.total()).toBeNull();
    fake.answer(fake.open()[0]);
    await tick();
    expect(cache.total()).toBe(37);
    expect(events).toContainEqual({ kind: 'total', total: 37 });
    cache.setView({ ...women, sort: [{ column: 'age', descending: false }] });
    expect(cache.total()).toBe(37);
    cache.setView({ sort: [], filters: [] });
    expect(cache.total()).toBe(1_000);
  });
});

describe('failures', () => {
  it('reports a failed page once, asks nothing more until retry, then asks again', async () => {
    const { fake, events, cache } = setup();
    cache.show(0, 30);
    fake.calls[0].reject(new EnclaveError('unavailable', 'The workspace is closed.'));
    await tick();
    expect(events).toContainEqual({ kind: 'failed', message: 'The workspace is closed.' });
    expect(cache.failure()).toBe('The workspace is closed.');
    cache.show(0, 31);
    expect(fake.calls).toHaveLength(1);
    cache.retry();
    expect(fake.calls).toHaveLength(2);
  });

  it('keeps a cancelled page quiet (the engine was told to stop)', async () => {
    const { fake, events, cache } = setup();
    cache.show(0, 30);
    fake.calls[0].reject(new EnclaveError('cancelled', 'Cancelled.'));
    await tick();
    expect(events.filter((e) => e.kind === 'failed')).toEqual([]);
    expect(cache.failure()).toBeNull();
  });

  it('asks nothing once closed', () => {
    const { fake, cache } = setup();
    cache.show(0, 30);
    cache.close();
    expect(fake.calls[0].signal.aborted).toBe(true);
    cache.show(500, 530);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('rows for copying', () => {
  it('gives held rows only when every cell is there', async () => {
    const { fake, cache } = setup();
    cache.show(0, 30);
    expect(cache.heldRows(0, 2, [0, 1])).toBeNull();
    fake.answer(fake.calls[0]);
    await tick();
    expect(cache.heldRows(0, 2, [1, 0])).toEqual([
      ['asc:0:1', 'asc:0:0'],
      ['asc:1:1', 'asc:1:0'],
    ]);
    expect(cache.heldRows(99, 2, [0])).toBeNull();
  });

  it('reads rows straight from the engine in the current view, without keeping them', async () => {
    const { fake, cache } = setup();
    cache.setView({ sort: [{ column: 'age', descending: true }], filters: [] });
    const reading = cache.readRows({ first: 7_000, count: 2, columns: [0] });
    const call = fake.calls.at(-1);
    expect(call && [call.offset, call.limit, call.view.sort]).toEqual([7_000, 2, [{ column: 'age', descending: true }]]);
    if (call) fake.answer(call);
    expect(await reading).toEqual([['desc:7000:0'], ['desc:7001:0']]);
    expect(cache.held().pages).toBe(0);
  });
});
