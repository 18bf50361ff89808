// The window's guard on the ways out that are not the export (renderer/src/shell/egress-guard.ts; issue 16, SATRE
// 3.1.12): which drags may start, which shortcuts are refused, which links may download, and that the installed guard
// refuses them before the page's own handlers, replaces window.print and says why each time; and that copying text of the page
// keeps to the project's clipboard cell limit. The browser itself is in test/e2e/egress.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_CLIPBOARD_CELL_LIMIT } from '../../../../src/common/contract.ts';
import { cellSelectionOf, planCopy } from '../../../../renderer/src/analysis/copy-limit.ts';
import {
  clipboardCellLimitOf,
  copiesTypedText,
  DOWNLOAD_REFUSED,
  DRAG_REFUSED,
  egressNotice,
  guardEgress,
  limitPageCopy,
  mayDragFrom,
  mayFollowLink,
  NOTICE_MS,
  PAGE_COPY_REFUSED,
  PRINT_REFUSED,
  refusedShortcut,
  SAVE_REFUSED,
  type GuardedWindow,
  type KeyPress,
} from '../../../../renderer/src/shell/egress-guard.ts';

/** An element stand-in: its tag, attributes, and the selectors its ancestors (or itself) match. */
function element(tagName: string, options: { attributes?: Record<string, string>; within?: string[] } = {}) {
  const attributes = options.attributes ?? {};
  const within = options.within ?? [];
  return {
    tagName: tagName.toUpperCase(),
    getAttribute: (name: string) => attributes[name] ?? null,
    closest: (selector: string) => (within.includes(selector) ? {} : null),
  };
}

/** A text node stand-in: a selection is dragged by its text. */
function textIn(parent: unknown) {
  return { nodeType: 3, parentElement: parent };
}

describe('which drags may start', () => {
  const allowed: Array<[string, unknown]> = [
    ['a textarea', element('textarea')],
    ['a text input', element('input', { attributes: { type: 'text' } })],
    ['an input with no type (text)', element('input')],
    ['a search input', element('input', { attributes: { type: 'SEARCH' } })],
    ['a number input', element('input', { attributes: { type: 'number' } })],
    ['a line of the SQL editor', element('div', { attributes: { class: 'cm-line' }, within: ['.cm-editor'] })],
    ['text selected in the SQL editor', textIn(element('span', { within: ['.cm-editor'] }))],
    ['an editor tab the app made draggable to reorder', element('li', { attributes: { draggable: 'true' } })],
  ];
  for (const [what, target] of allowed) {
    it(`allows ${what}`, () => {
      expect(mayDragFrom(target)).toBe(true);
    });
  }

  const refused: Array<[string, unknown]> = [
    ['a result grid cell (canvas)', element('canvas')],
    ["the grid's accessible table cell", element('td', { attributes: { role: 'gridcell' } })],
    ['text selected in a table of results', textIn(element('td'))],
    ['text selected in a paragraph', textIn(element('p'))],
    ['a link', element('a', { attributes: { href: '/api/download/abc' } })],
    ['an image', element('img', { attributes: { src: 'blob:app://enclave/1' } })],
    ['a chart (svg)', element('svg')],
    ['a file input', element('input', { attributes: { type: 'file' } })],
    ['a checkbox', element('input', { attributes: { type: 'checkbox' } })],
    ['an element made not draggable', element('div', { attributes: { draggable: 'false' } })],
    ['an element marked draggable without the value true', element('div', { attributes: { draggable: '' } })],
    ['a text node with no parent', textIn(null)],
    ['the window (no element)', {}],
    ['nothing', null],
    ['a string', 'td'],
  ];
  for (const [what, target] of refused) {
    it(`refuses ${what}`, () => {
      expect(mayDragFrom(target)).toBe(false);
    });
  }
});

const ORIGIN = 'http://127.0.0.1:4321';

/** A link stand-in: its resolved address and attributes (closest('a[href]') finds itself). */
function link(href: string, attributes: string[] = []) {
  const self = {
    tagName: 'A',
    href,
    hasAttribute: (name: string) => attributes.includes(name),
    getAttribute: (name: string) => (attributes.includes(name) ? '' : null),
    closest: (selector: string) => (selector === 'a[href]' ? self : null),
  };
  return self;
}

