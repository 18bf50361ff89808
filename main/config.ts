// The Electron shell's configuration, from the environment (set by `npm start`, or by hand).
//   ENCLAVE_PLATFORM_URL  the platform's HTTP API, e.g. http://127.0.0.1:4100 (required)
//   ENCLAVE_IDP_ORIGINS   origins the system browser may be opened at (the identity provider), comma-separated;
//                         empty: openExternal is never used.
export interface ShellConfig {
  platformUrl: string;
  allowedExternalOrigins: string[];
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
  const platformUrl = env.ENCLAVE_PLATFORM_URL?.trim();
  if (!platformUrl) {
    return { ok: false, message: 'ENCLAVE_PLATFORM_URL is not set: start Enclave with `npm start`, or set it to the platform URL.' };
  }
  if (httpOrigin(platformUrl) === null) {
    return { ok: false, message: `ENCLAVE_PLATFORM_URL must be an http:// or https:// URL, not "${platformUrl}".` };
  }
  const allowedExternalOrigins: string[] = [];
  for (const entry of (env.ENCLAVE_IDP_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const origin = httpOrigin(entry);
    if (origin === null) return { ok: false, message: `ENCLAVE_IDP_ORIGINS has an entry that is not an http(s) origin: "${entry}".` };
    allowedExternalOrigins.push(origin);
  }
  return { ok: true, config: { platformUrl, allowedExternalOrigins } };
}
