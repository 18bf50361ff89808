// The platform's own TLS certificate: the pair of files an operator gives `serve` (--tls-cert, --tls-key), read and
// checked before anything serves with it, at start and at every reload. A pair is used only when the key belongs to
// the certificate, the certificate is valid now, and the key file is private to the platform's OS user (owned by it
// or root, mode 0600 or tighter): another local user who could read it, or own it, could impersonate the platform to
// every workstation. Each file is opened once and checked through that descriptor (readOpened); the checks are pure
// over what was read (checkCertificatePair), so a half-written or mismatched pair is refused the same way everywhere.
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import process from 'node:process';
import type { SecureContextOptions } from 'node:tls';
import { EnclaveError } from '../../common/errors.ts';
import { readOpenedFile, type OpenedFile } from '../secret-file.ts';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What the HTTPS server needs: PEM contents, never paths (the server never reads files itself). */
export interface CertificatePem {
  /** The server's certificate first, then any intermediates. */
  readonly cert: string;
  readonly key: string;
}

export interface ServingCertificate extends CertificatePem {
  /** Upper-case hex, as a TLS client's getPeerCertificate().serialNumber prints it. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The names it is valid for (subjectAltName), e.g. "DNS:enclave.example, IP Address:10.0.0.5". */
  readonly names: string;
  /** Of both files' bytes and the key file's mode and owner: the periodic check reloads when it changes. */
  readonly stamp: string;
}

/** The files as read, before any check. */
export interface CertificateFilesContent {
  readonly cert: string;
  readonly key: string;
  /** Permission bits of the key file, e.g. 0o600. */
  readonly keyMode: number;
  /** The uid that owns the key file. */
  readonly keyOwner: number;
  readonly stamp: string;
}

/** Below this many days left, start and every reload warn. */
export const EXPIRY_WARNING_DAYS = 14;
/** TLS 1.0 and 1.1 are deprecated (RFC 8996); every client we serve speaks 1.2 or 1.3. */
export const MIN_TLS_VERSION = 'TLSv1.2';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The options of the server's secure context: the same at start and at every reload. */
export function secureContextOptions(pem: CertificatePem): SecureContextOptions {
  return { cert: pem.cert, key: pem.key, minVersion: MIN_TLS_VERSION };
}

function unusable(message: string): EnclaveError {
  return new EnclaveError('unavailable', message);
}

/**
 * A pair refused only because `now` is outside its validity: unlike every other refusal, time alone can change the
 * answer (a renewal installed before its notBefore), so the reload loop tries it again once the time comes.
 */
export class CertificateNotValidNow extends EnclaveError {
  readonly notBefore: Date;
  readonly notAfter: Date;

  constructor(message: string, validity: { notBefore: Date; notAfter: Date }) {
    super('unavailable', message);
    this.name = 'CertificateNotValidNow';
    this.notBefore = validity.notBefore;
    this.notAfter = validity.notAfter;
  }
}

/** Opens the file once and asks everything of that descriptor (secret-file.ts). */
function readOpened(file: string, what: string): Promise<OpenedFile> {
  return readOpenedFile(file, `the TLS ${what} file`);
}

/** Reads both files (and the key file's owner and mode). Throws EnclaveError('unavailable') when either cannot be read. */
export async function readCertificateFiles(files: CertificateFiles): Promise<CertificateFilesContent> {
  const cert = (await readOpened(files.certFile, 'certificate')).text;
  const { text: key, uid: keyOwner, mode: keyMode } = await readOpened(files.keyFile, 'key');
  const stamp = createHash('sha256').update(cert).update('\0').update(key).update('\0').update(`${keyMode}:${keyOwner}`).digest('hex');
  return { cert, key, keyMode, keyOwner, stamp };
}

const octal = (mode: number): string => `0${mode.toString(8)}`;

/**
 * The checks every pair passes before it serves: the key file private, the certificate a parsable PEM that is valid
 * at `now` (and names `publicName`, when given), the key a parsable PEM that belongs to it. Throws
 * EnclaveError('unavailable') saying which check failed.
 */
