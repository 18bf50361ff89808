// Authorisation, deny by default. Two questions, answered here and nowhere else:
//   1. May this role call this route at all?  The route's roles in the declaration (PLATFORM_ROUTES in
//      src/common/platform-api.ts); a route missing from it is refused.
//   2. May this caller touch this project?    Only as a member, which the project's data-sharing agreement says (the one
//      source of membership): a non-member gets the same 404 as a missing project, so membership of other projects is
//      not disclosed; and only under the agreement in force, as a member in force in it (requireProjectAccess).
import type { Project } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { isRouteId, routeAccess, type RouteId } from '../../common/platform-api.ts';
import type { AgreementFileError, AgreementInForce, AgreementLoader } from '../agreements/loader.ts';
import { memberStanding } from '../agreements/standing.ts';
import type { Principal } from '../identity/principal.ts';
import type { MetadataStore } from '../store/metadata-store.ts';

export { isRouteId };

export function isPublicRoute(route: RouteId): boolean {
  return routeAccess(route) === 'public';
}

/** Throws unless one of the principal's roles is listed for the route. */
export function assertMayCall(principal: Principal, route: RouteId): void {
  const access = routeAccess(route);
  if (access === 'public') return;
  // An 'identified' route is for people the platform does not know yet: nobody signed in as a known person calls it.
  if (access === 'identified') throw new EnclaveError('invalid_input', 'You are enrolled already: sign in as usual.');
  const held = principal.user.roles ?? [principal.user.role];
  if (!access.some((role) => held.includes(role))) {
    throw new EnclaveError('forbidden', 'Your role does not allow this.');
  }
}

/** Whether the project's agreement (its version in force, whatever its dates) lists the person: the one source of membership. */
export function isListedMember(agreements: AgreementsInForce, projectId: string, userId: string): boolean {
  return agreements.get(projectId)?.agreement.members.some((member) => member.userId === userId) ?? false;
}

/**
 * The project, if its agreement lists the principal as a member; otherwise not_found, whether or not the project
 * exists, so membership of other projects is not disclosed.
 */
export async function requireProjectMember(options: {
  store: MetadataStore;
  agreements: AgreementsInForce;
  principal: Principal;
  projectId: string;
}): Promise<Project> {
  const project = isListedMember(options.agreements, options.projectId, options.principal.user.id)
    ? await options.store.getProject(options.projectId)
    : undefined;
  if (project === undefined) throw new EnclaveError('not_found', 'There is no such project, or you are not a member of it.');
  return project;
}

/** The projects whose agreements list the person, by name. */
export async function projectsOfMember(options: {
  store: MetadataStore;
  agreements: AgreementsInForce;
  userId: string;
}): Promise<Project[]> {
  const ids = (options.agreements.all?.() ?? [])
    .filter((entry) => entry.agreement.members.some((member) => member.userId === options.userId))
    .map((entry) => entry.projectId);
  return options.store.listProjects(ids);
}

/**
 * The agreements in force, by project (the agreements loader, src/platform/agreements/loader.ts). Access checks need
 * only `get`; the admins' screen lists the rest, which a stand-in that answers `get` alone may leave out (it then
 * lists no agreement, no refused file and no folder).
 */
export interface AgreementsInForce {
  get(projectId: string): AgreementInForce | undefined;
  /** Every agreement in force now. */
  all?(): AgreementInForce[];
  /** Files refused now, by project (the project may still have an earlier version in force). */
  problems?(): ReadonlyMap<string, AgreementFileError>;
  /** The folder the files are read from. */
  readonly dir?: string;
  /** Validates a project's agreement text and, only if good, puts it in force (the loader's save). */
  save?: AgreementLoader['save'];
}

export interface ProjectAccess {
  readonly project: Project;
  readonly agreement: AgreementInForce;
}

/**
 * Every project-scoped route's check: a member of the project (else the same 404 as a missing project), under an
 * agreement that is in force today (DPIA, start, expiry), as a member in force in that agreement (listed, within the
 * membership's dates, training valid). Deny by default: no agreement in force, no access. The refusals carry the
 * standing's message, which tells the person what to do.
 */
export async function requireProjectAccess(options: {
  store: MetadataStore;
  agreements: AgreementsInForce;
  principal: Principal;
  projectId: string;
  now?: Date;
}): Promise<ProjectAccess> {
  const project = await requireProjectMember(options);
  const agreement = options.agreements.get(project.id);
  if (agreement === undefined) {
    throw new EnclaveError(
      'forbidden',
      `${project.name} has no data-sharing agreement in force, so its data cannot be used. Ask the data manager.`,
    );
  }
  const standing = memberStanding(agreement.agreement, options.principal.user.id, options.now ?? new Date());
  if (!standing.inForce) throw new EnclaveError('forbidden', standing.message);
  return { project, agreement };
}
