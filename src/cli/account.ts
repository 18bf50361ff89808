// `enclave login | logout | whoami | projects`: the command line as the signed-in user. The sign-in is the device
// authorization grant (RFC 8628; `--browser`: the loopback flow the app uses) against the platform's identity
// provider, and the refresh token is kept in the OS keychain only (its own entry, apart from the app's, so the two
// never spend each other's rotating refresh tokens). With no keychain, login says so and exits non-zero: a
// sign-in is never written to a file.
import process from 'node:process';
import { parseArgs } from 'node:util';
import type { User } from '../common/contract.ts';
import { ROLE_LABELS } from '../common/people.ts';
import { bestEffort } from '../common/detached.ts';
import { EnclaveError } from '../common/errors.ts';
import { DEFAULT_SESSION_MAX_SECONDS } from '../workstation/core.ts';
import { platformUrlProblem } from '../workstation/env-config.ts';
import { createPlatformClient, type PlatformClient, type SessionEventName } from '../workstation/platform-client.ts';
import { startSignInFlow } from '../workstation/sign-in/flow.ts';
import { DEFAULT_SCOPES, discoverIdentityProvider, type IdentityProvider, type TokenSet } from '../workstation/sign-in/oidc.ts';
import { boundsFrom, renewStoredSignIn as renewEntry, storedRecord } from '../workstation/tokens/stored-sign-in.ts';
import {
  createKeychainTokenStore,
  keychainAccount,
  KeychainUnavailable,
  type KeytarLike,
  type StoredSession,
  type TokenStore,
} from '../workstation/tokens/token-store.ts';
import type { CliIo } from './cli-io.ts';

export interface AccountIo extends CliIo {
  env?: Record<string, string | undefined>;
  /** Tests pass a keytar of their own (or one that fails); default: the real one. */
  keytar?: () => Promise<KeytarLike>;
}

const USAGE = `Usage:
  enclave login [--platform URL] [--browser]   sign in (device code; --browser: a browser on this machine)
  enclave logout [--platform URL]              sign out: revoke and forget the sign-in
  enclave whoami [--platform URL]              who you are signed in as
  enclave projects [--platform URL]            the projects you are a member of
The platform URL may also come from ENCLAVE_PLATFORM_URL: https://, or http:// on this machine only. A private CA:
--ca-file FILE or ENCLAVE_CA_FILE (see \`enclave --help\`).
`;

export interface Context {
  io: AccountIo;
  client: PlatformClient;
  idp: IdentityProvider;
  store: ReturnType<typeof createKeychainTokenStore>;
  account: string;
}

