// The bearer-token authenticator on its own, with a key set in memory: what it accepts and every way it refuses.
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/common/contract.ts';
import { createOidcAuthenticator } from '../../../src/platform/identity/oidc-authenticator.ts';

const ISSUER = 'https://idp.example/realms/tre';
const AUDIENCE = 'urn:enclave:platform-api';
const users = new Map<string, User>([['u1', { id: 'u1', displayName: 'Una', role: 'analyst' }]]);
/** The revocation list, in memory: which keys are on it, and every set of keys it was asked about. */
const revoked = new Set<string>();
const asked: string[][] = [];

let privateKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
});

function authenticator(options: { typ?: string; anyRevoked?: (keys: readonly string[]) => Promise<boolean> } = {}) {
  return createOidcAuthenticator({
    issuer: () => ISSUER,
    audience: AUDIENCE,
    keys: async () => createLocalJWKSet({ keys: [jwk] }),
    algorithms: ['ES256', 'RS256'],
    tokenType: options.typ,
    lookupUser: async (id) => users.get(id),
    revocations: {
      anyRevoked:
        options.anyRevoked ??
        (async (keys) => {
          asked.push([...keys]);
          return keys.some((key) => revoked.has(key));
        }),
    },
  });
}

async function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header })
    .sign(privateKey);
}

const as = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });

describe('createOidcAuthenticator', () => {
  it("maps a valid token's subject to the platform's user, with what would end the token early", async () => {
    const presented = await token({ jti: 'tok-1', grant_id: 'grant-1', sid: 'sid-1' });
    await expect(authenticator().authenticate(as(presented))).resolves.toEqual({
      user: users.get('u1'),
      authenticatedBy: 'oidc',
      token: {
        revocationKeys: ['jti:tok-1', 'grant:grant-1', 'sid:sid-1'],
        expiresAt: decodeJwt(presented).exp! + 5,
        // When it was issued: a person's sign-ins ended by an administrator after it refuse it (the server checks).
        issuedAt: decodeJwt(presented).iat,
      },
    });
  });

  it('says the token lasts until the end of its clock tolerance, so revoking it until then leaves no second in which it works again', async () => {
    const now = Math.floor(Date.now() / 1000);
    const lateButAccepted = await token({ jti: 'late', exp: now - 3 });
    const principal = await authenticator().authenticate(as(lateButAccepted));
    expect(principal?.token?.expiresAt).toBeGreaterThanOrEqual(now + 1);
  });

  it('answers null (nobody) when there is no Authorization header', async () => {
    await expect(authenticator().authenticate({ headers: {} })).resolves.toBeNull();
  });

  it('tolerates a few seconds of clock skew, not more', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(authenticator().authenticate(as(await token({ exp: now - 2 })))).resolves.not.toBeNull();
    await expect(authenticator().authenticate(as(await token({ exp: now - 30 })))).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'Your sign-in has expired. Sign in again.',
    });
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example' }],
    ['another audience', { aud: 'urn:someone-else' }],
    ['no subject', { sub: undefined }],
    ['no expiry', { exp: undefined }],
    ['an empty subject', { sub: '' }],
  ])('refuses a token with %s', async (_label, claims) => {
    await expect(authenticator().authenticate(as(await token(claims)))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses an unsigned token (alg none) and one signed with an algorithm it does not allow', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'u1', iss: ISSUER, aud: AUDIENCE }).setExpirationTime('1m').encode();
    await expect(authenticator().authenticate(as(unsigned))).rejects.toMatchObject({ code: 'unauthenticated' });
    const hs = await new SignJWT({ sub: 'u1', iss: ISSUER, aud: AUDIENCE })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('a shared secret that is long enough to sign'));
    await expect(authenticator().authenticate(as(hs))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a token whose signature does not verify', async () => {
    const [header, , signature] = (await token()).split('.');
    const claims = Buffer.from(JSON.stringify({ sub: 'u1', iss: ISSUER, aud: AUDIENCE, exp: 9_999_999_999, role: 'admin' })).toString(
      'base64url',
    );
    const tampered = `${header}.${claims}.${signature}`;
    await expect(authenticator().authenticate(as(tampered))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('requires the access-token type when told to', async () => {
    await expect(authenticator({ typ: 'at+jwt' }).authenticate(as(await token({}, { typ: 'JWT' })))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(
      authenticator({ typ: 'at+jwt' }).authenticate(as(await token({ jti: 'typed' }, { typ: 'at+jwt' }))),
    ).resolves.not.toBeNull();
  });

  it('refuses a valid token for someone the platform does not know, telling them to enrol; identify still names them', async () => {
    const stranger = as(await token({ sub: 'stranger' }));
    await expect(authenticator().authenticate(stranger)).rejects.toMatchObject({ code: 'enrolment_required' });
    await expect(authenticator().identify!(stranger)).resolves.toEqual({ subject: 'stranger' });
  });

  it('refuses headers that are not a single bearer token', async () => {
    for (const authorization of ['Basic dTE6cA==', 'Bearer', 'Bearer a b', ['Bearer x', 'Bearer y']]) {
      await expect(authenticator().authenticate({ headers: { authorization } })).rejects.toMatchObject({ code: 'unauthenticated' });
    }
  });
});

describe('the revocation list, checked on every call', () => {
  it('refuses a token whose own id, grant or session was revoked, as unauthenticated, saying the sign-in ended', async () => {
    revoked.add('grant:ended-grant');
    revoked.add('jti:ended-token');
    revoked.add('sid:ended-session');
    for (const claims of [{ jti: 'live', grant_id: 'ended-grant' }, { jti: 'ended-token' }, { jti: 'live', sid: 'ended-session' }]) {
      await expect(authenticator().authenticate(as(await token(claims)))).rejects.toMatchObject({
        code: 'unauthenticated',
        message: expect.stringContaining('Your sign-in has ended'),
      });
    }
  });

  it('keeps accepting a token of another, live grant', async () => {
    revoked.add('grant:ended-grant');
    await expect(authenticator().authenticate(as(await token({ jti: 'other', grant_id: 'live-grant' })))).resolves.not.toBeNull();
  });

  it("asks once per call, with only the keys the token carries (an external issuer's token names no grant)", async () => {
    asked.length = 0;
    const principal = await authenticator().authenticate(as(await token({ jti: 'ext-1' })));
    expect(principal?.token?.revocationKeys).toEqual(['jti:ext-1']);
    await authenticator().authenticate(as(await token({ jti: 'ext-1' })));
    expect(asked).toEqual([['jti:ext-1'], ['jti:ext-1']]);
  });

  it('refuses a JWT access token (typ at+jwt) without jti, which RFC 9068 requires: nothing could end it before it expires', async () => {
    const cases = [
      { checking: { typ: 'at+jwt' }, typ: 'at+jwt' },
      { checking: {}, typ: 'at+jwt' },
      { checking: {}, typ: 'application/at+jwt' },
    ];
    for (const { checking, typ } of cases) {
      await expect(authenticator(checking).authenticate(as(await token({ sid: 'sid-1' }, { typ })))).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    }
  });

  it('ends an untyped token without jti, grant or session by its subject and issue time: every token of that user from that second', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bare = await token({ iat: now - 100 });
    const principal = await authenticator().authenticate(as(bare));
    expect(principal?.token?.revocationKeys).toEqual([`iat:${now - 100}:u1`]);
    // What a sign-out or lock report revokes: this token, and another minted in the same second, but not a later one.
    revoked.add(`iat:${now - 100}:u1`);
    await expect(authenticator().authenticate(as(bare))).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(authenticator().authenticate(as(await token({ iat: now - 100, nonce: 'another' })))).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await expect(authenticator().authenticate(as(await token({ iat: now - 99 })))).resolves.not.toBeNull();
  });

  it('refuses an untyped token that names neither itself, its grant, its session nor when it was issued', async () => {
    await expect(authenticator().authenticate(as(await token({ iat: undefined })))).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('fails closed: a list that cannot be read refuses the call rather than letting the token through', async () => {
    const broken = authenticator({ anyRevoked: async () => Promise.reject(new Error('database is locked')) });
    await expect(broken.authenticate(as(await token({ jti: 'x' })))).rejects.toThrow('database is locked');
  });
});