describe('which links may be followed (downloads only from the export gate)', () => {
  const cases: Array<[string, ReturnType<typeof link>, boolean]> = [
    ["the export gate's one-time download", link(`${ORIGIN}/api/download/${'a'.repeat(43)}`, ['download']), true],
    ['a plain link to another page of the app', link(`${ORIGIN}/#/outputs`), true],
    ['a plain link to the identity provider', link('https://idp.example/authorize'), true],
    ['a download of a blob the page made', link('blob:http://127.0.0.1:4321/5e2c', ['download']), false],
    ['a blob link without download', link('blob:http://127.0.0.1:4321/5e2c'), false],
    ['a data: link (a chart as PNG)', link('data:image/png;base64,iVBORw0KGgo='), false],
    ['a download of another path of the shell', link(`${ORIGIN}/api/invoke/airlock.releasedFile`, ['download']), false],
    ['a download from another origin', link(`http://127.0.0.1:9999/api/download/${'a'.repeat(43)}`, ['download']), false],
    ['a download with credentials in the address', link(`http://user:pw@127.0.0.1:4321/api/download/x`, ['download']), false],
    ['a download of an address that does not parse', link('http://[', ['download']), false],
  ];
  for (const [what, target, allowed] of cases) {
    it(`${allowed ? 'follows' : 'refuses'} ${what}`, () => {
      expect(mayFollowLink(target, ORIGIN)).toBe(allowed);
    });
  }
});

function press(key: string, modifiers: Partial<KeyPress> = {}): KeyPress {
  return { key, code: /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : '', ctrlKey: false, metaKey: false, altKey: false, ...modifiers };
}

describe('which shortcuts are refused', () => {
  const cases: Array<[string, KeyPress, 'print' | 'save' | null]> = [
    ['Ctrl+P', press('p', { ctrlKey: true }), 'print'],
    ['Cmd+P', press('p', { metaKey: true }), 'print'],
    ['Ctrl+Shift+P (the system print dialog)', press('P', { ctrlKey: true }), 'print'],
    ['Ctrl+S', press('s', { ctrlKey: true }), 'save'],
    ['Cmd+S', press('s', { metaKey: true }), 'save'],
    ['Ctrl+P on a Russian layout (key з, physical P)', { ...press('з', { ctrlKey: true }), code: 'KeyP' }, 'print'],
    ['Ctrl+L on Dvorak (physical P types l)', { ...press('l', { ctrlKey: true }), code: 'KeyP' }, null],
    ['Ctrl+P on Dvorak (physical R types p)', { ...press('p', { ctrlKey: true }), code: 'KeyR' }, 'print'],
    ['P alone', press('p'), null],
    ['Shift+P alone', press('P'), null],
    ['Ctrl+Alt+P (AltGr)', press('p', { ctrlKey: true, altKey: true }), null],
    ['Ctrl+C (the grid keeps its own limit)', press('c', { ctrlKey: true }), null],
    ['Ctrl+A', press('a', { ctrlKey: true }), null],
    ['Ctrl+Enter (run the statement)', { ...press('Enter', { ctrlKey: true }), code: 'Enter' }, null],
    ['Ctrl+Shift+ArrowLeft (move a tab)', { ...press('ArrowLeft', { ctrlKey: true }), code: 'ArrowLeft' }, null],
  ];
  for (const [what, key, expected] of cases) {
    it(`${expected === null ? 'lets through' : `refuses (${expected})`} ${what}`, () => {
      expect(refusedShortcut(key)).toBe(expected);
    });
  }
});

/** A window stand-in: its capture-phase listeners by type, and a print of its own. */
class FakeWindow implements GuardedWindow {
  readonly location = { origin: ORIGIN };
  /** What the page has selected ('' is nothing), and the limit a screen declares (null: none declares one). */
  selected = '';
  declaredLimit: string | null = null;
  readonly document = {
    querySelector: (selector: string) =>
      selector === '[data-clipboard-cell-limit]' && this.declaredLimit !== null
        ? { getAttribute: (name: string) => (name === 'data-clipboard-cell-limit' ? this.declaredLimit : null) }
        : null,
  };
  getSelection() {
    const text = this.selected;
    return { isCollapsed: text === '', toString: () => text };
  }
  readonly listeners = new Map<string, Set<(event: { target: unknown; preventDefault(): void }) => void>>();
  readonly originalPrint = vi.fn();
  print: () => void = this.originalPrint;
  readonly captures: boolean[] = [];

  addEventListener(type: string, listener: (event: { target: unknown; preventDefault(): void }) => void, options: { capture: boolean }) {
    this.captures.push(options.capture);
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
  }

