// Window hardening for the Electron shell, in one place (STYLE.md 7; Electron's security checklist, item by item).
// Decisions are pure functions; the wiring takes Electron objects as parameters. Nothing here imports electron
// at run time, so the tests exercise this module's own logic where Electron's binary is not installed.
import type {
  CustomScheme,
  Event as ElectronEvent,
  HandlerDetails,
  Input,
  Session,
  WebContents,
  WebPreferences,
  WindowOpenHandlerResponse,
} from 'electron';
import { inBackground } from '../src/common/detached.ts';
import { isHttpsOrLoopbackHttp } from '../src/common/loopback.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'enclave';
/** The renderer's origin. Not file://: a custom scheme gives the page an origin of its own. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Registered before the app is ready. standard+secure: a real origin, secure context; no CORS, no bypassCSP. */
export const APP_SCHEME_REGISTRATION: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

/** The only webPreferences a window of ours gets (checklist 2, 3, 4, 6, 8, 9, 10, 12). */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    plugins: false,
    enableWebSQL: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** Whether a URL is the app's own origin (app://enclave), with no credentials or port tricks. */
export function isAppUrl(raw: string): boolean {
  const url = parse(raw);
  // Node's URL gives non-special schemes an opaque origin ("null"), so compare the parts, not url.origin.
  return (
    url !== null &&
    url.protocol === `${APP_SCHEME}:` &&
    url.hostname === APP_HOST &&
    url.port === '' &&
    url.username === '' &&
    url.password === ''
  );
}

/** The path of an app:// request (still percent-encoded), or null if the request is not for our origin. */
export function appRequestPath(raw: string): string | null {
  if (!isAppUrl(raw)) return null;
  return (parse(raw) as URL).pathname;
}

/** The window never leaves the app's origin (checklist 13): no link, script or redirect takes it elsewhere. */
export function isAllowedNavigation(raw: string): boolean {
  return isAppUrl(raw);
}

/**
 * What the renderer may fetch at all: its own origin and in-page data. Everything else (http, https, ws, file,
 * ftp) is cancelled before it leaves — defence in depth behind the CSP for SATRE 3.1.12 (unauthorised egress)
 * and 2.2.11 (outbound connections blocked by default).
 */
export function isAllowedRendererRequest(raw: string): boolean {
  const url = parse(raw);
  if (url === null) return false;
  if (url.protocol === 'blob:' || url.protocol === 'data:' || url.protocol === 'devtools:') return true;
  return isAppUrl(raw);
}

/**
 * openExternal only to the configured identity provider's origin(s) (checklist 15): https, or http on a loopback
 * host for the embedded demo IdP; exact origin match; no credentials in the URL.
 */
export function isAllowedExternalUrl(raw: string, allowedOrigins: readonly string[]): boolean {
  const url = parse(raw);
  if (url === null || url.username !== '' || url.password !== '') return false;
  if (!isHttpsOrLoopbackHttp(url)) return false;
  return allowedOrigins.some((allowed) => {
    const origin = parse(allowed);
    return origin !== null && origin.origin === url.origin;
  });
}

