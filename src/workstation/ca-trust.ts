// The one trust setting: an organisation's CA bundle (PEM), named by ENCLAVE_CA_FILE or the enclave command's
// --ca-file, *added to* the roots Node trusts by default, for the whole process, at its start. Every TLS client in the
// process then uses it without being told: global fetch (the platform client, openid-client, jose's key sets),
// https.request, and a database driver that verifies against the defaults. The shells (main/index.ts, src/web/run.ts)
// and the CLI (src/cli/enclave.ts, which covers `platform serve`'s own calls) apply it before anything connects.
// A refused certificate is then told as such (notTrustedError), naming the bundle in use.
//
// The bundle is a trust anchor, so it is checked before it is used: a file another user may write (or one in a folder
// they may write, where they could swap it) would let them add an authority of their own, and a private key in it is
// a mistake to stop, not to pass over.
import { X509Certificate } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import tls from 'node:tls';
import { EnclaveError } from '../common/errors.ts';
import { CA_FILE_FLAG, CA_FILE_VARIABLE, describeTlsProblem, tlsProblemOf } from '../common/tls-problems.ts';

export { CA_FILE_FLAG, CA_FILE_VARIABLE };

/** A bundle is a few hundred kilobytes (Debian's whole system bundle is about 220 KB). */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

/** How many certificates a log line names before it says "and N more". */
const NAMED_IN_LOG = 3;

export interface BundleCertificate {
  /** "CN=Example Root CA, O=Example", one line. */
  readonly subject: string;
  /** ISO 8601. */
  readonly notAfter: string;
  /** Basic constraints say CA:TRUE. Anything else is trusted as itself only (a self-signed server certificate). */
  readonly isCa: boolean;
  readonly expired: boolean;
}

export interface CaBundle {
  /** The file, made absolute. */
  readonly file: string;
  /** Where the setting came from, for messages: ENCLAVE_CA_FILE or --ca-file. */
  readonly source: string;
  readonly certificates: readonly BundleCertificate[];
  /** Each certificate as PEM, re-encoded by OpenSSL (what is handed to TLS). */
  readonly pems: readonly string[];
}

/** The bundle cannot be used; the message names the setting, the file and the problem. Nothing was changed. */
export class CaFileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaFileProblem';
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BEGIN_LINE = /-----BEGIN [A-Z0-9 ]+-----/g;

function oneLine(distinguishedName: string): string {
  return distinguishedName
    .split('\n')
    .map((part) => part.trim())
    .filter(Boolean)
    .join(', ');
}

function readProblem(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  if (code === 'ENOTDIR') return 'does not exist (a part of its path is not a folder)';
  return `cannot be read (${typeof code === 'string' ? code : (err as Error).message})`;
}

/** Refuses a file that someone other than this user (or root) could have written: they could add an authority. */
function ownershipProblem(stats: { uid: number; mode: number }): string | null {
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  if (uid === null) return null;
  if (stats.uid !== 0 && stats.uid !== uid) {
    return 'belongs to another user, who could add an authority of their own to it: use a copy that you or root own';
  }
  if ((stats.mode & 0o022) !== 0) {
    return `can be written by other users (mode ${(stats.mode & 0o777).toString(8)}), who could add an authority of their own to it: run \`chmod go-w\` on it`;
  }
  return null;
}

/**
 * A folder on the bundle's real path that others may write and that has no sticky bit: they could rename the bundle
 * away and put their own file (or a link) in its place. The sticky bit (as on /tmp) stops them moving a file they do
 * not own, and the bundle itself must be this user's or root's (ownershipProblem).
 */
function folderProblem(realFile: string): string | null {
  if (typeof process.getuid !== 'function') return null;
  for (let folder = dirname(realFile); ; folder = dirname(folder)) {
    const { mode } = statSync(folder);
    if ((mode & 0o022) !== 0 && (mode & 0o1000) === 0) {
      return `is in the folder ${folder}, which other users can write (mode ${(mode & 0o777).toString(8)}, no sticky bit): they could put a bundle of their own in its place. Keep it in a folder only you or root can write (\`chmod go-w ${folder}\`)`;
    }
    if (dirname(folder) === folder) return null;
  }
}

/** The file an open descriptor reads, every link resolved: Linux says exactly; elsewhere the path is resolved again. */
function realPathOf(fd: number, file: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return realpathSync(file);
  }
}

