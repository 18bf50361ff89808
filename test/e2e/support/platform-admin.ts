// What other people do on the platform outside the window under test (an administrator's training records, a checker's
// review from their own workstation), through the platform's own API with a token signed by its key, as the integration
// tests do: the e2e tests set the scene with it, and the window shows what follows.
import { mintAccessToken } from '../../integration/platform/fixture.ts';

export interface PlatformCall {
  platformUrl: string;
  dataDir: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** One call as the demo user `sub`; a refusal throws with the platform's answer. */
export async function asPlatformUser(sub: string, options: PlatformCall): Promise<unknown> {
  const token = await mintAccessToken({ dataDir: options.dataDir, sub, issuer: `${options.platformUrl}/oidc` });
  const response = await fetch(`${options.platformUrl}/api/v1${options.path}`, {
    method: options.method,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  if (!response.ok) throw new Error(`${sub}: ${options.method} ${options.path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : await response.json();
}

export function asPlatformAdmin(options: PlatformCall): Promise<unknown> {
  return asPlatformUser('demo-admin', options);
}
