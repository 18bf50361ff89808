// A route registered without an entry in the declaration is closed to everybody, unknown routes are 404 in the
// error shape, and every declared route is registered with its method, path and body limit, checked on an app
// built with stand-ins for the store and the query service.
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { API_ROUTE_IDS, PLATFORM_API, PLATFORM_API_PREFIX, type ApiRoute } from '../../../src/common/platform-api.ts';
import type { AuditLog } from '../../../src/platform/audit/audit-log.ts';
import type { DriveService } from '../../../src/platform/drives/service-api.ts';
import type { Authenticator } from '../../../src/platform/identity/principal.ts';
import type { KillSwitch } from '../../../src/platform/incidents/kill-switch.ts';
import { createOperationRegistry } from '../../../src/platform/incidents/operations.ts';
import type { PeopleService } from '../../../src/platform/people/people-service.ts';
import type { StandingService } from '../../../src/platform/people/standing.ts';
import type { Oversight } from '../../../src/platform/people/oversight.ts';
import type { QueryService } from '../../../src/platform/query/query-service.ts';
import { buildPlatformApp } from '../../../src/platform/server.ts';
import type { MetadataStore } from '../../../src/platform/store/metadata-store.ts';

function app(authenticator: Authenticator) {
  return buildPlatformApp({
    store: { tokensValidAfter: async () => null } as unknown as MetadataStore,
    audit: {} as AuditLog,
    agreements: { get: () => undefined },
    fieldKinds: () => undefined,
    queries: {} as QueryService,
    killSwitch: { refusalFor: async () => null } as unknown as KillSwitch,
    people: { refusalFor: async () => null } as unknown as PeopleService,
    standing: { refusalFor: async () => null } as unknown as StandingService,
    oversight: {} as Oversight,
    drives: {} as DriveService,
    operations: createOperationRegistry(),
    authenticator,
  });
}

const admin: Authenticator = {
  async authenticate() {
    return { user: { id: 'root', displayName: 'Root', role: 'admin' }, authenticatedBy: 'oidc' };
  },
};

describe('deny by default', () => {
  it('refuses a route that has no access entry, even to an admin', async () => {
    const server = app(admin);
    server.get('/api/v1/forgotten', async () => ({ secret: true }));
    const response = await server.inject({ method: 'GET', url: '/api/v1/forgotten' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ error: { code: 'forbidden', message: 'This endpoint is not open to anyone.' } });
  });

  it('does not authenticate for unknown routes, and answers 404', async () => {
    let asked = 0;
    const server = app({ authenticate: async () => (asked++, null) });
    const response = await server.inject({ method: 'GET', url: '/api/v1/unknown' });
    expect(response.statusCode).toBe(404);
    expect(asked).toBe(0);
  });

  it('answers 401 when the authenticator finds nobody', async () => {
    const server = app({ authenticate: async () => null });
    const response = await server.inject({ method: 'GET', url: '/api/v1/me' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('hides a failing authenticator behind a 500 with no detail', async () => {
    const server = app({
      authenticate: async () => {
        throw new Error('JWKS fetch failed for https://idp.internal/keys');
      },
    });
    const response = await server.inject({ method: 'GET', url: '/api/v1/me' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('idp.internal');
  });
});

describe('the routes of the declaration', () => {
  it('are all registered, at their declared method and path', () => {
    const server = app(admin);
    for (const id of API_ROUTE_IDS) {
      const route: ApiRoute = PLATFORM_API[id];
      expect(server.hasRoute({ method: route.method, url: `${PLATFORM_API_PREFIX}${route.path}` }), id).toBe(true);
    }
  });

  const withBody = API_ROUTE_IDS.filter((id) => (PLATFORM_API[id] as ApiRoute).body !== undefined);

  it.each(withBody)('%s reads a body up to its declared limit and refuses a larger one with 413', async (id) => {
    const route: ApiRoute = PLATFORM_API[id];
    // Someone whose role the route admits, so the body is what is judged.
    const role = typeof route.access === 'string' ? 'admin' : route.access[0];
    const server = app({
      async authenticate() {
        // Enrolment is for someone the platform does not know yet.
        if (route.access === 'identified') throw new EnclaveError('enrolment_required', 'Not known yet.');
        return { user: { id: 'someone', displayName: 'Someone', role }, authenticatedBy: 'oidc' };
      },
      // For a route open to people the platform does not know yet (enrolment).
      async identify() {
        return { subject: 'someone-new' };
      },
    });
    // JSON of exactly n bytes, which no route accepts: read and refused as invalid, or too large to read.
    const bodyOf = (n: number) => JSON.stringify({ pad: 'x'.repeat(n - '{"pad":""}'.length) });
    const post = (payload: string) =>
      server.inject({
        method: route.method,
        url: `${PLATFORM_API_PREFIX}${route.path}`,
        headers: { 'content-type': 'application/json' },
        payload,
      });
    const atLimit = await post(bodyOf(route.bodyLimit));
    expect(atLimit.statusCode).toBe(400);
    expect(atLimit.json()).toMatchObject({ error: { code: 'invalid_input' } });
    const over = await post(bodyOf(route.bodyLimit + 1));
    expect(over.statusCode).toBe(413);
    expect(over.json()).toEqual({ error: { code: 'invalid_input', message: 'The request is too large.' } });
  });
});
