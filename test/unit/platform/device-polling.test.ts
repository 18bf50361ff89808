// RFC 8628 §3.5 polling limits, on a fake clock: a poll sooner than the code's interval is refused (slow_down)
// and the interval grows by 5 s; a client that waits as the RFC tells it is never refused; codes are forgotten
// once they have expired.
import { describe, expect, it } from 'vitest';
import {
  createDevicePolling,
  DEVICE_CODE_LIFETIME_SECONDS,
  DEVICE_POLL_INTERVAL_SECONDS,
} from '../../../src/platform/identity/embedded/device-polling.ts';

function clock() {
  let now = 5_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createDevicePolling', () => {
  it('refuses the second of two polls 1 s apart', () => {
    const time = clock();
    const polling = createDevicePolling({ now: time.now });
    expect(polling.poll('code-a')).toBe(true);
    time.advance(1_000);
    expect(polling.poll('code-a')).toBe(false);
  });

  it('grows the interval by 5 s with each refusal, and counts from the latest poll', () => {
    const time = clock();
    const polling = createDevicePolling({ now: time.now });
    polling.poll('code-a');
    time.advance(1_000);
    expect(polling.poll('code-a')).toBe(false); // interval now 10 s
    time.advance(DEVICE_POLL_INTERVAL_SECONDS * 1000);
    expect(polling.poll('code-a')).toBe(false); // 5 s is no longer enough; now 15 s
    time.advance(14_000);
    expect(polling.poll('code-a')).toBe(false); // now 20 s
    time.advance(20_000);
    expect(polling.poll('code-a')).toBe(true);
  });

  it('never refuses a client that waits the interval and adds 5 s after each slow_down (as openid-client does)', () => {
    const time = clock();
    const polling = createDevicePolling({ now: time.now });
    let clientInterval = DEVICE_POLL_INTERVAL_SECONDS;
    const answers: boolean[] = [];
    // One impatient poll first, then a well-behaved client for the code's whole life.
    polling.poll('code-a');
    time.advance(200);
    for (let elapsed = 0; elapsed < DEVICE_CODE_LIFETIME_SECONDS * 1000; elapsed += clientInterval * 1000) {
      const answer = polling.poll('code-a');
      answers.push(answer);
      if (!answer) clientInterval += 5;
      time.advance(clientInterval * 1000);
    }
    expect(answers[0]).toBe(false);
    expect(answers.slice(1).every(Boolean)).toBe(true);
    expect(answers.length).toBeGreaterThan(10);
  });

  it('keeps codes apart', () => {
    const time = clock();
    const polling = createDevicePolling({ now: time.now });
    polling.poll('code-a');
    expect(polling.poll('code-b')).toBe(true);
    time.advance(100);
    expect(polling.poll('code-a')).toBe(false);
    expect(polling.poll('code-b')).toBe(false);
  });

  it('forgets each code once it has expired, so memory is bounded by the codes of the last 10 minutes', () => {
    const time = clock();
    const polling = createDevicePolling({ now: time.now });
    for (let i = 0; i < 1000; i++) polling.poll(`old-${i}`);
    time.advance(DEVICE_CODE_LIFETIME_SECONDS * 1000 - 1);
    polling.poll('recent');
    expect(polling.size()).toBe(1001);
    time.advance(1);
    polling.poll('recent-2');
    expect(polling.size()).toBe(2);
  });
});
