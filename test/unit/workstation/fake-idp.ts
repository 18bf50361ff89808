// A stand-in identity provider (the core's IdP seam) and platform (fetch), with the behaviour the session depends
// on: rotating refresh tokens, revocation, expiring access tokens, a /me that knows users by their token, and
// enrolment for subjects the platform does not know yet.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Project, User } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { PARQUET_CONTENT_TYPE } from '../../../src/common/platform-api.ts';
import { createWorkstationCore, type WorkstationCore, type WorkstationCoreOptions } from '../../../src/workstation/core.ts';
import type { AuthorizationRequest, IdentityProvider, IdentitySettings, TokenSet } from '../../../src/workstation/sign-in/oidc.ts';
import type { TokenStore } from '../../../src/workstation/tokens/token-store.ts';

export const ISSUER = 'https://idp.test/oidc';
export const CLIENT_ID = 'enclave-workstation';

export const USERS: Record<string, User> = {
  'demo-analyst': { id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst' },
  'demo-analyst-2': { id: 'demo-analyst-2', displayName: 'Ben Analyst', role: 'analyst' },
};

export interface FakeIdp extends IdentityProvider {
  /** Who the next browser login signs in as. */
  nextUser: string;
  accessLifetimeSeconds: number;
  requests: Array<{ loginHint?: string; fresh?: boolean; state: string }>;
  refreshes: number;
  revoked: Set<string>;
  /** Access token → subject, for tokens still valid. */
  accessOwners: Map<string, { sub: string; expiresAt: number }>;
  refreshOwners: Map<string, string>;
  /** Ends a grant as the provider would (an admin revoked it). */
  revokeAllRefreshTokens(): void;
  /** Issues a refresh token for a user directly (to seed a keychain). */
  issueRefresh(sub: string): string;
}

const token = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

export function createFakeIdp(): FakeIdp {
  const idp: FakeIdp = {
    settings: { issuer: ISSUER, clientId: CLIENT_ID, audience: null, scopes: ['openid', 'profile', 'offline_access'] },
    browserOrigins: ['https://idp.test'],
    nextUser: 'demo-analyst',
    accessLifetimeSeconds: 300,
    requests: [],
    refreshes: 0,
    revoked: new Set(),
    accessOwners: new Map(),
    refreshOwners: new Map(),
    async authorizationRequest({ redirectUri, loginHint, fresh }) {
      const state = token('state');
      const nonce = token('nonce');
      idp.requests.push({ state, ...(loginHint ? { loginHint } : {}), ...(fresh ? { fresh } : {}) });
      const url = new URL('https://idp.test/oidc/auth');
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('state', state);
      if (loginHint) url.searchParams.set('login_hint', loginHint);
      if (fresh) url.searchParams.set('prompt', 'login');
      return {
        url: url.href,
        redirectUri,
        state,
        nonce,
        codeVerifier: token('verifier'),
        maxAge: fresh ? 0 : null,
      } satisfies AuthorizationRequest;
    },
    async exchangeCode({ callbackUrl }) {
      const error = callbackUrl.searchParams.get('error');
      if (error) throw new EnclaveError('unauthenticated', `Signing in failed: the identity provider answered "${error}".`);
      if (callbackUrl.searchParams.get('code') !== 'good-code')
        throw new EnclaveError('unauthenticated', 'Signing in failed: invalid_grant.');
      return issue(idp.nextUser);
    },
    async refresh(refreshToken) {
      const sub = idp.refreshOwners.get(refreshToken);
      if (!sub || idp.revoked.has(refreshToken)) throw new EnclaveError('unauthenticated', 'Renewing the sign-in failed: invalid_grant.');
      idp.refreshes += 1;
      idp.revoked.add(refreshToken); // rotation
      return issue(sub);
    },
    async revoke(value) {
      idp.revoked.add(value);
      idp.accessOwners.delete(value);
    },
    async deviceAuthorization() {
      throw new EnclaveError('invalid_input', 'not in the fake');
    },
    async pollDevice() {
      throw new EnclaveError('invalid_input', 'not in the fake');
    },
    revokeAllRefreshTokens() {
      for (const value of idp.refreshOwners.keys()) idp.revoked.add(value);
    },
    issueRefresh(sub) {
      const refresh = token('rt');
      idp.refreshOwners.set(refresh, sub);
      return refresh;
    },
  };

  function issue(sub: string): TokenSet {
    const access = token('at');
    const refresh = idp.issueRefresh(sub);
    const expiresAt = Date.now() + idp.accessLifetimeSeconds * 1000;
    idp.accessOwners.set(access, { sub, expiresAt });
    return {
      accessToken: access,
      accessExpiresAt: expiresAt,
      refreshToken: refresh,
      idClaims: { sub, name: USERS[sub]?.displayName ?? sub },
    };
  }

  return idp;
}

export const fakeDiscover = (idp: FakeIdp) => async (_settings: IdentitySettings) => idp;

export interface FakePlatformFetch {
  fetch: typeof globalThis.fetch;
  /** Session events with the subject whose token carried them. */
  sessionEvents: Array<{ event: string; sub: string }>;
  /** Bearer tokens seen on API calls, in order. */
  bearers: string[];
  /** Paths that answer 503 (the platform is down for them). */
  failing: Set<string>;
  /** Holds the next request to a path until released; `reached` resolves when it arrives. */
  holdNext(path: string): { reached: Promise<void>; release(): void };
  /** People an administrator suspended, with the platform's message: every API call of theirs answers 'suspended'. */
  suspended: Map<string, string>;
  /**
   * While set, a sample (/api/v1/projects/:p/datasets/:d/sample) answers its first bytes, runs this (the platform
   * suspending the person, say), then breaks the connection; otherwise a sample answers its bytes whole.
   */
  cutSamples: (() => void) | null;
  /** API paths asked for, in order (health excluded). */
  paths: string[];
  /** What /api/v1/projects answers (none unless a test adds some). */
  projects: Project[];
  /**
   * Enrolment codes (as the platform stores them: upper case, no dashes) and the invited person each is for. A subject
   * the platform does not know (not in USERS) is refused every call but POST /api/v1/enrol with 'enrolment_required';
   * a good code binds it to its person, once.
   */
  enrolmentCodes: Map<string, User>;
  /** Subjects bound by enrolment, and to whom. */
  enrolled: Map<string, User>;
  /** Terms declined (POST /api/v1/terms/decline bodies), with the subject who declined. */
  termsDeclined: Array<{ sub: string; body: unknown }>;
}

const NOT_KNOWN = 'You are signed in, but this platform does not know you yet. Enter the enrolment code your administrator sent you.';
const BAD_CODE = 'This enrolment code is not valid: it may be mistyped, used already, or expired. Ask your administrator for a new one.';

/** What the fake answers for a sample: not Arrow, but the workstation only passes the bytes on. */
export const SAMPLE_BYTES = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);