function say(io: CliIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

/** The platform (from --platform or ENCLAVE_PLATFORM_URL), its identity provider, and the CLI's keychain entry. */
export async function connect(io: AccountIo, platformFlag: string | undefined): Promise<Context> {
  const env = io.env ?? process.env;
  const platformUrl = (platformFlag ?? env.ENCLAVE_PLATFORM_URL)?.trim();
  if (!platformUrl) throw new EnclaveError('invalid_input', 'Give the platform URL with --platform URL or ENCLAVE_PLATFORM_URL.');
  // The workstation's one rule (https, or http on this machine), before anything is sent: a sign-in crosses it.
  const urlProblem = platformUrlProblem(platformUrl, platformFlag === undefined ? 'ENCLAVE_PLATFORM_URL' : '--platform');
  if (urlProblem !== null) throw new EnclaveError('invalid_input', urlProblem);
  const client = createPlatformClient({ baseUrl: platformUrl });
  const health = await client.health();
  const issuer = env.ENCLAVE_OIDC_ISSUER?.trim() || health.identity?.issuer;
  const clientId = env.ENCLAVE_OIDC_CLIENT_ID?.trim() || health.identity?.clientId;
  if (!issuer || !clientId)
    throw new EnclaveError('unavailable', 'The platform does not say how to sign in: set ENCLAVE_OIDC_ISSUER and ENCLAVE_OIDC_CLIENT_ID.');
  const audienceEnv = env.ENCLAVE_API_AUDIENCE?.trim();
  const audience = audienceEnv ? (audienceEnv === 'none' ? null : audienceEnv) : (health.identity?.audience ?? null);
  const idp = await discoverIdentityProvider({ issuer, clientId, audience, scopes: health.identity?.scopes ?? DEFAULT_SCOPES });
  const store = createKeychainTokenStore(io.keytar ? { keytar: io.keytar } : {});
  return { io, client, idp, store, account: keychainAccount({ issuer, clientId, purpose: 'cli' }) };
}

function sessionMaxSeconds(env: Record<string, string | undefined>): number {
  const hours = Number(env.ENCLAVE_SESSION_MAX_HOURS);
  return Number.isFinite(hours) && hours > 0 ? Math.round(hours * 3600) : DEFAULT_SESSION_MAX_SECONDS;
}

async function report(context: Context, event: SessionEventName, token: string): Promise<void> {
  await bestEffort(context.client.sessionEvent(event, { token }));
}

/** What renewing the stored sign-in needs (the keychain entry and the provider). */
export interface StoredSignIn {
  idp: Pick<IdentityProvider, 'refresh' | 'revoke'>;
  store: Pick<TokenStore, 'load' | 'save' | 'remove'>;
  account: string;
}

/**
 * The stored sign-in, renewed: a fresh access token, the rotated refresh token saved back. The rules are the app's
 * (src/workstation/tokens/stored-sign-in.ts): two commands at once both read the same refresh token and only the
 * first can spend it, so the refused one reads the entry again and retries once with a newer token; the entry is
 * removed only while it still holds the token that was refused.
 */
export async function renewStoredSignIn(context: StoredSignIn, now = Date.now()): Promise<{ token: string; record: StoredSession }> {
  const record = await context.store.load(context.account);
  if (record === null) throw new EnclaveError('unauthenticated', 'You are not signed in. Run `enclave login` first.');
  const renewal = await renewEntry({ record, idp: context.idp, store: context.store, account: context.account, now });
  if (renewal.kind === 'ended') throw new EnclaveError('unauthenticated', 'Your sign-in has ended. Run `enclave login` again.');
  if (renewal.kind === 'refused')
    throw new EnclaveError(
      'unauthenticated',
      'Your sign-in is no longer valid (it was revoked or has expired). Run `enclave login` again.',
    );
  return { token: renewal.tokens.accessToken, record: renewal.record };
}

const signedIn = (context: Context) => renewStoredSignIn(context);

function describeUser(user: User): string {
  const roles = (user.roles ?? [user.role]).map((role) => ROLE_LABELS[role].toLowerCase()).join(', ');
  return `${user.displayName} (${user.id}, ${roles})`;
}

const NOT_ENROLLED =
  'You are signed in, but the platform does not know you yet: run `enclave enrol CODE` with the code your administrator sent you.';

async function login(context: Context, browser: boolean): Promise<number> {
  const { io } = context;
  try {
    await context.store.probe();
  } catch (err) {
    io.stderr.write(
      `enclave login cannot keep your sign-in: ${(err as Error).message}\n` +
        'Enclave keeps sign-ins only in the OS keychain (on Linux, a Secret Service such as GNOME Keyring, unlocked), never in a file. ' +
        'Start or unlock one and run `enclave login` again.\n',
    );
    return 1;
  }
  const tokens = browser ? await browserLogin(context) : await deviceLogin(context);
  if (tokens.idClaims === null || tokens.refreshToken === null) {
    throw new EnclaveError('unauthenticated', 'The identity provider did not issue a lasting sign-in (no ID token or refresh token).');
  }
  // Someone the platform does not know yet is signed in all the same: `enclave enrol` spends their code with this sign-in.
  const user = await context.client.me({ token: tokens.accessToken }).catch((err: unknown) => {
    if (err instanceof EnclaveError && err.code === 'enrolment_required') return null;
    throw err;
  });
  // Signing in again replaces an earlier sign-in: end that one at the provider rather than leave it valid.
  const earlier = await context.store.load(context.account);
  if (earlier) await bestEffort(context.idp.revoke(earlier.refreshToken, 'refresh_token'));
  const env = io.env ?? process.env;
  await context.store.save(
    context.account,
    storedRecord(tokens.refreshToken, { sub: tokens.idClaims.sub, ...boundsFrom(Date.now(), sessionMaxSeconds(env)) }),
  );
  if (user === null) {
    say(io, NOT_ENROLLED);
    return 0;
  }
  await report(context, 'signed_in', tokens.accessToken);
  say(io, `Signed in as ${describeUser(user)}.`);
  return 0;
}

async function deviceLogin(context: Context): Promise<TokenSet> {
  const device = await context.idp.deviceAuthorization();
  say(context.io, `To sign in, open ${device.verificationUri} in a browser and enter the code ${device.userCode}`);
  if (device.verificationUriComplete) say(context.io, `(or open ${device.verificationUriComplete})`);
  say(context.io, `Waiting for you to finish signing in (the code expires in ${Math.round(device.expiresInSeconds / 60)} min)…`);
  return context.idp.pollDevice(device);
}

async function browserLogin(context: Context): Promise<TokenSet> {
  return new Promise<TokenSet>((resolve, reject) => {
    startSignInFlow({
      idp: context.idp,
      fresh: false,
      timeoutMs: 5 * 60_000,
      onTokens: async (tokens) => {
        resolve(tokens);
        return { ok: true, title: 'You are signed in', text: 'Return to the terminal: you can close this tab.' };
      },
      onFailure: reject,
    }).then((flow) => {
      say(context.io, `To sign in, open this address in a browser on this machine:\n${flow.authorizationUrl}`);
    }, reject);
  });
}

async function logout(context: Context): Promise<number> {
  let renewed: { token: string; record: StoredSession } | null = null;
  try {
    renewed = await signedIn(context);
  } catch (err) {
    if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
  }
  if (renewed === null) {
    say(context.io, 'You were not signed in.');
    return 0;
  }
  await report(context, 'signed_out', renewed.token);
  await bestEffort(context.idp.revoke(renewed.record.refreshToken, 'refresh_token'));
  await context.store.remove(context.account);
  say(context.io, 'Signed out: the sign-in is revoked and forgotten.');
  return 0;
}

export async function runAccountCommand(
  command: 'login' | 'logout' | 'whoami' | 'projects',
  argv: string[],
  io: AccountIo,
): Promise<number> {
  let values: { platform?: string; browser?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { platform: { type: 'string' }, browser: { type: 'boolean' } }, strict: true }));
    if (values.browser && command !== 'login') throw new Error('--browser goes with `enclave login` only.');
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    const context = await connect(io, values.platform);
    if (command === 'login') return await login(context, values.browser === true);
    if (command === 'logout') return await logout(context);
    const { token } = await signedIn(context);
    if (command === 'whoami') {
      say(io, `Signed in as ${describeUser(await context.client.me({ token }))}.`);
      return 0;
    }
    const projects = await context.client.projects({ token });
    if (projects.length === 0) say(io, 'You are not a member of any project.');
    for (const project of projects) say(io, `${project.id}\t${project.name}`);
    return 0;
  } catch (err) {
    if (err instanceof KeychainUnavailable) {
      io.stderr.write(`enclave ${command}: the OS keychain cannot be used (${err.message}), and Enclave keeps sign-ins nowhere else.\n`);
      return 1;
    }
    const message = err instanceof EnclaveError ? err.message : `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
    io.stderr.write(`enclave ${command}: ${message}\n`);
    return err instanceof EnclaveError && err.code === 'invalid_input' ? 2 : 1;
  }
}
