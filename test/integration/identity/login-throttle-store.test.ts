// The sign-in page's throttle with its budgets in the metadata store (issue 19 C.1), over real HTTP to a platform on
// each of the store's engines: wrong passwords one after another are refused from the sixth; fifty sent at once get at
// most five password checks (counted by the audit events of wrong passwords); and a lease a crashed instance left in
// the table blocks the username only while it still counts (at most 30 s). The same budget spent through two store handles
// (two instances) is test/unit/platform/login-throttle.test.ts's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_FAILURES } from '../../../src/platform/identity/embedded/login-throttle.ts';
import { LEASE_MS } from '../../../src/platform/store/login-throttle.ts';
import { storeEngines, type ServerStoreUnderTest } from '../../support/store-engines.ts';
import {
  authorizationUrl,
  Browser,
  createPlatformFixture,
  loginFormAction,
  pkce,
  startPlatform,
  submitLogin,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

describe.each(storeEngines())('the sign-in throttle with its budgets in the store, on $name', (engine) => {
  let fixture: PlatformFixture;
  let store: ServerStoreUnderTest;
  let platform: RunningPlatform;

  beforeAll(async () => {
    fixture = await createPlatformFixture();
    store = await engine.forServer(fixture.dataDir, 'throttle');
    platform = await startPlatform({ fixture, ...store.options });
  });

  afterAll(async () => {
    await platform?.stop();
    await store?.cleanup();
    await fixture?.cleanup();
  });

  async function openLoginPage(): Promise<{ browser: Browser; action: string }> {
    const browser = new Browser();
    const { response, url } = await browser.follow(
      authorizationUrl({ issuer: platform.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
    );
    const action = loginFormAction(await response.text(), url);
    if (action === undefined) throw new Error('no login form');
    return { browser, action };
  }

  const submit = (page: { browser: Browser; action: string }, username: string, password: string) =>
    submitLogin({ browser: page.browser, action: page.action, username, password, platformUrl: platform.url });

  /** The wrong passwords checked for the account, as the audit log recorded them. */
  async function wrongPasswordsChecked(userId: string): Promise<number> {
    const rows = await store.raw("SELECT details FROM audit_events WHERE type = 'auth.sign_in'");
    return rows.filter((row) => {
      const details = JSON.parse(String(row.details)) as { username?: string; reason?: string };
      return details.username === userId && details.reason === 'wrong_credentials';
    }).length;
  }

  it('refuses the sixth of 12 wrong passwords in a row, and every one after it', async () => {
    const page = await openLoginPage();
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt++) {
      statuses.push((await submit(page, 'demo-checker-2', `guess-${attempt}`)).response.status);
    }
    expect(statuses.indexOf(429)).toBe(FREE_FAILURES);
    expect(statuses).toEqual([...Array<number>(FREE_FAILURES).fill(200), ...Array<number>(12 - FREE_FAILURES).fill(429)]);
    expect(await wrongPasswordsChecked('demo-checker-2')).toBe(FREE_FAILURES);
  });

  it('checks at most five of 50 wrong passwords sent at once', async () => {
    const page = await openLoginPage();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, attempt) => submit(page, 'demo-checker-1', `parallel-${attempt}`)));
    const statuses = answers.map((answer) => answer.response.status);
    const checked = await wrongPasswordsChecked('demo-checker-1');
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(FREE_FAILURES);
    expect(statuses.filter((status) => status === 200)).toHaveLength(checked);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50 - checked);
  });

  it('is blocked by a lease a crashed instance left only while it still counts', async () => {
    const page = await openLoginPage();
    expect((await submit(page, 'demo-analyst', 'one-wrong-guess')).response.status).toBe(200);
    // As if an instance had begun five checks of every budget and died before ending them: leases counting 25 s more…
    await store.raw(`UPDATE login_throttle SET in_flight = 5, lease_until = ${Date.now() + LEASE_MS - 5_000}`);
    const blocked = await submit(page, 'demo-analyst', 'ada-demo-pass');
    expect(blocked.response.status).toBe(429);
    expect(await blocked.response.text()).toContain('Other sign-ins for this username are being checked right now.');
    // …and leases that ended a second ago.
    await store.raw(`UPDATE login_throttle SET lease_until = ${Date.now() - 1_000}`);
    const signedIn = await submit(page, 'demo-analyst', 'ada-demo-pass');
    expect(signedIn.url).toMatch(/^http:\/\/127\.0\.0\.1:51000\/callback\?code=/);
  });
});