/** A sample's answer: the bytes, or their first half and then a broken connection (after `cut` has run). */
function sampleAnswer(cut: (() => void) | null, format: string | null): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (cut === null) {
        controller.enqueue(SAMPLE_BYTES);
        controller.close();
        return;
      }
      controller.enqueue(SAMPLE_BYTES.subarray(0, 4));
    },
    pull(controller) {
      if (cut === null) return;
      cut();
      controller.error(new TypeError('terminated'));
    },
  });
  const type = format === 'parquet' ? PARQUET_CONTENT_TYPE : 'application/vnd.apache.arrow.stream';
  return new Response(body, { status: 200, headers: { 'content-type': type } });
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** The platform API v1 as the session needs it, checking bearer tokens against the fake IdP. */
export function fakePlatformFetch(idp: FakeIdp): FakePlatformFetch {
  const sessionEvents: FakePlatformFetch['sessionEvents'] = [];
  const bearers: string[] = [];
  const failing = new Set<string>();
  const holds = new Map<string, { reached: Deferred; released: Deferred }>();
  const suspended = new Map<string, string>();
  const paths: string[] = [];
  const projects: Project[] = [];
  const enrolmentCodes = new Map<string, User>();
  const enrolled = new Map<string, User>();
  const termsDeclined: FakePlatformFetch['termsDeclined'] = [];
  const fake = { cutSamples: null as (() => void) | null };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const path = url.pathname;
    const hold = holds.get(path);
    if (hold) {
      holds.delete(path);
      hold.reached.resolve();
      await hold.released.promise;
    }
    if (failing.has(path)) return json(503, { error: { code: 'unavailable', message: 'The platform is starting.' } });
    if (path === '/api/v1/health') {
      return json(200, {
        status: 'ok',
        name: 'Fake platform',
        mode: 'demo',
        identity: { issuer: ISSUER, clientId: CLIENT_ID, audience: null, scopes: [] },
      });
    }
    const header = new Headers(init?.headers).get('authorization') ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7) : '';
    bearers.push(bearer);
    const owner = idp.accessOwners.get(bearer);
    paths.push(path);
    if (!owner || owner.expiresAt <= Date.now()) return json(401, { error: { code: 'unauthenticated', message: 'Sign in again.' } });
    const suspension = suspended.get(owner.sub);
    if (suspension !== undefined) return json(403, { error: { code: 'suspended', message: suspension } });
    const known = enrolled.get(owner.sub) ?? USERS[owner.sub];
    if (known === undefined) {
      if (path !== '/api/v1/enrol' || init?.method !== 'POST')
        return json(403, { error: { code: 'enrolment_required', message: NOT_KNOWN } });
      const { code } = JSON.parse(typeof init.body === 'string' ? init.body : '{}') as { code: string };
      const typed = code.toUpperCase().replaceAll(/[\s-]/g, '');
      const person = enrolmentCodes.get(typed);
      if (person === undefined) return json(403, { error: { code: 'forbidden', message: BAD_CODE } });
      enrolmentCodes.delete(typed);
      enrolled.set(owner.sub, person);
      return json(200, person);
    }
    if (path === '/api/v1/enrol') return json(400, { error: { code: 'invalid_input', message: 'You are enrolled already.' } });
    if (path === '/api/v1/me') return json(200, known);
    if (path === '/api/v1/terms/decline' && init?.method === 'POST') {
      termsDeclined.push({ sub: owner.sub, body: JSON.parse(typeof init.body === 'string' ? init.body : '{}') });
      // The platform ends this sign-in: its token is refused from now on.
      idp.accessOwners.delete(bearer);
      return new Response(null, { status: 204 });
    }
    if (/^\/api\/v1\/projects\/[^/]+\/datasets\/[^/]+\/sample$/.test(path))
      return sampleAnswer(fake.cutSamples, url.searchParams.get('format'));
    if (path === '/api/v1/projects') return json(200, projects);
    if (path === '/api/v1/checking/rules')
      return json(403, { error: { code: 'forbidden', message: 'Only output checkers may read the rules.' } });
    if (path === '/api/v1/session-events' && init?.method === 'POST') {
      sessionEvents.push({
        event: (JSON.parse(typeof init.body === 'string' ? init.body : '') as { event: string }).event,
        sub: owner.sub,
      });
      return new Response(null, { status: 204 });
    }
    return json(404, { error: { code: 'not_found', message: 'No such route.' } });
  };
  return {
    fetch,
    sessionEvents,
    bearers,
    failing,
    suspended,
    paths,
    projects,
    enrolmentCodes,
    enrolled,
    termsDeclined,
    get cutSamples() {
      return fake.cutSamples;
    },
    set cutSamples(cut) {
      fake.cutSamples = cut;
    },
    holdNext(path) {
      const hold = { reached: deferred(), released: deferred() };
      holds.set(path, hold);
      return { reached: hold.reached.promise, release: hold.released.resolve };
    },
  };
}

