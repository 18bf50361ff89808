// `enclave terms show | accept` end to end: the real CLI process, signed in with `enclave login --browser` (a private
// gnome-keyring holds the sign-in; the person at the embedded provider is played over fetch), against a demo platform on
// which the administrator publishes terms for analysts through the API. The analyst reads them, is refused everything
// else until they accept exactly what was shown (version and sha256), and a text that changed since it was shown is
// refused. SATRE 1.5.02 (onboarding: each role signs its terms of use before access, and again when they change). Bad
// command lines run in this process (they are refused before anything connects).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTerms } from '../../../src/cli/terms.ts';
import { createPlatformFixture, signIn, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { PASSWORDS, playSignIn } from './play-browser.ts';
import { runCli, runInProcess as runCommandInProcess } from './cli-run.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './secret-service.ts';

const missing = secretServiceMissing();
if (missing) console.log(`[cli-terms] keychain tests skipped: ${missing}`);

const runInProcess = (args: string[]) => runCommandInProcess((io) => runTerms(args, io));

const HEX = 'a'.repeat(64);

describe('bad command lines', () => {
  it.each([
    { args: ['accept'], says: 'Give the --version and --sha256' },
    { args: ['accept', '--version', '1'], says: 'Give the --version and --sha256' },
    { args: ['accept', '--version', 'one', '--sha256', HEX], says: '--version must be a version number' },
    { args: ['accept', '--version', '1', '--sha256', 'abc'], says: '--sha256 must be the 64 hex digits' },
    { args: ['accept', '--version', '1', '--sha256', HEX, '--audience', 'wizard'], says: '--audience wizard is not everyone or a role.' },
    { args: ['show', '--version', '1'], says: '`enclave terms show` takes no --version.' },
    { args: ['sign'], says: 'There is no command `enclave terms sign`.' },
    { args: ['show', '--colour'], says: "Unknown option '--colour'" },
  ])('terms $args.0 ($says): usage, exit 2, nothing sent', async ({ args, says }) => {
    const run = await runInProcess(args);

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain('enclave terms accept --version N --sha256 HEX');
    expect(run.stdout).toBe('');
  });

  it('--help prints the usage', async () => {
    expect(await runInProcess(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('enclave terms show') });
  });
});

describe.skipIf(missing !== null)('as a signed-in analyst', () => {
  let fixture: PlatformFixture;
  let platform: RunningPlatform;
  let service: SecretService;
  let env: NodeJS.ProcessEnv;

  /** The administrator publishes terms through the platform's API. */
  async function publish(terms: { audience: string; text: string; summary: string }): Promise<{ version: number; sha256: string }> {
    const { access_token: token } = await signIn({ platform, username: 'demo-admin', password: PASSWORDS['demo-admin'] ?? '' });
    const response = await fetch(`${platform.url}/api/v1/admin/terms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...terms, requiresAcceptance: true }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as { version: number; sha256: string };
  }

  beforeAll(async () => {
    fixture = await createPlatformFixture();
    platform = await startPlatform({ fixture });
    service = await startSecretService();
    env = { ...service.env, ENCLAVE_PLATFORM_URL: platform.url };
    let page: Promise<unknown> | undefined;
    const login = await runCli(['login', '--browser'], env, (line) => {
      if (line.startsWith(`${platform.issuer}/auth?`))
        page = playSignIn({ authorizationUrl: line, platformUrl: platform.url, username: 'demo-analyst' });
    });
    await page;
    expect(login.code, login.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await platform?.stop();
    await fixture?.cleanup();
  });

  it('shows that no terms are in force before any are published', { timeout: 60_000 }, async () => {
    expect(await runCli(['terms', 'show'], env)).toMatchObject({ code: 0, stdout: 'No terms of use are in force for you.\n' });
  });

  it(
    'shows the analysts’ terms with version, sha256 and what to run; refuses everything else until they are accepted as shown',
    { timeout: 60_000 },
    async () => {
      const published = await publish({
        audience: 'analyst',
        text: '# Analysts\n\nKeep every row **inside** the environment.\n\u001b[2J<script>x</script>',
        summary: 'First version for analysts.',
      });

      const show = await runCli(['terms', 'show'], env);
      const refused = await runCli(['projects'], env);
      const wrong = await runCli(['terms', 'accept', '--version', '1', '--sha256', HEX], env);
      const accept = await runCli(
        ['terms', 'accept', '--version', String(published.version), '--sha256', published.sha256.toUpperCase()],
        env,
      );
      const after = await runCli(['terms', 'show'], env);
      const projects = await runCli(['projects'], env);

      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/^Terms of use for analysts \(analyst\): version 1, in force from \d{4}-\d\d-\d\dT/);
      expect(show.stdout).toContain('What changed: First version for analysts.');
      expect(show.stdout).toContain(`sha256 ${published.sha256}`);
      expect(show.stdout).toContain('You must accept this version before using the platform (you have not accepted any version).');
      expect(show.stdout).toContain(`To accept it: enclave terms accept --audience analyst --version 1 --sha256 ${published.sha256}`);
      expect(show.stdout).toContain('  Keep every row **inside** the environment.');
      // Someone else's text never steers the terminal.
      expect(show.stdout).toContain('  \\u001b[2J<script>x</script>');
      expect(show.stdout).not.toContain('\u001b');

      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/terms of use/i);
      expect(wrong).toMatchObject({ code: 2, stderr: expect.stringContaining('they may have changed since they were shown') });

      expect(accept).toMatchObject({ code: 0, stderr: '' });
      expect(accept.stdout).toContain(`Accepted the terms of use for analysts, version 1 (sha256 ${published.sha256}).`);
      expect(accept.stdout).toContain('You have accepted every set of terms in force for you.');
      expect(after.stdout).toContain('You accepted this version.');
      expect(projects.code, projects.stderr).toBe(0);
    },
  );

  it('refuses to accept what `show` printed once the terms have changed since (a new version)', { timeout: 60_000 }, async () => {
    const before = await runCli(['terms', 'show'], env);
    const [, shownSha] = /sha256 ([0-9a-f]{64})/.exec(before.stdout) ?? [];
    await publish({
      audience: 'analyst',
      text: '# Analysts\n\nVersion two: report incidents within 24 hours.',
      summary: 'Incident reporting.',
    });

    const stale = await runCli(['terms', 'accept', '--audience', 'analyst', '--version', '1', '--sha256', shownSha ?? ''], env);
    const show = await runCli(['terms', 'show'], env);

    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('The terms of use have changed since they were shown to you');
    expect(show.stdout).toContain('version 2');
    expect(show.stdout).toContain('You must accept this version before using the platform (you accepted version 1).');
  });
});
