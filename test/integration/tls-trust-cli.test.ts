// The `enclave` command and the one trust setting (issue 19, A.4–A.6), as its own process against a real https server
// with a private CA's certificate: ENCLAVE_CA_FILE or --ca-file (before or after the command words) make it trusted;
// without them the command says "not trusted", naming the problem and ENCLAVE_CA_FILE, and exits as for a platform
// it cannot reach. A platform URL that is plain http off this machine is refused before anything is sent.
// `whoami` is the probe: it reaches the platform's health and the identity provider's discovery before it looks for
// a sign-in in the keychain, which (no D-Bus here) it cannot use: that refusal proves the network part worked.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { closedPort, startTlsPlatform, type TlsPlatform } from './tls-trust-support.ts';
import { runCli } from './workstation/cli-run.ts';

let ca: TestCa;
let otherCa: TestCa;
let platform: TlsPlatform;
let foreignIssuer: TlsPlatform;

/** The caller's environment without a trust setting, platform URL or keychain (and no identity overrides). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/enclave-test-bus', ...extra };
  delete env.DISPLAY;
  for (const name of ['ENCLAVE_CA_FILE', 'ENCLAVE_PLATFORM_URL', 'ENCLAVE_OIDC_ISSUER', 'ENCLAVE_OIDC_CLIENT_ID', 'ENCLAVE_API_AUDIENCE']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

const KEYCHAIN_REFUSAL = /^enclave whoami: the OS keychain cannot be used/;

beforeAll(async () => {
  ca = makeTestCa('Enclave Test CA');
  otherCa = makeTestCa('Another Test CA');
  platform = await startTlsPlatform(ca.issue('platform'));
  foreignIssuer = await startTlsPlatform(otherCa.issue('issuer'));
});

afterAll(async () => {
  await Promise.all([platform, foreignIssuer].map((server) => server?.close()));
  ca?.remove();
  otherCa?.remove();
});

describe('enclave with a platform whose certificate a private CA signed', () => {
  it('with ENCLAVE_CA_FILE it reaches the platform and the identity provider', async () => {
    platform.requests.length = 0;
    const run = await runCli(['whoami', '--platform', platform.url], cleanEnv({ ENCLAVE_CA_FILE: ca.caFile }));

    expect(run.stderr).toMatch(KEYCHAIN_REFUSAL);
    expect(run.code).toBe(1);
    expect(platform.requests).toEqual(['/api/v1/health', '/oidc/.well-known/openid-configuration']);
    // A person's command stays quiet about the bundle; `platform serve` logs it (below).
    expect(run.stderr).not.toMatch(/certificate|Trusting/);
  });

  it('--ca-file works before the command words and after them (--ca-file=FILE too), and wins over ENCLAVE_CA_FILE', async () => {
    const wrong = cleanEnv({ ENCLAVE_CA_FILE: otherCa.caFile, ENCLAVE_PLATFORM_URL: platform.url });
    const before = await runCli(['--ca-file', ca.caFile, 'whoami'], wrong);
    const after = await runCli(['whoami', `--ca-file=${ca.caFile}`], wrong);

    expect(before.stderr).toMatch(KEYCHAIN_REFUSAL);
    expect(after.stderr).toMatch(KEYCHAIN_REFUSAL);
  });

  it('without it: "not trusted", naming the problem and ENCLAVE_CA_FILE, exit 1 as for a closed port', async () => {
    const run = await runCli(['whoami', '--platform', platform.url], cleanEnv());
    const port = await closedPort();
    const closed = await runCli(['whoami', '--platform', `https://127.0.0.1:${port}`], cleanEnv());

    expect(run.stderr).toBe(
      `enclave whoami: The certificate of the platform at ${platform.url} is not signed by an authority this computer trusts ` +
        "(UNABLE_TO_VERIFY_LEAF_SIGNATURE). If your organisation has its own certificate authority, set ENCLAVE_CA_FILE (or the enclave command's --ca-file) to its CA bundle (PEM).\n",
    );
    expect(run.code).toBe(1);
    expect(closed.stderr).toBe(`enclave whoami: The platform at https://127.0.0.1:${port} cannot be reached.\n`);
    expect(closed.code).toBe(run.code);
  });

  it('with a bundle that does not cover the identity provider: discovery says its certificate is not trusted, naming the bundle', async () => {
    const run = await runCli(
      ['whoami', '--platform', platform.url],
      cleanEnv({ ENCLAVE_CA_FILE: ca.caFile, ENCLAVE_OIDC_ISSUER: `${foreignIssuer.url}/oidc`, ENCLAVE_OIDC_CLIENT_ID: 'enclave-cli' }),
    );

    expect(run.stderr).toBe(
      `enclave whoami: Finding the identity provider at ${foreignIssuer.url}/oidc failed. The certificate of the identity provider ` +
        `is not signed by an authority this computer trusts, nor by one in the CA bundle in use (${ca.caFile}) ` +
        `(UNABLE_TO_VERIFY_LEAF_SIGNATURE). Check that ${ca.caFile} holds your organisation's CA bundle (PEM), the authority that signed this certificate.\n`,
    );
    expect(run.code).toBe(1);
  });

  it('a bundle that cannot be used stops every command before anything is sent (exit 2), naming the file', async () => {
    platform.requests.length = 0;
    const missing = join(ca.dir, 'missing.pem');
    const garbage = join(ca.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    chmodSync(garbage, 0o644);

    const fromEnv = await runCli(['whoami', '--platform', platform.url], cleanEnv({ ENCLAVE_CA_FILE: missing }));
    const fromFlag = await runCli(['whoami', '--platform', platform.url, '--ca-file', garbage], cleanEnv());
    const offline = await runCli(['sdc', 'check', '-', '--ca-file', missing], cleanEnv());

    expect(fromEnv).toMatchObject({ code: 2, stderr: `enclave: The CA bundle ${missing} (ENCLAVE_CA_FILE) does not exist.\n` });
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toMatch(new RegExp(`^enclave: The CA bundle ${garbage} \\(--ca-file\\) holds no certificate`));
    expect(offline).toMatchObject({ code: 2, stderr: `enclave: The CA bundle ${missing} (--ca-file) does not exist.\n` });
    expect(platform.requests).toEqual([]);
  });

  it('--ca-file twice, or without a file, is refused with the usage (exit 2)', async () => {
    const twice = await runCli(['--ca-file', ca.caFile, 'whoami', '--ca-file', ca.caFile], cleanEnv());
    const bare = await runCli(['whoami', '--ca-file'], cleanEnv());
    const flagged = await runCli(['whoami', '--ca-file', '--platform', platform.url], cleanEnv());

    expect(twice.stderr).toMatch(/^enclave: --ca-file is given twice: give one CA bundle\.\n\nUsage:/);
    expect(bare.stderr).toMatch(/^enclave: --ca-file needs the file of a CA bundle \(PEM\)\.\n\nUsage:/);
    expect(flagged.stderr).toMatch(/^enclave: --ca-file needs the file/);
    expect([twice.code, bare.code, flagged.code]).toEqual([2, 2, 2]);
  });

  it('`platform serve` gets the bundle before it starts, and logs what it trusts', async () => {
    // No data folder: serve refuses to start, after the trust setting was applied and logged.
    const run = await runCli(
      ['platform', 'serve', '--data-dir', join(ca.dir, 'no-data'), '--port', '0'],
      cleanEnv({ ENCLAVE_CA_FILE: ca.caFile }),
    );

    expect(run.stderr).toMatch(
      new RegExp(
        `^enclave: Trusting 1 more certificate authority from ${ca.caFile} \\(ENCLAVE_CA_FILE\\): CN=Enclave Test CA \\(until \\d{4}-`,
      ),
    );
    expect(run.code).not.toBe(0);
  });

  it('the usage says where --ca-file goes', async () => {
    const run = await runCli(['--help'], cleanEnv({ ENCLAVE_CA_FILE: join(ca.dir, 'missing.pem') }));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--ca-file FILE (or --ca-file=FILE), anywhere on the line, or ENCLAVE_CA_FILE=FILE');
  });
});

describe('the platform URL: https, or plain http on this machine only', () => {
  it('refuses http://example.org from --platform and from ENCLAVE_PLATFORM_URL, before anything is sent (exit 2)', async () => {
    const flag = await runCli(['whoami', '--platform', 'http://example.org'], cleanEnv());
    const env = await runCli(['login'], cleanEnv({ ENCLAVE_PLATFORM_URL: 'http://example.org' }));

    expect(flag).toMatchObject({
      code: 2,
      stderr:
        'enclave whoami: --platform must use https:// (plain http:// is allowed only on this machine: 127.0.0.1, localhost or [::1]), not "http://example.org".\n',
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('ENCLAVE_PLATFORM_URL must use https://');
  });

  it('accepts http://127.0.0.1: it is then asked (here nothing listens)', async () => {
    const port = await closedPort();
    const loopback = await runCli(['whoami', '--platform', `http://127.0.0.1:${port}`], cleanEnv());

    expect(loopback).toMatchObject({ code: 1, stderr: `enclave whoami: The platform at http://127.0.0.1:${port} cannot be reached.\n` });
  });

  it('the signed-in commands share the rule (enrol, terms, admin)', async () => {
    const enrol = await runCli(['enrol', 'ABCD-EFGH-JKLM-NPQR-STUV', '--platform', 'http://tre.example.org'], cleanEnv());
    const terms = await runCli(['terms', 'show'], cleanEnv({ ENCLAVE_PLATFORM_URL: 'http://tre.example.org' }));
    const admin = await runCli(['admin', 'users', 'list', '--platform', 'http://tre.example.org'], cleanEnv());

    expect(enrol.stderr).toContain('enclave enrol: --platform must use https://');
    expect(terms.stderr).toContain('ENCLAVE_PLATFORM_URL must use https://');
    expect(admin.stderr).toContain('--platform must use https://');
    expect([enrol.code, terms.code, admin.code]).toEqual([2, 2, 2]);
  });
});