/** The browser following the IdP's redirect to the loopback listener (node:http, so fake timers do not bite). */
export function browserGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The callback URL the IdP would redirect to after a login, for an authorization URL of the fake. */
export function callbackFor(authorizationUrl: string, params: Record<string, string> = {}): string {
  const auth = new URL(authorizationUrl);
  const callback = new URL(auth.searchParams.get('redirect_uri') ?? '');
  callback.searchParams.set('code', 'good-code');
  callback.searchParams.set('state', auth.searchParams.get('state') ?? '');
  for (const [key, value] of Object.entries(params)) callback.searchParams.set(key, value);
  return callback.href;
}

/**
 * A workstation core on the fake provider and platform, as the session tests start one: its health check never fires
 * (the interval is below setTimeout's limit and past every test's horizon). `extra` sets what a test varies.
 */
export function startFakeCore(
  fakes: { idp: FakeIdp; platform: FakePlatformFetch; store: TokenStore },
  extra: Partial<WorkstationCoreOptions> = {},
): WorkstationCore {
  return createWorkstationCore({
    platformUrl: 'http://platform.test',
    fetch: fakes.platform.fetch,
    healthIntervalMs: 2_000_000_000,
    discover: fakeDiscover(fakes.idp),
    tokenStore: fakes.store,
    ...extra,
  });
}
