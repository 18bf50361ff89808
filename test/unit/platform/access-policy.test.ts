// The declaration's access rows and their deny-by-default use, without a database.
import { describe, expect, it } from 'vitest';
import { RoleSchema, type Role } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { PLATFORM_ROUTES, ROUTE_IDS, routeAccess } from '../../../src/common/platform-api.ts';
import { assertMayCall, isPublicRoute, isRouteId, requireProjectMember } from '../../../src/platform/authz/access-policy.ts';
import type { Principal } from '../../../src/platform/identity/principal.ts';
import type { AgreementInForce } from '../../../src/platform/agreements/loader.ts';
import type { MetadataStore } from '../../../src/platform/store/metadata-store.ts';

const as = (role: Role): Principal => ({ user: { id: `u-${role}`, displayName: role, role }, authenticatedBy: 'oidc' });

describe('the access rows of the declaration', () => {
  it('lets only analysts take row-level samples', () => {
    expect(PLATFORM_ROUTES['dataset.sample'].access).toEqual(['analyst']);
  });

  it('keeps public only health and the identity provider that signs people in', () => {
    expect(ROUTE_IDS.filter(isPublicRoute)).toEqual(['health', 'idp.protocol', 'idp.pages']);
  });

  it('shows the checking rules to output checkers and admins only', () => {
    expect(PLATFORM_ROUTES['checking.rules'].access).toEqual(['output_checker', 'admin']);
  });

  it('names only real roles', () => {
    for (const route of ROUTE_IDS) {
      const access = routeAccess(route);
      if (typeof access !== 'string') for (const role of access) expect(RoleSchema.options).toContain(role);
    }
  });
});

describe('assertMayCall', () => {
  it('allows exactly the listed roles for every route', () => {
    for (const route of ROUTE_IDS) {
      for (const role of RoleSchema.options) {
        const access = routeAccess(route);
        // An 'identified' route is for people the platform does not know yet: anyone it knows is told so, whatever the role.
        if (access === 'identified') {
          expect(() => assertMayCall(as(role), route)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
          continue;
        }
        const allowed = access === 'public' || access.includes(role);
        if (allowed) expect(() => assertMayCall(as(role), route)).not.toThrow();
        else expect(() => assertMayCall(as(role), route)).toThrow(expect.objectContaining({ code: 'forbidden' }));
      }
    }
  });
});

describe('isRouteId', () => {
  it.each(['__proto__', 'constructor', 'toString', '', 'Health', undefined, 3])('is false for %j', (value) => {
    expect(isRouteId(value)).toBe(false);
  });
});

describe('requireProjectMember', () => {
  const store = {
    async getProject(projectId: string) {
      return projectId === 'p1'
        ? { id: 'p1', name: 'P', purpose: 'x', datasetIds: [], localData: 'disk', clipboardCellLimit: 100 }
        : undefined;
    },
  } as unknown as MetadataStore;
  // The agreement is the one source of membership: it lists u-analyst only.
  const agreements = {
    get: (projectId: string) =>
      projectId === 'p1'
        ? ({ projectId, version: 1, agreement: { members: [{ userId: 'u-analyst' }] } } as unknown as AgreementInForce)
        : undefined,
  };

  it('returns the project to a member', async () => {
    await expect(requireProjectMember({ store, agreements, principal: as('analyst'), projectId: 'p1' })).resolves.toMatchObject({
      id: 'p1',
    });
  });

  it('answers not_found to a non-member', async () => {
    const error = await requireProjectMember({ store, agreements, principal: as('admin'), projectId: 'p1' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EnclaveError);
    expect(error).toMatchObject({ code: 'not_found' });
  });
});