  removeEventListener(type: string, listener: (event: { target: unknown; preventDefault(): void }) => void) {
    this.listeners.get(type)?.delete(listener);
  }

  /** Dispatches an event; answers whether a listener prevented its default. */
  fire(type: string, fields: Record<string, unknown> = {}): boolean {
    let prevented = false;
    const event = { target: null, ...fields, preventDefault: () => (prevented = true) };
    for (const listener of this.listeners.get(type) ?? []) listener(event);
    return prevented;
  }
}

function guarded() {
  const win = new FakeWindow();
  const said: string[] = [];
  const undo = guardEgress(win, (text) => said.push(text));
  return { win, said, undo };
}

describe('the installed guard', () => {
  it('listens in the capture phase, before any handler of the page', () => {
    const { win } = guarded();

    expect([...win.listeners.keys()].sort()).toEqual(['auxclick', 'beforeprint', 'click', 'copy', 'cut', 'dragstart', 'keydown']);
    expect(win.captures).toEqual([true, true, true, true, true, true, true]);
  });

  it('refuses a drag out of a result and says why; a drag in the editor goes on, unsaid', () => {
    const { win, said } = guarded();

    const fromResult = win.fire('dragstart', { target: textIn(element('td')) });
    const fromEditor = win.fire('dragstart', { target: element('div', { within: ['.cm-editor'] }) });

    expect([fromResult, fromEditor]).toEqual([true, false]);
    expect(said).toEqual([DRAG_REFUSED]);
  });

  it('refuses Ctrl+P and Ctrl+S and says which; other keys go on', () => {
    const { win, said } = guarded();

    const prevented = [
      win.fire('keydown', { ...press('p', { ctrlKey: true }) }),
      win.fire('keydown', { ...press('s', { metaKey: true }) }),
      win.fire('keydown', { ...press('c', { ctrlKey: true }) }),
      win.fire('keydown', { ...press('p') }),
    ];

    expect(prevented).toEqual([true, true, false, false]);
    expect(said).toEqual([PRINT_REFUSED, SAVE_REFUSED]);
  });

  it('refuses a click on a link that downloads a blob (a person’s or a script’s), and lets the export gate’s go', () => {
    const { win, said } = guarded();
    const inner = { ...element('span'), closest: (selector: string) => (selector === 'a[href]' ? link('blob:x', ['download']) : null) };

    const prevented = [
      win.fire('click', { target: link(`blob:${ORIGIN}/1`, ['download']) }),
      win.fire('auxclick', { target: inner }),
      win.fire('click', { target: link(`${ORIGIN}/api/download/${'b'.repeat(43)}`, ['download']) }),
      win.fire('click', { target: element('button') }),
    ];

    expect(prevented).toEqual([true, true, false, false]);
    expect(said).toEqual([DOWNLOAD_REFUSED, DOWNLOAD_REFUSED]);
  });

  it('ignores an event that is not a key press (no key)', () => {
    const { win, said } = guarded();

    expect(win.fire('keydown', { ctrlKey: true })).toBe(false);
    expect(said).toEqual([]);
  });

  it('replaces window.print with a refusal, and says so when the browser prints from its own menu', () => {
    const { win, said } = guarded();

    win.print();
    win.fire('beforeprint');

    expect(win.originalPrint).not.toHaveBeenCalled();
    expect(said).toEqual([PRINT_REFUSED, PRINT_REFUSED]);
  });

  it('undoes itself: listeners gone, window.print back', () => {
    const { win, said, undo } = guarded();

    undo();
    win.selected = 'a\tb\n'.repeat(200);
    const prevented = [
      win.fire('dragstart', { target: element('td') }),
      win.fire('click', { target: link('blob:x', ['download']) }),
      win.fire('copy', { target: element('p'), clipboardData: clipboard().data }),
    ];
    win.print();

    expect(prevented).toEqual([false, false, false]);
    expect(win.originalPrint).toHaveBeenCalledOnce();
    expect(said).toEqual([]);
  });
});

/** A DOM element stand-in for the status message: what it holds, and its click listeners. */
class FakeElement {
  className = '';
  textContent: string | null = null;
  readonly attributes = new Map<string, string>();
  children: FakeElement[] = [];
  readonly clicks: (() => void)[] = [];
  readonly tagName: string;

  constructor(tagName: string) {
    this.tagName = tagName;
  }

  setAttribute(name: string, value: string) {
    this.attributes.set(name, value);
  }

  append(...nodes: FakeElement[]) {
    this.children.push(...nodes);
  }