/** Up to `limit` bytes from the descriptor; one more tells that the file is larger. */
function readUpTo(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const read = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

/**
 * Reads and checks a CA bundle without applying it. Throws CaFileProblem. The file is opened once and everything is
 * asked of that descriptor (its type, owner, mode, bytes), so what is checked is what is read, even if the name is
 * pointed elsewhere meanwhile. A symbolic link is followed (Debian's /etc/ssl/certs is made of them): the checks
 * apply to the file it leads to and the folders on its real path.
 */
export function readCaBundle(options: { file: string; source: string; now?: number }): CaBundle {
  const file = resolve(options.file);
  const { source } = options;
  const now = options.now ?? Date.now();
  const refuse = (problem: string) => new CaFileProblem(`The CA bundle ${file} (${source}) ${problem}.`);
  let fd: number;
  try {
    // Non-blocking: a FIFO put in the bundle's place would otherwise hang the start until someone writes to it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw refuse(readProblem(err));
  }
  let text: string;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse('is not a file');
    if (stats.size > MAX_BUNDLE_BYTES) throw refuse(`is larger than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB, far more than a CA bundle`);
    const ownership = ownershipProblem(stats);
    if (ownership !== null) throw refuse(ownership);
    const folder = folderProblem(realPathOf(fd, file));
    if (folder !== null) throw refuse(folder);
    const bytes = readUpTo(fd, MAX_BUNDLE_BYTES);
    if (bytes.length > MAX_BUNDLE_BYTES) throw refuse(`is larger than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB, far more than a CA bundle`);
    text = bytes.toString('latin1');
  } catch (err) {
    if (err instanceof CaFileProblem) throw err;
    throw refuse(readProblem(err));
  } finally {
    closeSync(fd);
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.some((block) => block[1]?.includes('PRIVATE KEY'))) {
    throw refuse('holds a private key: a CA bundle holds certificates only (keep the key out of it, and private)');
  }
  const other = blocks.findIndex((block) => block[1] !== 'CERTIFICATE');
  if (other !== -1) {
    throw refuse(`holds a "${blocks[other]?.[1] ?? ''}" block (block ${other + 1}): only CERTIFICATE blocks belong in a CA bundle`);
  }
  if ((text.match(BEGIN_LINE) ?? []).length !== blocks.length) throw refuse('has a BEGIN line without its END line (is it cut short?)');
  if (blocks.length === 0) {
    throw refuse(
      'holds no certificate: a CA bundle is PEM text with -----BEGIN CERTIFICATE----- blocks ' +
        '(a DER file converts with `openssl x509 -inform der -in FILE -out FILE.pem`)',
    );
  }
  const certificates: BundleCertificate[] = [];
  const pems: string[] = [];
  blocks.forEach((block, index) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block[0]);
    } catch (err) {
      throw refuse(`has a certificate that does not parse: certificate ${index + 1} of ${blocks.length} (${(err as Error).message})`);
    }
    const notAfter = new Date(certificate.validTo);
    certificates.push({
      subject: oneLine(certificate.subject),
      notAfter: Number.isNaN(notAfter.getTime()) ? certificate.validTo : notAfter.toISOString(),
      isCa: certificate.ca,
      expired: notAfter.getTime() < now,
    });
    pems.push(certificate.toString());
  });
  return { file, source, certificates, pems };
}

/** The default roots as they were before any bundle was added: applying again replaces the bundle, never stacks. */
let defaultRoots: readonly string[] | undefined;
let applied: CaBundle | null = null;

/** Adds the bundle's certificates to the process's default roots (replacing a bundle added before). */
export function applyCaBundle(bundle: CaBundle): void {
  if (typeof tls.setDefaultCACertificates !== 'function' || typeof tls.getCACertificates !== 'function') {
    throw new CaFileProblem(
      `This runtime (Node ${process.versions.node}) cannot add certificate authorities while running, so ${bundle.source} cannot be used: Node 24.5 or later is needed.`,
    );
  }
  defaultRoots ??= tls.getCACertificates('default');
  tls.setDefaultCACertificates([...defaultRoots, ...bundle.pems]);
  applied = bundle;
}

/** The CA bundle added to this process's trusted roots (absolute path), or null: messages about refused certificates name it. */
export function appliedCaFile(): string | null {
  return applied?.file ?? null;
}

export type CaTrustResult = { ok: true; bundle: CaBundle | null } | { ok: false; message: string };

/**
 * The process's trust setting: `flag` (the command line's --ca-file) wins over ENCLAVE_CA_FILE; neither leaves the
 * default roots alone. On success the bundle (or null) is returned for a log line; on failure nothing was changed.
 */
export function trustConfiguredCaFile(options: { env: Record<string, string | undefined>; flag?: string; now?: number }): CaTrustResult {
  const fromFlag = options.flag !== undefined;
  const file = fromFlag ? options.flag?.trim() : options.env[CA_FILE_VARIABLE]?.trim();
  if (fromFlag && !file) return { ok: false, message: `${CA_FILE_FLAG} needs the file of a CA bundle (PEM).` };
  if (!file) return { ok: true, bundle: null };
  try {
    const bundle = readCaBundle({ file, source: fromFlag ? CA_FILE_FLAG : CA_FILE_VARIABLE, now: options.now });
    applyCaBundle(bundle);
    return { ok: true, bundle };
  } catch (err) {
    if (err instanceof CaFileProblem) return { ok: false, message: err.message };
    throw err;
  }
}

/** One log line: how many authorities were added, from where, and who they are. */
export function describeCaBundle(bundle: CaBundle): string {
  const count = bundle.certificates.length;
  const named = bundle.certificates.slice(0, NAMED_IN_LOG).map((certificate) => {
    const notes = [`until ${certificate.notAfter}`];
    if (certificate.expired) notes.push('EXPIRED');
    if (!certificate.isCa) notes.push('not a CA: trusted as itself only');
    return `${certificate.subject} (${notes.join(', ')})`;
  });
  const more = count > NAMED_IN_LOG ? `, and ${count - NAMED_IN_LOG} more` : '';
  return `Trusting ${count} more certificate ${count === 1 ? 'authority' : 'authorities'} from ${bundle.file} (${bundle.source}): ${named.join('; ')}${more}.`;
}

/**
 * A request that failed because TLS refused the other end's certificate, told as such: the problem, its code, and what
 * fixes it (naming the bundle in use, if any). `subject` reads mid-sentence: "the platform at https://…". Null when
 * the failure was anything else (the caller's "cannot be reached" then stands).
 */
export function notTrustedError(err: unknown, subject: string, prefix = ''): EnclaveError | null {
  const problem = tlsProblemOf(err);
  if (problem === null) return null;
  const error = new EnclaveError('unavailable', `${prefix}${describeTlsProblem(problem, { subject, caFile: appliedCaFile() })}`);
  // Kept as its cause (tlsProblemOf follows it), so a caller tells "not trusted" from "cannot be reached" without
  // reading words: the drive's sync stops on it rather than waiting as if offline. Never sent: toValue() drops it.
  Object.defineProperty(error, 'cause', { value: err, enumerable: false });
  return error;
}
