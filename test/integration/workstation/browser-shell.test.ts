// Sign-in end to end through the browser shell (src/web) against the real embedded provider: the page's calls
// over HTTP, the session events over SSE, the browser at the provider's login page and the loopback listener.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from '../../../src/common/client.ts';
import type { Session } from '../../../src/common/contract.ts';
import type { EnclaveError } from '../../../src/common/errors.ts';
import { startBrowserShell, type BrowserShell } from '../../../src/web/browser-shell.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { connectHttpTransport, type HttpTestTransport } from '../../contract/transports/http-transport.ts';
import { MINIMAL_INDEX_HTML } from '../../contract/transports/index.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform;
let core: WorkstationCore;
let shell: BrowserShell;
let transport: HttpTestTransport;
let rendererDir: string;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  rendererDir = await mkdtemp(join(tmpdir(), 'enclave-ws-shell-'));
  await writeFile(join(rendererDir, 'index.html'), MINIMAL_INDEX_HTML);
  core = createWorkstationCore({ platformUrl: platform.url, tokenStore: 'memory', healthIntervalMs: 3_600_000 });
  shell = await startBrowserShell({ core, rendererDir });
  transport = await connectHttpTransport(shell);
});

afterAll(async () => {
  transport?.close();
  await shell?.close();
  core?.close();
  await platform?.stop();
  await fixture?.cleanup();
  if (rendererDir) await rm(rendererDir, { recursive: true, force: true });
});

it('signs in through the browser shell: signIn over HTTP, login page, loopback, session.changed over SSE', async () => {
  const client = createClient(transport);
  const heard: Session[] = [];
  const signedIn = new Promise<void>((resolve) => {
    client.listen('session.changed', (session) => {
      heard.push(session);
      if (session.state === 'signed_in') resolve();
    });
  });
  const before = await client.invoke('projects.list', {}).catch((err: EnclaveError) => err);

  const { authorizationUrl } = await client.invoke('session.signIn', {});
  const page = await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-checker-1' });
  await signedIn;

  expect(before).toMatchObject({ code: 'unauthenticated' });
  expect(page.status).toBe(200);
  expect(heard.map((s) => s.state)).toContain('signing_in');
  expect(await client.invoke('session.get', {})).toMatchObject({
    state: 'signed_in',
    user: { id: 'demo-checker-1', role: 'output_checker' },
  });
  expect((await client.invoke('checking.rules', {})).length).toBeGreaterThan(0);

  const locked = await client.invoke('session.lock', {});
  const refused = await client.invoke('projects.list', {}).catch((err: EnclaveError) => err);
  expect(locked.state).toBe('locked');
  expect(refused).toMatchObject({ code: 'locked' });
});
