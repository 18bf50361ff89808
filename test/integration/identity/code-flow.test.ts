// The embedded identity provider's authorization code flow, driven over HTTP as the workstation's browser
// and its OAuth client would: authorize → login form → credentials → loopback redirect with a code → token,
// and each way it must refuse (wrong password, PKCE mismatch, a redirect that is not the loopback callback).
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  Browser,
  CLIENT_ID,
  createPlatformFixture,
  loginFormAction,
  pkce,
  signIn,
  signInWithBrowser,
  startPlatform,
  submitLogin,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

function auditEvents(type: string): Array<{ actor: string | null; outcome: string; details: string }> {
  const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    return raw.prepare('SELECT actor, outcome, details FROM audit_events WHERE type = ? ORDER BY seq').all(type) as Array<{
      actor: string | null;
      outcome: string;
      details: string;
    }>;
  } finally {
    raw.close();
  }
}

async function openLoginPage(options: { redirectUri?: string; extra?: Record<string, string>; browser?: Browser } = {}) {
  const browser = options.browser ?? new Browser();
  const verifier = pkce();
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:51000/callback';
  const { response, url } = await browser.follow(
    authorizationUrl({ issuer: platform.issuer, redirectUri, challenge: verifier.challenge, extra: options.extra }),
  );
  const html = await response.text();
  return { browser, verifier, redirectUri, response, url, html, action: loginFormAction(html, url) };
}

