// Members' workstations and a standard WebDAV client on a started platform (issue 17's two-member tests): a workstation
// is a desk (synced folder, journal folder) with an engine on it, signed in as the member, its requests recorded; the
// WebDAV client is plain fetch with Basic and an app password the member made through the API (refused anywhere but
// HTTPS or loopback: this is loopback). Everything opened is closed when the test ends.
import { onTestFinished } from 'vitest';
import { openDriveSync } from '../../../../src/workstation/drives/sync-engine.ts';
import type { DriveSync } from '../../../../src/workstation/drives/sync-api.ts';
import { newDesk, removeDesk, testRemote, type Desk, type TestRemote } from '../../../unit/workstation/drives/support/sync-kit.ts';
import type { RunningPlatform } from './platform-world.ts';

export interface Workstation {
  readonly desk: Desk;
  readonly remote: TestRemote;
  readonly sync: DriveSync;
  readonly who: string;
}

export async function openWorkstation(
  platform: RunningPlatform,
  member: { id: string; name: string },
  options: { projectId: string },
): Promise<Workstation> {
  const desk = await newDesk(member.id);
  const remote = testRemote(platform.remoteFor(member.id, options.projectId));
  const sync = await openDriveSync({
    projectId: options.projectId,
    userId: member.id,
    person: member.name,
    localRoot: desk.root,
    stateDir: desk.stateDir,
    remote: remote.remote,
    deviceId: `device-${member.id}`,
    intervalMs: 0,
    watch: false,
  });
  onTestFinished(async () => {
    await sync.close();
    await removeDesk(desk);
  });
  return { desk, remote, sync, who: member.name };
}

export interface DavAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface DavClient {
  readonly appPasswordId: string;
  request(method: string, relative: string, options?: { body?: string; headers?: Record<string, string> }): Promise<DavAnswer>;
}

/** A WebDAV client of the member's, with an app password made for the project's drive. */
export async function davClient(platform: RunningPlatform, member: { id: string }, projectId: string): Promise<DavClient> {
  const made = await platform
    .client()
    .call(
      'drive.createAppPassword',
      { params: { projectId }, body: { label: 'Finder on the desktop' } },
      { token: await platform.token(member.id) },
    );
  const basic = `Basic ${Buffer.from(`${made.appPassword.username}:${made.secret}`).toString('base64')}`;
  return {
    appPasswordId: made.appPassword.id,
    async request(method, relative, options = {}) {
      const url = new URL(`/dav/${projectId}/${relative.split('/').map(encodeURIComponent).join('/')}`, platform.baseUrl);
      const answer = await fetch(url, {
        method,
        headers: { authorization: basic, ...options.headers },
        ...(options.body === undefined ? {} : { body: options.body }),
      });
      return { status: answer.status, headers: answer.headers, text: await answer.text() };
    },
  };
}
