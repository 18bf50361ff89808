// The core's running calls (src/workstation/calls.ts), which every shell serves through: ids, cancel, duplicate
// ids, progress throttled to about 10 a second per call, and the event hub that carries it (progress is a moment,
// never replayed to a late listener).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CallProgress } from '../../../src/common/contract.ts';
import type { CallContext, Handlers } from '../../../src/common/dispatch.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createCallRegistry, PROGRESS_INTERVAL_MS, serveCall } from '../../../src/workstation/calls.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { STUB_HANDLERS } from './stub-handlers.ts';

const bytes = (done: number, total: number | null = 100): CallProgress => ({ done, total, unit: 'bytes' });

function registry() {
  const sent: Array<{ callId: string; progress: CallProgress }> = [];
  const calls = createCallRegistry({ emitProgress: (callId, progress) => sent.push({ callId, progress }), now: () => Date.now() });
  return { calls, sent };
}

/** Handlers whose dataset.sample waits for the test and hands it the call's context. */
function heldSample() {
  const contexts: CallContext[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let arrived: () => void = () => {};
  const started = new Promise<void>((resolve) => (arrived = resolve));
  let ran = 0;
  const handlers: Handlers = {
    ...STUB_HANDLERS,
    'dataset.sample': async (_input, call) => {
      ran += 1;
      if (call) contexts.push(call);
      arrived();
      await finished;
      if (call?.signal.aborted) throw new EnclaveError('cancelled', 'Cancelled.');
      return new Uint8Array([1]);
    },
  };
  return { handlers, contexts, started, finish, ran: () => ran };
}

const SAMPLE = { projectId: 'p', datasetId: 'd', limit: 1 };

afterEach(() => {
  vi.useRealTimers();
});

describe('the running calls', () => {
  it('cancel aborts the call with that id; an unknown or finished id is ignored', () => {
    const { calls } = registry();
    const id = randomUUID();
    const call = calls.start({ id });
    const other = calls.start({ id: randomUUID() });

    calls.cancel(randomUUID());
    expect(call.context.signal.aborted).toBe(false);
    calls.cancel(id);
    call.end();
    calls.cancel(id);

    expect(call.context.signal.aborted).toBe(true);
    expect(other.context.signal.aborted).toBe(false);
    expect(calls.isRunning(id)).toBe(false);
  });

  it('refuses an id that is running, and frees it when that call ends', () => {
    const { calls } = registry();
    const id = randomUUID();
    const first = calls.start({ id });

    expect(() => calls.start({ id })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
    expect(first.context.signal.aborted).toBe(false);
    first.end();
    expect(() => calls.start({ id }).end()).not.toThrow();
  });

  it('aborts a call when its caller goes away, even one that went before the call started', () => {
    const { calls } = registry();
    const gone = new AbortController();
    const call = calls.start({ gone: gone.signal });
    const left = new AbortController();
    left.abort();

    gone.abort();

    expect(call.context.signal.aborted).toBe(true);
    expect(calls.start({ gone: left.signal }).context.signal.aborted).toBe(true);
  });

  it('cancelAll aborts every running call, with an id or without', () => {
    const { calls } = registry();
    const started = [calls.start({ id: randomUUID() }), calls.start({})];

    calls.cancelAll();

    expect(started.every((call) => call.context.signal.aborted)).toBe(true);
  });
});

describe('progress', () => {
  it('goes out at most once per interval per call, the newest report at the end of the interval', () => {
    vi.useFakeTimers();
    const { calls, sent } = registry();
    const id = randomUUID();
    const { context } = calls.start({ id });

    context.progress(bytes(1));
    for (let done = 2; done <= 50; done += 1) context.progress(bytes(done));
    expect(sent.map((event) => event.progress.done)).toEqual([1]);
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);
    context.progress(bytes(60));
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS);

    expect(sent).toEqual([
      { callId: id, progress: bytes(1) },
      { callId: id, progress: bytes(50) },
      { callId: id, progress: bytes(60) },
    ]);
  });

  it('100 reports a second become at most about 10 events a second', () => {
    vi.useFakeTimers();
    const { calls, sent } = registry();
    const { context } = calls.start({ id: randomUUID() });

    for (let ms = 0; ms < 1000; ms += 10) {
      context.progress(bytes(ms));
      vi.advanceTimersByTime(10);
    }

    expect(sent.length).toBeLessThanOrEqual(11);
    expect(sent.length).toBeGreaterThanOrEqual(9);
  });

  it('throttles each call on its own', () => {
    vi.useFakeTimers();
    const { calls, sent } = registry();
    const [a, b] = [calls.start({ id: randomUUID() }), calls.start({ id: randomUUID() })];

    a.context.progress(bytes(1));
    b.context.progress(bytes(2));

    expect(sent.map((event) => event.progress.done)).toEqual([1, 2]);
  });

  it('stops when the call ends or is cancelled: a waiting report is dropped, later ones too', () => {
    vi.useFakeTimers();
    const { calls, sent } = registry();
    const id = randomUUID();
    const ended = calls.start({ id: randomUUID() });
    const cancelled = calls.start({ id });

    ended.context.progress(bytes(1));
    ended.context.progress(bytes(2));
    ended.end();
    cancelled.context.progress(bytes(3));
    calls.cancel(id);
    cancelled.context.progress(bytes(4));
    vi.advanceTimersByTime(10 * PROGRESS_INTERVAL_MS);

    expect(sent.map((event) => event.progress.done)).toEqual([1, 3]);
  });

  it('goes nowhere for a call without an id (nobody asked to follow it)', () => {
    const { calls, sent } = registry();

    calls.start({}).context.progress(bytes(1));

    expect(sent).toEqual([]);
  });

  it("refuses a report the contract would refuse, at the handler's own call", () => {
    const { calls, sent } = registry();
    const { context } = calls.start({ id: randomUUID() });

    expect(() => context.progress({ done: -1, total: null, unit: 'bytes' })).toThrow();
    expect(() => context.progress({ ...bytes(1), stage: 'x'.repeat(101) })).toThrow();
    expect(sent).toEqual([]);
  });
});