describe('sign-in with authorization code and PKCE', () => {
  it('publishes its discovery document at <platform>/oidc, with PKCE S256 and no implicit flows', async () => {
    const metadata = (await (await fetch(`${platform.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(platform.issuer);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.token_endpoint).toBe(`${platform.issuer}/token`);
    expect(metadata.revocation_endpoint).toBe(`${platform.issuer}/token/revocation`);
    expect(metadata.device_authorization_endpoint).toBe(`${platform.issuer}/device/auth`);
  });

  it('signs Ada in: login form, loopback redirect with code and state, tokens the API accepts', async () => {
    const page = await openLoginPage();
    expect(page.response.status).toBe(200);
    expect(page.url).toMatch(new RegExp(`^${platform.issuer}/interaction/[\\w-]+$`));
    expect(page.html).toContain('<title>Sign in — Enclave</title>');
    expect(page.html).toContain('<label for="username">Username</label>');
    expect(page.html).toContain('<label for="password">Password</label>');
    expect(page.html).toMatch(/<button type="submit"[^>]*>Sign in<\/button>/);

    const done = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'demo-analyst',
      password: 'ada-demo-pass',
      platformUrl: platform.url,
    });
    expect(done.response.status).toBe(303);
    const callback = new URL(done.url);
    expect(callback.origin + callback.pathname).toBe(page.redirectUri);
    expect(callback.searchParams.get('state')).toBe('state-1');
    expect(callback.searchParams.get('iss')).toBe(platform.issuer);

    const { status, body } = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: page.redirectUri,
      code_verifier: page.verifier.verifier,
    });
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(300);
    expect(body.refresh_token).toEqual(expect.any(String));

    const keys = createRemoteJWKSet(new URL(`${platform.issuer}/jwks`));
    const idToken = await jwtVerify(body.id_token!, keys, { issuer: platform.issuer, audience: CLIENT_ID });
    expect(idToken.payload).toMatchObject({ sub: 'demo-analyst', name: 'Ada Analyst', nonce: 'nonce-1' });
    expect(idToken.payload.auth_time).toEqual(expect.any(Number));

    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ typ: 'at+jwt', alg: 'RS256' });
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: 'demo-analyst',
      aud: 'urn:enclave:platform-api',
      iss: platform.issuer,
      client_id: CLIENT_ID,
    });
    const me = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(await me.json()).toEqual({ id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst', roles: ['analyst'] });

    const success = auditEvents('auth.sign_in').filter((event) => event.outcome === 'success');
    expect(success.at(-1)).toEqual({
      actor: 'demo-analyst',
      outcome: 'success',
      details: '{"clientId":"enclave-workstation","method":"password","username":"demo-analyst"}',
    });
  });

  it('signs in each demo user as themselves, with the role the platform gives them', async () => {
    const accounts = [
      ['demo-analyst-2', 'ben-demo-pass', 'analyst'],
      ['demo-checker-1', 'chloe-demo-pass', 'output_checker'],
      ['demo-checker-2', 'chidi-demo-pass', 'output_checker'],
      ['demo-admin', 'dana-demo-pass', 'admin'],
    ] as const;
    for (const [username, password, role] of accounts) {
      const tokens = await signIn({ platform, username, password });
      const me = (await (
        await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
      ).json()) as { id: string; role: string };
      expect(me).toMatchObject({ id: username, role });
    }
  });

  it('keeps the form, says the password is wrong, and records the failure without the password', async () => {
    const page = await openLoginPage();
    const done = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'demo-analyst',
      password: 'not-adas-pass',
      platformUrl: platform.url,
    });
    expect(done.response.status).toBe(200);
    const html = await done.response.text();
    expect(html).toContain('<p class="alert" role="alert">The username or password is wrong.</p>');
    expect(loginFormAction(html, done.url)).toBe(page.action);
    expect(html).toContain('value="demo-analyst"');
    expect(html).not.toContain('not-adas-pass');

    const failures = auditEvents('auth.sign_in').filter((event) => event.outcome === 'failure');
    expect(failures.at(-1)).toEqual({
      actor: null,
      outcome: 'failure',
      details: '{"clientId":"enclave-workstation","reason":"wrong_credentials","username":"demo-analyst"}',
    });
    expect(JSON.stringify(auditEvents('auth.sign_in'))).not.toContain('not-adas-pass');
  });

  it('answers an unknown username exactly as a wrong password', async () => {
    const page = await openLoginPage();
    const done = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'mallory',
      password: 'ada-demo-pass',
      platformUrl: platform.url,
    });
    expect(await done.response.text()).toContain('The username or password is wrong.');
  });

  it('pauses a username after five wrong passwords in a row, and says so', async () => {
    const page = await openLoginPage();
    let html = '';
    for (let attempt = 1; attempt <= 6; attempt++) {
      const done = await submitLogin({
        browser: page.browser,
        action: page.action!,
        username: 'demo-checker-2',
        password: `guess-${attempt}`,
        platformUrl: platform.url,
      });
      html = await done.response.text();
      if (attempt === 6) expect(done.response.status).toBe(429);
    }
    expect(html).toMatch(/role="alert">Too many wrong passwords for this username\. Wait \d+ seconds, then try again\./);
    // Even the right password waits.
    const right = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'demo-checker-2',
      password: 'chidi-demo-pass',
      platformUrl: platform.url,
    });
    expect(right.response.status).toBe(429);
    expect(auditEvents('auth.sign_in').at(-1)?.details).toContain('"reason":"too_many_failures"');
  });

  it('checks at most five of many wrong passwords sent at once for one username, and refuses the rest', async () => {
    const page = await openLoginPage();
    const before = auditEvents('auth.sign_in').length;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, attempt) =>
        submitLogin({
          browser: page.browser,
          action: page.action!,
          username: 'demo-checker-1',
          password: `parallel-guess-${attempt}`,
          platformUrl: platform.url,
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.response.status);
    const checked = auditEvents('auth.sign_in')
      .slice(before)
      .filter((event) => event.details.includes('"reason":"wrong_credentials"'));
    expect(checked.length).toBeGreaterThan(0);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 200)).toHaveLength(checked.length);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - checked.length);
    // And the username is paused afterwards, even for its right password.
    const right = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'demo-checker-1',
      password: 'chloe-demo-pass',
      platformUrl: platform.url,
    });
    expect(right.response.status).toBe(429);
  });

  it('records a username that is not an account as "(unknown username)": it may be a password typed in the wrong field', async () => {
    const page = await openLoginPage();
    for (const typed of ['ada-demo-pass', 'Correct Horse Battery', 'not-a-user']) {
      await submitLogin({ browser: page.browser, action: page.action!, username: typed, password: 'whatever', platformUrl: platform.url });
      expect(auditEvents('auth.sign_in').at(-1)).toEqual({
        actor: null,
        outcome: 'failure',
        details: '{"clientId":"enclave-workstation","reason":"wrong_credentials","username":"(unknown username)"}',
      });
    }
    const stored = JSON.stringify(auditEvents('auth.sign_in'));
    expect(stored).not.toContain('ada-demo-pass');
    expect(stored).not.toContain('Correct Horse Battery');
    expect(stored).not.toContain('not-a-user');
  });

  it('refuses a token request whose PKCE verifier does not match the challenge', async () => {
    const { callback, redirectUri } = await signInWithBrowser({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const { status, body } = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: pkce().verifier,
    });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(body.access_token).toBeUndefined();
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(authorizationUrl({ issuer: platform.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: 'x' }));
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const response = await new Browser().fetch(url.href);
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it.each([
    ['http://attacker.example/callback', 'another host'],
    ['https://127.0.0.1:51000/callback', 'https on loopback'],
    ['http://localhost:51000/callback', 'localhost instead of 127.0.0.1'],
    ['http://127.0.0.1:51000/other', 'the loopback address with another path'],
    ['http://127.0.0.1:51000/callback/../steal', 'a path that walks out of /callback'],
  ])('refuses the redirect URI %s (%s) without redirecting there', async (redirectUri) => {
    const page = await openLoginPage({ redirectUri });
    expect(page.response.status).toBe(400);
    expect(page.response.headers.get('location')).toBeNull();
    expect(page.action).toBeUndefined();
    expect(page.html).toContain('The sign-in request was not valid');
  });

  it('refuses a request that names no redirect URI, with a page rather than a redirect to a default', async () => {
    const url = new URL(
      authorizationUrl({ issuer: platform.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
    );
    url.searchParams.delete('redirect_uri');
    const response = await new Browser().fetch(url.href);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });

  it('asks for the password at every sign-in, even when the browser already signed in', async () => {
    const first = await signInWithBrowser({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const again = await openLoginPage({ browser: first.browser });
    expect(again.action).toBeDefined();
  });

  it('signs in someone else in the same browser as themselves, ending the previous browser session first', async () => {
    const first = await signInWithBrowser({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const page = await openLoginPage({ browser: first.browser });
    const switched = await submitLogin({
      browser: first.browser,
      action: page.action!,
      username: 'demo-analyst-2',
      password: 'ben-demo-pass',
      platformUrl: platform.url,
    });
    // oidc-provider first ends Ada's browser session with a form a browser submits by itself (the CSP
    // allows exactly that script by its hash); this test submits it as the browser would.
    expect(switched.response.status).toBe(200);
    expect(switched.response.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await switched.response.text();
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html)!;
    const fields = new URLSearchParams(
      [...form[2].matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((match): [string, string] => [match[1], match[2]]),
    );
    const done = await first.browser.follow(
      new URL(form[1], switched.url).href,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() },
      platform.url,
    );
    const callback = new URL(done.url);
    const { body } = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: page.redirectUri,
      code_verifier: page.verifier.verifier,
    });
    expect(decodeJwt(body.access_token).sub).toBe('demo-analyst-2');
  });

  it('fills in the username from login_hint, and shows the form for prompt=login and max_age=0', async () => {
    const hinted = await openLoginPage({ extra: { login_hint: 'demo-admin', prompt: 'login' } });
    expect(hinted.html).toContain('value="demo-admin"');
    const fresh = await openLoginPage({ extra: { max_age: '0' } });
    expect(fresh.action).toBeDefined();
  });

  it('needs no consent screen for its own client, even when a client asks with prompt=consent', async () => {
    const page = await openLoginPage({ extra: { prompt: 'login consent' } });
    const done = await submitLogin({
      browser: page.browser,
      action: page.action!,
      username: 'demo-analyst',
      password: 'ada-demo-pass',
      platformUrl: platform.url,
    });
    const callback = new URL(done.url);
    expect(callback.origin).toBe('http://127.0.0.1:51000');
    const { status, body } = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: page.redirectUri,
      code_verifier: page.verifier.verifier,
    });
    expect(status).toBe(200);
    expect(body.refresh_token).toEqual(expect.any(String));
  });

  it("leaves the provider's request bodies to the provider: the platform's body limit and JSON-only parsing do not apply", async () => {
    const large = await fetch(`${platform.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: CLIENT_ID,
        code: 'x'.repeat(8000),
        redirect_uri: 'http://127.0.0.1:1/callback',
        code_verifier: 'y'.repeat(60),
      }).toString(),
    });
    expect(large.status).toBe(400);
    expect(((await large.json()) as { error: string }).error).toBe('invalid_grant');
    const json = await fetch(`${platform.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"refresh_token"}',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('escapes a hostile login_hint', async () => {
    const page = await openLoginPage({ extra: { login_hint: '"><script>alert(1)</script>' } });
    expect(page.html).not.toContain('<script>');
    expect(page.html).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('serves the sign-in page with a strict CSP: no inline script or style, forms only to itself and the loopback callback', async () => {
    const page = await openLoginPage();
    const csp = page.response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("form-action 'self' http://127.0.0.1:*");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    expect(page.response.headers.get('cache-control')).toBe('no-store');
    const css = await fetch(`${platform.issuer}/assets/sign-in.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(page.html).toContain('<link rel="icon" href="/oidc/assets/icon.svg" type="image/svg+xml">');
    for (const icon of [`${platform.issuer}/assets/icon.svg`, `${platform.url}/favicon.ico`]) {
      const response = await fetch(icon);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/svg+xml');
    }
  });

  it('answers a stale or forged interaction with a page that says to start again', async () => {
    const response = await new Browser().fetch(`${platform.issuer}/interaction/not-a-real-interaction`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('start signing in again');
    const post = await new Browser().fetch(`${platform.issuer}/interaction/not-a-real-interaction/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=demo-admin&password=dana-demo-pass',
    });
    expect(post.status).toBe(400);
  });
});
