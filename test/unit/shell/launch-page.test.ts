// The launch page (src/web/launch-page.ts): the file a browser is given instead of the launch URL. Private to
// its user (0600 in 0700), never written through something planted in its place, gone once its code is spent.
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBrowserShell } from '../../../src/web/browser-shell.ts';
import { renderLaunchPage, writeLaunchPage } from '../../../src/web/launch-page.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { otherUser, runNodeAsOtherUser } from '../../support/other-user.ts';
import { STUB_HANDLERS, stubCalls } from './stub-handlers.ts';

const LAUNCH_URL = 'http://127.0.0.1:4321/#launch=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

let base: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'enclave-launch-page-'));
  // Others may pass through the parent, as through a home folder: the launch folder itself must keep them out.
  await chmod(base, 0o755);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('the launch page', () => {
  it('sends the browser on to the launch URL, fragment and all, with no referrer', () => {
    const html = renderLaunchPage(LAUNCH_URL);

    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${LAUNCH_URL}">`);
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
  });

  it('escapes what it writes into the page', () => {
    expect(renderLaunchPage('http://127.0.0.1:1/#launch="><script>x</script>')).not.toContain('<script>');
  });

  it('is 0600 in a 0700 folder, whatever the umask, and tightens a folder left open', async () => {
    const dir = join(base, 'launch');
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    const previous = process.umask(0o000);
    try {
      const page = await writeLaunchPage({ dir, launchUrl: LAUNCH_URL });

      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(page.path)).mode & 0o777).toBe(0o600);
      expect(await readFile(page.path, 'utf8')).toContain(LAUNCH_URL);
    } finally {
      process.umask(previous);
    }
  });

  it('refuses a folder that is a symlink planted in its place', async () => {
    const elsewhere = join(base, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(base, 'launch'));

    await expect(writeLaunchPage({ dir: join(base, 'launch'), launchUrl: LAUNCH_URL })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('is removed once, however often removal is asked for', async () => {
    const page = await writeLaunchPage({ dir: join(base, 'launch'), launchUrl: LAUNCH_URL });

    await Promise.all([page.remove(), page.remove()]);

    expect(existsSync(page.path)).toBe(false);
  });

  it("is gone when the shell closes, and when its code's time runs out unused", async () => {
    const events = createEventHub();
    const core = { handlers: STUB_HANDLERS, events, calls: stubCalls(events) };
    await writeFile(join(base, 'index.html'), '<!doctype html>');
    const closing = await startBrowserShell({ core, rendererDir: base, launchPageDir: join(base, 'launch') });
    const expiring = await startBrowserShell({ core, rendererDir: base, launchPageDir: join(base, 'launch'), launchCodeTtlMs: 50 });
    const paths = [closing.launchPage ?? '', expiring.launchPage ?? ''];
    expect(paths.every((path) => existsSync(path))).toBe(true);

    await closing.close();
    await expect.poll(() => existsSync(paths[1] ?? '')).toBe(false);
    await expiring.close();

    expect(existsSync(paths[0] ?? '')).toBe(false);
  });

  const user = otherUser();
  if (typeof user === 'string') console.log(`[launch-page] not run as a second OS user: ${user}`);

  it.skipIf(typeof user === 'string')('cannot be read by another user of this computer, even if its folder were opened up', async () => {
    const page = await writeLaunchPage({ dir: join(base, 'launch'), launchUrl: LAUNCH_URL });
    const read = `import { readFile } from 'node:fs/promises';
      console.log(await readFile(${JSON.stringify(page.path)}, 'utf8').then(() => 'read', (err) => err.code));`;

    const throughPrivateFolder = await runNodeAsOtherUser(user as Exclude<typeof user, string>, read);
    await chmod(join(base, 'launch'), 0o755);
    const throughOpenFolder = await runNodeAsOtherUser(user as Exclude<typeof user, string>, read);

    expect(throughPrivateFolder.stdout.trim()).toBe('EACCES');
    expect(throughOpenFolder.stdout.trim()).toBe('EACCES');
  });
});
