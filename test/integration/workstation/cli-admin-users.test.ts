// `enclave admin users …` and `enclave enrol`, end to end: the real CLI process, signed in with `enclave login --browser`
// (a private gnome-keyring holds the sign-in; the person at the provider is played over fetch), against a production
// platform that trusts an external issuer. That issuer is a second platform's embedded provider reached only over HTTP
// (as in the external-issuer test), because a production platform knows nobody until they are added: the provider's
// other demo accounts are people it has never seen, which is exactly who `enclave enrol` is for. The first administrator
// (Dana, the provider's demo-admin) is added from the host, as `enclave platform user add` does; the others are
// registered through the CLI and bound to provider accounts with --subject, so a second administrator can sign in and
// approve. SATRE 1.5.01 (identity checked and recorded before access: verification, one-time enrolment code), 1.5.02
// (onboarding), 1.5.03 (role-based access), 1.5.06 (changes to people's records strictly controlled: nobody changes
// their own, granting admin needs a second administrator who is not the one who asked). Bad command lines run in this
// process (they are refused before anything connects).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminOversight } from '../../../src/cli/admin-oversight.ts';
import { runAdminUsers } from '../../../src/cli/admin-users.ts';
import { runEnrol } from '../../../src/cli/enrol.ts';
import { isControlCharacter } from '../../../src/cli/host-records.ts';
import { readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { openPlatformRecords } from '../../../src/platform/records.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';
import { runCli, runInProcess, type Run } from './cli-run.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './secret-service.ts';

const missing = secretServiceMissing();
if (missing) console.log(`[cli-admin-users] keychain tests skipped: ${missing}`);

const CODE = /Enrolment code: ([A-Z2-9]{5}(?:-[A-Z2-9]{5}){3}) \(expires (\S+)\)/;
const CHANGE = /Change (chg-[0-9a-f]{20}): a second administrator must approve it: enclave admin users approve chg-[0-9a-f]{20} --reason/;
/** Whether the text holds a control character other than the tab and line break the CLI prints between columns and lines. */
const hasRawControl = (text: string): boolean => [...text].some((char) => char !== '\t' && char !== '\n' && isControlCharacter(char));

let idpFixture: PlatformFixture;
let apiFixture: PlatformFixture;
let idp: RunningPlatform;
let api: PlatformServer;
let apiUrl: string;

beforeAll(async () => {
  idpFixture = await createPlatformFixture();
  apiFixture = await createPlatformFixture();
  idp = await startPlatform({ fixture: idpFixture });
  // The first administrator, from the host: bound to the provider's demo-admin.
  const records = await openPlatformRecords({
    file: path.join(apiFixture.dataDir, 'metadata.sqlite'),
    seed: { demo: null, catalogue: await readCatalogueFile(apiFixture.cataloguePath) },
  });
  try {
    await records.store.addUser({ id: 'dana', displayName: 'Dana Admin', role: 'admin', subject: 'demo-admin', issuer: idp.issuer });
  } finally {
    await records.close();
  }
  api = await createPlatformServer({
    dataDir: apiFixture.dataDir,
    cataloguePath: apiFixture.cataloguePath,
    identity: { kind: 'external', issuer: idp.issuer, audience: 'urn:enclave:platform-api', clientId: 'enclave-workstation' },
  });
  apiUrl = await api.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await api?.close();
  await idp?.stop();
  await apiFixture?.cleanup();
  await idpFixture?.cleanup();
});

describe('bad command lines', () => {
  it.each([
    { args: ['grant', 'ben', '--role', 'admin'], says: '--reason must say why' },
    { args: ['grant', 'ben', '--role', 'wizard', '--reason', 'Promoted'], says: '--role wizard is not a role' },
    { args: ['grant', 'ben', '--role', 'admin', '--role', 'analyst', '--reason', 'Promoted'], says: 'Give --role once.' },
    { args: ['grant', 'Ben!', '--role', 'admin', '--reason', 'Promoted'], says: 'ID must be 1–64 lower-case letters' },
    { args: ['add', '--id', 'x', '--name', 'X', '--role', 'analyst'], says: 'Give --verification.' },
    { args: ['add', '--id', 'x', '--name', 'X', '--verification', 'Passport seen'], says: '--role must name at least one role' },
    {
      args: ['add', '--id', 'x', '--name', 'X', '--role', 'analyst', '--verification', 'Passport seen', '--email', 'nope'],
      says: '--email',
    },
    { args: ['approve', 'chg-1', '--reason', 'Agreed'], says: 'CHANGE must be a change id' },
    { args: ['disable', 'ben'], says: '--reason must say why' },
    { args: ['list', '--reason', 'Because'], says: '`enclave admin users list` takes no --reason.' },
    { args: ['show'], says: "one person's id" },
    { args: ['frobnicate'], says: 'There is no command `enclave admin users frobnicate`.' },
    { args: ['list', '--colour'], says: "Unknown option '--colour'" },
  ])('admin users $args.0 ($says): usage, exit 2, nothing sent', async ({ args, says }) => {
    const run = await runInProcess((io) => runAdminUsers(args, io));

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain('Usage (as an administrator signed in with `enclave login`');
    expect(run.stdout).toBe('');
  });

  it('enrol without a well-formed code: usage, exit 2, nothing sent', async () => {
    const none = await runInProcess((io) => runEnrol([], io));
    const short = await runInProcess((io) => runEnrol(['ABCDE-FGHJK'], io));

    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: enclave enrol CODE') });
    expect(short).toMatchObject({ code: 2, stderr: expect.stringContaining('must be the 20-character code you were sent') });
  });
});

describe('bad oversight command lines', () => {
  it.each([
    { command: 'usage' as const, args: ['--from', '2026-01-01'], says: '--from must be a date and time' },
    { command: 'usage' as const, args: ['--from', '2026-01-01T00:00:00Z'], says: '--to' },
    {
      command: 'usage' as const,
      args: ['--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z', '--format', 'xml'],
      says: '--format must be text or json',
    },
    { command: 'security-review' as const, args: ['--up-to', '3'], says: 'add --record' },
    { command: 'security-review' as const, args: ['--record', '--up-to', '3'], says: '--note' },
    { command: 'security-review' as const, args: ['--record', '--up-to', 'three', '--note', 'Read'], says: '--up-to' },
  ])('admin $command $args: usage, exit 2, nothing sent', async ({ command, args, says }) => {
    const run = await runInProcess((io) => runAdminOversight(command, args, io));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain('Usage (as an administrator');
  });
});

describe('the README’s People section', () => {
  it('names only commands and flags that exist, and every admin users command', async () => {
    const readme = await readFile(path.join(import.meta.dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### People (administrators)'), readme.indexOf("## The analyst's workspace"));
    // A line and its continuation (a trailing backslash) are one command.
    const lines = section
      .replaceAll('\\\n', ' ')
      .split('\n')
      .filter((line) => line.startsWith('npx enclave admin users '));
    const named = new Set<string>();
    for (const line of lines) {
      const [command = ''] = line.slice('npx enclave admin users '.length).split(' ');
      const flags = [...line.split('#')[0].matchAll(/--([a-z-]+)/g)].map((match) => match[1]);
      named.add(command);
      // --help after the line's flags: exit 0 only when the command exists and takes every one of them.
      const run = await runInProcess((io) => runAdminUsers([command, ...flags.flatMap((flag) => [`--${flag}`, 'x']), '--help'], io));
      expect(run.code, `${line}\n${run.stderr}`).toBe(0);
    }
    expect([...named].sort()).toEqual(
      ['add', 'approve', 'disable', 'enable', 'enrolment-code', 'grant', 'list', 'refuse', 'revoke', 'show'].sort(),
    );
    expect(section).toContain('npx enclave enrol CODE');
  });
});

describe.skipIf(missing !== null)('as a signed-in administrator, then as others', () => {
  let service: SecretService;
  let env: NodeJS.ProcessEnv;
  let signedInAs: string | null = null;

  /** `enclave login --browser` as this account at the provider (each sign-in replaces the one before). */
  async function signInAs(username: string): Promise<Run> {
    let page: Promise<unknown> | undefined;
    const login = await runCli(['login', '--browser'], env, (line) => {
      if (line.startsWith(`${idp.issuer}/auth?`)) page = playSignIn({ authorizationUrl: line, platformUrl: idp.url, username });
    });
    await page;
    expect(login.code, login.stderr).toBe(0);
    signedInAs = username;
    return login;
  }

  const admin = (...args: string[]) => runCli(['admin', 'users', ...args], env);
  const asDana = async () => {
    if (signedInAs !== 'demo-admin') await signInAs('demo-admin');
  };

  beforeAll(async () => {
    service = await startSecretService();
    env = { ...service.env, ENCLAVE_PLATFORM_URL: apiUrl };
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('lists people as a tab-separated table: id, name, roles, status, last sign-in', { timeout: 60_000 }, async () => {
    const login = await signInAs('demo-admin');
    const list = await admin('list');

    expect(login.stdout).toContain('Signed in as Dana Admin (dana, administrator).');
    expect(list.code, list.stderr).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header).toBe('ID\tNAME\tROLES\tSTATUS\tLAST SIGN-IN');
    expect(rows).toEqual([expect.stringMatching(/^dana\tDana Admin\tadmin\tactive\t\d{4}-\d\d-\d\dT\S+$/)]);
  });

  it(
    'adds a person (SATRE 1.5.01): the enrolment code printed once, with its expiry and how to hand it over',
    { timeout: 60_000 },
    async () => {
      await asDana();
      const added = await admin(
        'add',
        '--id',
        'new-analyst',
        '--name',
        'Nia Analyst',
        '--role',
        'analyst',
        '--verification',
        'Passport seen in person',
        '--email',
        'nia@example.org',
        '--organisation',
        'University of Leeds',
        '--accreditation',
        'ONS Accredited Researcher 2024-1234',
        '--accreditation',
        'Safe Researcher Training 2025',
      );
      const shown = await admin('show', 'new-analyst');
      const list = await admin('list');

      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toContain('Registered Nia Analyst (new-analyst, analyst): invited, until they enrol.');
      const [, code, expiresAt] = CODE.exec(added.stdout) ?? [];
      expect(Date.parse(expiresAt ?? '') - Date.now()).toBeGreaterThan(6 * 86_400_000);
      expect(added.stdout).toContain('out of band');
      expect(added.stdout).toContain('enclave enrol CODE');

      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('Nia Analyst (new-analyst)');
      expect(shown.stdout).toContain('Status:         invited');
      expect(shown.stdout).toContain('Email:          nia@example.org');
      expect(shown.stdout).toContain('Organisation:   University of Leeds');
      expect(shown.stdout).toMatch(/Verification: +Passport seen in person \(checked by dana on \d{4}-/);
      expect(shown.stdout).toContain('Accreditation:  ONS Accredited Researcher 2024-1234; Safe Researcher Training 2025');
      expect(shown.stdout).toContain('not bound yet');
      expect(shown.stdout).toMatch(/\tuser\.registered\tby dana\n/);
      expect(shown.stdout).toMatch(/\tuser\.enrolment_code_issued\tby dana\n/);
      // Shown once: neither the person's page nor the list repeats the code.
      for (const output of [shown.stdout, list.stdout]) {
        expect(output).not.toContain(code);
        expect(output).not.toContain(code.replaceAll('-', ''));
      }
      expect(list.stdout).toMatch(/^new-analyst\tNia Analyst\tanalyst\tinvited\tnever$/m);
    },
  );

  it('prints what another administrator typed without letting it steer the terminal', { timeout: 60_000 }, async () => {
    await asDana();
    const added = await admin(
      'add',
      '--id',
      'odd-name',
      '--name',
      'Eve\u001b[2J\u001b]0;pwned\u0007\u202eNight\tShift',
      '--role',
      'analyst',
      '--verification',
      'Passport seen in person',
    );
    const list = await admin('list');
    const shown = await admin('show', 'odd-name');

    expect(added.code, added.stderr).toBe(0);
    for (const output of [added.stdout, list.stdout, shown.stdout]) expect(hasRawControl(output)).toBe(false);
    expect(list.stdout).toMatch(/^odd-name\tEve\\u001b\[2J\\u001b\]0;pwned\\u0007\\u202eNight\\u0009Shift\tanalyst\tinvited\tnever$/m);
  });

  it('grants and revokes a role, printing what the platform did (SATRE 1.5.03)', { timeout: 60_000 }, async () => {
    await asDana();
    const added = await admin(
      'add',
      '--id',
      'ben',
      '--name',
      'Ben Analyst',
      '--role',
      'analyst',
      '--verification',
      "Employer's HR record",
      '--subject',
      'demo-analyst-2',
    );
    const grant = await admin('grant', 'ben', '--role', 'output_checker', '--reason', 'Trained as an output checker');
    const revoke = await admin('revoke', 'ben', '--role', 'output_checker', '--reason', 'Moved to another team');
    const notHeld = await admin('revoke', 'ben', '--role', 'admin', '--reason', 'Tidying up');

    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(
      `Registered Ben Analyst (ben, analyst): bound at once to their identity at ${idp.issuer}; they can sign in now.`,
    );
    expect(added.stdout).not.toMatch(CODE);
    expect(grant).toMatchObject({ code: 0, stderr: '' });
    expect(grant.stdout).toContain('Ben Analyst now holds the Output checker role.');
    expect(grant.stdout).toContain('Ben Analyst (ben, output checker, analyst): active.');
    expect(revoke).toMatchObject({ code: 0, stdout: expect.stringContaining('Ben Analyst no longer holds the Output checker role.') });
    // The platform's refusals: its own message; exit 2 for what it found invalid.
    expect(notHeld).toMatchObject({ code: 2, stderr: 'enclave admin users revoke: Ben Analyst does not hold the Administrator role.\n' });
  });

  it('refuses an administrator changing their own roles, with the platform’s message (SATRE 1.5.06)', { timeout: 60_000 }, async () => {
    await asDana();
    const grant = await admin('grant', 'dana', '--role', 'analyst', '--reason', 'I want to run queries too');
    const disable = await admin('disable', 'dana', '--reason', 'Testing');
    const shown = await admin('show', 'dana');

    expect(grant).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'enclave admin users grant: You cannot change your own roles or status: ask another administrator.\n',
    });
    expect(disable).toMatchObject({ code: 1, stderr: expect.stringContaining('You cannot change your own roles or status') });
    expect(shown.stdout).toContain('Roles:          admin\n');
    expect(shown.stdout).toContain('Status:         active\n');
  });

  it('disables someone who left and enables them again; an invited person cannot be disabled', { timeout: 60_000 }, async () => {
    await asDana();
    const disable = await admin('disable', 'ben', '--reason', 'Left the organisation');
    const listed = await admin('list');
    const enable = await admin('enable', 'ben', '--reason', 'Came back on a new contract');
    const invited = await admin('disable', 'new-analyst', '--reason', 'Never started');

    expect(disable).toMatchObject({ code: 0, stdout: expect.stringContaining('Ben Analyst is disabled: every sign-in has ended') });
    expect(listed.stdout).toMatch(/^ben\tBen Analyst\tanalyst\tdisabled\t/m);
    expect(enable).toMatchObject({ code: 0, stdout: expect.stringContaining('Ben Analyst is active again and can sign in.') });
    expect(invited).toMatchObject({ code: 2, stderr: expect.stringContaining('has not enrolled yet') });
  });

  it('enrols someone the platform does not know yet, with a fresh code (SATRE 1.5.01, 1.5.02)', { timeout: 60_000 }, async () => {
    await asDana();
    const first = CODE.exec((await admin('enrolment-code', 'new-analyst')).stdout)?.[1];
    const fresh = await admin('enrolment-code', 'new-analyst');
    const code = CODE.exec(fresh.stdout)?.[1];

    const login = await signInAs('demo-analyst');
    const whoamiBefore = await runCli(['whoami'], env);
    const stale = await runCli(['enrol', first!], env);
    // Typed as people do: lower case, spaces for dashes.
    const enrol = await runCli(['enrol', code!.toLowerCase().replaceAll('-', ' ')], env);
    const whoami = await runCli(['whoami'], env);
    const again = await runCli(['enrol', code!], env);
    const notAdmin = await admin('list');

    expect(fresh.stdout).toContain('The earlier code no longer works.');
    expect(code).not.toBe(first);
    expect(login.stdout).toContain(
      'You are signed in, but the platform does not know you yet: run `enclave enrol CODE` with the code your administrator sent you.',
    );
    expect(whoamiBefore.code).toBe(1);
    expect(stale.code).toBe(1);
    expect(enrol).toMatchObject({ code: 0, stdout: 'Enrolled as Nia Analyst (new-analyst, analyst).\n' });
    expect(whoami).toMatchObject({ code: 0, stdout: 'Signed in as Nia Analyst (new-analyst, analyst).\n' });
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining('enrolled already') });
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stdout).toBe('');
  });

  it(
    'granting admin once there are two administrators waits for a second one, who approves or refuses (SATRE 1.5.06)',
    { timeout: 90_000 },
    async () => {
      await asDana();
      const bind = (id: string, name: string, subject: string) =>
        admin('add', '--id', id, '--name', name, '--role', 'output_checker', '--verification', 'NHS smartcard', '--subject', subject);
      expect((await bind('chloe', 'Chloe Checker', 'demo-checker-1')).code).toBe(0);
      expect((await bind('chidi', 'Chidi Checker', 'demo-checker-2')).code).toBe(0);
      // Dana is the only administrator: her grant applies at once.
      const second = await admin('grant', 'chloe', '--role', 'admin', '--reason', 'Second administrator for the platform');
      // Now there are two: the next grant waits.
      const third = await admin('grant', 'chidi', '--role', 'admin', '--reason', 'Cover for holidays');
      const fourth = await admin('grant', 'ben', '--role', 'admin', '--reason', 'Wants to help');
      const changeOf = (run: Run) => CHANGE.exec(run.stdout)?.[1] ?? '';
      const [approved, refused] = [changeOf(third), changeOf(fourth)];
      const listed = await admin('list');
      const own = await admin('approve', approved, '--reason', 'Looks right to me');

      await signInAs('demo-checker-1');
      const approve = await admin('approve', approved, '--reason', 'Agreed at the governance meeting');
      const refuse = await admin('refuse', refused, '--reason', 'Ben does not need it');
      const twice = await admin('approve', refused, '--reason', 'Changed my mind');
      const after = await admin('list');

      expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('Chloe Checker now holds the Administrator role.') });
      expect(second.stdout).not.toMatch(CHANGE);
      expect(third.code, third.stderr).toBe(0);
      expect(third.stdout).toContain('Granting Administrator to Chidi Checker waits for another administrator to approve it.');
      expect(third.stdout).toContain('Chidi Checker (chidi, output checker): active.');
      expect(approved).toMatch(/^chg-/);
      expect(refused).toMatch(/^chg-/);
      expect(listed.stdout).toContain('Waiting for a second administrator');
      expect(listed.stdout).toMatch(new RegExp(`^${approved}\\tgrant admin to chidi\\tasked by dana at \\S+\\tCover for holidays$`, 'm'));
      expect(own).toMatchObject({
        code: 1,
        stderr: 'enclave admin users approve: Nobody approves their own change: another administrator decides it.\n',
      });

      expect(approve).toMatchObject({ code: 0, stderr: '' });
      expect(approve.stdout).toContain('Chidi Checker now holds the Administrator role (approved by a second administrator).');
      expect(approve.stdout).toContain('Chidi Checker (chidi, administrator, output checker): active.');
      expect(refuse).toMatchObject({ code: 0, stdout: expect.stringContaining('Granting Administrator was refused.') });
      expect(twice.code).toBe(2);
      expect(after.stdout).not.toContain('Waiting for a second administrator');
      expect(after.stdout).toMatch(/^chidi\tChidi Checker\tadmin,output_checker\tactive\t/m);
      expect(after.stdout).toMatch(/^ben\tBen Analyst\tanalyst\tactive\t/m);
    },
  );
  it('reads the usage report and the security review, and records a review (SATRE 2.2.13, 2.5.03)', { timeout: 60_000 }, async () => {
    await asDana();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const usage = await runCli(['admin', 'usage', '--from', from, '--to', to], env);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(/^People by role: .*admin \d/m);
    expect(usage.stdout).toMatch(/^Now: /m);
    expect(usage.stdout).toMatch(/^From the log: /m);
    const asJson = await runCli(['admin', 'usage', '--from', from, '--to', to, '--format', 'json'], env);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      from: new Date(from).toISOString(),
      people: { byRole: { admin: expect.any(Number) as unknown } },
    });

    const review = await runCli(['admin', 'security-review', '--format', 'json'], env);
    expect(review.code, review.stderr).toBe(0);
    const { headSeq } = JSON.parse(review.stdout) as { headSeq: number };
    const recorded = await runCli(
      ['admin', 'security-review', '--record', '--up-to', String(headSeq), '--note', 'Read through; nothing unusual.'],
      env,
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toMatch(new RegExp(`^Last review: up to #${headSeq} by dana at \\S+: Read through; nothing unusual\\.$`, 'm'));
  });
});
