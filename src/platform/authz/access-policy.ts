// Authorisation, deny by default. Two questions, answered here and nowhere else:
//   1. May this role call this route at all?  The route's roles in the declaration (PLATFORM_ROUTES in
//      src/common/platform-api.ts); a route missing from it is refused.
//   2. May this caller touch this project?    Only as a member: a non-member gets the same 404 as a missing
//      project, so membership of other projects is not disclosed.
import type { Project } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { isRouteId, routeAccess, type RouteId } from '../../common/platform-api.ts';
import type { Principal } from '../identity/principal.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

export { isRouteId };

export function isPublicRoute(route: RouteId): boolean {
  return routeAccess(route) === 'public';
}

/** Throws unless the principal's role is listed for the route. */
export function assertMayCall(principal: Principal, route: RouteId): void {
  const access = routeAccess(route);
  if (access === 'public') return;
  if (!access.includes(principal.user.role)) {
    throw new EnclaveError('forbidden', 'Your role does not allow this.');
  }
}

/** The project, if the principal is a member; otherwise not_found, whether or not the project exists. */
export async function requireProjectMember(options: { store: MetadataStore; principal: Principal; projectId: string }): Promise<Project> {
  const project = await options.store.findProjectForMember({ projectId: options.projectId, userId: options.principal.user.id });
  if (project === undefined) throw new EnclaveError('not_found', 'There is no such project, or you are not a member of it.');
  return project;
}
