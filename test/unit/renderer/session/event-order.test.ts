// A session that arrives as an answer never overrides a newer event: the browser shell's event stream and its calls
// are separate connections, so a lock's answer can land after the sign-out event that followed it.
import { describe, expect, it } from 'vitest';
import { createEventOrder } from '../../../../renderer/src/session/event-order.ts';

describe('answers against events', () => {
  it('takes an answer when no event arrived after its request was sent', () => {
    const order = createEventOrder();
    const taken: string[] = [];
    order.eventArrived();
    const onAnswer = order.unlessOvertaken((state: string) => taken.push(state));
    onAnswer('locked');
    expect(taken).toEqual(['locked']);
  });

  it('drops an answer that an event overtook: the lock answered after the sign-out event', () => {
    const order = createEventOrder();
    const shown: string[] = [];
    const onLockAnswer = order.unlessOvertaken((state: string) => shown.push(state));
    order.eventArrived();
    shown.push('signed_out'); // what the event set
    onLockAnswer('locked');
    expect(shown).toEqual(['signed_out']);
  });

  it('judges each request by the events after it, not before', () => {
    const order = createEventOrder();
    const taken: string[] = [];
    const first = order.unlessOvertaken((state: string) => taken.push(`first:${state}`));
    order.eventArrived();
    const second = order.unlessOvertaken((state: string) => taken.push(`second:${state}`));
    first('a');
    second('b');
    expect(taken).toEqual(['second:b']);
  });
});
