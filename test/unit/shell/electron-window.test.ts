// Attacks on the Electron window (main/security.ts): settings, navigation, redirects, new windows, webviews,
// openExternal, permissions, the renderer's network, downloads and the print and save-page shortcuts. Electron's binary is not needed: the module's own logic and
// wiring run against stand-ins for webContents and session. SATRE 3.1.12 (prevent unauthorised egress), 2.2.11
// (outbound connections blocked by default).
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { findElectronBinary } from '../../../scripts/electron-binary.ts';
import {
  APP_SCHEME_REGISTRATION,
  hardenSession,
  hardenWebContents,
  isAllowedExternalUrl,
  isRefusedInput,
  isAllowedRendererRequest,
  secureWebPreferences,
  type HardenableContents,
  type HardenableSession,
} from '../../../main/security.ts';

const IDP = 'https://idp.enclave.example';

beforeAll(() => {
  const binary = findElectronBinary();
  console.log(
    binary.path === null
      ? `[electron-window] Electron itself is absent (${binary.reason}): main/security.ts window and session rules are tested through their own logic, with stand-ins for Electron's objects.`
      : `[electron-window] Electron binary present at ${binary.path}; these tests still use stand-ins, and the Electron e2e suite covers the real window.`,
  );
});

/** A webContents stand-in: an event emitter that records the window-open handler. */
class FakeContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

function hardened() {
  const contents = new FakeContents();
  const openExternal = vi.fn(async (_url: string) => {});
  hardenWebContents(contents as unknown as HardenableContents, { allowedExternalOrigins: [IDP], openExternal });
  return { contents, openExternal };
}

function navigationEvent(url: string) {
  return { url, preventDefault: vi.fn() };
}

describe('window settings (Electron security checklist 2–4, 6, 9, 10, 12)', () => {
  it('isolates and sandboxes the renderer, with no Node and no webviews', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');

    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
    expect(prefs.enableBlinkFeatures).toBeUndefined();
  });

  it('registers app:// as a standard, secure scheme without CSP bypass, CORS or service workers', () => {
    expect(APP_SCHEME_REGISTRATION.scheme).toBe('app');
    expect(APP_SCHEME_REGISTRATION.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(APP_SCHEME_REGISTRATION.privileges?.bypassCSP).toBeUndefined();
    expect(APP_SCHEME_REGISTRATION.privileges?.corsEnabled).toBeUndefined();
    expect(APP_SCHEME_REGISTRATION.privileges?.allowServiceWorkers).toBeUndefined();
  });
});

describe('navigation, redirects, new windows and webviews (checklist 13, 14; SATRE 3.1.12)', () => {
  const away = [
    'https://attacker.example/',
    'http://127.0.0.1:8080/',
    'file:///etc/passwd',
    'app://evil/index.html',
    'app://enclave.attacker.example/index.html',
    'app://user:pw@enclave/index.html',
    'app://enclave:444/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'not a url',
  ];

  for (const eventName of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
    for (const url of away) {
      it(`${eventName} to ${url} is prevented`, () => {
        const { contents } = hardened();
        const event = navigationEvent(url);

        contents.emit(eventName, event);

        expect(event.preventDefault).toHaveBeenCalled();
      });
    }

    it(`${eventName} within app://enclave is allowed`, () => {
      const { contents } = hardened();
      const event = navigationEvent('app://enclave/index.html');

      contents.emit(eventName, event);

      expect(event.preventDefault).not.toHaveBeenCalled();
    });
  }

  it('attaching a <webview> is prevented', () => {
    const { contents } = hardened();
    const event = { preventDefault: vi.fn() };

    contents.emit('will-attach-webview', event, {}, { src: 'https://attacker.example' });

    expect(event.preventDefault).toHaveBeenCalled();
  });

  it('window.open is denied for every URL, and only the identity provider goes to the system browser', () => {
    const { contents, openExternal } = hardened();
    const handler = contents.windowOpenHandler;
    expect(handler).toBeDefined();

    const answers = [
      'https://attacker.example/',
      `${IDP}/authorize?client_id=enclave`,
      'app://enclave/index.html',
      'file:///etc/passwd',
    ].map((url) => handler?.({ url }).action);

    expect(answers).toEqual(['deny', 'deny', 'deny', 'deny']);
    expect(openExternal.mock.calls).toEqual([[`${IDP}/authorize?client_id=enclave`]]);
  });
});

