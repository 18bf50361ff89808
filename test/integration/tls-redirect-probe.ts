// A child process of the redirect tests (./tls-redirects.test.ts): `node tls-redirect-probe.ts CA_FILE URL`. It
// trusts CA_FILE as the workstation and the platform do (ENCLAVE_CA_FILE), then calls the https server at URL the
// ways that server answers with a redirect or an insecure address: the workstation's platform client (a GET, and a
// POST with a body and a token), the platform's own discovery of an external issuer and its key set, and the
// workstation's discovery. It prints one JSON report: what each call ended with. Its own process, so the
// process-wide roots never leak into the test runner.
import process from 'node:process';
import { createOidcAuthenticator, discoveredKeys } from '../../src/platform/identity/oidc-authenticator.ts';
import { trustConfiguredCaFile } from '../../src/workstation/ca-trust.ts';
import { createPlatformClient } from '../../src/workstation/platform-client.ts';
import { discoverIdentityProvider } from '../../src/workstation/sign-in/oidc.ts';

export interface RedirectOutcome {
  readonly ok: boolean;
  readonly code: string | null;
  readonly message: string | null;
}

async function outcome(call: () => Promise<unknown>): Promise<RedirectOutcome> {
  try {
    await call();
    return { ok: true, code: null, message: null };
  } catch (err) {
    const error = err as { code?: unknown; message?: unknown };
    return { ok: false, code: typeof error.code === 'string' ? error.code : null, message: String(error.message) };
  }
}

/** A JWT that parses (so the keys are asked for by its kid) but whose signature is nothing: it must never pass. */
function unsignedToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'at+jwt', kid: 'probe-key' })}.${part({ sub: 'probe', exp: 4_000_000_000 })}.${Buffer.alloc(64).toString('base64url')}`;
}

function authenticateWith(issuer: string): Promise<RedirectOutcome> {
  const authenticator = createOidcAuthenticator({
    issuer: () => issuer,
    audience: 'enclave-api',
    keys: discoveredKeys(issuer),
    algorithms: ['ES256'],
    lookupUser: async () => undefined,
    revocations: { anyRevoked: async () => false },
  });
  return outcome(() => authenticator.authenticate({ headers: { authorization: `Bearer ${unsignedToken()}` } }));
}

const [caFile, url] = process.argv.slice(2);
if (caFile === undefined || url === undefined) throw new Error('usage: tls-redirect-probe.ts CA_FILE URL');
const trust = trustConfiguredCaFile({ env: { ENCLAVE_CA_FILE: caFile } });
if (!trust.ok) throw new Error(trust.message);

const client = createPlatformClient({ baseUrl: url });
const report = {
  health: await outcome(() => client.health()),
  sessionEvent: await outcome(() => client.sessionEvent('signed_in', { token: 'probe-access-token' })),
  discoveryRedirect: await authenticateWith(`${url}/oidc`),
  plainHttpKeys: await authenticateWith(`${url}/plain-keys`),
  movedKeys: await authenticateWith(`${url}/moved-keys`),
  workstationDiscovery: await outcome(() =>
    discoverIdentityProvider({ issuer: `${url}/oidc`, clientId: 'enclave', audience: null, scopes: ['openid'] }),
  ),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
