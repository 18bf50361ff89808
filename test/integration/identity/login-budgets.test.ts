// The sign-in page's budget per client address, through the real pages on a clock the test moves: one address
// that has spent its 20 failures is refused (even with a right password) while another address still signs in,
// and the address may try again once its failures have left the 10-minute window. The two addresses are two
// loopback addresses of this machine (127.0.0.1 and 127.0.0.2), told apart by the platform's socket.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationUrl, Browser, loginFormAction, pkce } from './support.ts';
import { startProviderAlone, type Issuer } from './device-support.ts';

let now = 2_000_000_000;
let provider: Issuer & { stop(): Promise<void> };

beforeAll(async () => {
  provider = await startProviderAlone({ now: () => now });
});

afterAll(async () => {
  await provider?.stop();
});

/** A login page of a fresh authorization: its form's action and the browser holding its interaction cookie. */
async function openLoginPage(): Promise<{ action: string; cookie: string }> {
  const browser = new Browser();
  const { response, url } = await browser.follow(
    authorizationUrl({ issuer: provider.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
  );
  const action = loginFormAction(await response.text(), url);
  if (action === undefined) throw new Error('no login form');
  return { action, cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
}

/** Posts the login form from a chosen local address (fetch cannot choose one). */
function submitFrom(options: { localAddress: string; page: { action: string; cookie: string }; username: string; password: string }) {
  const body = new URLSearchParams({ username: options.username, password: options.password }).toString();
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const sent = request(
      options.page.action,
      {
        method: 'POST',
        localAddress: options.localAddress,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie: options.page.cookie,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('the sign-in budget per client address', () => {
  it('refuses an address that spent its 20 failures, even with the right password, while another address signs in; then recovers', async () => {
    const page = await openLoginPage();
    // Five usernames, four failures each: no username is paused, only the address's budget is spent.
    for (let i = 0; i < 20; i++) {
      const answer = await submitFrom({ localAddress: '127.0.0.1', page, username: `guess-${i % 5}`, password: `wrong-${i}` });
      expect(answer.status).toBe(200);
    }

    const refused = await submitFrom({
      localAddress: '127.0.0.1',
      page: await openLoginPage(),
      username: 'demo-analyst',
      password: 'ada-demo-pass',
    });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(/role="alert">Too many wrong passwords from this computer\. Wait \d+ seconds, then try again\./);

    const elsewhere = await submitFrom({
      localAddress: '127.0.0.2',
      page: await openLoginPage(),
      username: 'demo-analyst',
      password: 'ada-demo-pass',
    });
    expect(elsewhere.status).toBe(303);

    now += 10 * 60_000;
    const later = await submitFrom({
      localAddress: '127.0.0.1',
      page: await openLoginPage(),
      username: 'demo-analyst',
      password: 'ada-demo-pass',
    });
    expect(later.status).toBe(303);
  });
});