/** Every permission is denied (checklist 5): a TRE workstation needs no camera, clipboard, notifications … */
export function denyPermissionRequest(_contents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

export function denyPermissionCheck(): boolean {
  return false;
}

export interface ExternalOpener {
  /** A list, or a function read at each request (the identity provider's origins become known by discovery). */
  allowedExternalOrigins: readonly string[] | (() => readonly string[]);
  openExternal: (url: string) => Promise<void>;
  log?: (message: string) => void;
}

/** Opens a URL in the system browser if (and only if) it is the identity provider's; returns whether it did. */
export function openExternalIfAllowed(url: string, opener: ExternalOpener): boolean {
  const allowed = typeof opener.allowedExternalOrigins === 'function' ? opener.allowedExternalOrigins() : opener.allowedExternalOrigins;
  if (!isAllowedExternalUrl(url, allowed)) {
    opener.log?.(`Refused to open an external URL that is not the identity provider's: ${url.slice(0, 200)}`);
    return false;
  }
  inBackground(opener.openExternal(url), () => opener.log?.('The system browser could not be opened.'));
  return true;
}

export function windowOpenDecision(details: Pick<HandlerDetails, 'url'>, opener: ExternalOpener): WindowOpenHandlerResponse {
  // No window of ours is ever created from the page (checklist 14); the IdP's pages go to the system browser.
  openExternalIfAllowed(details.url, opener);
  return { action: 'deny' };
}

type UrlEvent = Pick<ElectronEvent<{ url: string }>, 'preventDefault' | 'url'>;

export function guardNavigation(event: UrlEvent, log?: (message: string) => void): void {
  if (isAllowedNavigation(event.url)) return;
  event.preventDefault();
  log?.(`Blocked a navigation away from the app: ${event.url.slice(0, 200)}`);
}

/**
 * Keys refused before the page or a menu sees them (issue 16: printing is not a way out): Ctrl/Cmd+P, with or without
 * Shift (Chromium's system print dialog), and Ctrl/Cmd+S (saving the page). The letter is the key's when it is a Latin
 * letter, else the physical key's, as Chromium matches shortcuts. Refused here, the page never sees them (Electron has
 * no print shortcut of its own, so nothing visible changes); in the browser shell the page refuses the same keys and
 * says so (renderer/src/shell/egress-guard.ts).
 */
export function isRefusedInput(input: Pick<Input, 'type' | 'key' | 'code' | 'control' | 'meta' | 'alt'>): boolean {
  if (input.type !== 'keyDown' && input.type !== 'keyUp') return false;
  if (!(input.control || input.meta) || input.alt) return false;
  const letter = /^[a-z]$/i.test(input.key)
    ? input.key.toLowerCase()
    : /^Key[A-Z]$/.test(input.code)
      ? input.code.slice(3).toLowerCase()
      : '';
  return letter === 'p' || letter === 's';
}

export function guardInput(event: Pick<ElectronEvent, 'preventDefault'>, input: Input, log?: (message: string) => void): void {
  if (!isRefusedInput(input)) return;
  event.preventDefault();
  if (input.type === 'keyDown')
    log?.(`Refused ${input.meta ? 'Cmd' : 'Ctrl'}+${input.key.toUpperCase()}: outputs leave only through release.`);
}

export type HardenableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * Applies the navigation, redirect, new-window, webview and print-shortcut rules to one webContents (every one: see
 * index.ts). Electron offers no hook on printing itself: window.print is replaced in the page
 * (renderer/src/shell/egress-guard.ts), the Web Printing permission is denied with every other (hardenSession), and a
 * printed page is blank but for why (renderer/src/shell/print.css).
 */
export function hardenWebContents(contents: HardenableContents, opener: ExternalOpener): void {
  contents.on('before-input-event', (event, input) => guardInput(event, input, opener.log));
  contents.on('will-navigate', (event) => guardNavigation(event, opener.log));
  contents.on('will-frame-navigate', (event) => guardNavigation(event, opener.log));
  contents.on('will-redirect', (event) => guardNavigation(event, opener.log));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    opener.log?.('Blocked a <webview>.');
  });
  contents.setWindowOpenHandler((details) => windowOpenDecision(details, opener));
}

export type HardenableSession = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest'>;
  on(event: 'will-download', listener: (event: { preventDefault(): void }) => void): unknown;
};

export function hardenSession(session: HardenableSession, log?: (message: string) => void): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.setDevicePermissionHandler(denyPermissionCheck);
  // Files leave only through the airlock's export gate, never as a download from the renderer.
  session.on('will-download', (event) => {
    event.preventDefault();
    log?.('Refused a download from the renderer.');
  });
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRendererRequest(details.url);
    if (!allowed) log?.(`Blocked a request from the renderer: ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
}
