// Telling a refused certificate from a network failure, and saying what fixes it (src/common/tls-problems.ts). The
// errors here have the shapes Node's clients throw (checked against real TLS in test/integration/tls-trust.test.ts):
// undici's TypeError("fetch failed") with the socket's error as its cause, https.request's error itself, and the
// AggregateError of a connection tried on several addresses.
import { describe, expect, it } from 'vitest';
import { describeTlsProblem, tlsProblemOf } from '../../../src/common/tls-problems.ts';

function socketError(code: string): Error {
  return Object.assign(new Error(`socket said ${code}`), { code });
}

function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

describe('finding the TLS problem behind a failed request', () => {
  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', 'untrusted'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'untrusted'],
    ['CERT_HAS_EXPIRED', 'expired'],
    ['CERT_NOT_YET_VALID', 'not_yet_valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong_name'],
    ['CERT_REVOKED', 'revoked'],
    ['CERT_SIGNATURE_FAILURE', 'damaged'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'handshake'],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'handshake'],
  ])("%s inside fetch's TypeError is a TLS problem of kind %s", (code, kind) => {
    expect(tlsProblemOf(fetchFailed(socketError(code)))).toEqual({ code, kind });
  });

  it("finds the code on https.request's own error, and under two wrappers (openid-client, jose)", () => {
    expect(tlsProblemOf(socketError('CERT_HAS_EXPIRED'))).toEqual({ code: 'CERT_HAS_EXPIRED', kind: 'expired' });
    const wrapped = new Error('discovery failed', { cause: fetchFailed(socketError('SELF_SIGNED_CERT_IN_CHAIN')) });
    expect(tlsProblemOf(wrapped)?.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it("finds it among an AggregateError's attempts (localhost tried on ::1 and 127.0.0.1)", () => {
    const attempts = new AggregateError([socketError('ECONNREFUSED'), socketError('UNABLE_TO_VERIFY_LEAF_SIGNATURE')]);
    expect(tlsProblemOf(fetchFailed(attempts))?.kind).toBe('untrusted');
  });

  it('says nothing of a network failure, a timeout, or something that is not an error', () => {
    for (const err of [
      fetchFailed(socketError('ECONNREFUSED')),
      fetchFailed(socketError('ENOTFOUND')),
      fetchFailed(socketError('ECONNRESET')),
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'SELF_SIGNED_CERT_IN_CHAIN',
      null,
      undefined,
      { code: 42 },
    ]) {
      expect(tlsProblemOf(err)).toBeNull();
    }
  });

  it('stops on a cause that loops, and on a chain too deep to be a real one', () => {
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;
    expect(tlsProblemOf(a)).toBeNull();

    let deep: unknown = socketError('CERT_HAS_EXPIRED');
    for (let i = 0; i < 20; i += 1) deep = new Error('wrapper', { cause: deep });
    expect(tlsProblemOf(deep)).toBeNull();
  });
});

describe('what a person is told', () => {
  const subject = 'the platform at https://tre.example.org';

  it('an unknown authority: names the problem, its code, and ENCLAVE_CA_FILE / --ca-file', () => {
    const text = describeTlsProblem({ kind: 'untrusted', code: 'SELF_SIGNED_CERT_IN_CHAIN' }, { subject, caFile: null });
    expect(text).toBe(
      'The certificate of the platform at https://tre.example.org is not signed by an authority this computer trusts ' +
        '(SELF_SIGNED_CERT_IN_CHAIN). If your organisation has its own certificate authority, set ENCLAVE_CA_FILE ' +
        "(or the enclave command's --ca-file) to its CA bundle (PEM).",
    );
    expect(text).not.toMatch(/reach/i);
  });

  it('an unknown authority with a bundle already in use: names that bundle, to be checked', () => {
    const text = describeTlsProblem({ kind: 'untrusted', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, { subject, caFile: '/etc/tre/ca.pem' });
    expect(text).toContain('nor by one in the CA bundle in use (/etc/tre/ca.pem)');
    expect(text).toContain('Check that /etc/tre/ca.pem holds');
  });

  it('a self-signed certificate is called so', () => {
    expect(describeTlsProblem({ kind: 'untrusted', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, { subject, caFile: null })).toMatch(
      /^The certificate of the platform at https:\/\/tre\.example\.org is self-signed/,
    );
  });

  it.each([
    ['expired', 'CERT_HAS_EXPIRED', /has expired \(CERT_HAS_EXPIRED\): whoever runs it must renew it/],
    ['not_yet_valid', 'CERT_NOT_YET_VALID', /is not valid yet .*clock/],
    ['wrong_name', 'ERR_TLS_CERT_ALTNAME_INVALID', /issued for other names than the address used/],
    ['revoked', 'CERT_REVOKED', /has been revoked/],
    ['damaged', 'CERT_SIGNATURE_FAILURE', /damaged or its signature does not verify/],
  ] as const)('%s: names the problem, and that a CA bundle does not fix it', (kind, code, words) => {
    const text = describeTlsProblem({ kind, code }, { subject, caFile: null });
    expect(text).toMatch(words);
    expect(text).toContain(`(${code})`);
    expect(text).toContain('Adding a CA bundle (ENCLAVE_CA_FILE) does not change this.');
  });

  it('a handshake that failed is about the address, not a certificate', () => {
    const text = describeTlsProblem({ kind: 'handshake', code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, { subject, caFile: null });
    expect(text).toBe(
      'The platform at https://tre.example.org answered, but a secure connection (TLS) could not be set up with it ' +
        "(ERR_SSL_WRONG_VERSION_NUMBER): check the address's scheme and port.",
    );
  });
});
