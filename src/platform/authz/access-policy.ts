// Authorisation, deny by default. Two questions, answered here and nowhere else:
//   1. May this role call this route at all?  ROUTE_ACCESS below: one table, a route missing from it is refused.
//   2. May this caller touch this project?    Only as a member: a non-member gets the same 404 as a missing
//      project, so membership of other projects is not disclosed.
import type { Project, Role } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { Principal } from '../identity/principal.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

/** 'public': no identity needed. Otherwise the roles that may call the route. */
export type RouteAccess = 'public' | readonly Role[];

export const ROUTE_ACCESS = {
  health: 'public',
  // The embedded identity provider (only when the platform runs it): its protocol endpoints (discovery, keys,
  // authorize, token, revocation, device) and its sign-in pages are how a caller gets an identity at all.
  'idp.protocol': 'public',
  'idp.pages': 'public',
  me: ['analyst', 'output_checker', 'admin'],
  // The workstation reports sign-in, sign-out, lock and unlock for the audit log.
  'session.events': ['analyst', 'output_checker', 'admin'],
  // The disclosure-control rules in force: the checkers' reference (and the admins who set them).
  'checking.rules': ['output_checker', 'admin'],
  'projects.list': ['analyst', 'output_checker', 'admin'],
  // Data managers (admin) read the catalogue of their projects; checkers review outputs, not data.
  'catalogue.get': ['analyst', 'admin'],
  // Row-level data: analysts only.
  'dataset.sample': ['analyst'],
} as const satisfies Record<string, RouteAccess>;

export type RouteId = keyof typeof ROUTE_ACCESS;

export function isRouteId(value: unknown): value is RouteId {
  return typeof value === 'string' && Object.hasOwn(ROUTE_ACCESS, value);
}

export function isPublicRoute(route: RouteId): boolean {
  return ROUTE_ACCESS[route] === 'public';
}

/** Throws unless the principal's role is listed for the route. */
export function assertMayCall(principal: Principal, route: RouteId): void {
  const access: RouteAccess = ROUTE_ACCESS[route];
  if (access === 'public') return;
  if (!access.includes(principal.user.role)) {
    throw new EnclaveError('forbidden', 'Your role does not allow this.');
  }
}

/** The project, if the principal is a member; otherwise not_found, whether or not the project exists. */
export async function requireProjectMember(options: {
  store: MetadataStore;
  principal: Principal;
  projectId: string;
}): Promise<Project> {
  const project = await options.store.findProjectForMember({ projectId: options.projectId, userId: options.principal.user.id });
  if (project === undefined) throw new EnclaveError('not_found', 'There is no such project, or you are not a member of it.');
  return project;
}