export function checkCertificatePair(options: {
  files: CertificateFiles;
  content: CertificateFilesContent;
  now: Date;
  /** The host name (or IP address) clients reach the platform at: every client would refuse a certificate without it. */
  publicName?: string;
  /** The platform's OS user; by default this process's (none where there are no uids, as on Windows). */
  uid?: number | null;
}): ServingCertificate {
  const { files, content, now, publicName } = options;
  const uid = options.uid === undefined ? (typeof process.getuid === 'function' ? process.getuid() : null) : options.uid;
  // Whoever owns the key may change its mode and contents, or put another key in its place.
  if (uid !== null && content.keyOwner !== uid && content.keyOwner !== 0) {
    throw unusable(
      `The TLS key file ${files.keyFile} belongs to another OS user (uid ${content.keyOwner}), who could read it or replace it. Give it to the platform's own user (uid ${uid}) or root, with mode 0600.`,
    );
  }
  if ((content.keyMode & 0o077) !== 0) {
    throw unusable(
      `The TLS key file ${files.keyFile} can be read by other users (mode ${octal(content.keyMode)}). Run \`chmod 600 ${files.keyFile}\` and try again.`,
    );
  }
  // A certificate file anyone may read must not carry the key too.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content.cert)) {
    throw unusable(
      `The TLS certificate file ${files.certFile} holds a private key. Keep the key in its own file, readable only by the platform.`,
    );
  }
  if (!content.cert.includes('-----BEGIN CERTIFICATE-----')) {
    throw unusable(`The TLS certificate file ${files.certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  }
  let certificate: X509Certificate;
  try {
    // The first certificate in the file is the server's; any after it are the chain sent with it.
    certificate = new X509Certificate(content.cert);
  } catch {
    throw unusable(`The TLS certificate file ${files.certFile} could not be read as a PEM certificate (is it complete?).`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(content.key);
  } catch {
    throw unusable(`The TLS key file ${files.keyFile} could not be read as an unencrypted PEM private key (is it complete?).`);
  }
  if (!certificate.checkPrivateKey(key)) {
    throw unusable(
      `The TLS key in ${files.keyFile} does not belong to the certificate in ${files.certFile} (serial ${certificate.serialNumber}).`,
    );
  }
  const { validFromDate: notBefore, validToDate: notAfter } = certificate;
  if (notAfter.getTime() <= now.getTime()) {
    throw new CertificateNotValidNow(
      `The TLS certificate in ${files.certFile} (serial ${certificate.serialNumber}) expired on ${notAfter.toISOString()}.`,
      { notBefore, notAfter },
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new CertificateNotValidNow(
      `The TLS certificate in ${files.certFile} (serial ${certificate.serialNumber}) is not valid until ${notBefore.toISOString()}.`,
      { notBefore, notAfter },
    );
  }
  if (publicName !== undefined) {
    const bare = publicName.replace(/^\[(.*)\]$/, '$1');
    const named = isIP(bare) === 0 ? certificate.checkHost(bare) !== undefined : certificate.checkIP(bare) !== undefined;
    if (!named) {
      throw unusable(
        `The TLS certificate in ${files.certFile} (serial ${certificate.serialNumber}) does not name ${publicName}, the host of the public URL (it names ${certificate.subjectAltName ?? certificate.subject}); every client would refuse it.`,
      );
    }
  }
  return {
    cert: content.cert,
    key: content.key,
    serial: certificate.serialNumber.toUpperCase(),
    notBefore,
    notAfter,
    names: certificate.subjectAltName ?? certificate.subject,
    stamp: content.stamp,
  };
}

/** Reads and checks the pair (see checkCertificatePair). */
export async function loadCertificatePair(
  files: CertificateFiles,
  options: { now?: Date; publicName?: string } = {},
): Promise<ServingCertificate> {
  const content = await readCertificateFiles(files);
  return checkCertificatePair({ files, content, now: options.now ?? new Date(), publicName: options.publicName });
}

export interface ExpiryDescription {
  /** Whole days left (0 on its last day). */
  readonly daysLeft: number;
  /** What the log says when fewer than EXPIRY_WARNING_DAYS remain; null otherwise. */
  readonly warning: string | null;
  /** The fields every log line about the certificate carries. */
  readonly details: { readonly serial: string; readonly notAfter: string; readonly daysLeft: number };
}

export function describeExpiry(certificate: Pick<ServingCertificate, 'serial' | 'notAfter'>, now: Date): ExpiryDescription {
  const left = certificate.notAfter.getTime() - now.getTime();
  const daysLeft = Math.max(0, Math.floor(left / DAY_MS));
  const notAfter = certificate.notAfter.toISOString();
  const warning =
    left < EXPIRY_WARNING_DAYS * DAY_MS
      ? `The TLS certificate (serial ${certificate.serial}) expires in ${daysLeft === 1 ? '1 day' : `${daysLeft} days`}, on ${notAfter}. Renew it: the platform takes the new files on SIGHUP or at its next check, without a restart.`
      : null;
  return { daysLeft, warning, details: { serial: certificate.serial, notAfter, daysLeft } };
}
