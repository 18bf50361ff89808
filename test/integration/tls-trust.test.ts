// The one trust setting (src/workstation/ca-trust.ts) and "not trusted" told as such (issue 19, A.4 and A.6), over
// real TLS: Node https servers with certificates from CAs made by openssl. This process never applies a bundle (its
// roots stay Node's own): everything that needs one runs in a child process (./tls-trust-probe.ts).
// SATRE 2.2.9 (data encrypted in transit): the workstation talks to the platform over TLS it verifies.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../src/common/errors.ts';
import { createOidcAuthenticator, discoveredKeys } from '../../src/platform/identity/oidc-authenticator.ts';
import { CaFileProblem, describeCaBundle, readCaBundle, trustConfiguredCaFile } from '../../src/workstation/ca-trust.ts';
import { createWorkstationCore } from '../../src/workstation/core.ts';
import { createHttpDriveRemote } from '../../src/workstation/drives/remote-http.ts';
import { createPlatformClient } from '../../src/workstation/platform-client.ts';
import { discoverIdentityProvider } from '../../src/workstation/sign-in/oidc.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { closedPort, runProbe, startPlainHttp, startTlsPlatform, type TlsPlatform } from './tls-trust-support.ts';

let ca: TestCa;
let otherCa: TestCa;
let trusted: TlsPlatform;
let expired: TlsPlatform;
let wrongName: TlsPlatform;
let fromOtherCa: TlsPlatform;

beforeAll(async () => {
  ca = makeTestCa('Enclave Test CA');
  otherCa = makeTestCa('Another Test CA');
  trusted = await startTlsPlatform(ca.issue('platform'));
  expired = await startTlsPlatform(ca.issue('expired', { days: -1 }));
  wrongName = await startTlsPlatform(ca.issue('elsewhere', { names: ['tre.example.org'] }));
  fromOtherCa = await startTlsPlatform(otherCa.issue('other'));
});

afterAll(async () => {
  await Promise.all([trusted, expired, wrongName, fromOtherCa].map((server) => server?.close()));
  ca?.remove();
  otherCa?.remove();
});

