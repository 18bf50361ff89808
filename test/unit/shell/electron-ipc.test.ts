// Attacks on the Electron IPC boundary (main/ipc.ts, preload/bridge.ts): forged sender frames, foreign windows,
// payloads and names outside the contract; plus the shell's configuration (main/config.ts). IPC runs over the
// in-memory fake of test/contract/transports/fake-electron.ts (structured clone on every hop). SATRE 1.5.05.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { findElectronBinary } from '../../../scripts/electron-binary.ts';
import { readShellConfig } from '../../../main/config.ts';
import { isTrustedSender, wireIpc } from '../../../main/ipc.ts';
import { APP_INDEX_URL, isAppUrl } from '../../../main/security.ts';
import { createEnclaveBridge } from '../../../preload/bridge.ts';
import type { Handlers } from '../../../src/common/dispatch.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../../src/common/transport-protocol.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { FakeIpcMain, fakeIpcRenderer, FakeWebContents } from '../../contract/transports/fake-electron.ts';
import { STUB_ADMIN_HANDLERS, STUB_SESSION, STUB_SESSION_HANDLERS, STUB_WORKSPACE_HANDLERS, stubCalls } from './stub-handlers.ts';

const IDP = 'https://idp.enclave.example';

beforeAll(() => {
  const binary = findElectronBinary();
  console.log(
    binary.path === null
      ? `[electron-ipc] Electron itself is absent (${binary.reason}): main/ipc.ts and preload/bridge.ts are tested through their own logic, with stand-ins for Electron's objects.`
      : `[electron-ipc] Electron binary present at ${binary.path}; these tests still use stand-ins, and the Electron e2e suite covers the real window.`,
  );
});