describe('serveCall', () => {
  it('registers the call while its handler runs and passes the handler its context', async () => {
    const { calls } = registry();
    const held = heldSample();
    const id = randomUUID();

    const outcome = serveCall({ handlers: held.handlers, calls }, { name: 'dataset.sample', payload: SAMPLE, callId: id });
    await held.started;
    expect(calls.isRunning(id)).toBe(true);
    calls.cancel(id);
    held.finish();

    expect(await outcome).toEqual({ ok: false, error: { code: 'cancelled', message: 'Cancelled.' } });
    expect(held.contexts[0]?.signal.aborted).toBe(true);
    expect(calls.isRunning(id)).toBe(false);
  });

  for (const callId of ['not-a-uuid', 42, { id: randomUUID() }, [randomUUID()], `${randomUUID()}, ${randomUUID()}`, '']) {
    it(`refuses the call id ${JSON.stringify(callId)} before any handler runs`, async () => {
      const { calls } = registry();
      const held = heldSample();

      const outcome = await serveCall({ handlers: held.handlers, calls }, { name: 'dataset.sample', payload: SAMPLE, callId });

      expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
      expect(held.ran()).toBe(0);
    });
  }

  it('answers a duplicate id with an error value, without running its handler', async () => {
    const { calls } = registry();
    const held = heldSample();
    const id = randomUUID();
    const first = serveCall({ handlers: held.handlers, calls }, { name: 'dataset.sample', payload: SAMPLE, callId: id });
    await held.started;

    const second = await serveCall({ handlers: held.handlers, calls }, { name: 'dataset.sample', payload: SAMPLE, callId: id });
    held.finish();

    expect(second).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(held.ran()).toBe(1);
    expect(await first).toMatchObject({ ok: true });
  });

  it('does not run a handler for a caller that has already gone', async () => {
    const { calls } = registry();
    const held = heldSample();
    const gone = new AbortController();
    gone.abort();

    const outcome = await serveCall({ handlers: held.handlers, calls }, { name: 'dataset.sample', payload: SAMPLE, gone: gone.signal });

    expect(outcome).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(held.ran()).toBe(0);
  });
});

describe('the event hub and progress', () => {
  it("does not replay a call's progress to a listener that joins later (states are replayed, moments are not)", () => {
    const hub = createEventHub();
    hub.emit('platform.status', { state: 'ready', message: 'Up.' });
    hub.emit('call.progress', { callId: randomUUID(), progress: bytes(1) });
    const heard: string[] = [];

    hub.on('platform.status', () => heard.push('status'));
    hub.on('call.progress', () => heard.push('progress'));

    expect(heard).toEqual(['status']);
  });

  it('refuses to emit progress the contract would refuse', () => {
    const hub = createEventHub();

    expect(() => hub.emit('call.progress', { callId: 'not-a-uuid', progress: bytes(1) })).toThrow();
  });
});
