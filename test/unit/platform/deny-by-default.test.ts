// A route registered without an entry in the access table is closed to everybody, and unknown routes are
// 404 in the error shape, checked on an app built with stand-ins for the store and the engine.
import { describe, expect, it } from 'vitest';
import type { DataEngine } from '../../../src/platform/engine/data-engine.ts';
import type { Authenticator } from '../../../src/platform/identity/principal.ts';
import { buildPlatformApp } from '../../../src/platform/server.ts';
import type { MetadataStore } from '../../../src/platform/store/metadata-store.ts';

function app(authenticator: Authenticator) {
  return buildPlatformApp({ store: {} as MetadataStore, engine: {} as DataEngine, authenticator });
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
