// Enrolment at the embedded identity provider's sign-in page (issue 18), over a real platform and HTTP as the
// workstation's browser drives it: an administrator registers a person and gets a one-time code; the person follows
// "First time here?" from the sign-in form, types the code and a new password, and is signed in at once as their new
// account (authorization code flow, and the approval of a device code). The code works once; mismatched or short
// passwords and malformed codes are refused without spending it; the code is never written back into a page; wrong
// codes are throttled by client address. SATRE 1.5.02, 3.2.02: people are registered and verified by an administrator before
// they get access, and only the person holding the code can take up the account.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import Fastify from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { RegisteredPersonSchema, type RegisterPerson } from '../../../src/common/people.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import {
  createEmbeddedIdentityProvider,
  type EmbeddedIdentityProviderOptions,
} from '../../../src/platform/identity/embedded/embedded-idp.ts';
import { NOT_A_CODE, PASSWORDS_DIFFER } from '../../../src/platform/identity/embedded/enrolment-routes.ts';
import { PAGE_CSP } from '../../../src/platform/identity/embedded/pages.ts';
import { MIN_CHOSEN_PASSWORD_CHARS } from '../../../src/platform/identity/embedded/password-rules.ts';
import { openPlatformRecords } from '../../../src/platform/records.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { enterAndConfirmCode, poll, startDeviceAuthorization } from './device-support.ts';
import {
  authorizationUrl,
  Browser,
  createPlatformFixture,
  loginFormAction,
  pkce,
  signIn,
  startPlatform,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

const NEW_PASSWORD = 'correct horse battery staple';
const WRONG_CODE = 'ABCDE-FGHJK-LMNPQ-RSTUV';

interface Running {
  fixture: PlatformFixture;
  platform: RunningPlatform;
  adminToken: string;
}

async function start(): Promise<Running> {
  const fixture = await createPlatformFixture();
  const platform = await startPlatform({ fixture });
  const { access_token: adminToken } = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
  return { fixture, platform, adminToken };
}

async function stop(running: Running | undefined): Promise<void> {
  await running?.platform.stop();
  await running?.fixture.cleanup();
}

function auditEvents(running: Running, type: string): Array<{ actor: string | null; outcome: string; details: Record<string, unknown> }> {
  const raw = new DatabaseSync(path.join(running.fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    const rows = raw.prepare('SELECT actor, outcome, details FROM audit_events WHERE type = ? ORDER BY seq').all(type) as Array<{
      actor: string | null;
      outcome: string;
      details: string;
    }>;
    return rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
  } finally {
    raw.close();
  }
}

/** Registers an invited person as demo-admin; answers the one-time code. */
async function register(running: Running, id: string): Promise<string> {
  const body: RegisterPerson = { id, displayName: `Person ${id}`, roles: ['analyst'], verification: 'Passport seen in person' };
  const response = await fetch(`${running.platform.url}/api/v1/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${running.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const registered = RegisteredPersonSchema.parse(await response.json());
  expect(registered.person.status).toBe('invited');
  return registered.enrolment!.code;
}

async function statusOf(running: Running, id: string): Promise<string> {
  const response = await fetch(`${running.platform.url}/api/v1/admin/users/${id}`, {
    headers: { authorization: `Bearer ${running.adminToken}` },
  });
  return ((await response.json()) as { person: { status: string } }).person.status;
}

/** The code as an administrator would pass it on: in groups of five, here also in lower case. */
const grouped = (code: string): string => code.match(/.{5}/g)!.join('-').toLowerCase();

function attribute(html: string, testId: string, name: string): string | undefined {
  const tag = new RegExp(`<[^>]*data-testid="${testId}"[^>]*>`).exec(html)?.[0];
  const value = tag === undefined ? undefined : new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  return value?.replaceAll('&amp;', '&');
}

/** Opens the sign-in page of a new authorization request, then follows its enrolment link. */
async function openEnrolment(running: Running, browser = new Browser()) {
  const verifier = pkce();
  const redirectUri = 'http://127.0.0.1:51000/callback';
  const login = await browser.follow(authorizationUrl({ issuer: running.platform.issuer, redirectUri, challenge: verifier.challenge }));
  const loginHtml = await login.response.text();
  const link = attribute(loginHtml, 'sign-in-enrol', 'href');
  if (link === undefined) throw new Error(`no enrolment link on ${login.url}: ${loginHtml.slice(0, 300)}`);
  const page = await browser.follow(new URL(link, login.url).href);
  const html = await page.response.text();
  const action = new URL(attribute(html, 'enrol-form', 'action')!, page.url).href;
  return { browser, verifier, redirectUri, loginUrl: login.url, loginHtml, page, html, action };
}

async function submitEnrolment(
  running: Running,
  options: { browser: Browser; action: string; code: string; password: string; repeat?: string },
): Promise<{ response: Response; url: string; html: string }> {
  const { response, url } = await options.browser.follow(
    options.action,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: options.code, password: options.password, repeat: options.repeat ?? options.password }).toString(),
    },
    running.platform.url,
  );
  return { response, url, html: response.status === 303 ? '' : await response.text() };
}

/** Tags balance, ids are unique, every field has a label, no script, inline style or event handler. */
function expectWellFormedAndLabelled(html: string): void {
  const voids = new Set(['meta', 'link', 'input', 'br', 'img', 'hr']);
  const open: string[] = [];
  for (const [, closing, name] of html.matchAll(/<(\/?)([a-z][a-z0-9]*)\b[^>]*>/g)) {
    if (voids.has(name)) continue;
    if (closing === '') open.push(name);
    else expect(open.pop(), `</${name}>`).toBe(name);
  }
  expect(open).toEqual([]);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const [, type, id] of html.matchAll(/<input[^>]*type="([^"]+)"[^>]*\sid="([^"]+)"/g)) {
    if (type !== 'hidden') expect(html).toContain(`<label for="${id}">`);
  }
  for (const [, described] of html.matchAll(/aria-describedby="([^"]+)"/g)) {
    for (const id of described.split(' ')) expect(ids).toContain(id);
  }
  expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
}

describe('enrolment on the sign-in page', () => {
  let running: Running;
  let adaCode: string;

  beforeAll(async () => {
    running = await start();
    adaCode = await register(running, 'new-analyst');
  });

  afterAll(() => stop(running));

  it('links from the sign-in form to a labelled, accessible enrolment form under the pages’ CSP', async () => {
    const { loginHtml, page, html } = await openEnrolment(running);
    expect(loginHtml).toMatch(
      /First time here\? <a href="[^"]+" data-testid="sign-in-enrol">Enrol with the code your administrator sent you<\/a>/,
    );
    expect(page.response.status).toBe(200);
    expect(page.response.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(html).toContain('<title>Enrol — Enclave</title>');
    expect(html).toMatch(/<label for="code">Enrolment code<\/label>/);
    expect(attribute(html, 'enrol-code', 'autocomplete')).toBe('one-time-code');
    expect(html).toMatch(/<label for="new-password">New password<\/label>/);
    expect(attribute(html, 'enrol-password', 'autocomplete')).toBe('new-password');
    expect(attribute(html, 'enrol-password', 'type')).toBe('password');
    expect(html).toMatch(/<label for="repeat-password">Repeat the new password<\/label>/);
    expect(attribute(html, 'enrol-repeat', 'autocomplete')).toBe('new-password');
    expect(html).toMatch(/<button type="submit" data-testid="enrol-submit">Enrol and sign in<\/button>/);
    // Back to the password form of the same sign-in.
    expect(attribute(html, 'enrol-sign-in', 'href')).toBe(new URL(page.url).pathname.replace(/\/enrol$/, ''));
    expectWellFormedAndLabelled(html);
    expectWellFormedAndLabelled(loginHtml);
  });

  it('refuses mismatched passwords, a short password and a malformed code without spending the code', async () => {
    const { browser, action } = await openEnrolment(running);

    const differ = await submitEnrolment(running, { browser, action, code: adaCode, password: NEW_PASSWORD, repeat: `${NEW_PASSWORD}!` });
    expect(differ.response.status).toBe(200);
    expect(differ.html).toContain(`<p class="alert" role="alert" id="enrol-alert">${PASSWORDS_DIFFER}</p>`);
    expect(attribute(differ.html, 'enrol-password', 'aria-invalid')).toBe('true');
    expect(attribute(differ.html, 'enrol-password', 'aria-describedby')).toBe('enrol-alert new-password-hint');

    const short = await submitEnrolment(running, { browser, action, code: adaCode, password: 'too-short' });
    expect(short.response.status).toBe(200);
    expect(short.html).toContain('role="alert" id="enrol-alert">Choose a password of 12 to 128 characters.</p>');
    // The page asks for what the people service accepts (both read identity/embedded/password-rules.ts).
    expect(attribute(short.html, 'enrol-password', 'minlength')).toBe(String(MIN_CHOSEN_PASSWORD_CHARS));

    const malformed = await submitEnrolment(running, { browser, action, code: 'ABCDE-FGHJK', password: NEW_PASSWORD });
    expect(malformed.response.status).toBe(200);
    expect(malformed.html).toContain(`role="alert" id="enrol-alert">${NOT_A_CODE}</p>`);
    expect(attribute(malformed.html, 'enrol-code', 'aria-invalid')).toBe('true');

    for (const refused of [differ, short, malformed]) {
      expectWellFormedAndLabelled(refused.html);
      expect(refused.html).not.toContain(adaCode);
      expect(refused.html).not.toContain(grouped(adaCode));
      expect(refused.html).not.toContain(NEW_PASSWORD);
      expect(attribute(refused.html, 'enrol-form', 'action')).toBe(new URL(action).pathname);
    }
    expect(await statusOf(running, 'new-analyst')).toBe('invited');
    expect(auditEvents(running, 'user.enrolled')).toEqual([]);
  });

  it('enrols the invited person with their code and new password, and signs them in as themselves', async () => {
    const { browser, action, verifier, redirectUri } = await openEnrolment(running);
    const done = await submitEnrolment(running, { browser, action, code: grouped(adaCode), password: NEW_PASSWORD });
    expect(done.response.status).toBe(303);
    const callback = new URL(done.url);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('iss')).toBe(running.platform.issuer);

    const { status, body } = await tokenRequest(running.platform.issuer, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      code_verifier: verifier.verifier,
    });
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token).sub).toBe('new-analyst');
    expect(decodeJwt(body.id_token!).sub).toBe('new-analyst');
    const me = await fetch(`${running.platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: 'new-analyst', displayName: 'Person new-analyst', role: 'analyst' });
    expect(await statusOf(running, 'new-analyst')).toBe('active');

    expect(auditEvents(running, 'user.enrolled')).toEqual([
      {
        actor: 'new-analyst',
        outcome: 'success',
        details: expect.objectContaining({ userId: 'new-analyst', via: 'sign-in page', old: 'invited', new: 'active' }),
      },
    ]);
    expect(auditEvents(running, 'auth.sign_in').at(-1)).toEqual({
      actor: 'new-analyst',
      outcome: 'success',
      details: { username: 'new-analyst', clientId: 'enclave-workstation', method: 'enrolment' },
    });
    expect(JSON.stringify(auditEvents(running, 'user.enrolled'))).not.toContain(adaCode);
  });

  it('refuses the code a second time, says why, and does not write it back', async () => {
    const { browser, action } = await openEnrolment(running);
    const again = await submitEnrolment(running, { browser, action, code: adaCode, password: 'another password entirely' });
    expect(again.response.status).toBe(200);
    expect(again.html).toContain(
      'role="alert" id="enrol-alert">This enrolment code is not valid: it may be mistyped, used already, or expired. Ask your administrator for a new one.</p>',
    );
    expect(again.html).not.toContain(adaCode);
    expect(attribute(again.html, 'enrol-code', 'value')).toBeUndefined();
    const refused = auditEvents(running, 'user.enrolment_refused');
    expect(refused.at(-1)).toMatchObject({ actor: null, outcome: 'failure' });
    expect(JSON.stringify(refused)).not.toContain(adaCode);
    // The password is still the one chosen at enrolment.
    const tokens = await signIn({ platform: running.platform, username: 'new-analyst', password: NEW_PASSWORD });
    expect(decodeJwt(tokens.access_token).sub).toBe('new-analyst');
  });

  it('lets the person sign in with the password they chose, on the normal form', async () => {
    const tokens = await signIn({ platform: running.platform, username: 'new-analyst', password: NEW_PASSWORD });
    const me = await fetch(`${running.platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await me.json()).toMatchObject({ id: 'new-analyst' });
    await expect(signIn({ platform: running.platform, username: 'new-analyst', password: 'another password entirely' })).rejects.toThrow();
  });

  it('offers enrolment when approving a device code too, and the command line is then signed in as the new person', async () => {
    const code = await register(running, 'cli-analyst');
    const device = await startDeviceAuthorization(running.platform);
    const browser = new Browser();
    const login = await enterAndConfirmCode({ platform: running.platform, device, browser });
    const loginHtml = await login.response.text();
    expect(loginFormAction(loginHtml, login.url)).toBeDefined();
    const link = attribute(loginHtml, 'sign-in-enrol', 'href');
    expect(link).toBeDefined();
    const page = await browser.follow(new URL(link!, login.url).href);
    const action = new URL(attribute(await page.response.text(), 'enrol-form', 'action')!, page.url).href;
    const done = await submitEnrolment(running, { browser, action, code, password: NEW_PASSWORD });
    expect(done.html).toContain('The command line is signed in');

    const granted = await poll(running.platform, device);
    expect(granted.status).toBe(200);
    expect(decodeJwt(granted.body.access_token).sub).toBe('cli-analyst');
  });
});

describe('wrong enrolment codes', () => {
  let running: Running;

  beforeAll(async () => {
    running = await start();
  });

  afterAll(() => stop(running));

  it('pauses enrolment from a client address after five wrong codes, even for the right code, and records it once', async () => {
    const code = await register(running, 'patient-person');
    const { browser, action } = await openEnrolment(running);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await submitEnrolment(running, { browser, action, code: WRONG_CODE, password: NEW_PASSWORD });
      expect(wrong.response.status).toBe(200);
      expect(wrong.html).toContain('This enrolment code is not valid');
    }
    for (const tried of [WRONG_CODE, code]) {
      const paused = await submitEnrolment(running, { browser, action, code: tried, password: NEW_PASSWORD });
      expect(paused.response.status).toBe(429);
      expect(paused.html).toMatch(
        /role="alert" id="enrol-alert">Too many wrong enrolment codes from this computer\. Wait \d+ seconds, then try again\./,
      );
    }
    expect(await statusOf(running, 'patient-person')).toBe('invited');

    const refusals = auditEvents(running, 'user.enrolment_refused');
    expect(refusals.filter((event) => event.details.reason === 'too_many_failures')).toEqual([
      {
        actor: null,
        outcome: 'failure',
        details: { address: '127.0.0.1', clientId: 'enclave-workstation', reason: 'too_many_failures', limit: 'username' },
      },
    ]);
    expect(JSON.stringify(refusals)).not.toContain(code);

    // Passwords keep their own budget: the pause is on codes, not on signing in from this computer.
    const tokens = await signIn({ platform: running.platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    expect(decodeJwt(tokens.access_token).sub).toBe('demo-analyst');
  });
});

/** The embedded provider alone on a bare Fastify app (seeded store), with the enrolment and refusal the test gives it. */
async function startProviderWith(options: Pick<EmbeddedIdentityProviderOptions, 'enrol' | 'refusal'>) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-enrol-idp-'));
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  const records = await openPlatformRecords({
    file: path.join(dataDir, 'metadata.sqlite'),
    seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) },
  });
  const idp = await createEmbeddedIdentityProvider({ dataDir, store: records.store, audit: records.audit, ...options });
  const app = Fastify();
  idp.register(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the provider is not listening on a port');
  const url = `http://127.0.0.1:${address.port}`;
  idp.attach(url);
  return {
    issuer: `${url}/oidc`,
    async stop() {
      await app.close();
      await records.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe('the provider on its own', () => {
  it('signs nobody in whom the platform refuses right after enrolling (suspended), and says why on the sign-in form', async () => {
    const enrolled: User = { id: 'demo-analyst-2', displayName: 'Ben Analyst', role: 'analyst', roles: ['analyst'] };
    const message = 'Your access to Enclave is suspended by an administrator: contact your administrator.';
    const alone = await startProviderWith({
      enrol: async () => enrolled,
      refusal: async (userId) => (userId === enrolled.id ? new EnclaveError('suspended', message) : null),
    });
    try {
      const browser = new Browser();
      const login = await browser.follow(
        authorizationUrl({ issuer: alone.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
      );
      const page = await browser.follow(new URL(attribute(await login.response.text(), 'sign-in-enrol', 'href')!, login.url).href);
      const action = new URL(attribute(await page.response.text(), 'enrol-form', 'action')!, page.url).href;
      const { response } = await browser.follow(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ code: WRONG_CODE, password: NEW_PASSWORD, repeat: NEW_PASSWORD }).toString(),
      });
      expect(response.status).toBe(403);
      const html = await response.text();
      expect(html).toContain(`<p class="alert" role="alert">${message}</p>`);
      expect(loginFormAction(html, page.url)).toBeDefined();
    } finally {
      await alone.stop();
    }
  });

  it('offers no enrolment when given none: no link on the sign-in form and no enrolment page', async () => {
    const alone = await startProviderWith({});
    try {
      const browser = new Browser();
      const login = await browser.follow(
        authorizationUrl({ issuer: alone.issuer, redirectUri: 'http://127.0.0.1:51000/callback', challenge: pkce().challenge }),
      );
      const html = await login.response.text();
      expect(loginFormAction(html, login.url)).toBeDefined();
      expect(html).not.toContain('sign-in-enrol');
      expect((await browser.fetch(`${login.url}/enrol`)).status).toBe(404);
    } finally {
      await alone.stop();
    }
  });
});
