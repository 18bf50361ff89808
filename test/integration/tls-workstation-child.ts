// A child process of the end-to-end TLS tests (issue 19, A.4–A.6): `node tls-workstation-child.ts`, given one job as
// JSON on stdin (a sign-in address is not for the process list), its settings in the environment as a shell gets
// them (ENCLAVE_PLATFORM_URL, ENCLAVE_CA_FILE, ENCLAVE_TOKEN_STORE, the workstation's folders). It applies the trust
// setting as the shells do, before anything connects, then plays one part and prints JSON lines (ChildLine in
// ./tls-workstation-support.ts):
// - 'core': the workstation core made as the shells make it. Its platform status; then a sign-in through the real
//   login page, played in this process (`person: 'here'`) or by a real browser the test drives (`person: 'browser'`:
//   the authorization URL is printed and the core waits for the loopback callback); then the session and the
//   projects. If the platform is not trusted: the status and the sign-in's refusal.
// - 'person': the person at a browser for `enclave login`: the device code's pages, or the loopback flow's.
// Its own process: the CA is added to the roots of the whole process (tls.setDefaultCACertificates).
import process from 'node:process';
import type { Session } from '../../src/common/contract.ts';
import { describeCaBundle, trustConfiguredCaFile } from '../../src/workstation/ca-trust.ts';
import { createWorkstationCore, type WorkstationCore } from '../../src/workstation/core.ts';
import { readWorkstationEnv } from '../../src/workstation/env-config.ts';
import { playDeviceSignIn, playSignIn } from './workstation/play-browser.ts';
import type { ChildJob, ChildLine } from './tls-workstation-support.ts';

/** A sign-in in a real browser is typed by a test: generous, but it must end. */
const SIGN_IN_WAIT_MS = 60_000;

function say(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function messageOf(err: unknown): { code: string | null; message: string } {
  const code = (err as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : null, message: err instanceof Error ? err.message : String(err) };
}

async function readJob(): Promise<ChildJob> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return JSON.parse(text) as ChildJob;
}

/** Resolves with the session once it is signed in (the loopback callback arrived and the code was redeemed). */
function signedIn(core: WorkstationCore): Promise<Session> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`No sign-in within ${SIGN_IN_WAIT_MS / 1000} s.`));
    }, SIGN_IN_WAIT_MS);
    const stop = core.events.on('session.changed', (session) => {
      if (session.state !== 'signed_in') return;
      clearTimeout(timer);
      // Called back at once when already signed in: `stop` is not assigned yet then.
      queueMicrotask(() => stop());
      resolve(session);
    });
  });
}

async function playCore(job: Extract<ChildJob, { role: 'core' }>): Promise<void> {
  const settings = readWorkstationEnv(process.env);
  if (!settings.ok) throw new Error(settings.message);
  const core = createWorkstationCore({ ...settings.options, healthIntervalMs: 3_600_000 });
  try {
    await core.ready;
    const status = await core.checkPlatform();
    say({ event: 'status', status });
    if (status.state !== 'ready') {
      const refusal = await core.handlers['session.signIn']({}).then(
        () => null,
        (err: unknown) => messageOf(err),
      );
      say({ event: 'refused', refusal });
      return;
    }
    const waiting = signedIn(core);
    const { authorizationUrl } = await core.handlers['session.signIn']({});
    say({ event: 'authorization', url: authorizationUrl });
    const callback =
      job.person === 'here'
        ? await playSignIn({ authorizationUrl, platformUrl: settings.options.platformUrl, username: job.username })
        : null;
    const session = await waiting;
    const projects = await core.handlers['projects.list']({});
    say({
      event: 'signed-in',
      session,
      callback,
      projects: projects.map((project) => project.id),
    });
  } finally {
    core.close();
    await core.closed();
  }
}

async function playPerson(job: Extract<ChildJob, { role: 'person' }>): Promise<void> {
  if (job.flow === 'device') {
    const page = await playDeviceSignIn({
      verificationUri: job.verificationUri,
      userCode: job.userCode,
      platformUrl: job.platformUrl,
      username: job.username,
    });
    say({ event: 'person-done', page: page.slice(0, 2_000) });
  } else {
    const done = await playSignIn({ authorizationUrl: job.authorizationUrl, platformUrl: job.platformUrl, username: job.username });
    say({ event: 'person-done', page: done.body.slice(0, 2_000), callbackUrl: done.callbackUrl, status: done.status });
  }
}

const job = await readJob();
// Before anything connects, as src/web/run.ts and src/cli/enclave.ts do.
const trust = trustConfiguredCaFile({ env: process.env });
if (!trust.ok) {
  say({ event: 'trust', applied: null, problem: trust.message });
  process.exitCode = 2;
} else {
  say({ event: 'trust', applied: trust.bundle === null ? null : describeCaBundle(trust.bundle), problem: null });
  try {
    if (job.role === 'core') await playCore(job);
    else await playPerson(job);
  } catch (err) {
    say({ event: 'failed', ...messageOf(err) });
    process.exitCode = 1;
  }
}
