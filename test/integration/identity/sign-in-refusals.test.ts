// A guesser the throttle refuses cannot flood the audit log: each refused attempt would be a database write and a
// synced anchor line. The first refusal of a username from an address in each 10-minute window is recorded; the
// rest are counted, and the count is recorded once the window has closed. Through the real sign-in page, on a clock
// the test moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_FAILURES } from '../../../src/platform/identity/embedded/login-throttle.ts';
import { REFUSAL_WINDOW_MS } from '../../../src/platform/identity/embedded/sign-in-refusals.ts';
import { startProviderAlone, type Issuer } from './device-support.ts';
import type { AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { authorizationUrl, Browser, loginFormAction, pkce, submitLogin } from './support.ts';

let now = 2_000_000_000;
let provider: Issuer & { audit: AuditLog; stop(): Promise<void> };

beforeAll(async () => {
  provider = await startProviderAlone({ now: () => now });
});

afterAll(async () => {
  await provider?.stop();
});

async function openLoginPage(): Promise<{ browser: Browser; action: string }> {
  const browser = new Browser();
  const { response, url } = await browser.follow(
    authorizationUrl({ issuer: provider.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
  );
  const action = loginFormAction(await response.text(), url);
  if (action === undefined) throw new Error('no login form');
  return { browser, action };
}

async function events(): Promise<Array<{ type: string; details: Record<string, unknown> }>> {
  return (await provider.audit.list()).map((event) => ({
    type: event.type,
    details: JSON.parse(event.details) as Record<string, unknown>,
  }));
}

describe('refused sign-ins in the audit log', () => {
  it('records 500 wrong passwords as the few checked, one refusal and, once the window closes, the count of the others', async () => {
    const page = await openLoginPage();
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 500; attempt++) {
      const done = await submitLogin({ ...page, username: 'demo-analyst', password: `guess-${attempt}`, platformUrl: provider.url });
      statuses.push(done.response.status);
    }
    const checked = statuses.filter((status) => status === 200).length;
    const refused = statuses.filter((status) => status === 429).length;
    expect(checked).toBe(FREE_FAILURES);
    expect(checked + refused).toBe(500);

    const during = await events();
    expect(during.filter((event) => event.details.reason === 'wrong_credentials')).toHaveLength(checked);
    const recordedRefusals = during.filter((event) => event.details.reason === 'too_many_failures');
    expect(recordedRefusals).toEqual([
      {
        type: 'auth.sign_in',
        details: {
          username: 'demo-analyst',
          address: '127.0.0.1',
          clientId: 'enclave-workstation',
          reason: 'too_many_failures',
          limit: 'username',
        },
      },
    ]);
    expect(during.length).toBeLessThanOrEqual(FREE_FAILURES + 1);

    // The window closes; the next attempt (the username's pause is over by then) records the count first.
    const opened = now;
    now += REFUSAL_WINDOW_MS;
    await submitLogin({ ...page, username: 'demo-analyst', password: 'one more guess', platformUrl: provider.url });
    const after = await events();
    expect(after.filter((event) => event.type === 'auth.sign_in_refusals')).toEqual([
      {
        type: 'auth.sign_in_refusals',
        details: {
          username: 'demo-analyst',
          address: '127.0.0.1',
          refused,
          since: new Date(opened).toISOString(),
          windowSeconds: REFUSAL_WINDOW_MS / 1000,
        },
      },
    ]);
    expect(after.length).toBeLessThanOrEqual(FREE_FAILURES + 3);
  }, 60_000);
});
