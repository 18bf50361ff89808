// Drives the embedded identity provider over real HTTP, as a browser and an OAuth client would: a cookie
// jar, PKCE, the login form, the loopback redirect and the token endpoint. Each platform gets its own data
// folder (the platform fixture) and listens on 127.0.0.1 with a free port.
import { createHash, randomBytes } from 'node:crypto';
import type { PlatformDatabaseOptions } from '../../../src/platform/platform-core.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, type PlatformFixture } from '../platform/fixture.ts';

export const CLIENT_ID = 'enclave-workstation';
export const SCOPE = 'openid profile offline_access';

export interface RunningPlatform {
  readonly server: PlatformServer;
  readonly url: string;
  readonly issuer: string;
  stop(): Promise<void>;
}

export async function startPlatform(options: {
  fixture: PlatformFixture;
  accessTokenTtlSeconds?: number;
  sessionMaxSeconds?: number;
  port?: number;
  /** A PostgreSQL metadata store instead of the data folder's SQLite file. */
  database?: PlatformDatabaseOptions;
}): Promise<RunningPlatform> {
  const server = await createPlatformServer({
    dataDir: options.fixture.dataDir,
    cataloguePath: options.fixture.cataloguePath,
    identity: { kind: 'embedded', accessTokenTtlSeconds: options.accessTokenTtlSeconds, sessionMaxSeconds: options.sessionMaxSeconds },
    ...(options.database === undefined ? {} : { database: options.database }),
  });
  const url = await server.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  return { server, url, issuer: `${url}/oidc`, stop: () => server.close() };
}

export { createPlatformFixture, type PlatformFixture };

/** A browser's cookies, enough for one host: name → value (paths are ignored; the provider scopes by name). */
export class Browser {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1]) < Date.now());
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Follows redirects on the platform, stopping at the first one that leaves it (the loopback callback). */
  async follow(url: string, init: RequestInit = {}, platformUrl?: string): Promise<{ response: Response; url: string }> {
    let current = url;
    let response = await this.fetch(current, init);
    for (let hops = 0; hops < 10 && response.status >= 300 && response.status < 400; hops++) {
      const next = new URL(response.headers.get('location')!, current).href;
      if (platformUrl !== undefined && !next.startsWith(platformUrl)) return { response, url: next };
      current = next;
      response = await this.fetch(current);
    }
    return { response, url: current };
  }
}

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizationUrl(options: {
  issuer: string;
  redirectUri: string;
  challenge: string;
  state?: string;
  nonce?: string;
  extra?: Record<string, string>;
}): string {
  const url = new URL(`${options.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: SCOPE,
    code_challenge: options.challenge,
    code_challenge_method: 'S256',
    state: options.state ?? 'state-1',
    nonce: options.nonce ?? 'nonce-1',
    ...options.extra,
  }).toString();
  return url.href;
}

/** The action of the login page's form, or undefined when the page has no login form. */
export function loginFormAction(html: string, base: string): string | undefined {
  const match = /<form method="post" action="([^"]+)" data-testid="sign-in-form">/.exec(html);
  return match === null ? undefined : new URL(match[1].replaceAll('&amp;', '&'), base).href;
}

export async function submitLogin(options: { browser: Browser; action: string; username: string; password: string; platformUrl: string }) {
  return options.browser.follow(
    options.action,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
    },
    options.platformUrl,
  );
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number;
  token_type: string;
  scope?: string;
}

export async function tokenRequest(
  issuer: string,
  params: Record<string, string>,
): Promise<{ status: number; body: TokenSet & { error?: string; error_description?: string } }> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, ...params }).toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenSet & { error?: string } };
}

/** The whole browser part of a sign-in: authorize, log in, and the loopback redirect it ends with. */
export async function signInWithBrowser(options: {
  platform: RunningPlatform;
  username: string;
  password: string;
  redirectUri?: string;
  pkce?: Pkce;
  browser?: Browser;
  extra?: Record<string, string>;
}): Promise<{ callback: URL; pkce: Pkce; redirectUri: string; browser: Browser }> {
  const browser = options.browser ?? new Browser();
  const verifier = options.pkce ?? pkce();
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:53682/callback';
  const start = await browser.follow(
    authorizationUrl({ issuer: options.platform.issuer, redirectUri, challenge: verifier.challenge, extra: options.extra }),
  );
  const html = await start.response.text();
  const action = loginFormAction(html, start.url);
  if (action === undefined) throw new Error(`no login form at ${start.url} (${start.response.status}): ${html.slice(0, 300)}`);
  const done = await submitLogin({
    browser,
    action,
    username: options.username,
    password: options.password,
    platformUrl: options.platform.url,
  });
  return { callback: new URL(done.url), pkce: verifier, redirectUri, browser };
}

export async function signIn(options: { platform: RunningPlatform; username: string; password: string }): Promise<TokenSet> {
  const { callback, pkce: verifier, redirectUri } = await signInWithBrowser(options);
  const code = callback.searchParams.get('code');
  if (code === null) throw new Error(`sign-in did not end with a code: ${callback.href}`);
  const { status, body } = await tokenRequest(options.platform.issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier.verifier,
  });
  if (status !== 200) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body;
}
