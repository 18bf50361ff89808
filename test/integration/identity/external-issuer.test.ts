// Production mode: the platform trusts an external OIDC issuer found by discovery, and runs no provider of
// its own. The "external" issuer here is another platform's embedded provider, reached only over HTTP
// (discovery, then its JWKS), exactly as the platform would reach Keycloak or Entra ID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, signIn, startPlatform, type PlatformFixture, type RunningPlatform } from './support.ts';

let idpFixture: PlatformFixture;
let apiFixture: PlatformFixture;
let idp: RunningPlatform;
let api: PlatformServer;
let apiUrl: string;

beforeAll(async () => {
  idpFixture = await createPlatformFixture();
  apiFixture = await createPlatformFixture();
  idp = await startPlatform({ fixture: idpFixture });
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

describe('a platform pointed at an external issuer', () => {
  it('says it is in production mode and names that issuer for signing in', async () => {
    expect(await (await fetch(`${apiUrl}/api/v1/health`)).json()).toEqual({
      status: 'ok',
      name: 'Enclave demo platform',
      mode: 'production',
      identity: { issuer: idp.issuer, clientId: 'enclave-workstation', audience: 'urn:enclave:platform-api', scopes: ['openid', 'profile', 'offline_access'] },
    });
  });

  it('accepts that issuer’s access tokens, checked against the keys its discovery document points to', async () => {
    const tokens = await signIn({ platform: idp, username: 'demo-analyst-2', password: 'ben-demo-pass' });
    const me = await fetch(`${apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: 'demo-analyst-2', role: 'analyst' });
  });

  it('runs no identity provider of its own', async () => {
    expect((await fetch(`${apiUrl}/oidc/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${apiUrl}/oidc/assets/sign-in.css`)).status).toBe(404);
  });

  it('refuses tokens from its own former embedded issuer or anyone else', async () => {
    const otherFixture = await createPlatformFixture();
    const other = await startPlatform({ fixture: otherFixture });
    try {
      const tokens = await signIn({ platform: other, username: 'demo-analyst', password: 'ada-demo-pass' });
      expect((await fetch(`${apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    } finally {
      await other.stop();
      await otherFixture.cleanup();
    }
  });
});
