// Walks the declaration's access rows (PLATFORM_ROUTES, src/common/platform-api.ts): every route, called as
// every role, as a member and a non-member, as someone the platform does not know, unauthenticated, and with an
// expired, a forged (signed by another key), a wrong-audience and a wrong-issuer token, and a token on the
// revocation list; then a suspended, a disabled person and a suspended project's members, and a person whose terms of use
// are pending or whose training for one of their roles has lapsed. Tokens are minted with jose exactly as the embedded
// provider signs them (test/integration/platform/fixture.ts), so only the spoiled part differs.
// SATRE 3.2.03, 1.5.03: access to project data only for authorised members, deny by default.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN_ROUTES,
  API_ROUTE_IDS,
  PLATFORM_API,
  ROUTE_IDS,
  routeAccess,
  type ApiRoute,
  type RouteId,
} from '../../../src/common/platform-api.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import { createRevocationList, revocationKey } from '../../../src/platform/store/revocations.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly payload?: unknown;
  /** A body sent as it is (the drives' byte routes), with its headers. */
  readonly raw?: { readonly body: string; readonly headers: Readonly<Record<string, string>> };
  /** What a permitted caller gets. */
  readonly ok: number;
  /** What a permitted caller gets where it differs by person (the handler reads the agreement's member entry). */
  readonly okAs?: Readonly<Record<string, number>>;
}

const NO_REQUEST = `req-${'0'.repeat(20)}`;
const DRIVE = '/api/v1/drives/opt-out-monitoring';
const NO_UPLOAD = `up-${'0'.repeat(24)}`;
const NO_FILE = `file-${'0'.repeat(20)}`;
/** A small output document, as the workstation sends it for the platform's check. */
const OUTPUT = {
  kind: 'frequency',
  title: 'Opt-outs by year',
  source: { sql: 'SELECT year, count(*) FROM opt_outs GROUP BY year', engine: 'native' },
  table: {
    dimensions: ['year'],
    cells: [
      { key: { year: '2019' }, count: 12 },
      { key: { year: '2020' }, count: 15 },
    ],
  },
  mitigation: { kind: 'none', roundingBase: null },
};

/**
 * One request per route, inside a project that the seeded analyst-2 and admin are members of. A route added to the
 * declaration without a row here does not compile.
 */
