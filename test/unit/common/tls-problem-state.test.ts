// A refused certificate as a state of its own (issue 19, A.6): the few words a status line leads with
// (tlsProblemState in src/common/tls-problems.ts), and the mark that lets a caller tell "not trusted" from "cannot be
// reached" without reading words: the error notTrustedError makes keeps what TLS threw as its cause, which
// tlsProblemOf finds again (the drive's sync stops on it instead of waiting as if offline), and which never travels.
import { describe, expect, it } from 'vitest';
import { tlsProblemOf, tlsProblemState, type TlsProblemKind } from '../../../src/common/tls-problems.ts';
import { notTrustedError } from '../../../src/workstation/ca-trust.ts';

function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`socket said ${code}`), { code }) });
}

describe('the state a refused certificate leaves a connection in', () => {
  it.each<[TlsProblemKind, string]>([
    ['untrusted', 'A certificate is not trusted'],
    ['expired', 'A certificate is not trusted'],
    ['not_yet_valid', 'A certificate is not trusted'],
    ['wrong_name', 'A certificate is not trusted'],
    ['revoked', 'A certificate is not trusted'],
    ['damaged', 'A certificate is not trusted'],
    ['handshake', 'No secure connection (TLS) could be set up'],
  ])('%s: "%s", never offline', (kind, words) => {
    const state = tlsProblemState({ kind, code: 'X' });
    expect(state).toBe(words);
    expect(state).not.toMatch(/offline|reached/i);
  });
});

describe("notTrustedError's mark", () => {
  it('keeps the refusal as its cause: tlsProblemOf finds the same problem in the error the person is shown', () => {
    const error = notTrustedError(fetchFailed('CERT_HAS_EXPIRED'), 'the platform at https://tre.example.org');
    expect(error?.code).toBe('unavailable');
    expect(tlsProblemOf(error)).toEqual({ kind: 'expired', code: 'CERT_HAS_EXPIRED' });
  });

  it('sends nothing of it: the value the renderer and the HTTP shell get is the code and the words', () => {
    const error = notTrustedError(fetchFailed('SELF_SIGNED_CERT_IN_CHAIN'), 'the platform at https://tre.example.org');
    expect(Object.keys(error?.toValue() ?? {}).sort()).toEqual(['code', 'message']);
    expect(JSON.stringify(error)).not.toContain('socket said');
  });

  it('marks nothing that is not a TLS refusal', () => {
    expect(notTrustedError(fetchFailed('ECONNREFUSED'), 'the platform')).toBeNull();
  });
});
