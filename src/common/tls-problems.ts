// A certificate this computer does not accept, told as such: which problem (an authority it does not trust, expired,
// issued for another name…) and what fixes it, never as "cannot be reached", which sends people to check cables and
// firewalls. Pure: the workstation and the platform hand in whatever their HTTP client threw, and a sentence comes out.
// Node's TLS client reports a failed verification as an error whose `code` is OpenSSL's name for it (undici's fetch
// wraps that error as the `cause` of a TypeError("fetch failed"); openid-client and jose wrap once more).

export type TlsProblemKind =
  /** The chain ends at an authority this computer does not trust (a private CA, or a self-signed certificate). */
  | 'untrusted'
  | 'expired'
  | 'not_yet_valid'
  /** Valid, but for other names than the address used. */
  | 'wrong_name'
  | 'revoked'
  /** Its signature or its encoding is broken. */
  | 'damaged'
  /** No certificate was judged: the two ends could not agree on TLS at all (plain http on that port, say). */
  | 'handshake';

export interface TlsProblem {
  readonly kind: TlsProblemKind;
  /** OpenSSL's or Node's name for it, e.g. SELF_SIGNED_CERT_IN_CHAIN: what an operator searches for. */
  readonly code: string;
}

/** OpenSSL's verification results (X509_V_ERR_… without the prefix, as Node names them) and Node's own. */
const KIND_BY_CODE: ReadonlyMap<string, TlsProblemKind> = new Map<string, TlsProblemKind>([
  ['UNABLE_TO_GET_ISSUER_CERT', 'untrusted'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted'],
  ['CERT_UNTRUSTED', 'untrusted'],
  ['CERT_REJECTED', 'untrusted'],
  ['INVALID_CA', 'untrusted'],
  ['INVALID_PURPOSE', 'untrusted'],
  ['PATH_LENGTH_EXCEEDED', 'untrusted'],
  ['CERT_CHAIN_TOO_LONG', 'untrusted'],
  ['CERT_HAS_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not_yet_valid'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong_name'],
  ['HOSTNAME_MISMATCH', 'wrong_name'],
  ['IP_ADDRESS_MISMATCH', 'wrong_name'],
  ['CERT_REVOKED', 'revoked'],
  ['CERT_SIGNATURE_FAILURE', 'damaged'],
  ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'damaged'],
  ['UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'damaged'],
  ['ERROR_IN_CERT_NOT_BEFORE_FIELD', 'damaged'],
  ['ERROR_IN_CERT_NOT_AFTER_FIELD', 'damaged'],
]);

/** Node's names for a handshake that failed before (or instead of) judging a certificate. */
const HANDSHAKE_CODE = /^ERR_(SSL|TLS)_[A-Z0-9_]+$/;

/** How deep the `cause` chain is followed: fetch → undici → the socket's error is three; a loop must not hang. */
const MAX_CAUSE_DEPTH = 8;

function codeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function causeOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { cause?: unknown }).cause;
}

/** The TLS problem behind a failed request, following `cause` (and an AggregateError's errors); null when it was none. */
export function tlsProblemOf(err: unknown): TlsProblem | null {
  const seen = new Set<unknown>();
  const queue: { value: unknown; depth: number }[] = [{ value: err, depth: 0 }];
  while (queue.length > 0) {
    const { value, depth } = queue.shift() as { value: unknown; depth: number };
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_CAUSE_DEPTH) continue;
    seen.add(value);
    const code = codeOf(value);
    if (code !== undefined) {
      const kind = KIND_BY_CODE.get(code) ?? (HANDSHAKE_CODE.test(code) ? 'handshake' : undefined);
      if (kind !== undefined) return { kind, code };
    }
    queue.push({ value: causeOf(value), depth: depth + 1 });
    // Happy Eyeballs (localhost → ::1 and 127.0.0.1) fails with an AggregateError of each attempt's error.
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors as unknown[]) queue.push({ value: inner, depth: depth + 1 });
  }
  return null;
}

/** The environment variable and the command line's flag that add an organisation's CA bundle to the trusted roots. */
export const CA_FILE_VARIABLE = 'ENCLAVE_CA_FILE';
export const CA_FILE_FLAG = '--ca-file';

export interface TlsProblemWords {
  /** What was being reached, as it reads mid-sentence: "the platform at https://tre.example.org". */
  readonly subject: string;
  /** The CA bundle this process added to its trusted roots (ENCLAVE_CA_FILE or --ca-file), or null for none. */
  readonly caFile: string | null;
}

function capitalised(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}

/**
 * The state a refused certificate leaves a connection that keeps going (the drive's sync) in, in a few words: the
 * headline of a status line whose details are describeTlsProblem's. It is its own state, never "offline": waiting
 * does not fix it, whoever runs the other end or this computer's trust setting does. Whose certificate it was is left
 * to the details (the platform's, or the identity provider's when a sign-in is renewed).
 */
export function tlsProblemState(problem: TlsProblem): string {
  return problem.kind === 'handshake' ? 'No secure connection (TLS) could be set up' : 'A certificate is not trusted';
}

/**
 * One or two sentences for a person: the problem named with its code, and the fix. Only an authority this computer does
 * not know is fixed by a CA bundle; for the rest it says so, so nobody hunts for one.
 */
export function describeTlsProblem(problem: TlsProblem, words: TlsProblemWords): string {
  const { code } = problem;
  const { subject, caFile } = words;
  const certificate = `The certificate of ${subject}`;
  const notTheBundle = `Adding a CA bundle (${CA_FILE_VARIABLE}) does not change this`;
  switch (problem.kind) {
    case 'untrusted': {
      const beyond = caFile === null ? '' : `, nor by one in the CA bundle in use (${caFile})`;
      const fix =
        caFile === null
          ? `If your organisation has its own certificate authority, set ${CA_FILE_VARIABLE} (or the enclave command's ${CA_FILE_FLAG}) to its CA bundle (PEM).`
          : `Check that ${caFile} holds your organisation's CA bundle (PEM), the authority that signed this certificate.`;
      const what =
        code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
          ? `is self-signed, and not among the certificates this computer trusts${beyond}`
          : `is not signed by an authority this computer trusts${beyond}`;
      return `${certificate} ${what} (${code}). ${fix}`;
    }
    case 'expired':
      return `${certificate} has expired (${code}): whoever runs it must renew it. ${notTheBundle}.`;
    case 'not_yet_valid':
      return `${certificate} is not valid yet (${code}): check this computer's clock, or ask whoever runs it. ${notTheBundle}.`;
    case 'wrong_name':
      return `${certificate} was issued for other names than the address used (${code}): use the address the certificate names. ${notTheBundle}.`;
    case 'revoked':
      return `${certificate} has been revoked (${code}): whoever runs it must replace it. ${notTheBundle}.`;
    case 'damaged':
      return `${certificate} is damaged or its signature does not verify (${code}). ${notTheBundle}.`;
    case 'handshake':
      return `${capitalised(subject)} answered, but a secure connection (TLS) could not be set up with it (${code}): check the address's scheme and port.`;
  }
}
