// The platform URL's one rule (issue 19, A.5), wherever it enters the workstation: https, or plain http on this machine
// only (the identity provider's rule). ENCLAVE_PLATFORM_URL for both shells (src/workstation/env-config.ts, read by
// main/config.ts and src/web/run.ts) and the browser shell's --platform-url; the CLI's --platform is tested as a process
// in test/integration/tls-trust-cli.test.ts. The browser shell's --ca-file is refused here before anything starts.
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readShellConfig } from '../../../main/config.ts';
import { runBrowserShell } from '../../../src/web/run.ts';
import { platformUrlProblem, readWorkstationEnv } from '../../../src/workstation/env-config.ts';

const RULE = 'must use https:// (plain http:// is allowed only on this machine: 127.0.0.1, localhost or [::1])';

describe('the platform URL rule', () => {
  it.each([
    'https://tre.example.org',
    'https://tre.example.org:8443/platform/',
    'http://127.0.0.1:4100',
    'http://localhost:4100',
    'http://[::1]:4100',
  ])('accepts %s', (url) => {
    expect(platformUrlProblem(url, 'ENCLAVE_PLATFORM_URL')).toBeNull();
    expect(readWorkstationEnv({ ENCLAVE_PLATFORM_URL: url })).toMatchObject({ ok: true, options: { platformUrl: url } });
  });

  it.each([
    // Names that look local but are not this machine's loopback.
    'http://example.org',
    'http://10.0.0.5:4100',
    'http://localhost.example.org',
    'http://127.0.0.1.nip.io',
    'http://0.0.0.0:4100',
    'ftp://tre.example.org',
    'file:///etc/passwd',
  ])('refuses %s with the one message', (url) => {
    expect(readWorkstationEnv({ ENCLAVE_PLATFORM_URL: url })).toEqual({
      ok: false,
      message: `ENCLAVE_PLATFORM_URL ${RULE}, not "${url}".`,
    });
  });

  it('names the flag when the URL came from it, and refuses what is not a URL', () => {
    expect(readWorkstationEnv({ ENCLAVE_PLATFORM_URL: 'https://ok.example.org' }, 'http://example.org')).toEqual({
      ok: false,
      message: `--platform-url ${RULE}, not "http://example.org".`,
    });
    expect(platformUrlProblem('tre.example.org', '--platform')).toBe(
      `--platform must be the platform's https:// URL, not "tre.example.org".`,
    );
  });

  it("the Electron shell's configuration refuses it too", () => {
    expect(readShellConfig({ ENCLAVE_PLATFORM_URL: 'http://example.org' })).toEqual({
      ok: false,
      message: `ENCLAVE_PLATFORM_URL ${RULE}, not "http://example.org".`,
    });
    expect(readShellConfig({ ENCLAVE_PLATFORM_URL: 'http://127.0.0.1:4100' }).ok).toBe(true);
  });
});

describe('the browser shell refuses before it starts', () => {
  async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await runBrowserShell(argv, { stdout: new PassThrough(), stderr, env, stopSignal: new Promise(() => {}) });
    return { code, stderr: text };
  }

  it('an http:// platform URL off this machine, from the flag or the environment', async () => {
    expect(await run(['--platform-url', 'http://example.org'])).toEqual({
      code: 2,
      stderr: `--platform-url ${RULE}, not "http://example.org".\n`,
    });
    expect(await run([], { ENCLAVE_PLATFORM_URL: 'http://example.org' })).toEqual({
      code: 2,
      stderr: `ENCLAVE_PLATFORM_URL ${RULE}, not "http://example.org".\n`,
    });
  });

  it('a CA bundle that cannot be used, from --ca-file or ENCLAVE_CA_FILE', async () => {
    const missing = join(import.meta.dirname, 'no-such-bundle.pem');
    expect(await run(['--platform-url', 'http://127.0.0.1:9', '--ca-file', missing])).toEqual({
      code: 2,
      stderr: `The CA bundle ${missing} (--ca-file) does not exist.\n`,
    });
    expect(await run(['--platform-url', 'http://127.0.0.1:9'], { ENCLAVE_CA_FILE: missing })).toEqual({
      code: 2,
      stderr: `The CA bundle ${missing} (ENCLAVE_CA_FILE) does not exist.\n`,
    });
  });
});
