// Terms of use per role (issue 18): admins publish versioned Markdown terms for a role or for everyone; the platform
// refuses every route but the few that lead to them (me, session events, the terms, training, enrolment) with
// terms_required until the person accepted the current terms of each role they hold, recording the sha256 of the exact
// text they were shown; a stale hash is refused; a new version that requires it must be accepted again, one that does
// not need not be; declining ends the sign-in. On both of the metadata store's engines (SQLite and PostgreSQL).
// SATRE 1.5.02 (onboarding: each role agrees to its terms before access), 1.2.02 (versioned, with who published what,
// when and why).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MyTermsListSchema, TermsHistorySchema, TermsVersionSchema, type PublishTerms } from '../../../src/common/terms.ts';
import { AuditPageSchema } from '../../../src/common/agreement-views.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { storeEngines, type ServerStoreUnderTest } from '../../support/store-engines.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;
let store: ServerStoreUnderTest;

async function call(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown; token?: string }) {
  const token = options.token ?? (await mintAccessToken({ dataDir: fixture.dataDir, sub: options.as }));
  return server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      'user-agent': 'terms-test/1.0',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

async function publish(terms: PublishTerms) {
  const response = await call('POST', '/api/v1/admin/terms', { as: 'demo-admin', body: terms });
  expect(response.statusCode, response.body).toBe(200);
  return TermsVersionSchema.parse(response.json<unknown>());
}

async function mine(userId: string) {
  const response = await call('GET', '/api/v1/terms', { as: userId });
  expect(response.statusCode, response.body).toBe(200);
  return MyTermsListSchema.parse(response.json<unknown>());
}

async function accept(userId: string, audience: string) {
  const current = (await mine(userId)).find((terms) => terms.current.audience === audience)!.current;
  const response = await call('POST', '/api/v1/terms/accept', {
    as: userId,
    body: { audience, version: current.version, sha256: current.sha256 },
  });
  expect(response.statusCode, response.body).toBe(200);
}

const status = async (url: string, userId: string) => (await call('GET', url, { as: userId })).statusCode;

const EVERYONE_TEXT = '# Terms for everyone\n\nPatient-level data never leaves the environment. Report anything unusual at once.\n';
const ANALYST_TEXT = '# Terms for analysts\n\n1. Query only for the project’s purpose.\n2. Never try to identify anyone.\n';

describe.each(storeEngines())('terms of use, on $name', (engine) => {
  beforeAll(async () => {
    fixture = await createPlatformFixture();
    store = await engine.forServer(fixture.dataDir, 'terms');
    server = await createPlatformServer({
      dataDir: fixture.dataDir,
      cataloguePath: fixture.cataloguePath,
      publicUrl: TEST_PUBLIC_URL,
      ...store.options,
    });
  });

  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
    await fixture?.cleanup();
  });

  it('serves everybody while no terms are published', async () => {
    expect(await mine('demo-analyst')).toEqual([]);
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(200);
  });

  it('refuses every route but the way to the terms until the current terms of each role held are accepted', async () => {
    const everyone = await publish({
      audience: 'everyone',
      text: EVERYONE_TEXT,
      summary: 'First terms for everyone',
      requiresAcceptance: true,
    });
    expect(everyone).toMatchObject({ version: 1, author: 'demo-admin', requiresAcceptance: true });
    // Everyone's terms bind their author too: the admin accepts them before doing anything else.
    expect(await status('/api/v1/admin/terms', 'demo-admin')).toBe(403);
    await accept('demo-admin', 'everyone');
    await publish({ audience: 'analyst', text: ANALYST_TEXT, summary: 'First terms for analysts', requiresAcceptance: true });

    const refusal = await call('GET', '/api/v1/projects', { as: 'demo-analyst' });
    expect(refusal.statusCode).toBe(403);
    expect(refusal.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'terms_required',
      message: expect.stringMatching(/everyone, version 1; Analyst, version 1/) as unknown,
    });
    // What leads to the terms stays open.
    expect(await status('/api/v1/me', 'demo-analyst')).toBe(200);
    expect(await status('/api/v1/me/training', 'demo-analyst')).toBe(200);
    const terms = await mine('demo-analyst');
    expect(terms.map((each) => [each.current.audience, each.current.version, each.mustAccept])).toEqual([
      ['everyone', 1, true],
      ['analyst', 1, true],
    ]);
    // Each role sees its own terms: an output checker is asked for everyone's only.
    expect((await mine('demo-checker-1')).map((each) => each.current.audience)).toEqual(['everyone']);

    await accept('demo-analyst', 'everyone');
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(403);
    await accept('demo-analyst', 'analyst');
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(200);
    expect(await status('/api/v1/checking/rules', 'demo-checker-1')).toBe(403);
  });

  it('records the sha256 of the exact text shown, and refuses a stale or altered one', async () => {
    const current = (await mine('demo-checker-1'))[0].current;
    const stale = await call('POST', '/api/v1/terms/accept', {
      as: 'demo-checker-1',
      body: { audience: 'everyone', version: current.version, sha256: 'a'.repeat(64) },
    });
    expect(stale.statusCode).toBe(400);
    expect(stale.json<{ error: { message: string } }>().error.message).toMatch(/changed since they were shown/);
    await accept('demo-checker-1', 'everyone');
    const [row] = await store.raw("SELECT * FROM terms_acceptances WHERE user_id = 'demo-checker-1'");
    expect(row).toMatchObject({ audience: 'everyone', version: 1, sha256: current.sha256, client: 'terms-test/1.0' });
    expect(await status('/api/v1/checking/rules', 'demo-checker-1')).toBe(200);
  });

  it('asks again after a new version that requires it, and not after one that does not', async () => {
    const minor = await publish({
      audience: 'analyst',
      text: `${ANALYST_TEXT}\n(Typo fixed.)\n`,
      summary: 'Typo',
      requiresAcceptance: false,
    });
    expect(minor.version).toBe(2);
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(200);
    // Someone who never accepted any version accepts the current one.
    expect((await mine('demo-analyst-2')).find((each) => each.current.audience === 'analyst')).toMatchObject({
      current: { version: 2 },
      mustAccept: true,
    });
    await publish({
      audience: 'analyst',
      text: `${ANALYST_TEXT}\n3. Outputs go through the airlock.\n`,
      summary: 'Airlock rule',
      requiresAcceptance: true,
    });
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(403);
    await accept('demo-analyst', 'analyst');
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(200);
    // Terms published to start later are not in force yet.
    await publish({
      audience: 'analyst',
      text: `${ANALYST_TEXT}\n4. Next year's rule.\n`,
      summary: 'Next year',
      requiresAcceptance: true,
      effectiveAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(await status('/api/v1/projects', 'demo-analyst')).toBe(200);
    // Old versions stay readable.
    const history = TermsHistorySchema.parse((await call('GET', '/api/v1/admin/terms', { as: 'demo-admin' })).json<unknown>());
    expect(
      history
        .filter((each) => each.audience === 'analyst')
        .map((each) => each.version)
        .sort(),
    ).toEqual([1, 2, 3, 4]);
  });

  it('ends the sign-in of someone who declines, and records it', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst-2' });
    const declined = await call('POST', '/api/v1/terms/decline', {
      as: 'demo-analyst-2',
      token,
      body: { audience: 'analyst', version: 3 },
    });
    expect(declined.statusCode).toBe(204);
    expect((await call('GET', '/api/v1/me', { as: 'demo-analyst-2', token })).statusCode).toBe(401);
    const page = AuditPageSchema.parse((await call('GET', '/api/v1/admin/audit?type=terms.', { as: 'demo-admin' })).json<unknown>());
    const types = page.events.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['terms.published', 'terms.accepted', 'terms.declined']));
    expect(page.events.find((event) => event.type === 'terms.accepted')?.details).toMatchObject({
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
  });
});
