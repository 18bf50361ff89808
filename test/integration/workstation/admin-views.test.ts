// The agreements and the audit log through the workstation contract, on the real parts: the workstation core (session,
// platform client) and the real platform over HTTP. The admin's filter travels as the route's query and comes back
// applied; a bad filter is refused by the contract before the platform is asked; an analyst reads her project's
// agreement and is refused the administrators' methods by the platform.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type Client } from '../../../src/common/client.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { errorOf } from '../../support/error-of.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform;
let root: string;
const cores: WorkstationCore[] = [];

/** A workstation signed in as `username`, and the window's client of it. */
async function signedIn(username: string): Promise<Client> {
  const core = createWorkstationCore({
    platformUrl: platform.url,
    healthIntervalMs: 3_600_000,
    tokenStore: 'memory',
    workspaces: { root: path.join(root, username) },
  });
  cores.push(core);
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await playSignIn({ authorizationUrl, platformUrl: platform.url, username });
  const client = createClient(createInProcessTransport(core));
  await vi.waitFor(async () => expect((await client.invoke('session.get', {})).state).toBe('signed_in'));
  return client;
}

let admin: Client;
let analyst: Client;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  root = await mkdtemp(path.join(tmpdir(), 'enclave-admin-views-'));
  admin = await signedIn('demo-admin');
  analyst = await signedIn('demo-analyst');
}, 120_000);

afterAll(async () => {
  for (const core of cores) {
    core.close();
    await core.closed();
  }
  await platform?.stop();
  await fixture?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("the administrators' methods", () => {
  it('admin.agreements lists every agreement the platform knows, with the folder they are edited in', async () => {
    const overview = await admin.invoke('admin.agreements', {});
    expect(overview.folder).toBe(path.join(fixture.dataDir, 'agreements'));
    expect(overview.agreements.map((entry) => [entry.projectId, entry.status])).toEqual([
      ['cardio-admissions', 'in_force'],
      ['covid-outcomes', 'in_force'],
      ['opt-out-monitoring', 'in_force'],
    ]);
  });

  it('admin.audit applies the filter on the platform and pages back with it', async () => {
    const filter = { actor: 'demo-admin', typePrefix: 'session.' };
    const first = await admin.invoke('admin.audit', { filter: { ...filter, limit: 1 } });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({ actor: 'demo-admin', type: 'session.signed_in', details: { role: 'admin' } });

    const agreementEvents = await admin.invoke('admin.audit', { filter: { typePrefix: 'agreement.', projectId: 'covid-outcomes' } });
    expect(agreementEvents.events.map((event) => [event.type, event.details.projectId])).toEqual([['agreement.changed', 'covid-outcomes']]);
    expect(agreementEvents.older).toBeNull();

    const everything = await admin.invoke('admin.audit', { filter: { limit: 2 } });
    expect(everything.older).not.toBeNull();
    const older = await admin.invoke('admin.audit', { filter: { limit: 2, before: everything.older ?? 0 } });
    expect(older.events[0].seq).toBeLessThan(everything.events[1].seq);
  });

  it('admin.audit refuses a bad filter before asking the platform, naming the field', async () => {
    const error = await errorOf(admin.invoke('admin.audit', { filter: { typePrefix: 'Query; DROP' } }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/filter\.typePrefix/);
    const unknown = await errorOf(admin.invoke('admin.audit', { filter: { user: 'demo-admin' } as never }));
    expect(unknown.code).toBe('invalid_input');
  });

  it('are refused to an analyst by the platform', async () => {
    for (const call of [analyst.invoke('admin.agreements', {}), analyst.invoke('admin.audit', { filter: {} })]) {
      const error = await errorOf(call);
      expect(error.code).toBe('forbidden');
    }
  });
});

describe("a project's agreement", () => {
  it('agreement.get gives a member their project’s agreement, read-only', async () => {
    const view = await analyst.invoke('agreement.get', { projectId: 'covid-outcomes' });
    expect(view).toMatchObject({ projectId: 'covid-outcomes', version: 1, status: 'in_force' });
    expect(view.members.map((member) => member.userId)).toEqual(['demo-analyst']);
  });

  it('agreement.get answers a project the caller is not a member of as missing', async () => {
    const error = await errorOf(analyst.invoke('agreement.get', { projectId: 'opt-out-monitoring' }));
    expect(error.code).toBe('not_found');
    expect((await admin.invoke('agreement.get', { projectId: 'opt-out-monitoring' })).projectName).toBe('National data opt-out monitoring');
  });
});