const CALL_OF: Record<RouteId, Call> = {
  health: { method: 'GET', url: '/api/v1/health', ok: 200 },
  'idp.protocol': { method: 'GET', url: '/oidc/.well-known/openid-configuration', ok: 200 },
  'idp.pages': { method: 'GET', url: '/oidc/assets/sign-in.css', ok: 200 },
  me: { method: 'GET', url: '/api/v1/me', ok: 200 },
  'session.events': { method: 'POST', url: '/api/v1/session-events', payload: { event: 'locked' }, ok: 204 },
  'checking.rules': { method: 'GET', url: '/api/v1/checking/rules', ok: 200 },
  'projects.list': { method: 'GET', url: '/api/v1/projects', ok: 200 },
  'catalogue.get': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/catalogue', ok: 200 },
  'dataset.sample': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/datasets/national_opt_outs/sample?limit=5', ok: 200 },
  'project.query': {
    method: 'POST',
    url: '/api/v1/projects/opt-out-monitoring/query',
    payload: { sql: 'SELECT count(*) AS n FROM national_opt_outs', format: 'arrow' },
    ok: 200,
  },
  'project.agreement': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/agreement', ok: 200 },
  'admin.agreements': { method: 'GET', url: '/api/v1/admin/agreements', ok: 200 },
  // The permitted caller reaches the handler, which refuses a person listed twice (nothing is changed by the walk).
  'project.members': {
    method: 'POST',
    url: '/api/v1/projects/opt-out-monitoring/members',
    payload: {
      members: [
        { userId: 'demo-analyst', role: 'analyst', start: '2026-01-01', end: '2026-12-31', mayRequestRelease: false },
        { userId: 'demo-analyst', role: 'analyst', start: '2026-01-01', end: '2026-12-31', mayRequestRelease: false },
      ],
      reason: 'The access table walked',
    },
    ok: 400,
  },
  'admin.audit': { method: 'GET', url: '/api/v1/admin/audit?type=agreement.&limit=5', ok: 200 },
  'project.egress': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/egress', ok: 200 },
  'admin.killswitch': { method: 'GET', url: '/api/v1/admin/incidents', ok: 200 },
  'admin.incidents.open': {
    method: 'POST',
    url: '/api/v1/admin/incidents',
    payload: { summary: 'The access table walked', severity: 'low', detectedAt: '2026-12-01T09:00:00Z', personalData: false },
    ok: 200,
  },
  // The permitted caller reaches the handler, which finds no such incident or action (nothing is changed by the walk).
  'admin.incidents.close': {
    method: 'POST',
    url: `/api/v1/admin/incidents/inc-${'0'.repeat(20)}/close`,
    payload: { resolution: 'None.' },
    ok: 404,
  },
  'admin.actions.apply': {
    method: 'POST',
    url: '/api/v1/admin/actions',
    payload: { action: 'freeze_egress', projectId: null, incidentId: `inc-${'0'.repeat(20)}`, reason: 'The access table walked' },
    ok: 400,
  },
  'admin.actions.lift': { method: 'POST', url: `/api/v1/admin/actions/act-${'0'.repeat(20)}/lift`, payload: { reason: 'None.' }, ok: 404 },
  // Open to a valid token nobody on the platform holds: a known person is told they are enrolled already (400), an
  // unknown one that this code is not valid (403); the code is not a real one.
  enrol: { method: 'POST', url: '/api/v1/enrol', payload: { code: 'ABCDE-FGHJK-LMNPQ-RSTUV' }, ok: 400 },
  'admin.users.list': { method: 'GET', url: '/api/v1/admin/users', ok: 200 },
  'admin.users.get': { method: 'GET', url: '/api/v1/admin/users/demo-analyst', ok: 200 },
  // The permitted caller reaches the handler, which refuses what the walk asks (nothing is changed by it).
  'admin.users.add': {
    method: 'POST',
    url: '/api/v1/admin/users',
    payload: { id: 'demo-analyst', displayName: 'Taken', roles: ['analyst'], verification: 'The access table walked' },
    ok: 400,
  },
  'admin.users.grant': {
    method: 'POST',
    url: '/api/v1/admin/users/demo-analyst/grant',
    payload: { role: 'analyst', reason: 'The walk' },
    ok: 400,
  },
  'admin.users.revoke': {
    method: 'POST',
    url: '/api/v1/admin/users/demo-analyst/revoke',
    payload: { role: 'admin', reason: 'The walk' },
    ok: 400,
  },
  'admin.users.status': {
    method: 'POST',
    url: '/api/v1/admin/users/demo-analyst/status',
    payload: { status: 'active', reason: 'The walk' },
    ok: 400,
  },
  'admin.users.bind': {
    method: 'POST',
    url: '/api/v1/admin/users/demo-analyst/bind',
    payload: { subject: 'someone', reason: 'The walk' },
    ok: 400,
  },
  'admin.users.enrolment-code': { method: 'POST', url: '/api/v1/admin/users/demo-analyst/enrolment-code', ok: 400 },
  'admin.changes.decide': {
    method: 'POST',
    url: `/api/v1/admin/changes/chg-${'0'.repeat(20)}`,
    payload: { approve: true, reason: 'The walk' },
    ok: 404,
  },
  'terms.mine': { method: 'GET', url: '/api/v1/terms', ok: 200 },
  // No terms are published in the walk: accepting one is refused as invalid.
  'terms.accept': {
    method: 'POST',
    url: '/api/v1/terms/accept',
    payload: { audience: 'everyone', version: 1, sha256: '0'.repeat(64) },
    ok: 400,
  },
  // Declining ends the caller's sign-in: the walk declines with a token of its own each time.
  'terms.decline': { method: 'POST', url: '/api/v1/terms/decline', payload: { audience: 'everyone', version: 1 }, ok: 204 },
  'me.training': { method: 'GET', url: '/api/v1/me/training', ok: 200 },
  'admin.terms': { method: 'GET', url: '/api/v1/admin/terms', ok: 200 },
  'admin.terms.publish': {
    method: 'POST',
    url: '/api/v1/admin/terms',
    payload: { audience: 'everyone', text: 'Too short', summary: 'x', requiresAcceptance: true },
    ok: 400,
  },
  'admin.training': { method: 'GET', url: '/api/v1/admin/training', ok: 200 },
  'admin.training.record': {
    method: 'POST',
    url: '/api/v1/admin/training',
    payload: {
      userId: 'nobody-at-all',
      course: 'Safe Researcher Training',
      completed: '2026-01-01',
      expires: '2027-01-01',
      evidence: 'The walk',
    },
    ok: 404,
  },
  'admin.training.requirements': {
    method: 'POST',
    url: '/api/v1/admin/training/requirements',
    payload: { role: 'analyst', courses: ['x'] },
    ok: 400,
  },
  'admin.usage': { method: 'GET', url: '/api/v1/admin/usage?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', ok: 200 },
  'admin.security-review': { method: 'GET', url: '/api/v1/admin/security-review', ok: 200 },
  // The permitted caller reaches the handler, which refuses a review past the newest event (nothing is recorded).
  'admin.security-review.record': {
    method: 'POST',
    url: '/api/v1/admin/security-review',
    payload: { upTo: 999_999_999, note: 'The walk' },
    ok: 400,
  },
  'admin.access-report': {
    method: 'GET',
    url: '/api/v1/admin/access-report?subject=person&id=demo-analyst&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z',
    ok: 200,
  },
  // The airlock: project routes by membership; request routes name a request that does not exist (404 to everyone the
  // route's roles admit), so the walk changes nothing but the one request analyst-2 (who may request release) creates.
  'airlock.rules': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/outputs/rules', ok: 200 },
  'airlock.check': { method: 'POST', url: '/api/v1/projects/opt-out-monitoring/outputs/check', payload: { document: OUTPUT }, ok: 200 },
  'airlock.requests': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/requests', ok: 200 },
  'airlock.create': {
    method: 'POST',
    url: '/api/v1/projects/opt-out-monitoring/requests',
    payload: { title: 'The access table walked', context: { description: '', population: '', relationship: '' } },
    ok: 200,
    // A member without mayRequestRelease in the agreement.
    okAs: { 'demo-admin': 403 },
  },
  'airlock.request': { method: 'GET', url: `/api/v1/requests/${NO_REQUEST}`, ok: 404 },
  'airlock.context': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/context`,
    payload: { expectedVersion: 1, title: 'The walk', context: { description: '', population: '', relationship: '' } },
    ok: 404,
  },
  'airlock.putFile': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/files`,
    payload: { expectedVersion: 1, name: 'table.json', output: OUTPUT, exception: null },
    ok: 404,
  },
  'airlock.withdrawFile': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/files/${NO_FILE}/withdraw`,
    payload: { expectedVersion: 1 },
    ok: 404,
  },
  'airlock.file': { method: 'GET', url: `/api/v1/requests/${NO_REQUEST}/files/${NO_FILE}`, ok: 404 },
  'airlock.submit': { method: 'POST', url: `/api/v1/requests/${NO_REQUEST}/submit`, payload: { expectedVersion: 1 }, ok: 404 },
  'airlock.withdraw': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/withdraw`,
    payload: { expectedVersion: 1, reason: 'The walk' },
    ok: 404,
  },
  'airlock.queue': { method: 'GET', url: '/api/v1/airlock/queue', ok: 200 },
  'airlock.vote': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/files/${NO_FILE}/vote`,
    payload: { expectedVersion: 1, vote: 'approve', disagreement: null },
    ok: 404,
  },
  'airlock.comment': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/comments`,
    payload: { fileId: null, cell: null, visibility: 'public', text: 'The walk' },
    ok: 404,
  },
  'airlock.completeReview': { method: 'POST', url: `/api/v1/requests/${NO_REQUEST}/review`, payload: { expectedVersion: 1 }, ok: 404 },
  'airlock.return': { method: 'POST', url: `/api/v1/requests/${NO_REQUEST}/return`, payload: { expectedVersion: 1 }, ok: 404 },
  'airlock.reject': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/reject`,
    payload: { expectedVersion: 1, reason: 'The walk' },
    ok: 404,
  },
  'airlock.release': { method: 'POST', url: `/api/v1/requests/${NO_REQUEST}/release`, payload: { expectedVersion: 1 }, ok: 404 },
  'airlock.revoke': {
    method: 'POST',
    url: `/api/v1/requests/${NO_REQUEST}/revoke`,
    payload: { expectedVersion: 1, reason: 'The walk' },
    ok: 404,
  },
  'airlock.released': { method: 'GET', url: '/api/v1/projects/opt-out-monitoring/released', ok: 200 },
  'airlock.releasedFile': { method: 'GET', url: `/api/v1/projects/opt-out-monitoring/released/${NO_FILE}`, ok: 404 },
  'airlock.package': { method: 'GET', url: `/api/v1/requests/${NO_REQUEST}/package`, ok: 404 },
  'airlock.notifications': { method: 'GET', url: '/api/v1/airlock/notifications', ok: 200 },
  'airlock.readNotifications': { method: 'POST', url: '/api/v1/airlock/notifications/read', payload: { upTo: 1 }, ok: 200 },
  // The drives: the demo's drive of opt-out-monitoring holds README.md; changes name what is not there (or is taken),
  // so the walk changes nothing but the app passwords the members make.
  'drive.list': { method: 'GET', url: '/api/v1/drives', ok: 200 },
  'drive.info': { method: 'GET', url: DRIVE, ok: 200 },
  'drive.folder': { method: 'GET', url: `${DRIVE}/folder`, ok: 200 },
  'drive.tree': { method: 'GET', url: `${DRIVE}/tree`, ok: 200 },
  'drive.mkdir': { method: 'POST', url: `${DRIVE}/folders`, payload: { path: 'README.md' }, ok: 409 },
  'drive.move': { method: 'POST', url: `${DRIVE}/move`, payload: { from: 'no-such-file.csv', to: 'x.csv', ifMatch: null }, ok: 404 },
  'drive.delete': { method: 'POST', url: `${DRIVE}/delete`, payload: { path: 'no-such-file.csv', ifMatch: null }, ok: 404 },
  'drive.versions': { method: 'GET', url: `${DRIVE}/versions?path=README.md`, ok: 200 },
  'drive.restoreVersion': { method: 'POST', url: `${DRIVE}/versions/restore`, payload: { path: 'no-such-file.csv', version: 1 }, ok: 404 },
  'drive.trash': { method: 'GET', url: `${DRIVE}/trash`, ok: 200 },
  'drive.restoreTrash': { method: 'POST', url: `${DRIVE}/trash/restore`, payload: { trashId: `trash-${'0'.repeat(20)}` }, ok: 404 },
  'drive.uploadStart': {
    method: 'POST',
    url: `${DRIVE}/uploads`,
    payload: { path: 'README.md', size: 1, sha256: '0'.repeat(64), condition: { ifAbsent: true } },
    ok: 409,
  },
  'drive.uploadStatus': { method: 'GET', url: `${DRIVE}/uploads/${NO_UPLOAD}`, ok: 404 },
  'drive.uploadCommit': { method: 'POST', url: `${DRIVE}/uploads/${NO_UPLOAD}/commit`, ok: 404 },
  'drive.appPasswords': { method: 'GET', url: `${DRIVE}/app-passwords`, ok: 200 },
  'drive.createAppPassword': { method: 'POST', url: `${DRIVE}/app-passwords`, payload: { label: 'The access table walked' }, ok: 200 },
  'drive.revokeAppPassword': { method: 'POST', url: `${DRIVE}/app-passwords/app-${'0'.repeat(20)}/revoke`, ok: 404 },
  'drive.uploadChunk': {
    method: 'PUT',
    url: `${DRIVE}/uploads/${NO_UPLOAD}`,
    raw: { body: 'x', headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-0/1' } },
    ok: 404,
  },
  'drive.versionContent': { method: 'GET', url: `${DRIVE}/versions/1/content?path=no-such-file.csv`, ok: 404 },
  // WebDAV authenticates itself (here with the Bearer token), then admits the caller as the hook does.
  'drive.dav': { method: 'GET', url: '/dav/opt-out-monitoring/README.md', ok: 200 },
};
/** Routes with a project in their path: membership of that project decides, after the role. */
const PROJECT_ROUTES: ReadonlySet<RouteId> = new Set([
  ...API_ROUTE_IDS.filter((id) => 'projectId' in ((PLATFORM_API[id] as ApiRoute).params?.shape ?? {})),
  // The drives' byte routes and WebDAV, which the declaration gives no schemas: each names a project in its address.
  ...(['drive.uploadChunk', 'drive.versionContent', 'drive.dav'] as const),
]);

/** Seeded users (resources/demo/users.json): one per role, and whether they belong to opt-out-monitoring. */
const CALLERS = [
  { userId: 'demo-analyst-2', role: 'analyst', member: true },
  { userId: 'demo-analyst', role: 'analyst', member: false },
  { userId: 'demo-checker-1', role: 'output_checker', member: false },
  { userId: 'demo-admin', role: 'admin', member: true },
  // Registered (and trained) by the admin before the walk: the demo has no data manager.
  { userId: 'matrix-dm', role: 'data_manager', member: false },
] as const;

/** Project routes whose access is not membership: data managers and admins edit members of any project. */
const NOT_BY_MEMBERSHIP: ReadonlySet<RouteId> = new Set(['project.members']);

let fixture: PlatformFixture;
let server: PlatformServer;
/** Where the server listens: WebDAV is called over real HTTP (nephele answers on Express's response, which inject cannot read). */
let listening: string;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  listening = await server.listen({ port: 0, host: '127.0.0.1' });
  const admin = {
    authorization: `Bearer ${await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-admin' })}`,
    'content-type': 'application/json',
  };
  for (const [url, body] of [
    [
      '/api/v1/admin/users',
      { id: 'matrix-dm', displayName: 'Matrix Manager', roles: ['data_manager'], verification: 'Seen in person', subject: 'matrix-dm' },
    ],
    [
      '/api/v1/admin/training',
      { userId: 'matrix-dm', course: 'Information Governance Training', completed: '2026-01-01', expires: '2099-01-01', evidence: 'IG-1' },
    ],
  ] as const) {
    const response = await server.app.inject({ method: 'POST', url, headers: admin, payload: JSON.stringify(body) });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.body}`);
  }
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

function expectedStatus(route: RouteId, caller: (typeof CALLERS)[number] | 'anonymous' | 'stranger'): number {
  const access = routeAccess(route);
  if (access === 'public') return CALL_OF[route].ok;
  if (caller === 'anonymous') return 401;
  if (caller === 'stranger') return 403;
  // Someone the platform knows calling enrolment: "enrolled already".
  if (access === 'identified') return CALL_OF[route].ok;
  if (!(access as readonly string[]).includes(caller.role)) return 403;
  if (PROJECT_ROUTES.has(route) && !NOT_BY_MEMBERSHIP.has(route) && !caller.member) return 404;
  return CALL_OF[route].okAs?.[caller.userId] ?? CALL_OF[route].ok;
}

/** What the walk reads of an answer. */
interface Answer {
  readonly statusCode: number;
  json<T = unknown>(): T;
}

async function call(route: RouteId, token?: string): Promise<Answer> {
  const { method, url, payload, raw } = CALL_OF[route];
  if (route === 'drive.dav') {
    const response = await fetch(`${listening}${url}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    const text = await response.text();
    return { statusCode: response.status, json: <T>() => JSON.parse(text) as T };
  }
  return server.app.inject({
    method,
    url,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      ...raw?.headers,
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    ...(raw === undefined ? {} : { payload: raw.body }),
  });
}

