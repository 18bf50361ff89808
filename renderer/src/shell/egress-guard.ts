// The window's own guard on the ways out that are not the airlock's export (issue 16, "Release and export"; SATRE
// 3.1.12, preventing unauthorised egress): content dragged out of the page, printing (Ctrl/Cmd+P, window.print, the
// browser's own menu), saving the page (Ctrl/Cmd+S: a saved page holds what is on screen), and a link that downloads
// anything but the export gate's one-time download. Each refusal is said in a polite status message, never an alert.
// Printing from the browser's menu cannot be stopped from the page, so print.css blanks it instead. Copying text of
// the page (anything selected outside text inputs and the SQL editor) keeps to the project's clipboard cell limit, in
// the words of the grid's own copy (../analysis/copy-limit.ts), which limits the grid's cells. Electron refuses every
// download and the print shortcuts at the source (main/security.ts); the only file that leaves is a released output
// (src/workstation/airlock/export-gate.ts). The DOM is reached only through the narrow types below, so the rules run
// in Node's unit tests too.
import './print.css';
import { DEFAULT_CLIPBOARD_CELL_LIMIT } from '../../../src/common/contract.ts';
import { EXPORT_DOWNLOAD_PATH } from '../../../src/common/transport-protocol.ts';
import { cutCopyNotice, firstCellsWords, firstRowsWords } from '../analysis/copy-limit.ts';

export const DRAG_REFUSED = 'Dragging content out of Enclave is not allowed: outputs leave only through release.';
export const PRINT_REFUSED = 'Printing is not allowed: outputs leave only through release.';
export const SAVE_REFUSED = 'Saving the page is not allowed: outputs leave only through release.';
export const DOWNLOAD_REFUSED = 'Downloads are not allowed: outputs leave only through release, from Released outputs.';
export const PAGE_COPY_REFUSED = 'This project does not allow copying: nothing was copied.';

/** The attribute a screen declares its project's clipboard cell limit with (ProjectSchema.clipboardCellLimit). */
export const CLIPBOARD_LIMIT_ATTRIBUTE = 'data-clipboard-cell-limit';

/** How long a refusal stays on screen unless dismissed. */
export const NOTICE_MS = 10_000;

/** What a drag or a copy may start from: an element, or a text node inside one (a selection, by its text). */
interface PageElement {
  readonly tagName: string;
  getAttribute(name: string): string | null;
  closest(selector: string): unknown;
}

/** The SQL editor (CodeMirror) moves text within itself by dragging. */
const EDITOR_SELECTOR = '.cm-editor';
/** Inputs whose text a person typed; their drag moves that text between fields. */
const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'email', 'url', 'tel', 'number']);

function isPageElement(value: unknown): value is PageElement {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<PageElement>;
  return typeof candidate.tagName === 'string' && typeof candidate.getAttribute === 'function' && typeof candidate.closest === 'function';
}

function elementOf(target: unknown): PageElement | null {
  if (isPageElement(target)) return target;
  if (typeof target === 'object' && target !== null && 'parentElement' in target) {
    const parent = target.parentElement;
    return isPageElement(parent) ? parent : null;
  }
  return null;
}

/** Text inputs, textareas and the SQL editor: text the person typed, which they may move and copy. */
function isTypedText(element: PageElement): boolean {
  const tag = element.tagName.toLowerCase();
  if (tag === 'textarea') return true;
  if (tag === 'input') return TEXT_INPUT_TYPES.has((element.getAttribute('type') ?? '').toLowerCase());
  return element.closest(EDITOR_SELECTOR) !== null;
}

/**
 * Whether a drag may start from this target: text inputs, textareas and the SQL editor (text the person typed), and
 * elements the app itself made draggable to move them within the page (the editor's tabs, whose drag carries a tab's
 * title). Everything else (a selection of result text, a link, an image, a chart) is refused.
 */
export function mayDragFrom(target: unknown): boolean {
  const element = elementOf(target);
  if (element === null) return false;
  return isTypedText(element) || element.getAttribute('draggable') === 'true';
}

/** Whether a copy or a cut from this target is the person's own typed text (left to the browser and the editor). */
export function copiesTypedText(target: unknown): boolean {
  const element = elementOf(target);
  return element !== null && isTypedText(element);
}

export interface PageCopy {
  /** What goes to the clipboard, as plain text. */
  text: string;
  /** Set when less went than was selected, or nothing may go. */
  notice: string | null;
}

/**
 * What a copy of the page's selected text may take: its lines are rows and their tab-separated parts cells (as a
 * table's text is), an empty line no cell. At most `limit` cells: the first whole lines that fit, or the first cells
 * of the first line when not even it fits.
 */
