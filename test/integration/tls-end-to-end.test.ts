// The workstation and the `enclave` command against the REAL `enclave platform serve` over TLS (issue 19, A.4–A.6):
// a certificate for localhost and 127.0.0.1 from a private CA made with openssl, and the one trust setting,
// ENCLAVE_CA_FILE. With it, `enclave login` (device code, and --browser), whoami, projects and logout work, and the
// workstation core signs in through the https login page and lists projects; without it, every one of them says the
// platform's certificate is not trusted, naming ENCLAVE_CA_FILE, and never that the platform "cannot be reached".
// The CA is added to a whole process's roots, so the core and the person at the browser run in child processes
// (./tls-workstation-child.ts); this process never trusts the CA. SATRE 2.2.8 (data encrypted in transit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { runChild, startTlsServe, type ChildJob, type ChildRun, type TlsServe } from './tls-workstation-support.ts';
import { runCli } from './workstation/cli-run.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './workstation/secret-service.ts';

const SLOW = 60_000;
/** A project the fixture's demo-analyst is a member of. */
const PROJECT = 'covid-outcomes';

let ca: TestCa;
let otherCa: TestCa;
let serve: TlsServe;

beforeAll(async () => {
  ca = makeTestCa('Enclave Test CA');
  otherCa = makeTestCa('Another Test CA');
  serve = await startTlsServe(ca);
});

afterAll(async () => {
  await serve?.stop();
  ca?.remove();
  otherCa?.remove();
});

const notTrusted = (url: string): RegExp =>
  new RegExp(
    `The certificate of the platform at ${url.replaceAll('.', '\\.')} is not signed by an authority this computer trusts ` +
      '\\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)\\. If your organisation has its own certificate authority, set ENCLAVE_CA_FILE',
  );

