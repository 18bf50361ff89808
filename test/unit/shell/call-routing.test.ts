// The sending side of per-call progress and cancel (src/common/call-routing.ts), shared by every transport: an
// abort rejects at once and sends 'call.cancel', progress reaches only its own call, and a plain call is untouched.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withCalls, type CallWire } from '../../../src/common/call-routing.ts';
import { createClient, type TransportCall } from '../../../src/common/client.ts';
import type { CallProgress, EventName, MethodName } from '../../../src/common/contract.ts';
import { errorOf } from '../../support/error-of.ts';

const PROGRESS: CallProgress = { done: 10, total: 100, unit: 'bytes', stage: 'Fetching from the platform' };

/** A wire whose calls the test answers by hand, and whose 'call.progress' events the test emits. */
function fakeWire() {
  const sent: Array<{ name: MethodName; payload: unknown; call?: TransportCall; answer(value: unknown): void }> = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const wire: CallWire = {
    send(name, payload, call) {
      return new Promise((resolve) => {
        sent.push({ name, payload, ...(call ? { call } : {}), answer: resolve });
        if (name === 'call.cancel') resolve(null);
      });
    },
    listen(name, callback) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(callback);
      return () => set.delete(callback);
    },
  };
  const emit = (payload: unknown) => {
    for (const callback of [...(listeners.get('call.progress') ?? [])]) callback(payload);
  };
  const listening = () => listeners.get('call.progress')?.size ?? 0;
  return { wire, sent, emit, listening };
}

describe('per-call progress and cancel on the sending side', () => {
  it('rejects at once with cancelled when aborted, though the other side has not answered, and sends call.cancel for its id', async () => {
    const { wire, sent } = fakeWire();
    const controller = new AbortController();
    const id = randomUUID();

    const call = withCalls(wire).invoke('dataset.sample', { limit: 1 }, { id, signal: controller.signal });
    controller.abort();

    expect((await errorOf(call)).code).toBe('cancelled');
    expect(sent.map(({ name, payload }) => [name, payload])).toEqual([
      ['dataset.sample', { limit: 1 }],
      ['call.cancel', { callId: id }],
    ]);
    // The answer that comes later changes nothing.
    sent[0]?.answer(new Uint8Array([1]));
  });

  it('sends a plain call with no id, no cancel, and no progress listener', async () => {
    const { wire, sent, listening } = fakeWire();

    const call = withCalls(wire).invoke('session.get', {});
    sent[0]?.answer('answer');

    expect(await call).toBe('answer');
    expect(sent[0]?.call).toBeUndefined();
    expect(listening()).toBe(0);
  });

  it('hands progress only to the call whose id it carries, and stops listening when the last call settles', async () => {
    const { wire, sent, emit, listening } = fakeWire();
    const transport = withCalls(wire);
    const [a, b] = [randomUUID(), randomUUID()];
    const heard: Array<[string, CallProgress]> = [];

    const callA = transport.invoke('dataset.sample', {}, { id: a, onProgress: (p) => heard.push(['a', p]) });
    const callB = transport.invoke('dataset.sample', {}, { id: b, onProgress: (p) => heard.push(['b', p]) });
    emit({ callId: b, progress: PROGRESS });
    emit({ callId: randomUUID(), progress: PROGRESS });
    emit({ callId: a, progress: { ...PROGRESS, done: 20 } });
    sent[0]?.answer(1);
    await callA;
    emit({ callId: a, progress: { ...PROGRESS, done: 30 } });
    expect(listening()).toBe(1);
    sent[1]?.answer(2);
    await callB;

    expect(heard).toEqual([
      ['b', PROGRESS],
      ['a', { ...PROGRESS, done: 20 }],
    ]);
    expect(listening()).toBe(0);
  });

  it('drops progress events the contract would refuse', async () => {
    const { wire, sent, emit } = fakeWire();
    const id = randomUUID();
    const heard: CallProgress[] = [];

    const call = withCalls(wire).invoke('dataset.sample', {}, { id, onProgress: (p) => heard.push(p) });
    emit({ callId: id, progress: { done: 'lots', total: null, unit: 'bytes' } });
    emit({ callId: id, progress: { ...PROGRESS, secret: 'a value' } });
    emit({ callId: id });
    emit('not an object');
    sent[0]?.answer(null);
    await call;

    expect(heard).toEqual([]);
  });

  it('a progress callback that throws breaks neither its call nor the others', async () => {
    const { wire, sent, emit } = fakeWire();
    const transport = withCalls(wire);
    const [a, b] = [randomUUID(), randomUUID()];
    const heard: string[] = [];

    const callA = transport.invoke(
      'dataset.sample',
      {},
      {
        id: a,
        onProgress: () => {
          throw new Error('the progress bar is gone');
        },
      },
    );
    const callB = transport.invoke('dataset.sample', {}, { id: b, onProgress: () => heard.push('b') });
    emit({ callId: a, progress: PROGRESS });
    emit({ callId: b, progress: PROGRESS });
    sent[0]?.answer('a');
    sent[1]?.answer('b');

    expect(await Promise.all([callA, callB])).toEqual(['a', 'b']);
    expect(heard).toEqual(['b']);
  });

  it('the client makes an id (a UUID) only for a call with a signal or onProgress, and refuses an aborted signal before sending', async () => {
    const { wire, sent } = fakeWire();
    const client = createClient(withCalls(wire));
    const aborted = new AbortController();
    aborted.abort();

    const plain = client.invoke('session.activity', {});
    const followed = client.invoke('session.activity', {}, { onProgress: () => {} });
    const refused = await errorOf(client.invoke('session.activity', {}, { signal: aborted.signal }));
    for (const call of sent) call.answer(null);
    await Promise.all([plain, followed]);

    expect(refused.code).toBe('cancelled');
    expect(sent).toHaveLength(2);
    expect(sent[0]?.call).toBeUndefined();
    expect(sent[1]?.call?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
