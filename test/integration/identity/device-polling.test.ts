// slow_down (RFC 8628 §3.5) through the real provider: its token endpoint, its device pages and our storage
// adapter, on a clock the test moves, so no test waits the real 5 seconds. Only polls count: the pages where a
// person enters and confirms the code look the same device code up and are never limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './support.ts';
import { approveDevice, enterAndConfirmCode, poll, startDeviceAuthorization, startProviderAlone, type Issuer } from './device-support.ts';

let now = 1_000_000_000;
const advance = (ms: number) => (now += ms);
let provider: Issuer & { stop(): Promise<void> };

beforeAll(async () => {
  provider = await startProviderAlone({ now: () => now });
});

afterAll(async () => {
  await provider?.stop();
});

describe('polling the device code', () => {
  it('answers slow_down to the second of two polls 1 s apart', async () => {
    const device = await startDeviceAuthorization(provider);
    expect(device.interval).toBe(5);
    expect((await poll(provider, device)).body.error).toBe('authorization_pending');
    advance(1_000);
    const second = await poll(provider, device);
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ error: 'slow_down' });
  });

  it('gives tokens to a client that adds 5 s to its interval after slow_down, as the RFC says', async () => {
    const device = await startDeviceAuthorization(provider);
    await poll(provider, device);
    advance(1_000);
    expect((await poll(provider, device)).body.error).toBe('slow_down');
    // The old interval is no longer enough, and each early poll lengthens it again.
    advance(5_000);
    expect((await poll(provider, device)).body.error).toBe('slow_down');
    advance(15_000);
    expect((await poll(provider, device)).body.error).toBe('authorization_pending');
    await approveDevice({ platform: provider, device, username: 'demo-analyst', password: 'ada-demo-pass' });
    advance(15_000);
    const granted = await poll(provider, device);
    expect(granted.status).toBe(200);
    expect(granted.body.access_token).toEqual(expect.any(String));
  });

  it('does not count the pages where the person enters and confirms the code', async () => {
    const device = await startDeviceAuthorization(provider);
    await poll(provider, device);
    // The pages look the code up (by user code, and by its id on confirming) with the clock standing still.
    const login = await enterAndConfirmCode({ platform: provider, device, browser: new Browser() });
    expect(await login.response.text()).toContain('data-testid="sign-in-form"');
    advance(5_000);
    expect((await poll(provider, device)).body.error).toBe('authorization_pending');
  });

  it('lets the person approve right after a poll (the approval finds the code too), and answers the approved code at once', async () => {
    const device = await startDeviceAuthorization(provider);
    await poll(provider, device);
    // Same instant: were the approval's look-up counted as a poll, it would be refused with slow_down.
    await approveDevice({ platform: provider, device, username: 'demo-admin', password: 'dana-demo-pass' });
    expect((await poll(provider, device)).status).toBe(200);
  });

  it('keeps codes apart: one device polling too fast does not slow another down', async () => {
    const fast = await startDeviceAuthorization(provider);
    const other = await startDeviceAuthorization(provider);
    await poll(provider, fast);
    await poll(provider, other);
    advance(5_000);
    await poll(provider, fast);
    expect((await poll(provider, fast)).body.error).toBe('slow_down');
    expect((await poll(provider, other)).body.error).toBe('authorization_pending');
  });
});