export function limitPageCopy(text: string, limit: number): PageCopy {
  const rows = text.split(/\r\n|\n|\r/).map((line) => line.split('\t'));
  const size = (row: readonly string[]): number => (row.length === 1 && row[0] === '' ? 0 : row.length);
  const selected = rows.reduce((sum, row) => sum + size(row), 0);
  const joined = (kept: readonly (readonly string[])[]): string => kept.map((row) => row.join('\t')).join('\n');
  if (selected <= Math.max(limit, 0)) return { text: joined(rows), notice: null };
  if (limit <= 0) return { text: '', notice: PAGE_COPY_REFUSED };
  const kept: string[][] = [];
  let copied = 0;
  for (const row of rows) {
    if (copied + size(row) > limit) break;
    kept.push(row);
    copied += size(row);
  }
  if (copied === 0) {
    const first = rows.find((row) => size(row) > 0) ?? [];
    return {
      text: first.slice(0, limit).join('\t'),
      notice: cutCopyNotice({ copied: limit, selected, which: firstCellsWords(limit), limit }),
    };
  }
  const lines = kept.filter((row) => size(row) > 0).length;
  return { text: joined(kept), notice: cutCopyNotice({ copied, selected, which: firstRowsWords(lines), limit }) };
}

/** Where a screen says what its project allows (the first that says, as only one project's workspace is shown). */
interface LimitDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

/**
 * The clipboard cell limit the page declares; the platform's default where no screen declares one, and none at all
 * where a declaration cannot be read.
 */
export function clipboardCellLimitOf(document: LimitDocument): number {
  const declared = document.querySelector(`[${CLIPBOARD_LIMIT_ATTRIBUTE}]`)?.getAttribute(CLIPBOARD_LIMIT_ATTRIBUTE);
  if (declared === undefined || declared === null) return DEFAULT_CLIPBOARD_CELL_LIMIT;
  const limit = /^\d{1,6}$/.test(declared.trim()) ? Number(declared.trim()) : Number.NaN;
  return Number.isSafeInteger(limit) ? limit : 0;
}

/** A link as the download rule reads it: its resolved address, and whether it says `download`. */
interface LinkElement {
  readonly href: string;
  hasAttribute(name: string): boolean;
}

function isLinkElement(value: unknown): value is LinkElement {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<LinkElement>;
  return typeof candidate.href === 'string' && typeof candidate.hasAttribute === 'function';
}

/**
 * Whether following a link may save a file: a link that downloads (`download`, or a blob: or data: address the page
 * made) is followed only to the export gate's one-time download on the page's own origin. Other links go on (their
 * navigation is the shells' business).
 */
export function mayFollowLink(link: LinkElement, pageOrigin: string): boolean {
  let url: URL;
  try {
    url = new URL(link.href);
  } catch {
    return !link.hasAttribute('download');
  }
  const saves = link.hasAttribute('download') || url.protocol === 'blob:' || url.protocol === 'data:';
  if (!saves) return true;
  return url.origin === pageOrigin && url.pathname.startsWith(EXPORT_DOWNLOAD_PATH) && url.username === '' && url.password === '';
}

/** The link a click lands in, if any (the target itself, or the link around it). */
function linkOf(target: unknown): LinkElement | null {
  const element = elementOf(target);
  if (element === null) return null;
  const link = element.closest('a[href]');
  return isLinkElement(link) ? link : null;
}