const routes = ROUTE_IDS;

describe('the access table, walked', () => {
  it('has a request for every route in the table', () => {
    expect(Object.keys(CALL_OF).sort()).toEqual([...routes].sort());
  });

  it('counts the catalogue and the sample among the routes about one project, and not the project list', () => {
    expect([...PROJECT_ROUTES]).toEqual(expect.arrayContaining(['catalogue.get', 'dataset.sample']));
    expect(PROJECT_ROUTES.has('projects.list')).toBe(false);
  });

  it('calls each API route with its declared method, at its declared path', () => {
    for (const [route, declared] of Object.entries(PLATFORM_API)) {
      const call = CALL_OF[route as RouteId];
      expect(call.method).toBe(declared.method);
      const pattern = new RegExp(`^/api/v1${declared.path.replace(/:[A-Za-z]+/g, '[a-z0-9_-]+')}(\\?|$)`);
      expect(call.url).toMatch(pattern);
    }
  });

  it.each(routes)('%s refuses an unauthenticated caller unless public', async (route) => {
    const response = await call(route);
    expect(response.statusCode).toBe(expectedStatus(route, 'anonymous'));
    if (response.statusCode === 401) expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it.each(routes)('%s refuses a signed-in caller who has no account on the platform', async (route) => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'nobody' });
    expect((await call(route, token)).statusCode).toBe(expectedStatus(route, 'stranger'));
  });

  for (const caller of CALLERS) {
    it.each(routes)(
      `%s as ${caller.userId} (${caller.role}${caller.member ? ', member' : ''}) answers as the table says`,
      async (route) => {
        const response = await call(route, await mintAccessToken({ dataDir: fixture.dataDir, sub: caller.userId }));
        const expected = expectedStatus(route, caller);
        expect(response.statusCode).toBe(expected);
        if (expected === 403) expect(response.json()).toMatchObject({ error: { code: 'forbidden' } });
        if (expected === 404) expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
      },
    );
  }

  const spoiled = [
    ['an expired token', { expiresIn: -60 }],
    ['a forged token (signed by another key, same kid)', { forged: true }],
    ["another audience's token", { audience: 'urn:enclave:some-other-api' }],
    ["another issuer's token", { issuer: 'http://127.0.0.1:4999/oidc' }],
  ] as const;

  for (const [label, spoil] of spoiled) {
    it.each(routes)(`%s refuses ${label}, even for an admin member`, async (route) => {
      const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-admin', ...spoil });
      const response = await call(route, token);
      if (routeAccess(route) === 'public') {
        expect(response.statusCode).toBe(CALL_OF[route].ok);
        return;
      }
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    });
  }

  it.each(routes)('%s refuses a revoked token (signed out, locked), even for an admin member', async (route) => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-admin' });
    const { jti, exp } = decodeJwt(token);
    // Revoked through the list's own module, on the server's database, as sign-out and lock revoke.
    const db = new Kysely<MetadataDatabase>({
      dialect: createNodeSqliteDialect(new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'))),
    });
    await createRevocationList(db).revoke({ keys: [revocationKey.token(jti!)], expiresAt: exp! });
    await db.destroy();
    const response = await call(route, token);
    if (routeAccess(route) === 'public') {
      expect(response.statusCode).toBe(CALL_OF[route].ok);
      return;
    }
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  // SATRE 2.6.04 (rapid incident response: access removed at once when a person or project is suspended): the kill switch's refusals, over every row.
  describe('during an incident', () => {
    async function asAdmin(method: 'GET' | 'POST', url: string, payload?: unknown) {
      const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-admin' });
      const response = await server.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ id: string; restriction: { id: string } }>();
    }

    it.each(routes)(
      '%s refuses a suspended person (a member, an admin) with "suspended", and serves them again once lifted',
      async (route) => {
        const incident = await asAdmin('POST', '/api/v1/admin/incidents', {
          summary: `Matrix: suspended person on ${route}`,
          severity: 'high',
          detectedAt: '2026-12-01T09:00:00Z',
          personalData: true,
        });
        // demo-analyst-2 is a member of opt-out-monitoring: suspended, the membership and the role count for nothing.
        const effect = await asAdmin('POST', '/api/v1/admin/actions', {
          action: 'suspend_user',
          userId: 'demo-analyst-2',
          incidentId: incident.id,
          reason: 'The access table walked',
        });
        try {
          // A token issued before the suspension: it is refused as suspended (not as "sign in again"), so the person learns why.
          const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst-2' });
          const response = await call(route, token);
          if (routeAccess(route) === 'public') expect(response.statusCode).toBe(CALL_OF[route].ok);
          else {
            expect(response.statusCode).toBe(403);
            expect(response.json()).toMatchObject({ error: { code: 'suspended' } });
          }
        } finally {
          await asAdmin('POST', `/api/v1/admin/actions/${effect.restriction.id}/lift`, { reason: 'The walk of this row is over' });
        }
        // Lifted: exactly the access before, from a new sign-in (a token issued after the suspension).
        const after = await call(route, await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst-2', issuedAtOffset: 2 }));
        expect(after.statusCode).toBe(expectedStatus(route, CALLERS[0]));
      },
    );

    it.each(routes)(
      '%s refuses a disabled person (someone who left) as forbidden, saying so, and serves them once enabled',
      async (route) => {
        await asAdmin('POST', '/api/v1/admin/users/demo-checker-2/status', { status: 'disabled', reason: 'Left the organisation' });
        try {
          const response = await call(route, await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-checker-2', issuedAtOffset: 2 }));
          if (routeAccess(route) === 'public') expect(response.statusCode).toBe(CALL_OF[route].ok);
          else {
            expect(response.statusCode).toBe(403);
            expect(response.json()).toMatchObject({
              error: { code: 'forbidden', message: expect.stringContaining('disabled') as unknown },
            });
          }
        } finally {
          await asAdmin('POST', '/api/v1/admin/users/demo-checker-2/status', { status: 'active', reason: 'Came back' });
        }
      },
    );

    // Editing a suspended project's members stays open to its data managers and admins: removing someone is often what
    // the incident needs.
    it.each([...PROJECT_ROUTES].filter((route) => route !== 'project.members'))(
      '%s refuses every member of a suspended project',
      async (route) => {
        const incident = await asAdmin('POST', '/api/v1/admin/incidents', {
          summary: `Matrix: suspended project on ${route}`,
          severity: 'high',
          detectedAt: '2026-12-01T09:00:00Z',
          personalData: false,
        });
        const effect = await asAdmin('POST', '/api/v1/admin/actions', {
          action: 'suspend_project',
          projectId: 'opt-out-monitoring',
          incidentId: incident.id,
          reason: 'The access table walked',
        });
        try {
          for (const caller of CALLERS.filter((each) => each.member)) {
            const response = await call(route, await mintAccessToken({ dataDir: fixture.dataDir, sub: caller.userId, issuedAtOffset: 2 }));
            const permitted = expectedStatus(route, caller) === CALL_OF[route].ok;
            if (!permitted) continue;
            if (route === 'project.egress') {
              expect(response.statusCode).toBe(200);
              expect(response.json()).toMatchObject({ frozen: true });
            } else {
              expect(response.statusCode).toBe(403);
              expect(response.json()).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('suspended') } });
            }
          }
        } finally {
          await asAdmin('POST', `/api/v1/admin/actions/${effect.restriction.id}/lift`, { reason: 'The walk of this row is over' });
        }
      },
    );
  });

  it('lets an output checker list only the projects they belong to (none in the seed)', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-checker-1' });
    expect((await call('projects.list', token)).json()).toEqual([]);
  });

  // SATRE 1.6.04 (training before access) and 3.2.02 (people agree to the terms before access): a person's standing over
  // every row. Each state is walked, then put right and walked again; only the rows the state concerns may differ.
  describe('while terms are pending or training has lapsed', () => {
    interface Outcome {
      readonly status: number;
      readonly code: string | null;
      readonly message: string | null;
    }

    async function asAdmin(method: 'GET' | 'POST', url: string, payload?: unknown): Promise<unknown> {
      const response = await server.app.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-admin' })}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<unknown>();
    }

    /** Every route called as `sub`, each with a token of its own. */
    async function walk(sub: string): Promise<Map<RouteId, Outcome>> {
      const outcomes = new Map<RouteId, Outcome>();
      for (const route of routes) {
        const response = await call(route, await mintAccessToken({ dataDir: fixture.dataDir, sub }));
        let error: { code?: string; message?: string } | undefined;
        try {
          error = response.json<{ error?: { code?: string; message?: string } }>().error;
        } catch {
          error = undefined;
        }
        outcomes.set(route, { status: response.statusCode, code: error?.code ?? null, message: error?.message ?? null });
      }
      return outcomes;
    }

    /** Whether the route lets one of these roles past the role check (the state is judged after it). */
    const admits = (route: RouteId, roles: readonly string[]): boolean => {
      const access = routeAccess(route);
      return access !== 'public' && access !== 'identified' && roles.some((role) => (access as readonly string[]).includes(role));
    };

    it('training lapsed: refuses with training_required the routes of that role only, naming the course', async () => {
      // A data manager who is an analyst too: the analyst's training is valid, the data manager's expired long ago.
      await asAdmin('POST', '/api/v1/admin/users', {
        id: 'matrix-two',
        displayName: 'Matrix Two Roles',
        roles: ['data_manager', 'analyst'],
        verification: 'Seen in person',
        subject: 'matrix-two',
      });
      for (const [course, completed, expires] of [
        ['Safe Researcher Training', '2026-01-01', '2099-01-01'],
        ['Information Governance Training', '2020-01-01', '2021-01-01'],
      ]) {
        await asAdmin('POST', '/api/v1/admin/training', { userId: 'matrix-two', course, completed, expires, evidence: `${course} record` });
      }
      const lapsed = await walk('matrix-two');
      await asAdmin('POST', '/api/v1/admin/training', {
        userId: 'matrix-two',
        course: 'Information Governance Training',
        completed: '2026-01-01',
        expires: '2099-01-01',
        evidence: 'Renewed',
      });
      const trained = await walk('matrix-two');

      const managersOnly = routes.filter(
        (route) => admits(route, ['data_manager']) && !admits(route, ['analyst']) && !ALWAYS_OPEN_ROUTES.has(route),
      );
      expect(managersOnly).toEqual(expect.arrayContaining(['admin.agreements', 'project.members']));
      for (const route of routes) {
        if (managersOnly.includes(route)) {
          expect(lapsed.get(route), route).toEqual({
            status: 403,
            code: 'training_required',
            message: expect.stringMatching(
              /^Your Information Governance Training \(needed for the Data manager role\) expired on 2021-01-01/,
            ),
          });
          expect(trained.get(route)?.code, route).not.toBe('training_required');
        } else {
          expect(lapsed.get(route), route).toEqual(trained.get(route));
        }
      }
      // The analyst's routes serve as before.
      expect(lapsed.get('projects.list')?.status).toBe(200);
    });

    it('terms pending: refuses with terms_required every route but the always-open ones, until accepted', async () => {
      await asAdmin('POST', '/api/v1/admin/terms', {
        audience: 'data_manager',
        text: 'Data managers change agreements only as the data controller has approved, and say why each time.',
        summary: 'First terms for data managers',
        requiresAcceptance: true,
      });
      const pending = await walk('matrix-dm');
      const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'matrix-dm' });
      const mine = await server.app.inject({ method: 'GET', url: '/api/v1/terms', headers: { authorization: `Bearer ${token}` } });
      const current = mine.json<Array<{ current: { audience: string; version: number; sha256: string } }>>()[0].current;
      const accepted = await server.app.inject({
        method: 'POST',
        url: '/api/v1/terms/accept',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ audience: current.audience, version: current.version, sha256: current.sha256 }),
      });
      expect(accepted.statusCode, accepted.body).toBe(200);
      const agreed = await walk('matrix-dm');

      const refused = routes.filter((route) => admits(route, ['data_manager']) && !ALWAYS_OPEN_ROUTES.has(route));
      expect(refused.length).toBeGreaterThan(0);
      for (const route of routes) {
        if (refused.includes(route)) {
          expect(pending.get(route), route).toEqual({
            status: 403,
            code: 'terms_required',
            message: expect.stringMatching(/^Read and accept the current terms of use \(Data manager, version 1\)/),
          });
          expect(agreed.get(route)?.code, route).not.toBe('terms_required');
        } else {
          // Public and always-open rows, and rows the role does not admit, answer as they do once the terms are accepted.
          expect(pending.get(route), route).toEqual(agreed.get(route));
        }
      }
      for (const route of ALWAYS_OPEN_ROUTES) expect(pending.get(route as RouteId)?.code, route).not.toBe('terms_required');
    });
  });
});
