// Attacks on the app:// protocol (main/app-protocol.ts + the shared path guard): traversal, foreign hosts, nonce
// freshness, CSP on every response. Pure Node (Request/Response), so Electron's binary is not needed.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../../scripts/electron-binary.ts';
import { appProtocolResponse } from '../../../main/app-protocol.ts';
import { APP_INDEX_URL } from '../../../main/security.ts';
import { createRendererFiles } from '../../../src/workstation/serving/renderer-files.ts';

beforeAll(() => {
  const binary = findElectronBinary();
  console.log(
    binary.path === null
      ? `[electron-app-protocol] Electron itself is absent (${binary.reason}): the app:// handler and its path guard are tested through their own logic, with stand-ins for Electron's objects.`
      : `[electron-app-protocol] Electron binary present at ${binary.path}; these tests still use stand-ins, and the Electron e2e suite covers the real window.`,
  );
});

describe('the app:// protocol (path guard, nonce, CSP)', () => {
  let root: string;
  let files: ReturnType<typeof createRendererFiles>;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'enclave-app-protocol-'));
    const renderer = join(root, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<meta name="csp-nonce" content="__CSP_NONCE__">');
    await writeFile(join(renderer, 'assets', 'duckdb-browser-eh.worker.js'), 'self.onmessage = () => {};');
    await writeFile(join(renderer, 'assets', 'duckdb-eh.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    await writeFile(join(root, 'secret.txt'), 'TOP-SECRET');
    await symlink(join(root, 'secret.txt'), join(renderer, 'assets', 'escape.txt'));
    files = createRendererFiles(renderer);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const get = (url: string, method = 'GET') => appProtocolResponse(files, { url, method });

  for (const url of [
    'app://enclave/../secret.txt',
    'app://enclave/%2e%2e/secret.txt',
    'app://enclave/assets/..%2f..%2fsecret.txt',
    'app://enclave/%252e%252e/secret.txt',
    'app://enclave/..%5csecret.txt',
    'app://enclave/assets/escape.txt',
    'app://enclave/index.html%00',
    'app://evil/index.html',
    'app://enclave.attacker.example/index.html',
  ]) {
    it(`does not serve ${url}`, async () => {
      const response = await get(url);

      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toContain('TOP-SECRET');
    });
  }

  it('serves index.html with a fresh nonce per load that matches its CSP header', async () => {
    const loads = await Promise.all([get(APP_INDEX_URL), get('app://enclave/')]);

    const nonces = await Promise.all(
      loads.map(async (response) => {
        const inPage = /content="([^"]+)"/.exec(await response.text())?.[1];
        expect(response.headers.get('content-security-policy')).toContain(`'nonce-${inPage}'`);
        return inPage;
      }),
    );
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('sends the CSP on the worker script and serves wasm as application/wasm', async () => {
    const worker = await get('app://enclave/assets/duckdb-browser-eh.worker.js');
    const wasm = await get('app://enclave/assets/duckdb-eh.wasm');

    expect(worker.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect([...new Uint8Array(await wasm.arrayBuffer())]).toEqual([0, 0x61, 0x73, 0x6d]);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get(APP_INDEX_URL, 'POST')).status).toBe(405);
  });
});
