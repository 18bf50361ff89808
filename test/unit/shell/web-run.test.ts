// The browser shell as a process (src/web/run.ts): its one stdout line, its launch URL and launch page, a clean stop.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBrowserShell } from '../../../src/web/run.ts';
import { startFakePlatform, type FakePlatform } from '../../contract/fake-platform.ts';

let dir: string;
let platform: FakePlatform;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enclave-web-run-'));
  await writeFile(join(dir, 'index.html'), '<meta name="csp-nonce" content="__CSP_NONCE__">');
  platform = await startFakePlatform();
});

afterEach(async () => {
  await platform.close();
  await rm(dir, { recursive: true, force: true });
});

/** What the page does with the launch URL: POST its fragment's code from its own origin. */
async function redeem(line: { launchUrl: string }): Promise<Response> {
  const url = new URL(line.launchUrl);
  return fetch(`${url.origin}/api/session`, {
    method: 'POST',
    headers: { origin: url.origin, 'x-enclave-launch': url.hash.replace('#launch=', '') },
  });
}

function firstLine(stream: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n', 1)[0] ?? '');
    });
  });
}

describe('running the browser shell as a process', () => {
  it('prints one listening line with a working launch URL and stops when asked', async () => {
    const stdout = new PassThrough();
    let stop = () => {};
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const exit = runBrowserShell(['--platform-url', platform.url, '--renderer-dir', dir], {
      stdout,
      stderr: new PassThrough(),
      env: { ENCLAVE_TOKEN_STORE: 'memory' },
      stopSignal,
    });

    const line = JSON.parse(await firstLine(stdout)) as { event: string; url: string; launchUrl: string; launchPage: string | null };
    const launched = await redeem(line);
    stop();

    expect(line.event).toBe('listening');
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.launchUrl).toMatch(new RegExp(`^${line.url}/#launch=[A-Za-z0-9_-]{43}$`));
    expect(line.launchPage).toBeNull();
    expect(launched.status).toBe(200);
    expect(await exit).toBe(0);
  });

  it('writes the launch page 0600 in a 0700 folder when asked, and deletes it once its code is used', async () => {
    const pages = join(dir, 'launch');
    const stdout = new PassThrough();
    let stop = () => {};
    const stopSignal = new Promise<void>((resolve) => (stop = resolve));
    const exit = runBrowserShell(['--platform-url', platform.url, '--renderer-dir', dir, '--launch-page-dir', pages], {
      stdout,
      stderr: new PassThrough(),
      env: { ENCLAVE_TOKEN_STORE: 'memory' },
      stopSignal,
    });

    const line = JSON.parse(await firstLine(stdout)) as { launchUrl: string; launchPage: string };
    const modes = [(await stat(pages)).mode & 0o777, (await stat(line.launchPage)).mode & 0o777];
    const html = await readFile(line.launchPage, 'utf8');
    const launched = await redeem(line);
    const leftAfterUse = existsSync(line.launchPage);
    stop();

    expect(line.launchPage.startsWith(`${pages}/`)).toBe(true);
    expect(modes).toEqual([0o700, 0o600]);
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${line.launchUrl}">`);
    expect(launched.status).toBe(200);
    expect(leftAfterUse).toBe(false);
    expect(await exit).toBe(0);
  });

  it('exits with 2 and says why when the platform URL is missing', async () => {
    const stderr = new PassThrough();
    const said = firstLine(stderr);

    const code = await runBrowserShell([], { stdout: new PassThrough(), stderr, env: {}, stopSignal: new Promise(() => {}) });

    expect(code).toBe(2);
    expect(await said).toMatch(/platform URL/);
  });

  it('exits with 2 and names the variable when a workstation setting is wrong', async () => {
    const stderr = new PassThrough();
    const said = firstLine(stderr);

    const code = await runBrowserShell(['--platform-url', platform.url], {
      stdout: new PassThrough(),
      stderr,
      env: { ENCLAVE_IDLE_LOCK_SECONDS: 'soon' },
      stopSignal: new Promise(() => {}),
    });

    expect(code).toBe(2);
    expect(await said).toMatch(/ENCLAVE_IDLE_LOCK_SECONDS/);
  });
});
