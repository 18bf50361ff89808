// The workstation's settings from the environment, read the same way by both shells (Electron's main/config.ts and
// the browser shell's src/web/run.ts):
//   ENCLAVE_PLATFORM_URL        the platform's HTTP API, e.g. https://tre.example.org (required; plain http only on
//                               this machine: 127.0.0.1, localhost or [::1], as `npm start` uses)
//   ENCLAVE_OIDC_ISSUER         the identity provider's issuer (default: what the platform's health answer says)
//   ENCLAVE_OIDC_CLIENT_ID      the OIDC client ID (default: the platform's)
//   ENCLAVE_API_AUDIENCE        the API's resource indicator; "none" sends none (default: the platform's)
//   ENCLAVE_IDLE_LOCK_SECONDS   inactivity before the workstation locks (default 900)
//   ENCLAVE_SESSION_MAX_HOURS   the longest a session lasts (default 12; fractions allowed, e.g. 0.5)
//   ENCLAVE_TOKEN_STORE         keychain (default; memory if none works) | memory
// ENCLAVE_CA_FILE (an organisation's CA bundle added to the trusted roots) is the process's, not the core's: the shells
// apply it with src/workstation/ca-trust.ts before the core starts.
import { isHttpsOrLoopbackHttp } from '../common/loopback.ts';
import type { WorkstationCoreOptions } from './core.ts';
import { checkIssuerUrl } from './sign-in/oidc.ts';

export type WorkstationEnvOptions = Pick<
  WorkstationCoreOptions,
  'platformUrl' | 'identity' | 'idleLockSeconds' | 'sessionMaxSeconds' | 'tokenStore'
>;

export type WorkstationEnvResult = { ok: true; options: WorkstationEnvOptions } | { ok: false; message: string };

/**
 * The one rule for a platform URL, wherever it enters (ENCLAVE_PLATFORM_URL, the CLI's --platform, the browser shell's
 * --platform-url), the issuer's rule: https, or plain http on this machine only. Health data crosses this connection,
 * and so do the access tokens. Null when the URL is fine; else the message, naming `setting`.
 */
export function platformUrlProblem(raw: string, setting: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${setting} must be the platform's https:// URL, not "${raw}".`;
  }
  if (isHttpsOrLoopbackHttp(url)) return null;
  return `${setting} must use https:// (plain http:// is allowed only on this machine: 127.0.0.1, localhost or [::1]), not "${raw}".`;
}

/**
 * Reads the environment; `platformUrl` (a command-line flag, named `flagName` in messages) wins over
 * ENCLAVE_PLATFORM_URL.
 */
export function readWorkstationEnv(
  env: Record<string, string | undefined>,
  platformUrlFlag?: string,
  flagName = '--platform-url',
): WorkstationEnvResult {
  const platformUrl = (platformUrlFlag ?? env.ENCLAVE_PLATFORM_URL)?.trim();
  if (!platformUrl) {
    return { ok: false, message: 'ENCLAVE_PLATFORM_URL is not set: start Enclave with `npm start`, or set it to the platform URL.' };
  }
  const urlProblem = platformUrlProblem(platformUrl, platformUrlFlag === undefined ? 'ENCLAVE_PLATFORM_URL' : flagName);
  if (urlProblem !== null) return { ok: false, message: urlProblem };

  const identity: NonNullable<WorkstationCoreOptions['identity']> = {};
  const issuer = env.ENCLAVE_OIDC_ISSUER?.trim();
  if (issuer) {
    try {
      checkIssuerUrl(issuer);
    } catch (err) {
      return { ok: false, message: `ENCLAVE_OIDC_ISSUER: ${(err as Error).message}` };
    }
    identity.issuer = issuer;
  }
  const clientId = env.ENCLAVE_OIDC_CLIENT_ID?.trim();
  if (clientId) identity.clientId = clientId;
  const audience = env.ENCLAVE_API_AUDIENCE?.trim();
  if (audience) identity.audience = audience === 'none' ? null : audience;

  const options: WorkstationEnvOptions = { platformUrl, identity };

  const idle = env.ENCLAVE_IDLE_LOCK_SECONDS?.trim();
  if (idle) {
    const seconds = Number(idle);
    if (!Number.isInteger(seconds) || seconds < 1)
      return { ok: false, message: `ENCLAVE_IDLE_LOCK_SECONDS must be a whole number of seconds (1 or more), not "${idle}".` };
    options.idleLockSeconds = seconds;
  }
  const hours = env.ENCLAVE_SESSION_MAX_HOURS?.trim();
  if (hours) {
    const value = Number(hours);
    if (!Number.isFinite(value) || value <= 0 || value > 24 * 30) {
      return { ok: false, message: `ENCLAVE_SESSION_MAX_HOURS must be a number of hours above 0 (at most 720), not "${hours}".` };
    }
    options.sessionMaxSeconds = Math.max(1, Math.round(value * 3600));
  }
  const store = env.ENCLAVE_TOKEN_STORE?.trim();
  if (store) {
    if (store !== 'keychain' && store !== 'memory')
      return { ok: false, message: `ENCLAVE_TOKEN_STORE must be "keychain" or "memory", not "${store}".` };
    options.tokenStore = store;
  }
  return { ok: true, options };
}
