// The browser shell's way out for a checked export (SATRE 3.1.12): a one-time download, by a random token bound to that
// export, valid a minute, spent on first use, always an attachment. No cookie and no session header (a download is a
// navigation); the shell's Host, Origin and Fetch-Metadata guards still hold, and nothing else is served under the path.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createDownloadOffers,
  DOWNLOAD_TTL_MS,
  EXPORT_DOWNLOAD_PATH,
  type DownloadOffers,
} from '../../../src/workstation/airlock/downloads.ts';
import type { ExportFile } from '../../../src/workstation/airlock/export-file.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { attachmentDisposition, startBrowserShell, type BrowserShell } from '../../../src/web/browser-shell.ts';
import { rawRequest } from '../shell/http-helpers.ts';
import { STUB_HANDLERS, stubCalls } from '../shell/stub-handlers.ts';

function exportFile(overrides: Partial<ExportFile> = {}): ExportFile {
  return {
    projectId: 'covid-outcomes',
    fileId: 'file-0123456789abcdef0123',
    sha256: 'ab'.repeat(32),
    format: 'csv',
    fileName: 'admissions-by-region-abababab.csv',
    mediaType: 'text/csv; charset=utf-8',
    bytes: new TextEncoder().encode('region,Count\r\nLondon,25\r\n'),
    recheck: () => Promise.resolve(),
    ...overrides,
  };
}

function tokenOf(url: string): string {
  return url.slice(EXPORT_DOWNLOAD_PATH.length);
}

describe('download offers', () => {
  it('give a same-origin path with a 43-character random token, and the file once', () => {
    const offers = createDownloadOffers();
    const file = exportFile();

    const offer = offers.offer(file);

    expect(offer).toEqual({
      kind: 'download',
      url: expect.stringMatching(/^\/api\/download\/[A-Za-z0-9_-]{43}$/),
      fileName: file.fileName,
    });
    expect(offers.take(tokenOf(offer.url))).toBe(file);
    expect(offers.take(tokenOf(offer.url))).toBeNull();
  });

  it('are bound to their own export: two offers of the same file have different tokens', () => {
    const offers = createDownloadOffers();
    const first = offers.offer(exportFile());
    const second = offers.offer(exportFile({ format: 'xlsx' }));

    expect(first.url).not.toBe(second.url);
    expect(offers.take(tokenOf(second.url))?.format).toBe('xlsx');
    expect(offers.take(tokenOf(first.url))?.format).toBe('csv');
  });

  it('expire after 15 seconds, unused', () => {
    let now = 1_000_000;
    const offers = createDownloadOffers({ now: () => now });
    const offer = offers.offer(exportFile());

    now += DOWNLOAD_TTL_MS + 1;

    expect(offers.take(tokenOf(offer.url))).toBeNull();
  });

  it('refuse tokens that are not theirs, of any shape', () => {
    const offers = createDownloadOffers();
    const offer = offers.offer(exportFile());
    const token = tokenOf(offer.url);

    for (const guess of [
      '',
      'x',
      token.slice(0, 42),
      `${token}a`,
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
      '../../etc/passwd',
    ]) {
      expect(offers.take(guess)).toBeNull();
    }
    expect(offers.take(token)).not.toBeNull();
  });

  it('keep at most 16 waiting: the oldest goes first', () => {
    const offers = createDownloadOffers();
    const urls = Array.from({ length: 17 }, () => offers.offer(exportFile()).url);

    expect(offers.take(tokenOf(urls[0] ?? ''))).toBeNull();
    expect(offers.take(tokenOf(urls[16] ?? ''))).not.toBeNull();
  });

  it('are all forgotten on clear (a sign-out, a lock, the workstation closing)', () => {
    const offers = createDownloadOffers();
    const offer = offers.offer(exportFile());

    offers.clear();

    expect(offers.take(tokenOf(offer.url))).toBeNull();
  });
});