describe('IPC: sender frame and payload (checklist 17)', () => {
  function wired() {
    const ipcMain = new FakeIpcMain();
    const contents = new FakeWebContents(APP_INDEX_URL);
    const events = createEventHub();
    const calls: string[] = [];
    const handlers: Handlers = {
      'session.get': async () => {
        calls.push('session.get');
        return STUB_SESSION;
      },
      ...STUB_SESSION_HANDLERS,
      ...STUB_WORKSPACE_HANDLERS,
      ...STUB_ADMIN_HANDLERS,
      'projects.list': async () => [],
      'catalogue.get': async ({ projectId }) => ({ projectId, datasets: [] }),
      'dataset.sample': async () => new Uint8Array([1]),
      'platform.query': async () => new Uint8Array([1]),
    };
    const unwire = wireIpc({ ipcMain, core: { handlers, events, calls: stubCalls(events) }, contents });
    return { ipcMain, contents, events, calls, unwire };
  }

  it('serves the main frame of our window on app://enclave', async () => {
    const { ipcMain, contents } = wired();

    const outcome = await fakeIpcRenderer({ ipcMain, contents }).invoke(IPC_INVOKE_CHANNEL, 'projects.list', {});

    expect(outcome).toEqual({ ok: true, value: [] });
  });

  it('refuses a subframe (an iframe inside our page), even on our origin', async () => {
    const { ipcMain, contents, calls } = wired();
    const frame = contents.subframe('app://enclave/index.html');

    const outcome = await fakeIpcRenderer({ ipcMain, contents, frame }).invoke(IPC_INVOKE_CHANNEL, 'session.get', {});

    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toEqual([]);
  });

  it('refuses our main frame once it shows another origin', async () => {
    const { ipcMain, contents, calls } = wired();
    contents.mainFrame.url = 'https://attacker.example/';

    const outcome = await fakeIpcRenderer({ ipcMain, contents }).invoke(IPC_INVOKE_CHANNEL, 'session.get', {});

    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toEqual([]);
  });

  it('refuses another window, even one showing app://enclave', async () => {
    const { ipcMain, calls } = wired();
    const stranger = new FakeWebContents(APP_INDEX_URL);

    const outcome = await fakeIpcRenderer({ ipcMain, contents: stranger }).invoke(IPC_INVOKE_CHANNEL, 'session.get', {});

    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls).toEqual([]);
  });

  it('refuses a message whose frame is gone (senderFrame null)', async () => {
    const { ipcMain, contents } = wired();

    const outcome = await fakeIpcRenderer({ ipcMain, contents, frame: null }).invoke(IPC_INVOKE_CHANNEL, 'session.get', {});

    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a frame with the right URL but a different identity is not the main frame', () => {
    const contents = new FakeWebContents(APP_INDEX_URL);
    const lookalike = { ...contents.mainFrame, frameToken: 'another-frame' };

    expect(isTrustedSender({ sender: contents, senderFrame: lookalike }, contents)).toBe(false);
    expect(isTrustedSender({ sender: contents, senderFrame: contents.mainFrame }, contents)).toBe(true);
  });

  it('parses the payload before any handler runs (invalid_input, naming the field)', async () => {
    const { ipcMain, contents, calls } = wired();
    const ipc = fakeIpcRenderer({ ipcMain, contents });

    const outcomes = await Promise.all([
      ipc.invoke(IPC_INVOKE_CHANNEL, 'session.get', { asUser: 'admin' }),
      ipc.invoke(IPC_INVOKE_CHANNEL, 'catalogue.get', { projectId: ['a'] }),
      ipc.invoke(IPC_INVOKE_CHANNEL, 'catalogue.get'),
    ]);

    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(JSON.stringify(outcomes[1])).toContain('projectId');
    expect(calls).toEqual([]);
  });

  it("refuses names that are not the contract's, sent straight to the channel", async () => {
    const { ipcMain, contents } = wired();
    const ipc = fakeIpcRenderer({ ipcMain, contents });

    const outcomes = await Promise.all([
      ipc.invoke(IPC_INVOKE_CHANNEL, 'shell.openExternal', 'https://attacker.example'),
      ipc.invoke(IPC_INVOKE_CHANNEL, '__proto__', {}),
      ipc.invoke(IPC_INVOKE_CHANNEL, { toString: 'session.get' }, {}),
    ]);

    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('sends events to our window only, the current state again when the page (re)loads, nothing once destroyed', () => {
    const { contents, events } = wired();
    const stranger = new FakeWebContents(APP_INDEX_URL);
    const received: unknown[] = [];
    const strangerReceived: unknown[] = [];
    contents.rendererListeners.on(IPC_EVENT_CHANNEL, (_event: unknown, message: unknown) => received.push(message));
    stranger.rendererListeners.on(IPC_EVENT_CHANNEL, (_event: unknown, message: unknown) => strangerReceived.push(message));

    events.emit('platform.status', { state: 'ready', message: 'Up.' });
    contents.load();
    contents.destroyed = true;
    events.emit('platform.status', { state: 'unreachable', message: 'Down.' });

    const ready = { name: 'platform.status', payload: { state: 'ready', message: 'Up.' } };
    expect(received).toEqual([ready, ready]);
    expect(strangerReceived).toEqual([]);
  });
});

describe('IPC: call ids (per-call cancel and progress)', () => {
  /** Our window, wired to handlers whose dataset.sample runs until its call is aborted. */
  function wiredWithHeldSample() {
    const ipcMain = new FakeIpcMain();
    const contents = new FakeWebContents(APP_INDEX_URL);
    const events = createEventHub();
    const calls = stubCalls(events);
    let ran = 0;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const handlers: Handlers = {
      'session.get': async () => {
        ran += 1;
        return STUB_SESSION;
      },
      ...STUB_SESSION_HANDLERS,
      ...STUB_WORKSPACE_HANDLERS,
      ...STUB_ADMIN_HANDLERS,
      'projects.list': async () => [],
      'catalogue.get': async ({ projectId }) => ({ projectId, datasets: [] }),
      'dataset.sample': async (_input, call) => {
        ran += 1;
        started();
        await new Promise<void>((resolve) => call?.signal.addEventListener('abort', () => resolve(), { once: true }));
        throw new EnclaveError('cancelled', 'Cancelled.');
      },
      'platform.query': async () => new Uint8Array([1]),
    };
    const unwire = wireIpc({ ipcMain, core: { handlers, events, calls }, contents });
    return { ipc: fakeIpcRenderer({ ipcMain, contents }), ipcMain, contents, calls, running, unwire, ran: () => ran };
  }

  it('serves a call whose third argument is a UUID (the baseline)', async () => {
    const { ipc, ran } = wiredWithHeldSample();

    const outcome = await ipc.invoke(IPC_INVOKE_CHANNEL, 'session.get', {}, randomUUID());

    expect(outcome).toMatchObject({ ok: true });
    expect(ran()).toBe(1);
  });

  it('refuses a call id that is not a UUID with invalid_input, before any handler runs', async () => {
    const { ipc, ran } = wiredWithHeldSample();

    const outcomes = await Promise.all(
      ['not-a-uuid', 42, { id: randomUUID() }, [randomUUID()], null].map((callId) =>
        ipc.invoke(IPC_INVOKE_CHANNEL, 'session.get', {}, callId),
      ),
    );

    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(ran()).toBe(0);
  });

  it('does not register the call of a foreign frame, id or not', async () => {
    const { ipcMain, contents, calls, ran } = wiredWithHeldSample();
    const frame = contents.subframe('app://enclave/index.html');
    const id = randomUUID();

    const outcome = await fakeIpcRenderer({ ipcMain, contents, frame }).invoke(
      IPC_INVOKE_CHANNEL,
      'dataset.sample',
      { projectId: 'p', datasetId: 'd', limit: 1 },
      id,
    );

    expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(calls.isRunning(id)).toBe(false);
    expect(ran()).toBe(0);
  });

  it("cancels the window's running calls when it is unwired (the window closed)", async () => {
    const { ipc, calls, running, unwire } = wiredWithHeldSample();
    const id = randomUUID();
    const call = ipc.invoke(IPC_INVOKE_CHANNEL, 'dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 }, id);
    await running;
    expect(calls.isRunning(id)).toBe(true);

    unwire();

    expect(await call).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(calls.isRunning(id)).toBe(false);
  });
});

describe('the preload bridge (window.enclave)', () => {
  function bridgeOver() {
    const ipc = { invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: [] })), on: vi.fn() };
    const bridge = createEnclaveBridge(ipc);
    const deliver = ipc.on.mock.calls[0]?.[1] as (event: unknown, message: unknown) => void;
    return { ipc, bridge, deliver };
  }

  it('exposes invoke and listen and nothing else', () => {
    expect(Object.keys(bridgeOver().bridge).sort()).toEqual(['invoke', 'listen']);
  });

  it('answers a name outside the contract with unknown_method, without sending anything to main', async () => {
    const { ipc, bridge } = bridgeOver();

    const outcome = await bridge.invoke('shell.openExternal' as never, 'https://attacker.example');

    expect(outcome).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('refuses to listen to an event outside the contract', () => {
    const { bridge } = bridgeOver();

    expect(() => bridge.listen('ipc.raw' as never, () => {})).toThrow(/not an event/);
  });

  it('never hands the page the IPC event object (its sender is the raw IPC API)', () => {
    const { bridge, deliver } = bridgeOver();
    const callback = vi.fn();
    bridge.listen('platform.status', callback);

    deliver({ sender: { send: () => {} } }, { name: 'platform.status', payload: { state: 'ready', message: 'Up.' } });

    expect(callback.mock.calls).toEqual([[{ state: 'ready', message: 'Up.' }]]);
  });

  it('sends a call id to main as a third argument only when the page gives one', async () => {
    const { ipc, bridge } = bridgeOver();
    const id = randomUUID();

    await bridge.invoke('session.get', {});
    await bridge.invoke('dataset.sample', { limit: 1 }, id);

    expect(ipc.invoke.mock.calls).toEqual([
      [IPC_INVOKE_CHANNEL, 'session.get', {}],
      [IPC_INVOKE_CHANNEL, 'dataset.sample', { limit: 1 }, id],
    ]);
  });

  it("replays the current state to a late listener, but never an earlier call's progress", () => {
    const { bridge, deliver } = bridgeOver();
    deliver({}, { name: 'platform.status', payload: { state: 'ready', message: 'Up.' } });
    deliver({}, { name: 'call.progress', payload: { callId: randomUUID(), progress: { done: 1, total: null, unit: 'bytes' } } });
    const status = vi.fn();
    const progress = vi.fn();

    bridge.listen('platform.status', status);
    bridge.listen('call.progress', progress);

    expect(status).toHaveBeenCalledTimes(1);
    expect(progress).not.toHaveBeenCalled();
  });

  it('ignores event messages for names outside the contract', () => {
    const { bridge, deliver } = bridgeOver();
    const callback = vi.fn();
    bridge.listen('platform.status', callback);

    deliver({}, { name: 'something.else', payload: 1 });
    deliver({}, 'not an object');

    expect(callback).not.toHaveBeenCalled();
  });
});

describe('the Electron shell configuration', () => {
  it('needs ENCLAVE_PLATFORM_URL', () => {
    expect(readShellConfig({})).toMatchObject({ ok: false, message: expect.stringContaining('ENCLAVE_PLATFORM_URL') });
  });

  it('refuses a platform URL that is not http(s)', () => {
    expect(readShellConfig({ ENCLAVE_PLATFORM_URL: 'file:///etc' }).ok).toBe(false);
  });

  it('reads the identity provider origins', () => {
    expect(
      readShellConfig({ ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:4100', ENCLAVE_IDP_ORIGINS: `${IDP}/realms/x, http://127.0.0.1:4200` }),
    ).toMatchObject({
      ok: true,
      config: { platformUrl: 'http://127.0.0.1:4100', allowedExternalOrigins: [IDP, 'http://127.0.0.1:4200'] },
    });
  });

  it("allows the configured issuer's origin by default, and nothing else", () => {
    const result = readShellConfig({
      ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:4100',
      ENCLAVE_OIDC_ISSUER: 'https://login.example.nhs.uk/realms/tre',
    });

    expect(result).toMatchObject({ ok: true, config: { allowedExternalOrigins: ['https://login.example.nhs.uk'] } });
  });

  it('reads the workstation settings: identity provider, idle lock, session length, token store', () => {
    const result = readShellConfig({
      ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:4100',
      ENCLAVE_OIDC_ISSUER: 'https://idp.example/realms/tre',
      ENCLAVE_OIDC_CLIENT_ID: 'enclave',
      ENCLAVE_API_AUDIENCE: 'none',
      ENCLAVE_IDLE_LOCK_SECONDS: '30',
      ENCLAVE_SESSION_MAX_HOURS: '0.5',
      ENCLAVE_TOKEN_STORE: 'memory',
    });

    expect(result).toMatchObject({
      ok: true,
      config: {
        core: {
          identity: { issuer: 'https://idp.example/realms/tre', clientId: 'enclave', audience: null },
          idleLockSeconds: 30,
          sessionMaxSeconds: 1800,
          tokenStore: 'memory',
        },
      },
    });
  });

  for (const [name, value] of [
    ['ENCLAVE_OIDC_ISSUER', 'http://idp.example.org/oidc'],
    ['ENCLAVE_IDLE_LOCK_SECONDS', '0'],
    ['ENCLAVE_IDLE_LOCK_SECONDS', 'soon'],
    ['ENCLAVE_SESSION_MAX_HOURS', '-1'],
    ['ENCLAVE_TOKEN_STORE', 'file'],
  ] as const) {
    it(`refuses ${name}=${value}, naming the variable`, () => {
      const result = readShellConfig({ ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:4100', [name]: value });

      expect(result).toMatchObject({ ok: false, message: expect.stringContaining(name) });
    });
  }

  it('app URLs are exactly app://enclave', () => {
    expect(isAppUrl('app://enclave/index.html')).toBe(true);
    expect(isAppUrl('app://enclave.example/index.html')).toBe(false);
  });
});