/** A file in the CA's folder with `text`, 0644. */
function bundleFile(name: string, text: string | Buffer): string {
  const file = join(ca.dir, name);
  writeFileSync(file, text, { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
}

function refusal(file: string): string {
  try {
    readCaBundle({ file, source: 'ENCLAVE_CA_FILE' });
  } catch (err) {
    expect(err).toBeInstanceOf(CaFileProblem);
    return (err as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe('reading a CA bundle', () => {
  it('refuses a file that is not there, naming the file and the setting', () => {
    const file = join(ca.dir, 'missing.pem');
    expect(refusal(file)).toBe(`The CA bundle ${file} (ENCLAVE_CA_FILE) does not exist.`);
  });

  it('refuses an empty file, text with no certificate, and a DER file, saying what a bundle looks like', () => {
    for (const [name, content] of [
      ['empty.pem', ''],
      ['garbage.pem', 'this is not a certificate\n'],
      ['binary.der', Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00])],
    ] as const) {
      const message = refusal(bundleFile(name, content));
      expect(message).toContain(`${join(ca.dir, name)} (ENCLAVE_CA_FILE) holds no certificate`);
      expect(message).toContain('openssl x509 -inform der');
    }
  });

  it('refuses a bundle with one damaged certificate among good ones, saying which', () => {
    const damaged = '-----BEGIN CERTIFICATE-----\nTUlJQm5vdCBhIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n';
    const file = bundleFile('one-bad.pem', `${ca.caPem}${damaged}${otherCa.caPem}`);
    expect(refusal(file)).toMatch(/has a certificate that does not parse: certificate 2 of 3 \(.+\)\.$/);
  });

  it('refuses a bundle cut short, a private key in it, and blocks that are not certificates', () => {
    expect(refusal(bundleFile('cut.pem', `${ca.caPem}${otherCa.caPem.slice(0, 200)}`))).toContain('BEGIN line without its END line');
    const withKey = bundleFile('with-key.pem', `${ca.caPem}${ca.issue('keyed').keyPem}`);
    expect(refusal(withKey)).toContain('holds a private key: a CA bundle holds certificates only');
    const crl = bundleFile('crl.pem', `${ca.caPem}-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`);
    expect(refusal(crl)).toContain('holds a "X509 CRL" block (block 2): only CERTIFICATE blocks belong in a CA bundle');
  });

  it('refuses a folder', () => {
    const folder = join(ca.dir, 'a-folder');
    mkdirSync(folder);
    expect(refusal(folder)).toBe(`The CA bundle ${folder} (ENCLAVE_CA_FILE) is not a file.`);
  });

  // Other users on the same computer are attackers: a bundle they can write lets them add an authority of their own.
  it('refuses a bundle that other users can write', () => {
    const file = bundleFile('writable.pem', ca.caPem);
    chmodSync(file, 0o666);
    expect(refusal(file)).toContain('can be written by other users (mode 666)');
    chmodSync(file, 0o664);
    expect(refusal(file)).toContain('run `chmod go-w` on it');
  });

  it("refuses a bundle that belongs to another user (not root's, not ours)", (context) => {
    if (process.getuid?.() !== 0) {
      console.log('Skipped: giving a file to another user needs root.');
      context.skip();
    }
    const file = bundleFile('theirs.pem', ca.caPem);
    chownSync(file, 65534, 65534);
    expect(refusal(file)).toContain('belongs to another user');
  });

  // Whoever may write the folder may rename the bundle away and put their own file, or a link, in its place.
  it('refuses a bundle in a folder that other users can write, or below one, unless it has the sticky bit (as /tmp)', () => {
    const open = join(ca.dir, 'open-folder');
    const below = join(open, 'private');
    mkdirSync(below, { recursive: true });
    chmodSync(open, 0o777);
    chmodSync(below, 0o700);
    const inOpen = join(open, 'ca.pem');
    const inBelow = join(below, 'ca.pem');
    for (const file of [inOpen, inBelow]) {
      writeFileSync(file, ca.caPem, { mode: 0o644 });
      chmodSync(file, 0o644);
    }
    const message = (folder: string, mode: string) =>
      `is in the folder ${folder}, which other users can write (mode ${mode}, no sticky bit): they could put a bundle of their own in its place. ` +
      `Keep it in a folder only you or root can write (\`chmod go-w ${folder}\`).`;
    expect(refusal(inOpen)).toBe(`The CA bundle ${inOpen} (ENCLAVE_CA_FILE) ${message(open, '777')}`);
    expect(refusal(inBelow)).toContain(message(open, '777'));
    chmodSync(open, 0o775);
    expect(refusal(inOpen)).toContain(message(open, '775'));

    // A link from a safe folder is followed, and the folder the bundle really lies in is the one checked.
    const link = join(ca.dir, 'link-to-open.pem');
    symlinkSync(inOpen, link);
    expect(refusal(link)).toBe(`The CA bundle ${link} (ENCLAVE_CA_FILE) ${message(open, '775')}`);

    chmodSync(open, 0o1777);
    expect(readCaBundle({ file: inOpen, source: 'ENCLAVE_CA_FILE' }).certificates).toHaveLength(1);
    expect(readCaBundle({ file: link, source: 'ENCLAVE_CA_FILE' }).certificates).toHaveLength(1);
    chmodSync(open, 0o755);
    expect(readCaBundle({ file: inBelow, source: 'ENCLAVE_CA_FILE' }).certificates).toHaveLength(1);
  });

  it('refuses a named pipe put where the bundle should be, without waiting for a writer', (context) => {
    const fifo = join(ca.dir, 'bundle-fifo.pem');
    try {
      execFileSync('mkfifo', ['-m', '0644', fifo]);
    } catch {
      console.log('Skipped: mkfifo is not available here.');
      context.skip();
    }
    // In a child process with a deadline: an open that waited for a writer would block this one for good.
    const caTrust = join(import.meta.dirname, '../../src/workstation/ca-trust.ts');
    const script =
      `const { readCaBundle } = await import(${JSON.stringify(caTrust)});\n` +
      `try { readCaBundle({ file: ${JSON.stringify(fifo)}, source: 'ENCLAVE_CA_FILE' }); console.log('accepted'); }\n` +
      'catch (err) { console.log(err.message); }';
    const said = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    expect(said.trim()).toBe(`The CA bundle ${fifo} (ENCLAVE_CA_FILE) is not a file.`);
  });

  it('describes a good bundle for the log: how many, who, until when; a non-CA certificate is flagged', () => {
    const leaf = ca.issue('leaf-in-bundle');
    const file = bundleFile('good.pem', `# our roots\n${ca.caPem}\n${otherCa.caPem}${leaf.certPem}`);
    const bundle = readCaBundle({ file, source: '--ca-file' });

    expect(bundle.certificates.map((c) => [c.subject, c.isCa, c.expired])).toEqual([
      ['CN=Enclave Test CA', true, false],
      ['CN=Another Test CA', true, false],
      ['CN=localhost', false, false],
    ]);
    expect(bundle.certificates[0]?.notAfter).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(describeCaBundle(bundle)).toBe(
      `Trusting 3 more certificate authorities from ${file} (--ca-file): ` +
        `CN=Enclave Test CA (until ${bundle.certificates[0]?.notAfter}); CN=Another Test CA (until ${bundle.certificates[1]?.notAfter}); ` +
        `CN=localhost (until ${bundle.certificates[2]?.notAfter}, not a CA: trusted as itself only).`,
    );
  });

  it('the setting: the flag wins over ENCLAVE_CA_FILE; an empty flag is refused; a bad file is refused before anything is applied', () => {
    expect(trustConfiguredCaFile({ env: {} })).toEqual({ ok: true, bundle: null });
    expect(trustConfiguredCaFile({ env: { ENCLAVE_CA_FILE: '  ' } })).toEqual({ ok: true, bundle: null });
    expect(trustConfiguredCaFile({ env: {}, flag: '' })).toEqual({ ok: false, message: '--ca-file needs the file of a CA bundle (PEM).' });
    const missing = join(ca.dir, 'nowhere.pem');
    expect(trustConfiguredCaFile({ env: { ENCLAVE_CA_FILE: ca.caFile }, flag: missing })).toEqual({
      ok: false,
      message: `The CA bundle ${missing} (--ca-file) does not exist.`,
    });
  });
});

describe('adding the bundle to the default roots (in a child process)', () => {
  it('makes a server that was not trusted trusted, for global fetch, https.request, the platform client and discovery', async () => {
    const report = await runProbe({ caFile: ca.caFile, urls: [trusted.url] });

    // Before: refused by both of Node's clients, as unknown authority.
    expect(report.before.fetch).toMatchObject({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(report.before.https).toMatchObject({ ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    // Applied twice, harmlessly.
    expect(report.trust).toMatch(/^Trusting 1 more certificate authority from .+ \(--ca-file\): CN=Enclave Test CA \(until /);
    expect(report.applied).toBe(ca.caFile);
    expect(report.after[0]).toMatchObject({
      fetch: { ok: true },
      https: { ok: true },
      client: { ok: true },
      discovery: { ok: true },
    });
  });

  it('keeps refusing what the bundle does not cover, and says so: another authority, an expired certificate, another name', async () => {
    const report = await runProbe({ caFile: ca.caFile, urls: [fromOtherCa.url, expired.url, wrongName.url] });
    const [other, old, elsewhere] = report.after;

    expect(other?.fetch.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(other?.client.message).toBe(
      `The certificate of the platform at ${fromOtherCa.url} is not signed by an authority this computer trusts, nor by one in ` +
        `the CA bundle in use (${ca.caFile}) (UNABLE_TO_VERIFY_LEAF_SIGNATURE). Check that ${ca.caFile} holds your ` +
        "organisation's CA bundle (PEM), the authority that signed this certificate.",
    );
    expect(old?.https.code).toBe('CERT_HAS_EXPIRED');
    expect(old?.client.message).toBe(
      `The certificate of the platform at ${expired.url} has expired (CERT_HAS_EXPIRED): whoever runs it must renew it. ` +
        'Adding a CA bundle (ENCLAVE_CA_FILE) does not change this.',
    );
    expect(elsewhere?.https.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(elsewhere?.client.message).toContain('was issued for other names than the address used (ERR_TLS_CERT_ALTNAME_INVALID)');
    expect(elsewhere?.discovery.message).toContain(
      `Finding the identity provider at ${wrongName.url}/oidc failed. The certificate of the identity provider was issued for other names`,
    );
  });

  it('a bundle that cannot be used changes nothing, and says why', async () => {
    const report = await runProbe({ caFile: join(ca.dir, 'missing.pem'), urls: [trusted.url] });

    expect(report.trust).toBe(`The CA bundle ${join(ca.dir, 'missing.pem')} (--ca-file) does not exist.`);
    expect(report.applied).toBeNull();
    expect(report.after[0]?.fetch.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

describe('the workstation told "not trusted", never "cannot be reached" (this process: no bundle)', () => {
  async function refusedBy(call: () => Promise<unknown>): Promise<EnclaveError> {
    const err = await call().then(
      () => new Error('the call succeeded'),
      (thrown: unknown) => thrown,
    );
    expect(err).toBeInstanceOf(EnclaveError);
    return err as EnclaveError;
  }

  it("the platform client: an unknown authority is named, with ENCLAVE_CA_FILE; the code is 'unavailable' as for a closed port", async () => {
    const err = await refusedBy(() => createPlatformClient({ baseUrl: trusted.url }).health());

    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(
      `The certificate of the platform at ${trusted.url} is not signed by an authority this computer trusts ` +
        "(UNABLE_TO_VERIFY_LEAF_SIGNATURE). If your organisation has its own certificate authority, set ENCLAVE_CA_FILE (or the enclave command's --ca-file) to its CA bundle (PEM).",
    );
    expect(err.message).not.toMatch(/reach/);
  });

  it('the platform client: a closed port is still "cannot be reached"; plain http on the port is a failed handshake', async () => {
    const port = await closedPort();
    const closed = await refusedBy(() => createPlatformClient({ baseUrl: `https://127.0.0.1:${port}` }).health());
    expect(closed.toValue()).toEqual({ code: 'unavailable', message: `The platform at https://127.0.0.1:${port} cannot be reached.` });

    const plain = await startPlainHttp();
    try {
      const handshake = await refusedBy(() => createPlatformClient({ baseUrl: plain.url }).health());
      expect(handshake.message).toMatch(
        new RegExp(
          `^The platform at ${plain.url} answered, but a secure connection \\(TLS\\) could not be set up with it \\(ERR_SSL_[A-Z_]+\\)`,
        ),
      );
    } finally {
      await plain.close();
    }
  });

  it("the identity provider's discovery and a drive download say the same", async () => {
    const discovery = await refusedBy(() =>
      discoverIdentityProvider({ issuer: `${trusted.url}/oidc`, clientId: 'enclave', audience: null, scopes: ['openid'] }),
    );
    expect(discovery.message).toMatch(
      new RegExp(
        `^Finding the identity provider at ${trusted.url}/oidc failed\\. The certificate of the identity provider is not signed by an authority this computer trusts \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)\\. .*ENCLAVE_CA_FILE`,
      ),
    );

    const client = createPlatformClient({ baseUrl: trusted.url });
    const remote = createHttpDriveRemote({ client, baseUrl: trusted.url, token: async () => 'token', projectId: 'p1' });
    const download = await refusedBy(() => remote.download({ path: 'notes.txt', etag: null, offset: 0 }));
    expect(download.message).toMatch(
      new RegExp(`^The download of notes\\.txt failed\\. The certificate of the platform at ${trusted.url} is not signed by an authority`),
    );
  });

  it('the workstation core: the status the renderer shows and the sign-in refusal both name the certificate problem', async () => {
    const core = createWorkstationCore({ platformUrl: trusted.url, tokenStore: 'memory', healthIntervalMs: 3_600_000 });
    try {
      await core.ready;
      const signIn = await refusedBy(() => core.handlers['session.signIn']({}));
      const status = await core.checkPlatform();

      expect(status.state).toBe('unreachable');
      expect(status.message).toMatch(
        new RegExp(`^The certificate of the platform at ${trusted.url} is not signed by an authority this computer trusts`),
      );
      expect(signIn.code).toBe('unavailable');
      expect(signIn.message).toMatch(/^Enclave cannot find where to sign in\. The certificate of the platform at .+ENCLAVE_CA_FILE/);
      expect(signIn.message).not.toMatch(/cannot be reached/);
    } finally {
      core.close();
      await core.closed();
    }
  });
});

describe("the platform's own calls to an external issuer (this process: no bundle)", () => {
  it("a refused issuer certificate is told as the platform's trust problem, with the setting its operator uses", async () => {
    const issuer = `${trusted.url}/oidc`;
    const authenticator = createOidcAuthenticator({
      issuer: () => issuer,
      audience: 'enclave-api',
      keys: discoveredKeys(issuer),
      algorithms: ['ES256'],
      lookupUser: async () => undefined,
      revocations: { anyRevoked: async () => false },
    });

    const err = await authenticator.authenticate({ headers: { authorization: 'Bearer aaa.bbb.ccc' } }).then(
      () => null,
      (thrown: unknown) => thrown,
    );

    expect(err).toBeInstanceOf(EnclaveError);
    expect((err as EnclaveError).toValue()).toEqual({
      code: 'unavailable',
      message:
        "The platform cannot check your sign-in: it does not accept its identity provider's certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE). " +
        "Tell the platform's operator: its CA bundle is set with ENCLAVE_CA_FILE or --ca-file.",
    });
  });
});
