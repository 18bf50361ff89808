// Production mode: the platform trusts an external OIDC issuer found by discovery, and runs no provider of
// its own. The "external" issuer here is another platform's embedded provider, reached only over HTTP
// (discovery, then its JWKS), exactly as the platform would reach Keycloak or Entra ID.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { openPlatformRecords } from '../../../src/platform/records.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, signIn, startPlatform, type PlatformFixture, type RunningPlatform } from './support.ts';

/**
 * Adds a person to a platform's records as its operator would (`enclave platform user add`): production never loads the
 * demo's people, so the external issuer's demo-analyst-2 is nobody here until added.
 */
async function addPerson(fixture: PlatformFixture, subject: string): Promise<void> {
  const issuer = idp.issuer;
  const records = await openPlatformRecords({
    file: path.join(fixture.dataDir, 'metadata.sqlite'),
    seed: { demo: null, catalogue: await readCatalogueFile(fixture.cataloguePath) },
  });
  try {
    // Bound to the subject at the external issuer: the same subject from any other issuer names nobody.
    await records.store.addUser({ id: subject, displayName: 'Ben Analyst', role: 'analyst', subject, issuer });
  } finally {
    await records.close();
  }
}

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
      identity: {
        issuer: idp.issuer,
        clientId: 'enclave-workstation',
        audience: 'urn:enclave:platform-api',
        scopes: ['openid', 'profile', 'offline_access'],
      },
    });
  });

  it('starts with nobody: the demo’s people are never loaded in production, so a valid token names nobody it knows', async () => {
    const tokens = await signIn({ platform: idp, username: 'demo-analyst-2', password: 'ben-demo-pass' });
    const me = await fetch(`${apiUrl}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(403);
    expect(await me.json()).toMatchObject({
      error: { code: 'enrolment_required', message: expect.stringMatching(/does not know you yet/) as unknown },
    });
    const projects = await fetch(`${apiUrl}/api/v1/projects`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(projects.status).toBe(403);
    await addPerson(apiFixture, 'demo-analyst-2');
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

  it('refuses an ID token presented as an access token, even where its aud equals the audience (typ must be at+jwt)', async () => {
    // An API whose audience is the client id: the ID tokens this issuer hands the workstation carry that aud.
    const confusedFixture = await createPlatformFixture();
    await addPerson(confusedFixture, 'demo-analyst-2');
    const strict = await createPlatformServer({
      dataDir: confusedFixture.dataDir,
      cataloguePath: confusedFixture.cataloguePath,
      identity: { kind: 'external', issuer: idp.issuer, audience: 'enclave-workstation', clientId: 'enclave-workstation' },
    });
    try {
      const tokens = await signIn({ platform: idp, username: 'demo-analyst-2', password: 'ben-demo-pass' });
      expect(decodeJwt(tokens.id_token!).aud).toBe('enclave-workstation');
      const response = await strict.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${tokens.id_token!}` },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    } finally {
      await strict.close();
      await confusedFixture.cleanup();
    }
  });

  it("skips the typ check only when told to with tokenType 'any', for issuers that do not type their access tokens", async () => {
    const looseFixture = await createPlatformFixture();
    await addPerson(looseFixture, 'demo-analyst-2');
    const loose = await createPlatformServer({
      dataDir: looseFixture.dataDir,
      cataloguePath: looseFixture.cataloguePath,
      identity: {
        kind: 'external',
        issuer: idp.issuer,
        audience: 'enclave-workstation',
        clientId: 'enclave-workstation',
        tokenType: 'any',
      },
    });
    try {
      const tokens = await signIn({ platform: idp, username: 'demo-analyst-2', password: 'ben-demo-pass' });
      const response = await loose.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${tokens.id_token!}` },
      });
      expect(response.statusCode).toBe(200);
    } finally {
      await loose.close();
      await looseFixture.cleanup();
    }
  });
});