describe('the browser shell serves an offered download', () => {
  let root: string;
  let shell: BrowserShell;
  let port: number;
  let offers: DownloadOffers;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'enclave-download-'));
    await mkdir(join(root, 'renderer'));
    await writeFile(join(root, 'renderer', 'index.html'), '<!doctype html><title>x</title>');
    offers = createDownloadOffers();
    const events = createEventHub();
    shell = await startBrowserShell({
      core: { handlers: STUB_HANDLERS, events, calls: stubCalls(events), downloads: offers },
      rendererDir: join(root, 'renderer'),
    });
    port = Number(new URL(shell.url).port);
  });

  afterEach(async () => {
    await shell.close();
    await rm(root, { recursive: true, force: true });
  });

  const host = () => `127.0.0.1:${port}`;

  it('once, as an attachment of its own type, with no session header, as the page navigates to it', async () => {
    const file = exportFile();
    const { url } = offers.offer(file);

    const first = await rawRequest({
      port,
      path: url,
      headers: { host: host(), 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    const again = await rawRequest({ port, path: url, headers: { host: host() } });

    expect(first.status).toBe(200);
    expect(first.body.equals(Buffer.from(file.bytes))).toBe(true);
    expect(first.headers['content-disposition']).toBe(attachmentDisposition(file.fileName));
    expect(first.headers['content-disposition']).toMatch(/^attachment; filename="admissions-by-region-abababab\.csv"/);
    expect(first.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(first.headers['x-content-type-options']).toBe('nosniff');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(again.status).toBe(404);
    expect(JSON.parse(again.body.toString('utf8'))).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('is refused, and nothing served, when egress froze or the output was revoked since the offer', async () => {
    const revoked = new EnclaveError('forbidden', 'The output was revoked. Nothing was exported.');
    const { url } = offers.offer(exportFile({ recheck: () => Promise.reject(revoked) }));

    const answer = await rawRequest({ port, path: url, headers: { host: host() } });

    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(answer.body.includes(Buffer.from('London'))).toBe(false);
  });

  it('an SVG comes as an attachment under the strict CSP, never shown in the page', async () => {
    const { url } = offers.offer(
      exportFile({
        format: 'svg',
        fileName: 'chart-abababab.svg',
        mediaType: 'image/svg+xml',
        bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      }),
    );

    const response = await rawRequest({ port, path: url, headers: { host: host() } });

    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment;/);
    expect(String(response.headers['content-security-policy'])).toContain("default-src 'none'");
  });

  it('is refused from another site, another Host or another Origin, and the token stays unspent', async () => {
    const { url } = offers.offer(exportFile());

    const crossSite = await rawRequest({
      port,
      path: url,
      headers: { host: host(), 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
    });
    const rebinding = await rawRequest({ port, path: url, headers: { host: `attacker.example:${port}` } });
    const otherOrigin = await rawRequest({ port, path: url, headers: { host: host(), origin: 'http://attacker.example' } });

    expect([crossSite.status, rebinding.status, otherOrigin.status]).toEqual([403, 403, 403]);
    expect((await rawRequest({ port, path: url, headers: { host: host() } })).status).toBe(200);
  });

  it('answers only GET: HEAD and POST are refused without spending the token', async () => {
    const { url } = offers.offer(exportFile());

    const head = await rawRequest({ port, path: url, method: 'HEAD', headers: { host: host() } });
    const post = await rawRequest({ port, path: url, method: 'POST', headers: { host: host(), origin: `http://${host()}` } });

    expect(head.status).toBe(405);
    expect(post.status).toBe(405);
    expect((await rawRequest({ port, path: url, headers: { host: host() } })).status).toBe(200);
  });

  it('a guessed, malformed or traversing token is not found', async () => {
    offers.offer(exportFile());

    for (const path of [
      `${EXPORT_DOWNLOAD_PATH}${'A'.repeat(43)}`,
      `${EXPORT_DOWNLOAD_PATH}..%2f..%2fetc%2fpasswd`,
      EXPORT_DOWNLOAD_PATH,
    ]) {
      const response = await rawRequest({ port, path, headers: { host: host() } });
      expect(response.status).toBe(404);
    }
  });

  it('a shell whose core offers no downloads serves none', async () => {
    const events = createEventHub();
    const bare = await startBrowserShell({
      core: { handlers: STUB_HANDLERS, events, calls: stubCalls(events) },
      rendererDir: join(root, 'renderer'),
    });
    const barePort = Number(new URL(bare.url).port);
    try {
      const { url } = offers.offer(exportFile());
      const response = await rawRequest({ port: barePort, path: url, headers: { host: `127.0.0.1:${barePort}` } });
      expect(response.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