  replaceChildren(...nodes: FakeElement[]) {
    this.children = nodes;
  }

  addEventListener(_type: 'click', listener: () => void) {
    this.clicks.push(listener);
  }

  text(): string {
    return [this.textContent ?? '', ...this.children.map((child) => child.text())].join('');
  }
}

function noticeDocument() {
  const body = new FakeElement('body');
  return { body, createElement: (tagName: string) => new FakeElement(tagName) };
}

describe('the status message that says why', () => {
  it('is a polite status region in the page from the start, empty until a refusal', () => {
    const document = noticeDocument();

    egressNotice(document);

    const region = document.body.children[0];
    expect(region?.attributes.get('role')).toBe('status');
    expect(region?.className).toBe('egress-notice');
    expect(region?.children).toEqual([]);
  });

  it('shows the latest refusal with a Dismiss button, and clears after a while or when dismissed', () => {
    vi.useFakeTimers();
    try {
      const document = noticeDocument();
      const say = egressNotice(document);
      const region = document.body.children[0];

      say(DRAG_REFUSED);
      say(PRINT_REFUSED);
      expect(region.children).toHaveLength(1);
      expect(region.text()).toBe(`${PRINT_REFUSED}Dismiss`);
      const dismiss = region.children[0].children.find((child) => child.tagName === 'button')!;
      expect(dismiss.attributes.get('type')).toBe('button');
      dismiss.clicks.forEach((click) => click());
      expect(region.children).toEqual([]);

      say(SAVE_REFUSED);
      vi.advanceTimersByTime(NOTICE_MS - 1);
      expect(region.text()).toContain(SAVE_REFUSED);
      vi.advanceTimersByTime(1);
      expect(region.children).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A copy event's clipboard stand-in: what the guard wrote to it. */
function clipboard() {
  const written = new Map<string, string>();
  return { written, data: { setData: (format: string, text: string) => written.set(format, text) } };
}

/** `rows` lines of `columns` tab-separated cells, each saying where it is. */
function table(rows: number, columns: number): string {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: columns }, (_, c) => `r${r + 1}c${c + 1}`).join('\t')).join('\n');
}

describe('what a copy of the page’s text may take', () => {
  it('takes everything within the limit, as it is, and says nothing', () => {
    expect(limitPageCopy('Result\n\na\tb\nc\td', 5)).toEqual({ text: 'Result\n\na\tb\nc\td', notice: null });
  });

  it('counts each tab-separated part of a line as a cell, and an empty line as none', () => {
    const text = 'Heading\n\n\n' + table(2, 3);

    expect(limitPageCopy(text, 7).notice).toBeNull();
    expect(limitPageCopy(text, 6).notice).toMatch(/^Copied 4 cells of 7 selected \(the first 2 rows\)\./);
  });

  it('takes the first whole lines that fit, and says so in the words of the grid’s own copy', () => {
    const copy = limitPageCopy(table(1000, 3), 100);

    expect(copy.text.split('\n')).toHaveLength(33);
    expect(copy.text.split('\n').at(-1)).toBe('r33c1\tr33c2\tr33c3');
    const grid = planCopy(
      cellSelectionOf({ current: { range: { x: 0, y: 0, width: 3, height: 1000 } } } as never, { columns: 3, rows: 1000 }),
      100,
    );
    expect(copy.notice).toBe(grid.notice);
    expect(copy.notice).toBe(
      'Copied 99 cells of 3,000 selected (the first 33 rows). This project allows at most 100 cells per copy, to keep row-level data inside the secure environment.',
    );
  });

  it('stops at the first line that does not fit, even if a later one would', () => {
    const copy = limitPageCopy('one\ntwo\tthree\tfour\nfive', 3);

    expect(copy.text).toBe('one');
    expect(copy.notice).toMatch(/^Copied 1 cell of 5 selected \(the first row\)\./);
  });

  it('takes the first cells of the first line when not even that line fits', () => {
    const copy = limitPageCopy('\n' + table(2, 8), 5);

    expect(copy.text).toBe('r1c1\tr1c2\tr1c3\tr1c4\tr1c5');
    expect(copy.notice).toMatch(/^Copied 5 cells of 16 selected \(the first 5 columns of the first row\)\./);
  });

  it('takes nothing where the project allows no copying', () => {
    expect(limitPageCopy('a', 0)).toEqual({ text: '', notice: PAGE_COPY_REFUSED });
    expect(limitPageCopy('', 0)).toEqual({ text: '', notice: null });
  });

  it('never gives more cells than the limit, whatever the text', () => {
    const cellsOf = (text: string): number =>
      text === '' ? 0 : text.split('\n').reduce((sum, line) => sum + (line === '' ? 0 : line.split('\t').length), 0);
    for (const [rows, columns] of [
      [1, 1],
      [3, 50],
      [200, 1],
      [40, 7],
      [7, 40],
    ] as const) {
      for (const limit of [1, 2, 10, 99, 100, 101, 1000]) {
        expect(cellsOf(limitPageCopy(table(rows, columns), limit).text), `${rows}×${columns} within ${limit}`).toBeLessThanOrEqual(limit);
      }
    }
  });
});

describe('the limit the page declares', () => {
  const declaring = (value: string | null) => ({
    querySelector: () => (value === null ? null : { getAttribute: () => value }),
  });

  it('is the declared one, 0 included', () => {
    expect(clipboardCellLimitOf(declaring('250'))).toBe(250);
    expect(clipboardCellLimitOf(declaring('0'))).toBe(0);
  });

  it('is the platform’s default where no screen declares one', () => {
    expect(clipboardCellLimitOf({ querySelector: () => null })).toBe(DEFAULT_CLIPBOARD_CELL_LIMIT);
  });

  it('allows nothing where the declaration cannot be read', () => {
    for (const value of ['', 'many', '-1', '1e3', '12.5', '10000000']) expect(clipboardCellLimitOf(declaring(value)), value).toBe(0);
  });
});

describe('copying with the guard installed', () => {
  it('leaves typed text (inputs, textareas, the SQL editor) to the browser', () => {
    expect(copiesTypedText(element('textarea'))).toBe(true);
    expect(copiesTypedText(element('input', { attributes: { type: 'text', readonly: '' } }))).toBe(true);
    expect(copiesTypedText(textIn(element('span', { within: ['.cm-editor'] })))).toBe(true);
    expect(copiesTypedText(textIn(element('td')))).toBe(false);
    expect(copiesTypedText(element('li', { attributes: { draggable: 'true' } }))).toBe(false);
    expect(copiesTypedText(null)).toBe(false);
  });

  it('puts at most the limit of a selected page on the clipboard, as plain text, and says why', () => {
    const { win, said } = guarded();
    const board = clipboard();
    win.selected = table(1000, 3);

    const prevented = win.fire('copy', { target: textIn(element('h2')), clipboardData: board.data });

    expect(prevented).toBe(true);
    expect([...board.written.keys()]).toEqual(['text/plain']);
    expect(board.written.get('text/plain')?.split('\n')).toHaveLength(33);
    expect(said).toEqual([limitPageCopy(table(1000, 3), DEFAULT_CLIPBOARD_CELL_LIMIT).notice]);
  });

  it('keeps to the limit the screen declares, and refuses a cut the same way', () => {
    const { win, said } = guarded();
    const board = clipboard();
    win.selected = table(10, 2);
    win.declaredLimit = '4';

    expect(win.fire('cut', { target: element('body'), clipboardData: board.data })).toBe(true);

    expect(board.written.get('text/plain')).toBe('r1c1\tr1c2\nr2c1\tr2c2');
    expect(said).toEqual([
      expect.stringMatching(/^Copied 4 cells of 20 selected \(the first 2 rows\)\. This project allows at most 4 cells per copy/),
    ]);
  });

  it('copies a small selection whole, still as plain text only, and says nothing', () => {
    const { win, said } = guarded();
    const board = clipboard();
    win.selected = 'Audit log';

    expect(win.fire('copy', { target: textIn(element('h2')), clipboardData: board.data })).toBe(true);

    expect(Object.fromEntries(board.written)).toEqual({ 'text/plain': 'Audit log' });
    expect(said).toEqual([]);
  });

  it('leaves a copy alone when nothing of the page is selected (the grid copies its own cells) or the text is typed', () => {
    const { win, said } = guarded();
    const board = clipboard();

    const fromGrid = win.fire('copy', { target: element('canvas'), clipboardData: board.data });
    win.selected = table(500, 2);
    const fromEditor = win.fire('copy', { target: element('div', { within: ['.cm-editor'] }), clipboardData: board.data });
    const fromInput = win.fire('cut', { target: element('input'), clipboardData: board.data });

    expect([fromGrid, fromEditor, fromInput]).toEqual([false, false, false]);
    expect(board.written.size).toBe(0);
    expect(said).toEqual([]);
  });
});
