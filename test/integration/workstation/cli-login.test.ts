// `enclave login` (device authorization grant, RFC 8628) end to end: the real CLI process against the real
// embedded provider, the person at the verification page played over fetch, the refresh token in a private
// gnome-keyring; then whoami, projects and logout as that user. With no keychain, login refuses and exits 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playDeviceSignIn, playSignIn } from './play-browser.ts';
import { runCli } from './cli-run.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './secret-service.ts';

const missing = secretServiceMissing();
if (missing) console.log(`[cli-login] keychain tests skipped: ${missing}`);

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

describe.skipIf(missing !== null)('the CLI with a keychain', () => {
  let service: SecretService;

  beforeAll(async () => {
    service = await startSecretService();
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('login (device code) → whoami → projects → logout → whoami refuses', { timeout: 60_000 }, async () => {
    const env = { ...service.env, ENCLAVE_PLATFORM_URL: platform.url };
    let played: Promise<string> | undefined;

    const login = await runCli(['login'], env, (line) => {
      const match = /open (\S+) in a browser and enter the code (\S+)/.exec(line);
      if (match)
        played = playDeviceSignIn({
          verificationUri: match[1] ?? '',
          userCode: match[2] ?? '',
          platformUrl: platform.url,
          username: 'demo-analyst',
        });
    });
    await played;
    const whoami = await runCli(['whoami'], env);
    const projects = await runCli(['projects', '--platform', platform.url], env);
    const logout = await runCli(['logout'], env);
    const after = await runCli(['whoami'], env);

    expect(login).toMatchObject({ code: 0 });
    expect(login.stdout).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);
    expect(login.stdout).toContain('Signed in as Ada Analyst (demo-analyst, analyst).');
    expect(whoami).toMatchObject({ code: 0, stdout: 'Signed in as Ada Analyst (demo-analyst, analyst).\n' });
    expect(projects.code).toBe(0);
    expect(projects.stdout.trim().length).toBeGreaterThan(0);
    expect(logout).toMatchObject({ code: 0, stdout: expect.stringContaining('Signed out') });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('enclave login');
  });

  it('login --browser uses the loopback flow on this machine', { timeout: 60_000 }, async () => {
    const env = { ...service.env, ENCLAVE_PLATFORM_URL: platform.url };
    let page: Promise<{ status: number; body: string }> | undefined;

    const login = await runCli(['login', '--browser'], env, (line) => {
      if (line.startsWith(`${platform.issuer}/auth?`))
        page = playSignIn({ authorizationUrl: line, platformUrl: platform.url, username: 'demo-checker-2' });
    });

    expect(login).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Signed in as Chidi Checker (demo-checker-2, output checker).'),
    });
    expect(await page).toMatchObject({ status: 200, body: expect.stringContaining('Return to the terminal') });
    expect((await runCli(['logout'], env)).code).toBe(0);
  });
});

it('login with no keychain says it cannot keep the sign-in and exits 1, before asking anyone to sign in', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENCLAVE_PLATFORM_URL: platform.url,
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/enclave-test-bus',
  };
  delete env.DISPLAY;

  const run = await runCli(['login'], env);

  expect(run.code).toBe(1);
  expect(run.stderr).toContain('cannot keep your sign-in');
  expect(run.stdout).not.toContain('enter the code');
});

it('without a platform URL, login says how to give one and exits 2', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.ENCLAVE_PLATFORM_URL;

  const run = await runCli(['login'], env);

  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--platform');
});
