// The one-time loopback listener of a browser sign-in: one callback, a static page, then closed; and never a
// callback from another OS user's program, even one that knows the state.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { renderCallbackPage, startLoopbackCallback } from '../../../../src/workstation/sign-in/loopback-callback.ts';
import { otherUser, runNodeAsOtherUser } from '../../../support/other-user.ts';

function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const OK_PAGE = { ok: true, title: 'You are signed in', text: 'Return to Enclave.' };

describe('the loopback listener', () => {
  it('listens on 127.0.0.1 at a random port, path /callback', async () => {
    const listener = await startLoopbackCallback({ timeoutMs: 60_000, onCallback: async () => OK_PAGE, onTimeout: () => {} });

    expect(listener.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d{2,5}\/callback$/);
    listener.close();
    await listener.closed;
  });

  it('hands over exactly one callback, answers a static page with no script, then closes', async () => {
    const onCallback = vi.fn(async (_url: URL) => OK_PAGE);
    const listener = await startLoopbackCallback({ timeoutMs: 60_000, onCallback, onTimeout: () => {} });

    const page = await get(`${listener.redirectUri}?code=c&state=s`);
    await listener.closed;
    const again = await get(`${listener.redirectUri}?code=c&state=s`).catch((err: NodeJS.ErrnoException) => err.code);

    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>You are signed in</h1>');
    expect(page.body).not.toMatch(/<script|\son\w+=/i);
    // Its one style block is allowed by hash, so nothing injected could style (or script) the page.
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    const style = /<style>([^<]*)<\/style>/.exec(page.body)?.[1] ?? '';
    expect(csp).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(onCallback).toHaveBeenCalledTimes(1);
    expect(onCallback.mock.calls[0]?.[0]).toBeInstanceOf(URL);
    expect(again).toBe('ECONNREFUSED');
  });

  it('refuses a second request that arrives while the first is being handled', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => {};
    const handling = new Promise<void>((resolve) => (reached = resolve));
    const listener = await startLoopbackCallback({
      timeoutMs: 60_000,
      onCallback: async () => {
        reached();
        await held;
        return OK_PAGE;
      },
      onTimeout: () => {},
    });

    const first = get(`${listener.redirectUri}?code=c&state=s`);
    await handling;
    const second = await get(`${listener.redirectUri}?code=c&state=s`);
    release();

    expect(second.status).toBe(409);
    expect(second.body).toContain('already been used');
    expect((await first).status).toBe(200);
  });

  it('does not treat other paths, methods or Host names as the callback', async () => {
    const onCallback = vi.fn(async () => OK_PAGE);
    const listener = await startLoopbackCallback({ timeoutMs: 60_000, onCallback, onTimeout: () => {} });
    const base = listener.redirectUri.replace('/callback', '');
    const port = new URL(base).port;

    const other = await get(`${base}/favicon.ico`);
    const post = await get(`${listener.redirectUri}?code=c&state=s`, {}, 'POST');
    const rebound = await get(`${listener.redirectUri}?code=c&state=s`, { host: `attacker.example:${port}` });
    listener.close();

    expect([other.status, post.status, rebound.status]).toEqual([404, 404, 403]);
    expect(onCallback).not.toHaveBeenCalled();
  });

  it('refuses a request that does not belong to its sign-in, and keeps waiting for the one that does', async () => {
    const onCallback = vi.fn(async (_url: URL) => OK_PAGE);
    const onTimeout = vi.fn();
    const listener = await startLoopbackCallback({
      timeoutMs: 60_000,
      belongs: (url) => url.searchParams.get('state') === 's',
      onCallback,
      onTimeout,
    });

    const forged = await get(`${listener.redirectUri}?error=access_denied&error_description=%3Cb%3Ehi%3C%2Fb%3E`);
    const wrong = await get(`${listener.redirectUri}?code=c&state=other`);
    const real = await get(`${listener.redirectUri}?code=c&state=s`);
    await listener.closed;

    expect([forged.status, wrong.status, real.status]).toEqual([400, 400, 200]);
    expect(forged.body).toContain('ignored');
    expect(forged.body).not.toContain('<b>hi');
    expect(onCallback).toHaveBeenCalledTimes(1);
    expect(onCallback.mock.calls[0]?.[0].searchParams.get('state')).toBe('s');
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('closes and says so when nothing comes in time', async () => {
    const onTimeout = vi.fn();
    const listener = await startLoopbackCallback({ timeoutMs: 50, onCallback: async () => OK_PAGE, onTimeout });

    await listener.closed;

    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('escapes what it is told to show', () => {
    expect(renderCallbackPage({ ok: false, title: '<b>x</b>', text: '"><script>alert(1)</script>' })).not.toContain('<script>');
  });
});

describe('the loopback listener against another user of this computer', () => {
  const user = otherUser();
  if (typeof user === 'string') console.log(`[loopback-callback] not run as a second OS user: ${user}`);

  it.skipIf(typeof user === 'string')(
    "refuses the other user's callback, even with the right state, and still takes the real one",
    async () => {
      const onCallback = vi.fn(async (_url: URL) => OK_PAGE);
      const listener = await startLoopbackCallback({
        timeoutMs: 60_000,
        belongs: (url) => url.searchParams.get('state') === 'the-state',
        onCallback,
        onTimeout: () => {},
      });
      // The attacker knows the state (it was in the authorization URL) and brings a code of their own sign-in.
      const forged = `${listener.redirectUri}?code=attackers-own-code&state=the-state`;

      const attack = await runNodeAsOtherUser(
        user as Exclude<typeof user, string>,
        `const r = await fetch(${JSON.stringify(forged)}); console.log(JSON.stringify({ status: r.status, body: await r.text() }));`,
      );
      const refused = JSON.parse(attack.stdout) as { status: number; body: string };
      const real = await get(`${listener.redirectUri}?code=c&state=the-state`);
      await listener.closed;

      expect(refused.status).toBe(403);
      expect(refused.body).toMatch(/another user of this computer/);
      expect(real.status).toBe(200);
      expect(onCallback).toHaveBeenCalledTimes(1);
      expect(onCallback.mock.calls[0]?.[0].searchParams.get('code')).toBe('c');
    },
  );
});