describe('serve over TLS: the certificate it presents', () => {
  it('is served on https://127.0.0.1 and is not one Node trusts by default (this process has no bundle)', async () => {
    expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const refused = await fetch(`${serve.url}/api/v1/health`).then(
      () => 'answered',
      (err: Error & { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(refused).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('the workstation core over https (in a child process, as the shells make it)', () => {
  it(
    'with ENCLAVE_CA_FILE: connected, signs in through the https login page to the loopback listener, lists projects',
    { timeout: SLOW },
    async () => {
      const child = await runChild(
        { role: 'core', username: 'demo-analyst', person: 'here' },
        { ENCLAVE_PLATFORM_URL: serve.url, ENCLAVE_CA_FILE: ca.caFile },
      );
      const { code, lines, stderr } = await child.ended;
      expect(code, `${JSON.stringify(lines)}\n${stderr}`).toBe(0);

      const trust = await child.next('trust');
      expect(trust.applied).toMatch(
        new RegExp(`^Trusting 1 more certificate authority from ${ca.caFile} \\(ENCLAVE_CA_FILE\\): CN=Enclave Test CA \\(until `),
      );
      expect((await child.next('status')).status).toEqual({
        state: 'ready',
        message: `Connected to Enclave demo platform at ${serve.url}.`,
      });
      const authorization = new URL((await child.next('authorization')).url);
      expect(authorization.origin + authorization.pathname).toBe(`${serve.url}/oidc/auth`);

      const done = await child.next('signed-in');
      expect(done.callback?.callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
      expect(done.callback).toMatchObject({ status: 200, body: expect.stringContaining('You are signed in') });
      expect(done.session).toMatchObject({
        state: 'signed_in',
        user: { id: 'demo-analyst', displayName: 'Ada Analyst' },
        platform: { url: serve.url },
        issuer: `${serve.url}/oidc`,
      });
      expect(done.projects).toContain(PROJECT);
    },
  );

  it(
    'without it: the status says the certificate is not trusted, naming ENCLAVE_CA_FILE; sign-in is refused the same way',
    { timeout: SLOW },
    async () => {
      const child = await runChild({ role: 'core', username: 'demo-analyst', person: 'here' }, { ENCLAVE_PLATFORM_URL: serve.url });
      const { code } = await child.ended;

      expect((await child.next('trust')).applied).toBeNull();
      const { status } = await child.next('status');
      expect(status.state).toBe('unreachable');
      expect(status.message).toMatch(new RegExp(`^${notTrusted(serve.url).source}`));
      const { refusal } = await child.next('refused');
      expect(refusal?.code).toBe('unavailable');
      expect(refusal?.message).toMatch(/^Enclave cannot find where to sign in\. /);
      expect(refusal?.message).toMatch(notTrusted(serve.url));
      for (const message of [status.message, refusal?.message]) expect(message).not.toMatch(/cannot be reached/);
      expect(child.lines.some((line) => line.event === 'authorization')).toBe(false);
      expect(code).toBe(0);
    },
  );

  it('with the bundle of another authority: still not trusted, and the message names the bundle in use', { timeout: SLOW }, async () => {
    const child = await runChild(
      { role: 'core', username: 'demo-analyst', person: 'here' },
      { ENCLAVE_PLATFORM_URL: serve.url, ENCLAVE_CA_FILE: otherCa.caFile },
    );
    await child.ended;

    const { status } = await child.next('status');
    expect(status.state).toBe('unreachable');
    expect(status.message).toContain(
      `The certificate of the platform at ${serve.url} is not signed by an authority this computer trusts, nor by one in the CA bundle in use (${otherCa.caFile})`,
    );
    expect((await child.next('refused')).refusal?.code).toBe('unavailable');
  });
});

const missing = secretServiceMissing();
if (missing) console.log(`Skipped: the enclave login tests over TLS need a keychain: ${missing}`);

describe.skipIf(missing !== null)('enclave login, whoami, projects and logout over https (its own process, a private keychain)', () => {
  let service: SecretService;
  const persons: ChildRun[] = [];

  beforeAll(async () => {
    service = await startSecretService();
  });

  afterAll(async () => {
    for (const person of persons) person.kill();
    await service?.stop();
  });

  /** The keychain's environment with the platform's URL, and the CA only when given: no other Enclave setting. */
  function envWith(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...service.env };
    for (const name of Object.keys(env)) if (name.startsWith('ENCLAVE_')) delete env[name];
    return { ...env, ENCLAVE_PLATFORM_URL: serve.url, ...extra };
  }

  /** The person at a browser that trusts the CA (as the OS store or NSS database of a set-up workstation would). */
  async function person(job: ChildJob): Promise<ChildRun> {
    const run = await runChild(job, { ENCLAVE_CA_FILE: ca.caFile });
    persons.push(run);
    return run;
  }

  it(
    'with ENCLAVE_CA_FILE: login (device code) → whoami → projects → logout; without it whoami says "not trusted"',
    { timeout: SLOW },
    async () => {
      const env = envWith({ ENCLAVE_CA_FILE: ca.caFile });
      let played: Promise<ChildRun> | undefined;

      const login = await runCli(['login'], env, (line) => {
        const match = /open (\S+) in a browser and enter the code (\S+)/.exec(line);
        if (match)
          played = person({
            role: 'person',
            flow: 'device',
            verificationUri: match[1] ?? '',
            userCode: match[2] ?? '',
            platformUrl: serve.url,
            username: 'demo-analyst',
          });
      });
      const browser = await played;
      const whoami = await runCli(['whoami'], env);
      const projects = await runCli(['projects'], env);
      const untrusted = await runCli(['whoami'], envWith({}));
      const logout = await runCli(['logout'], env);

      expect(login, login.stderr).toMatchObject({ code: 0 });
      expect(login.stdout).toContain(`open ${serve.url}/oidc/device in a browser`);
      expect(login.stdout).toContain('Signed in as Ada Analyst (demo-analyst, analyst).');
      expect((await browser?.ended)?.code).toBe(0);
      expect(whoami).toMatchObject({ code: 0, stdout: 'Signed in as Ada Analyst (demo-analyst, analyst).\n' });
      expect(projects.code).toBe(0);
      expect(projects.stdout).toContain(PROJECT);
      // Signed in, but this command does not trust the platform: it says so, and changes nothing.
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(new RegExp(`^enclave whoami: ${notTrusted(serve.url).source}`));
      expect(untrusted.stderr).not.toMatch(/cannot be reached/);
      expect(logout).toMatchObject({ code: 0, stdout: expect.stringContaining('Signed out') });
    },
  );

  it('with ENCLAVE_CA_FILE: login --browser, through the https login page to the loopback listener', { timeout: SLOW }, async () => {
    const env = envWith({ ENCLAVE_CA_FILE: ca.caFile });
    let played: Promise<ChildRun> | undefined;

    const login = await runCli(['login', '--browser'], env, (line) => {
      if (line.startsWith(`${serve.url}/oidc/auth?`))
        played = person({ role: 'person', flow: 'browser', authorizationUrl: line, platformUrl: serve.url, username: 'demo-checker-2' });
    });
    const browser = await played;

    expect(login, login.stderr).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Signed in as Chidi Checker (demo-checker-2, output checker).'),
    });
    const page = await browser?.next('person-done');
    expect(page?.callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    expect(page).toMatchObject({ status: 200, page: expect.stringContaining('Return to the terminal') });
    expect((await runCli(['logout'], env)).code).toBe(0);
  });

  it(
    'without ENCLAVE_CA_FILE: login and whoami say the certificate is not trusted (exit 1), never "cannot be reached"',
    { timeout: SLOW },
    async () => {
      const env = envWith({});

      const login = await runCli(['login'], env);
      const browserLogin = await runCli(['login', '--browser'], env);
      const whoami = await runCli(['whoami'], env);

      for (const [command, run] of [
        ['login', login],
        ['login', browserLogin],
        ['whoami', whoami],
      ] as const) {
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(new RegExp(`^enclave ${command}: ${notTrusted(serve.url).source}`));
        expect(run.stderr).not.toMatch(/cannot be reached/);
        // Nobody was asked to sign in.
        expect(run.stdout).not.toMatch(/To sign in/);
      }
    },
  );
});
