// Walks the access table: every route, called as every role, as a non-member, and unauthenticated. The
// authenticator is swapped through the same option sign-in will use, so this suite keeps working when OIDC
// replaces the demo identity (it then adds expired, forged and wrong-audience tokens).
// SATRE 2.2.x: access to project data only for authorised members, deny by default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, type RouteId } from '../../../src/platform/authz/access-policy.ts';
import type { Authenticator, UserLookup } from '../../../src/platform/identity/principal.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';

/** One URL per route, inside a project that the seeded analyst-2 and admin are members of. */
const URL_OF: Record<RouteId, string> = {
  health: '/api/v1/health',
  me: '/api/v1/me',
  'projects.list': '/api/v1/projects',
  'catalogue.get': '/api/v1/projects/opt-out-monitoring/catalogue',
  'dataset.sample': '/api/v1/projects/opt-out-monitoring/datasets/national_opt_outs/sample?limit=5',
};
const PROJECT_ROUTES: ReadonlySet<RouteId> = new Set(['catalogue.get', 'dataset.sample']);

/** Seeded users (resources/demo/users.json): one per role, and whether they belong to opt-out-monitoring. */
const CALLERS = [
  { userId: 'demo-analyst-2', role: 'analyst', member: true },
  { userId: 'demo-analyst', role: 'analyst', member: false },
  { userId: 'demo-checker-1', role: 'output_checker', member: false },
  { userId: 'demo-admin', role: 'admin', member: true },
] as const;

let fixture: PlatformFixture;
let server: PlatformServer;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  // Test-only authenticator: the caller names themselves in a header. Never do this outside a test.
  const createAuthenticator = (lookupUser: UserLookup): Authenticator => ({
    mode: 'demo',
    async authenticate(request) {
      const id = request.headers['x-test-user'];
      if (typeof id !== 'string') return null;
      const user = await lookupUser(id);
      return user === undefined ? null : { user, authenticatedBy: 'demo' };
    },
  });
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, createAuthenticator });
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

function expectedStatus(route: RouteId, caller: (typeof CALLERS)[number] | undefined): number {
  const access = ROUTE_ACCESS[route];
  if (access === 'public') return 200;
  if (caller === undefined) return 401;
  if (!(access as readonly string[]).includes(caller.role)) return 403;
  if (PROJECT_ROUTES.has(route) && !caller.member) return 404;
  return 200;
}

describe('the access table, walked', () => {
  const routes = Object.keys(ROUTE_ACCESS) as RouteId[];

  it.each(routes)('%s refuses an unauthenticated caller unless public', async (route) => {
    const response = await server.app.inject({ method: 'GET', url: URL_OF[route] });
    expect(response.statusCode).toBe(expectedStatus(route, undefined));
    if (response.statusCode === 401) expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it.each(routes)('%s refuses a caller who is not a user of the platform', async (route) => {
    const response = await server.app.inject({ method: 'GET', url: URL_OF[route], headers: { 'x-test-user': 'nobody' } });
    expect(response.statusCode).toBe(expectedStatus(route, undefined));
  });

  for (const caller of CALLERS) {
    it.each(routes)(`%s as ${caller.userId} (${caller.role}${caller.member ? ', member' : ''}) answers as the table says`, async (route) => {
      const response = await server.app.inject({ method: 'GET', url: URL_OF[route], headers: { 'x-test-user': caller.userId } });
      const expected = expectedStatus(route, caller);
      expect(response.statusCode).toBe(expected);
      if (expected === 403) expect(response.json()).toMatchObject({ error: { code: 'forbidden' } });
      if (expected === 404) expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    });
  }

  it('lets an output checker list only the projects they belong to (none in the seed)', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/v1/projects', headers: { 'x-test-user': 'demo-checker-1' } });
    expect(response.json()).toEqual([]);
  });
});
