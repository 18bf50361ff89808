// The system browser's sign-in over TLS (issue 19, A.4 and A.7): Debian's Chromium validates the real `enclave
// platform serve`'s certificate (a private CA's, for localhost and 127.0.0.1) through NSS, as on a workstation whose
// administrator put the organisation's CA in the user's NSS database: a temporary HOME with `$HOME/.pki/nssdb` made
// by certutil. Nothing is ignored (no ignoreHTTPSErrors, no --ignore-certificate-errors): with the CA, the
// workstation core's sign-in (in a child process that trusts the CA through ENCLAVE_CA_FILE) goes through the https
// login page and ends at its http://127.0.0.1:<port>/callback listener; the same Chromium without the CA stops at
// ERR_CERT_AUTHORITY_INVALID. SATRE 2.2.8 (data encrypted in transit).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { runChild, startTlsServe, type ChildRun, type TlsServe } from '../integration/tls-workstation-support.ts';
import { ADA, LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { watchPage } from './support/page-problems.ts';

const CA_NICKNAME = 'Enclave Test CA';

/** Why this test cannot run here, or null. CI installs both (libnss3-tools, chromium). */
function missingTool(): string | null {
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt: chromium; or set CHROMIUM_PATH)`;
  if (spawnSync('sh', ['-c', 'command -v certutil']).status !== 0) return 'certutil is not installed (apt: libnss3-tools)';
  return null;
}

const missing = missingTool();
if (missing) console.log(`Skipped: the Chromium sign-in over TLS needs NSS's certutil and Chromium: ${missing}.`);

/** A HOME with an NSS database (as Chromium on Linux reads it), holding `ca` as a trusted authority when given. */
async function nssHome(ca: TestCa | null): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'enclave-nss-home-'));
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  await mkdir(join(home, '.pki', 'nssdb'), { recursive: true, mode: 0o700 });
  execFileSync('certutil', ['-d', db, '-N', '--empty-password'], { stdio: 'pipe' });
  if (ca !== null) execFileSync('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', CA_NICKNAME, '-i', ca.caFile], { stdio: 'pipe' });
  return home;
}

/** The nicknames and trust flags in a HOME's NSS database. */
function nssListing(home: string): string {
  return execFileSync('certutil', ['-d', `sql:${join(home, '.pki', 'nssdb')}`, '-L'], { encoding: 'utf8' });
}

function launch(home: string): Promise<Browser> {
  // Chromium on Linux finds its NSS database under $HOME: the only difference between the two browsers.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, env: { ...process.env, HOME: home } });
}

describe.skipIf(missing !== null)('Chromium signing in to the platform over TLS, trusting the CA through NSS', () => {
  let ca: TestCa;
  let serve: TlsServe;
  let trustingHome: string;
  let plainHome: string;
  let trusting: Browser;
  let plain: Browser;
  let core: ChildRun | undefined;

  beforeAll(async () => {
    ca = makeTestCa(CA_NICKNAME);
    serve = await startTlsServe(ca);
    trustingHome = await nssHome(ca);
    plainHome = await nssHome(null);
    trusting = await launch(trustingHome);
    plain = await launch(plainHome);
  });

  afterAll(async () => {
    core?.kill();
    await trusting?.close();
    await plain?.close();
    await serve?.stop();
    for (const home of [trustingHome, plainHome]) if (home) await rm(home, { recursive: true, force: true });
    ca?.remove();
  });

  it('the browsers differ only in their NSS database, and neither is told to ignore certificate errors', () => {
    expect(CHROMIUM_ARGS.filter((arg) => /certificate|insecure|ssl|cert-/i.test(arg))).toEqual([]);
    expect(nssListing(trustingHome)).toMatch(new RegExp(`^${CA_NICKNAME}\\s+C,,\\s*$`, 'm'));
    expect(nssListing(plainHome)).not.toContain(CA_NICKNAME);
  });

  it(
    'with the CA the sign-in goes through the https login page to the loopback listener; without it Chromium stops at ERR_CERT_AUTHORITY_INVALID',
    { timeout: 120_000 },
    async () => {
      core = await runChild(
        { role: 'core', username: ADA.username, person: 'browser' },
        { ENCLAVE_PLATFORM_URL: serve.url, ENCLAVE_CA_FILE: ca.caFile },
      );
      const authorizationUrl = (await core.next('authorization')).url;
      expect(authorizationUrl.startsWith(`${serve.url}/oidc/auth?`)).toBe(true);

      // Without the CA: the same address is refused at the handshake (so nothing of the sign-in is spent).
      const refusedPage = await plain.newPage();
      const refusal = await refusedPage.goto(authorizationUrl).then(
        () => 'loaded',
        (err: Error) => err.message,
      );
      expect(refusal).toMatch(/net::ERR_CERT_AUTHORITY_INVALID/);
      await saveScreenshot(refusedPage, 'tls-untrusted');
      await refusedPage.close();

      // With the CA: the login page over https, its certificate checked by Chromium against the NSS database.
      const context = await trusting.newContext({ viewport: { width: 1024, height: 768 }, locale: 'en-GB' });
      const page: Page = await context.newPage();
      const problems = watchPage(page);
      const response = await page.goto(authorizationUrl);
      await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('Sign in — Enclave');
      expect(page.url().startsWith(`${serve.url}/oidc/`)).toBe(true);
      const security = await response?.securityDetails();
      expect(security).toMatchObject({ issuer: CA_NICKNAME, subjectName: 'localhost' });
      expect(security?.protocol).toMatch(/^TLS 1\.[23]$/);
      await saveScreenshot(page, 'tls-login-page');
      await expectNoSeriousAccessibilityViolations(page, 'login page over https');

      await new LoginPage(page).fill(ADA);
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 30_000 });
      await expect.poll(() => page.locator('h1').textContent(), { timeout: 15_000 }).toBe('You are signed in');
      await saveScreenshot(page, 'tls-callback');

      const done = await core.next('signed-in');
      expect(done.session).toMatchObject({
        state: 'signed_in',
        user: { id: ADA.username, displayName: ADA.displayName },
        platform: { url: serve.url },
        issuer: `${serve.url}/oidc`,
      });
      expect(done.projects.length).toBeGreaterThan(0);
      expect((await core.ended).code).toBe(0);
      problems.assertNone('during the sign-in over https');
      await context.close();
    },
  );
});
