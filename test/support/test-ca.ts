// A private certificate authority for the TLS tests, made with Debian's openssl: real keys, real chains, so that what
// the platform serves and what clients accept are decided by OpenSSL and Chromium, not by the test. Each CA lives in
// its own temporary folder (0700), removed by `remove()`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's serial number, upper-case hex as Node's `getPeerCertificate().serialNumber` gives it. */
  readonly serial: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestCa {
  readonly dir: string;
  /** The CA's certificate (PEM): what `ENCLAVE_CA_FILE` / `--ca-file` points at. */
  readonly caFile: string;
  readonly caPem: string;
  /**
   * A server certificate signed by this CA. `names` are DNS names and IP addresses (default: localhost and
   * 127.0.0.1); `days` may be small to test the expiry warning. Files are written under the CA's folder as
   * `<label>.crt` and `<label>.key`.
   */
  issue(label: string, options?: { names?: readonly string[]; days?: number }): IssuedCertificate;
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const IP_ADDRESS = /^(\d{1,3}\.){3}\d{1,3}$|:/;

/** Makes a new CA (EC P-256, valid 30 days) named `commonName`. */
export function makeTestCa(commonName = 'Enclave Test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-test-ca-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '30',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.crt',
    ],
    dir,
  );
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    issue(label, options = {}) {
      if (!/^[a-z0-9-]{1,40}$/.test(label)) throw new Error(`certificate label ${label} must be lower-case letters, digits and dashes`);
      const names = options.names ?? ['localhost', '127.0.0.1'];
      const san = names.map((name) => (IP_ADDRESS.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
      const keyFile = join(dir, `${label}.key`);
      const certFile = join(dir, `${label}.crt`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${label}.ec.key`], dir);
      // PKCS#8, the form Node and most servers expect.
      openssl(['pkcs8', '-topk8', '-nocrypt', '-in', `${label}.ec.key`, '-out', `${label}.key`], dir);
      rmSync(join(dir, `${label}.ec.key`));
      openssl(['req', '-new', '-key', `${label}.key`, '-subj', `/CN=${names[0] ?? label}`, '-out', `${label}.csr`], dir);
      writeFileSync(
        join(dir, `${label}.ext`),
        `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`,
      );
      openssl(
        [
          'x509',
          '-req',
          '-in',
          `${label}.csr`,
          '-CA',
          'ca.crt',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-days',
          String(options.days ?? 20),
          '-sha256',
          '-extfile',
          `${label}.ext`,
          '-out',
          `${label}.crt`,
        ],
        dir,
      );
      const serial = openssl(['x509', '-in', `${label}.crt`, '-noout', '-serial'], dir)
        .trim()
        .replace(/^serial=/, '')
        .toUpperCase();
      return { certFile, keyFile, serial, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