describe('printing and saving the page by shortcut, refused before the page or a menu sees them (issue 16)', () => {
  function input(
    key: string,
    modifiers: { control?: boolean; meta?: boolean; alt?: boolean; shift?: boolean } = {},
    more: { type?: string; code?: string } = {},
  ) {
    return {
      type: more.type ?? 'keyDown',
      key,
      code: more.code ?? (/^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : key),
      control: modifiers.control ?? false,
      meta: modifiers.meta ?? false,
      alt: modifiers.alt ?? false,
      shift: modifiers.shift ?? false,
      isAutoRepeat: false,
      isComposing: false,
      location: 0,
      modifiers: [],
    };
  }

  const cases: Array<[string, ReturnType<typeof input>, boolean]> = [
    ['Ctrl+P', input('p', { control: true }), true],
    ['Cmd+P', input('p', { meta: true }), true],
    ['Ctrl+Shift+P', input('P', { control: true, shift: true }), true],
    ['Ctrl+P released (keyUp)', input('p', { control: true }, { type: 'keyUp' }), true],
    ['Ctrl+S', input('s', { control: true }), true],
    ['Cmd+S', input('s', { meta: true }), true],
    ['Ctrl+P on a Russian layout (key з, physical P)', input('з', { control: true }, { code: 'KeyP' }), true],
    ['Ctrl+L on Dvorak (physical P)', input('l', { control: true }, { code: 'KeyP' }), false],
    ['P alone', input('p'), false],
    ['Ctrl+Alt+P (AltGr)', input('p', { control: true, alt: true }), false],
    ['Ctrl+C', input('c', { control: true }), false],
    ['Ctrl+Enter', input('Enter', { control: true }), false],
    ['a mouse wheel with Ctrl', input('', { control: true }, { type: 'mouseWheel', code: '' }), false],
  ];
  for (const [what, pressed, refused] of cases) {
    it(`${refused ? 'refuses' : 'lets through'} ${what}`, () => {
      const { contents } = hardened();
      const event = { preventDefault: vi.fn() };

      contents.emit('before-input-event', event, pressed);

      expect(isRefusedInput(pressed)).toBe(refused);
      expect(event.preventDefault).toHaveBeenCalledTimes(refused ? 1 : 0);
    });
  }

  it('logs a refused key press once (on keyDown), saying what and why', () => {
    const contents = new FakeContents();
    const log = vi.fn();
    hardenWebContents(contents as unknown as HardenableContents, { allowedExternalOrigins: [IDP], openExternal: async () => {}, log });

    contents.emit('before-input-event', { preventDefault: vi.fn() }, input('p', { control: true }));
    contents.emit('before-input-event', { preventDefault: vi.fn() }, input('p', { control: true }, { type: 'keyUp' }));

    expect(log.mock.calls).toEqual([['Refused Ctrl+P: outputs leave only through release.']]);
  });
});

