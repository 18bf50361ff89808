// A project's members, edited on its page (issue 18): saved as a new version of the project's agreement through the
// loader's own validation, so the agreement is the one source of membership. A data manager grants permission to
// request release on the data owner's behalf (an admin who is not one cannot); nobody changes their own membership; a
// bad edit changes nothing; removing someone ends their access at once. On both of the metadata store's engines.
// SATRE 1.5.04 (no access without the data controller's agreement), 3.2.03 (access only to the data the work needs).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgreementViewSchema, AuditPageSchema, type MemberEdit } from '../../../src/common/agreement-views.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { storeEngines, type ServerStoreUnderTest } from '../../support/store-engines.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

type ErrorBody = { error: { code: string; message: string } };

let fixture: PlatformFixture;
let server: PlatformServer;
let store: ServerStoreUnderTest;

async function call(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }) {
  const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: options.as });
  return server.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
  });
}

async function ok(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }): Promise<unknown> {
  const response = await call(method, url, options);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<unknown>();
}

const OPT_OUT = '/api/v1/projects/opt-out-monitoring';

async function membersOf(): Promise<MemberEdit[]> {
  const view = AgreementViewSchema.parse(await ok('GET', `${OPT_OUT}/agreement`, { as: 'demo-admin' }));
  return view.members.map(({ userId, role, start, end, mayRequestRelease }) => ({ userId, role, start, end, mayRequestRelease }));
}

const ADA: MemberEdit = { userId: 'demo-analyst', role: 'analyst', start: '2026-01-01', end: '2099-12-31', mayRequestRelease: false };

describe.each(storeEngines())('project members, on $name', (engine) => {
  beforeAll(async () => {
    fixture = await createPlatformFixture();
    store = await engine.forServer(fixture.dataDir, 'members');
    server = await createPlatformServer({
      dataDir: fixture.dataDir,
      cataloguePath: fixture.cataloguePath,
      publicUrl: TEST_PUBLIC_URL,
      ...store.options,
    });
    // A data manager, bound at once and trained as the role needs.
    await ok('POST', '/api/v1/admin/users', {
      as: 'demo-admin',
      body: { id: 'dm', displayName: 'Dee Manager', roles: ['data_manager'], verification: 'Staff card seen', subject: 'dm' },
    });
    await ok('POST', '/api/v1/admin/training', {
      as: 'demo-admin',
      body: { userId: 'dm', course: 'Information Governance Training', completed: '2026-01-01', expires: '2099-01-01', evidence: 'IG-77' },
    });
  });

  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
    await fixture?.cleanup();
  });

  it('adds a member as a new version of the agreement: they see the project at once, and the file keeps everything else', async () => {
    expect((await call('GET', `${OPT_OUT}/catalogue`, { as: 'demo-analyst' })).statusCode).toBe(404);
    const before = await membersOf();
    const fileBefore = JSON.parse(await readFile(path.join(fixture.dataDir, 'agreements', 'opt-out-monitoring.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const view = AgreementViewSchema.parse(
      await ok('POST', `${OPT_OUT}/members`, { as: 'dm', body: { members: [...before, ADA], reason: 'Joins the monitoring team' } }),
    );
    expect(view.version).toBe(2);
    expect(view.members.map((member) => member.userId)).toContain('demo-analyst');
    expect((await call('GET', `${OPT_OUT}/catalogue`, { as: 'demo-analyst' })).statusCode).toBe(200);
    const fileAfter = JSON.parse(await readFile(path.join(fixture.dataDir, 'agreements', 'opt-out-monitoring.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect({ ...fileAfter, members: null }).toEqual({ ...fileBefore, members: null });
    const page = AuditPageSchema.parse(await ok('GET', '/api/v1/admin/audit?type=agreement.members_changed', { as: 'demo-admin' }));
    expect(page.events[0]).toMatchObject({
      actor: 'dm',
      details: {
        projectId: 'opt-out-monitoring',
        reason: 'Joins the monitoring team',
        version: 2,
        new: expect.arrayContaining([expect.objectContaining(ADA)]) as unknown,
      },
    });
  });

  it('lets only a data manager grant permission to request release', async () => {
    const members = await membersOf();
    const granted = members.map((member) => (member.userId === 'demo-analyst' ? { ...member, mayRequestRelease: true } : member));
    const byAdmin = await call('POST', `${OPT_OUT}/members`, { as: 'demo-admin', body: { members: granted, reason: 'Needs to publish' } });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json<ErrorBody>().error.message).toMatch(/Only a data manager/);
    await ok('POST', `${OPT_OUT}/members`, { as: 'dm', body: { members: granted, reason: 'Approved by the data owner' } });
    expect((await membersOf()).find((member) => member.userId === 'demo-analyst')?.mayRequestRelease).toBe(true);
  });

  it('refuses a change to one’s own membership', async () => {
    const members = await membersOf();
    const extended = members.map((member) => (member.userId === 'demo-admin' ? { ...member, end: '2099-12-31' } : member));
    const self = await call('POST', `${OPT_OUT}/members`, { as: 'demo-admin', body: { members: extended, reason: 'Extend myself' } });
    expect(self.statusCode).toBe(403);
    expect(self.json<ErrorBody>().error.message).toMatch(/your own membership/);
  });

  it('refuses a bad edit with the loader’s own words, and changes nothing', async () => {
    const members = await membersOf();
    const unknown = await call('POST', `${OPT_OUT}/members`, {
      as: 'dm',
      body: { members: [...members, { ...ADA, userId: 'nobody-we-know' }], reason: 'Typo' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorBody>().error.message).toMatch(/opt-out-monitoring\.json.*members\[\d\]\.userId/);
    const backwards = await call('POST', `${OPT_OUT}/members`, {
      as: 'dm',
      body: { members: members.map((member) => ({ ...member, end: '2020-01-01' })), reason: 'Typo' },
    });
    expect(backwards.statusCode).toBe(400);
    expect(await membersOf()).toEqual(members);
  });

  it('removes a member: their access ends at once, and the project leaves their list', async () => {
    const members = (await membersOf()).filter((member) => member.userId !== 'demo-analyst');
    await ok('POST', `${OPT_OUT}/members`, { as: 'dm', body: { members, reason: 'Left the team' } });
    expect((await call('GET', `${OPT_OUT}/catalogue`, { as: 'demo-analyst' })).statusCode).toBe(404);
    const listed = (await ok('GET', '/api/v1/projects', { as: 'demo-analyst' })) as Array<{ id: string }>;
    expect(listed.map((project) => project.id)).not.toContain('opt-out-monitoring');
  });

  it('is refused to an analyst', async () => {
    expect((await call('POST', `${OPT_OUT}/members`, { as: 'demo-analyst-2', body: { members: [], reason: 'Mine now' } })).statusCode).toBe(
      403,
    );
  });
});
