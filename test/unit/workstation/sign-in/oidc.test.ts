// The OIDC client's own rules: which issuers it talks to, and how openid-client's errors read to a person.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../../src/common/errors.ts';
import { isLoopbackHttp } from '../../../../src/common/loopback.ts';
import { checkIssuerUrl, describeOidcError } from '../../../../src/workstation/sign-in/oidc.ts';

describe('issuer URLs', () => {
  it('accepts https anywhere and plain http only on this machine', () => {
    expect(checkIssuerUrl('https://login.example.nhs.uk/realms/tre').href).toBe('https://login.example.nhs.uk/realms/tre');
    expect(isLoopbackHttp(checkIssuerUrl('http://127.0.0.1:4100/oidc'))).toBe(true);
    expect(isLoopbackHttp(checkIssuerUrl('http://localhost:4100/oidc'))).toBe(true);
    expect(isLoopbackHttp(checkIssuerUrl('http://[::1]:4100/oidc'))).toBe(true);
  });

  for (const issuer of ['http://idp.example.org/oidc', 'http://127.0.0.1.attacker.example/oidc', 'ftp://idp.example.org', 'not a url']) {
    it(`refuses ${issuer}`, () => {
      expect(() => checkIssuerUrl(issuer)).toThrow(EnclaveError);
    });
  }
});

describe('errors a person can read', () => {
  it('an IdP that refused the sign-in', () => {
    const params = new URLSearchParams({ error: 'access_denied', state: 's' });
    const error = describeOidcError(new oidc.AuthorizationResponseError('x', { cause: params }), 'Signing in');

    expect(error.code).toBe('unauthenticated');
    expect(error.message).toMatch(/cancelled or refused/);
  });

  it('a network failure is unavailable, and nothing unknown leaks its details', () => {
    expect(describeOidcError(new TypeError('fetch failed'), 'Signing in')).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/cannot be reached/),
    });
    expect(describeOidcError(new Error('secret internals'), 'Signing in')).toMatchObject({
      code: 'internal',
      message: 'Signing in failed unexpectedly.',
    });
  });
});