export interface KeyPress {
  readonly key: string;
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export type RefusedShortcut = 'print' | 'save';

/**
 * Ctrl/Cmd+P (with or without Shift: Chromium's system print dialog) and Ctrl/Cmd+S. The letter is the key's when it
 * is a Latin letter, else the physical key's (a Cyrillic or Greek layout), as Chromium matches its own shortcuts; so a
 * layout whose P key types another Latin letter (Dvorak's L) keeps that letter's shortcut.
 */
export function refusedShortcut(press: KeyPress): RefusedShortcut | null {
  if (!(press.ctrlKey || press.metaKey) || press.altKey) return null;
  const letter = /^[a-z]$/i.test(press.key)
    ? press.key.toLowerCase()
    : /^Key[A-Z]$/.test(press.code)
      ? press.code.slice(3).toLowerCase()
      : '';
  if (letter === 'p') return 'print';
  if (letter === 's') return 'save';
  return null;
}

/** The event as the guard reads it (a DOM Event, a DragEvent, a KeyboardEvent or a ClipboardEvent). */
interface GuardEvent {
  readonly target: unknown;
  preventDefault(): void;
}

type GuardListener = (event: GuardEvent) => void;

/** What the page has selected. */
interface PageSelection {
  readonly isCollapsed: boolean;
  toString(): string;
}

export interface GuardedWindow {
  readonly location: { readonly origin: string };
  readonly document: LimitDocument;
  getSelection(): PageSelection | null;
  addEventListener(type: string, listener: GuardListener, options: { capture: boolean }): void;
  removeEventListener(type: string, listener: GuardListener, options: { capture: boolean }): void;
  print: () => void;
}

/** A copy event's clipboard, where the guard writes what may go. */
interface ClipboardData {
  setData(format: string, data: string): void;
}

function clipboardOf(event: GuardEvent): ClipboardData | null {
  const data = (event as { clipboardData?: unknown }).clipboardData;
  if (typeof data !== 'object' || data === null) return null;
  return typeof (data as Partial<ClipboardData>).setData === 'function' ? (data as ClipboardData) : null;
}

function keyPressOf(event: GuardEvent): KeyPress | null {
  const press = event as Partial<KeyPress>;
  if (typeof press.key !== 'string') return null;
  return {
    key: press.key,
    code: typeof press.code === 'string' ? press.code : '',
    ctrlKey: press.ctrlKey === true,
    metaKey: press.metaKey === true,
    altKey: press.altKey === true,
  };
}

/**
 * Listens on the window, in the capture phase (before the page's own handlers), and replaces window.print. `say`
 * shows a refusal. Answers a function that undoes it all.
 */
export function guardEgress(win: GuardedWindow, say: (text: string) => void): () => void {
  const capture = { capture: true };
  const onDragStart: GuardListener = (event) => {
    if (mayDragFrom(event.target)) return;
    event.preventDefault();
    say(DRAG_REFUSED);
  };
  const onKeyDown: GuardListener = (event) => {
    const press = keyPressOf(event);
    const refused = press === null ? null : refusedShortcut(press);
    if (refused === null) return;
    event.preventDefault();
    say(refused === 'print' ? PRINT_REFUSED : SAVE_REFUSED);
  };
  // A click follows a link: script's a.click() as much as a person's (auxclick: the middle button).
  const onClick: GuardListener = (event) => {
    const link = linkOf(event.target);
    if (link === null || mayFollowLink(link, win.location.origin)) return;
    event.preventDefault();
    say(DOWNLOAD_REFUSED);
  };
  // Selected text of the page (a select-all included) goes as plain text within the limit, never as the page's markup.
  // Nothing selected: the grid's own copy of its cells (../analysis/use-grid-copy.ts), which has the same limit.
  const onCopy: GuardListener = (event) => {
    if (copiesTypedText(event.target)) return;
    const selection = win.getSelection();
    if (selection === null || selection.isCollapsed) return;
    const copy = limitPageCopy(selection.toString(), clipboardCellLimitOf(win.document));
    event.preventDefault();
    clipboardOf(event)?.setData('text/plain', copy.text);
    if (copy.notice !== null) say(copy.notice);
  };
  // The browser's own menu: the page cannot stop it, and print.css leaves nothing of the data on the paper.
  const onBeforePrint: GuardListener = () => say(PRINT_REFUSED);
  const print = win.print;
  win.print = () => say(PRINT_REFUSED);
  win.addEventListener('dragstart', onDragStart, capture);
  win.addEventListener('keydown', onKeyDown, capture);
  win.addEventListener('click', onClick, capture);
  win.addEventListener('auxclick', onClick, capture);
  win.addEventListener('beforeprint', onBeforePrint, capture);
  win.addEventListener('copy', onCopy, capture);
  win.addEventListener('cut', onCopy, capture);
  return () => {
    win.removeEventListener('dragstart', onDragStart, capture);
    win.removeEventListener('keydown', onKeyDown, capture);
    win.removeEventListener('click', onClick, capture);
    win.removeEventListener('auxclick', onClick, capture);
    win.removeEventListener('beforeprint', onBeforePrint, capture);
    win.removeEventListener('copy', onCopy, capture);
    win.removeEventListener('cut', onCopy, capture);
    win.print = print;
  };
}

/** The parts of the DOM the status message uses (E: the document's own element type). */
interface NoticeElement<E> {
  className: string;
  textContent: string | null;
  setAttribute(name: string, value: string): void;
  append(...nodes: E[]): void;
  replaceChildren(...nodes: E[]): void;
  addEventListener(type: 'click', listener: () => void): void;
}

interface NoticeDocument<E extends NoticeElement<E>> {
  readonly body: E | null;
  createElement(tagName: string): E;
}

/**
 * A status region at the foot of the window (polite: announced without interrupting), in the page from the start so
 * screen readers announce what appears in it. Answers the function that shows a refusal in it.
 */
export function egressNotice<E extends NoticeElement<E>>(document: NoticeDocument<E>): (text: string) => void {
  const region = document.createElement('div');
  region.className = 'egress-notice';
  region.setAttribute('role', 'status');
  region.setAttribute('data-testid', 'egress-notice');
  document.body?.append(region);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = (): void => {
    clearTimeout(timer);
    region.replaceChildren();
  };
  return (text) => {
    clearTimeout(timer);
    const message = document.createElement('div');
    message.className = 'message notice';
    const words = document.createElement('span');
    words.className = 'message-text';
    words.textContent = text;
    const dismiss = document.createElement('button');
    dismiss.setAttribute('type', 'button');
    dismiss.className = 'button secondary small';
    dismiss.textContent = 'Dismiss';
    dismiss.setAttribute('data-testid', 'egress-notice-dismiss');
    dismiss.addEventListener('click', clear);
    message.append(words, dismiss);
    region.replaceChildren(message);
    timer = setTimeout(clear, NOTICE_MS);
  };
}

/** Installed once, as the window starts (./boot.tsx). */
export function installEgressGuard<E extends NoticeElement<E>>(
  win: GuardedWindow & { document: LimitDocument & NoticeDocument<E> },
): () => void {
  return guardEgress(win, egressNotice(win.document));
}
