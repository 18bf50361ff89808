// The window's own guard on the ways out that are not the airlock's export (issue 16, "Release and export"; SATRE
// 3.1.12, preventing unauthorised egress): content dragged out of the page, printing (Ctrl/Cmd+P, window.print, the
// browser's own menu), saving the page (Ctrl/Cmd+S: a saved page holds what is on screen), and a link that downloads
// anything but the export gate's one-time download. Each refusal is said in a polite status message, never an alert.
// Printing from the browser's menu cannot be stopped from the page, so print.css blanks it instead. Copying has its
// own limit (../analysis/copy-limit.ts); Electron refuses every download and the print shortcuts at the source
// (main/security.ts); the only file that leaves is a released output (src/workstation/airlock/export-gate.ts).
// The DOM is reached only through the narrow types below, so the rules run in Node's unit tests too.
import './print.css';
import { EXPORT_DOWNLOAD_PATH } from '../../../src/common/transport-protocol.ts';

export const DRAG_REFUSED = 'Dragging content out of Enclave is not allowed: outputs leave only through release.';
export const PRINT_REFUSED = 'Printing is not allowed: outputs leave only through release.';
export const SAVE_REFUSED = 'Saving the page is not allowed: outputs leave only through release.';
export const DOWNLOAD_REFUSED = 'Downloads are not allowed: outputs leave only through release, from Released outputs.';

/** How long a refusal stays on screen unless dismissed. */
export const NOTICE_MS = 10_000;

/** What a drag may start from: an element, or a text node inside one (a selection dragged by its text). */
interface DragElement {
  readonly tagName: string;
  getAttribute(name: string): string | null;
  closest(selector: string): unknown;
}

/** The SQL editor (CodeMirror) moves text within itself by dragging. */
const EDITOR_SELECTOR = '.cm-editor';
/** Inputs whose text a person typed; their drag moves that text between fields. */
const TEXT_INPUT_TYPES = new Set(['', 'text', 'search', 'email', 'url', 'tel', 'number']);

function isDragElement(value: unknown): value is DragElement {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<DragElement>;
  return typeof candidate.tagName === 'string' && typeof candidate.getAttribute === 'function' && typeof candidate.closest === 'function';
}

function elementOf(target: unknown): DragElement | null {
  if (isDragElement(target)) return target;
  if (typeof target === 'object' && target !== null && 'parentElement' in target) {
    const parent = target.parentElement;
    return isDragElement(parent) ? parent : null;
  }
  return null;
}

/**
 * Whether a drag may start from this target: text inputs, textareas and the SQL editor (text the person typed), and
 * elements the app itself made draggable to move them within the page (the editor's tabs, whose drag carries a tab's
 * title). Everything else (a selection of result text, a link, an image, a chart) is refused.
 */
export function mayDragFrom(target: unknown): boolean {
  const element = elementOf(target);
  if (element === null) return false;
  const tag = element.tagName.toLowerCase();
  if (tag === 'textarea') return true;
  if (tag === 'input') return TEXT_INPUT_TYPES.has((element.getAttribute('type') ?? '').toLowerCase());
  if (element.closest(EDITOR_SELECTOR) !== null) return true;
  return element.getAttribute('draggable') === 'true';
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

/** The event as the guard reads it (a DOM Event, a DragEvent or a KeyboardEvent). */
interface GuardEvent {
  readonly target: unknown;
  preventDefault(): void;
}

type GuardListener = (event: GuardEvent) => void;

export interface GuardedWindow {
  readonly location: { readonly origin: string };
  addEventListener(type: string, listener: GuardListener, options: { capture: boolean }): void;
  removeEventListener(type: string, listener: GuardListener, options: { capture: boolean }): void;
  print: () => void;
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
  // The browser's own menu: the page cannot stop it, and print.css leaves nothing of the data on the paper.
  const onBeforePrint: GuardListener = () => say(PRINT_REFUSED);
  const print = win.print;
  win.print = () => say(PRINT_REFUSED);
  win.addEventListener('dragstart', onDragStart, capture);
  win.addEventListener('keydown', onKeyDown, capture);
  win.addEventListener('click', onClick, capture);
  win.addEventListener('auxclick', onClick, capture);
  win.addEventListener('beforeprint', onBeforePrint, capture);
  return () => {
    win.removeEventListener('dragstart', onDragStart, capture);
    win.removeEventListener('keydown', onKeyDown, capture);
    win.removeEventListener('click', onClick, capture);
    win.removeEventListener('auxclick', onClick, capture);
    win.removeEventListener('beforeprint', onBeforePrint, capture);
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
export function installEgressGuard<E extends NoticeElement<E>>(win: GuardedWindow & { document: NoticeDocument<E> }): () => void {
  return guardEgress(win, egressNotice(win.document));
}
