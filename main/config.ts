// The Electron shell's configuration, from the environment (set by `npm start`, or by hand). The workstation's own
// settings (platform URL, identity provider, idle lock, session length, token store) are read by
// src/workstation/env-config.ts, the same way the browser shell reads them. Here, in addition:
//   ENCLAVE_IDP_ORIGINS  further origins the system browser may be opened at, comma-separated. The identity
//                        provider's own origins (ENCLAVE_OIDC_ISSUER's, and those found by discovery) are always
//                        allowed; every other origin is refused.
import { readWorkstationEnv, type WorkstationEnvOptions } from '../src/workstation/env-config.ts';

export interface ShellConfig {
  platformUrl: string;
  /** Origins known before discovery; main/index.ts adds the discovered ones at the time of each request. */
  allowedExternalOrigins: string[];
  core: WorkstationEnvOptions;
}

export type ShellConfigResult = { ok: true; config: ShellConfig } | { ok: false; message: string };

function httpOrigin(raw: string): string | null {
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

export function readShellConfig(env: Record<string, string | undefined>): ShellConfigResult {
  const workstation = readWorkstationEnv(env);
  if (!workstation.ok) return workstation;
  const core = workstation.options;
  const allowedExternalOrigins: string[] = [];
  for (const entry of (env.ENCLAVE_IDP_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const origin = httpOrigin(entry);
    if (origin === null) return { ok: false, message: `ENCLAVE_IDP_ORIGINS has an entry that is not an http(s) origin: "${entry}".` };
    allowedExternalOrigins.push(origin);
  }
  const issuerOrigin = core.identity?.issuer ? httpOrigin(core.identity.issuer) : null;
  if (issuerOrigin !== null && !allowedExternalOrigins.includes(issuerOrigin)) allowedExternalOrigins.push(issuerOrigin);
  return { ok: true, config: { platformUrl: core.platformUrl, allowedExternalOrigins, core } };
}