describe('openExternal only to the identity provider (checklist 15)', () => {
  const cases: Array<[string, boolean]> = [
    [`${IDP}/authorize`, true],
    [`${IDP}:443/authorize`, true],
    ['http://idp.enclave.example/authorize', false],
    ['https://idp.enclave.example.attacker.example/', false],
    ['https://attacker.example/?next=https://idp.enclave.example', false],
    ['https://user@idp.enclave.example/', false],
    ['https://idp.enclave.example:8443/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://idp.enclave.example/share', false],
    ['', false],
  ];
  for (const [url, allowed] of cases) {
    it(`${allowed ? 'allows' : 'refuses'} ${url || '(empty)'}`, () => {
      expect(isAllowedExternalUrl(url, [IDP])).toBe(allowed);
    });
  }

  it('allows plain http only for a loopback identity provider (the embedded demo one)', () => {
    expect(isAllowedExternalUrl('http://127.0.0.1:4200/authorize', ['http://127.0.0.1:4200'])).toBe(true);
    expect(isAllowedExternalUrl('http://idp.internal:4200/authorize', ['http://idp.internal:4200'])).toBe(false);
  });

  it('allows nothing when no identity provider is configured', () => {
    expect(isAllowedExternalUrl(`${IDP}/authorize`, [])).toBe(false);
  });

  it('reads a list given as a function at each request: an origin found by discovery is allowed once known', () => {
    const contents = new FakeContents();
    const openExternal = vi.fn(async (_url: string) => {});
    let discovered: string[] = [];
    hardenWebContents(contents as unknown as HardenableContents, { allowedExternalOrigins: () => discovered, openExternal });

    const before = contents.windowOpenHandler?.({ url: `${IDP}/authorize` });
    discovered = [IDP];
    const after = contents.windowOpenHandler?.({ url: `${IDP}/authorize` });
    contents.windowOpenHandler?.({ url: 'https://attacker.example/authorize' });

    expect([before?.action, after?.action]).toEqual(['deny', 'deny']);
    expect(openExternal.mock.calls).toEqual([[`${IDP}/authorize`]]);
  });
});

describe("permissions and the renderer's network (checklist 5; SATRE 2.2.11, 3.1.12)", () => {
  function hardenedSession() {
    const captured: {
      request?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
      check?: () => boolean;
      device?: () => boolean;
      beforeRequest?: (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;
      willDownload?: (event: { preventDefault(): void }) => void;
    } = {};
    const session = {
      setPermissionRequestHandler: (handler: typeof captured.request) => (captured.request = handler),
      setPermissionCheckHandler: (handler: typeof captured.check) => (captured.check = handler),
      setDevicePermissionHandler: (handler: typeof captured.device) => (captured.device = handler),
      webRequest: { onBeforeRequest: (handler: typeof captured.beforeRequest) => (captured.beforeRequest = handler) },
      on: (event: string, handler: typeof captured.willDownload) => {
        if (event === 'will-download') captured.willDownload = handler;
      },
    };
    hardenSession(session as unknown as HardenableSession);
    return captured;
  }

  for (const permission of [
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'openExternal',
    'fileSystem',
    'hid',
    'usb',
    'web-printing',
    'serial',
    'unknown',
  ]) {
    it(`denies the ${permission} permission request and check`, () => {
      const captured = hardenedSession();
      const callback = vi.fn();

      captured.request?.({}, permission, callback);

      expect(callback).toHaveBeenCalledWith(false);
      expect(captured.check?.()).toBe(false);
      expect(captured.device?.()).toBe(false);
    });
  }

  it('refuses every download the renderer starts (an <a download>, a blob, a chart image)', () => {
    const captured = hardenedSession();
    const event = { preventDefault: vi.fn() };

    captured.willDownload?.(event);

    expect(captured.willDownload).toBeDefined();
    expect(event.preventDefault).toHaveBeenCalledOnce();
  });

  const requests: Array<[string, boolean]> = [
    ['app://enclave/assets/index.js', true],
    ['blob:app://enclave/0f6c', true],
    ['data:image/png;base64,iVBORw0KGgo=', true],
    ['https://attacker.example/exfiltrate?rows=...', false],
    ['http://127.0.0.1:4100/api/v1/projects', false],
    ['ws://127.0.0.1:9222/devtools', false],
    ['file:///home/analyst/.ssh/id_rsa', false],
    ['app://other/x.js', false],
  ];
  for (const [url, allowed] of requests) {
    it(`${allowed ? 'lets through' : 'cancels'} a renderer request to ${url}`, () => {
      const captured = hardenedSession();
      const callback = vi.fn();

      captured.beforeRequest?.({ url }, callback);

      expect(isAllowedRendererRequest(url)).toBe(allowed);
      expect(callback).toHaveBeenCalledWith({ cancel: !allowed });
    });
  }
});
