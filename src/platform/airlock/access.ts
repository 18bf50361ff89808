// Who a caller is to a release request, and what that lets them do: the author (a member of the project who wrote it),
// another member of its project, or an output checker who is not its author. Deny by default: anyone else gets the
// same 404 as a request that does not exist, so requests of other projects are not disclosed. A suspended project
// refuses everybody, checkers included, except an administrator revoking a release (the incident response); a
// suspended person never gets this far (the server's access hook).
import type { User } from '../../common/contract.ts';
import { EnclaveError } from '../../common/errors.ts';
import { memberStanding } from '../agreements/standing.ts';
import { isListedMember, requireProjectAccess, type AgreementsInForce } from '../authz/access-policy.ts';
import type { Principal } from '../identity/principal.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { StoredRequestRecord } from '../store/airlock.ts';
import type { Viewer } from './views.ts';

export interface AccessDependencies {
  readonly store: MetadataStore;
  readonly agreements: AgreementsInForce;
  readonly killSwitch: KillSwitch;
  readonly now: () => Date;
}

const rolesOf = (user: User) => user.roles ?? [user.role];
export const isChecker = (user: User): boolean => rolesOf(user).includes('output_checker');
export const isAdmin = (user: User): boolean => rolesOf(user).includes('admin');

export function noSuchRequest(): EnclaveError {
  return new EnclaveError('not_found', 'There is no such request, or you may not see it.');
}

async function projectOf(deps: AccessDependencies, projectId: string): Promise<{ id: string; name: string }> {
  const project = await deps.store.getProject(projectId);
  if (project === undefined) throw noSuchRequest();
  return project;
}

/** The project, unless an administrator has suspended it (then everybody is refused). */
export async function requireProjectOpen(deps: AccessDependencies, projectId: string): Promise<{ id: string; name: string }> {
  const project = await projectOf(deps, projectId);
  const suspended = await deps.killSwitch.projectRefusal(project);
  if (suspended !== null) throw suspended;
  return project;
}

/** A member's access to their project, under its agreement in force (as every project route checks it), and not suspended. */
export async function requireMemberAccess(deps: AccessDependencies, principal: Principal, projectId: string) {
  const access = await requireProjectAccess({ store: deps.store, agreements: deps.agreements, principal, projectId, now: deps.now() });
  const suspended = await deps.killSwitch.projectRefusal(access.project);
  if (suspended !== null) throw suspended;
  return access;
}

/** Whether the person may request release from the project now: a member in force whose agreement entry says so. */
export function mayRequestRelease(deps: AccessDependencies, projectId: string, userId: string): boolean {
  const agreement = deps.agreements.get(projectId);
  if (agreement === undefined) return false;
  const standing = memberStanding(agreement.agreement, userId, deps.now());
  return standing.inForce && standing.member.mayRequestRelease;
}

/**
 * The caller as a viewer of the request: its author (still a member in force of the project), an output checker who
 * did not write it, or another member in force; with `admins`, an administrator who is none of these, once the
 * request is released or revoked (to revoke a release). Anyone else: not_found.
 */
/** The states in which an administrator who is neither member nor checker may see a request. */
const RELEASED_STATES: ReadonlySet<string> = new Set(['RELEASED', 'REVOKED']);

export async function viewerOf(
  deps: AccessDependencies,
  call: {
    principal: Principal;
    record: StoredRequestRecord;
    admins?: boolean;
    /**
     * An administrator's incident response (reading and revoking a release): a suspension of the project does not stop
     * an administrator; everyone else stays refused.
     */
    incidentResponse?: boolean;
  },
): Promise<{ viewer: Viewer; project: { id: string; name: string } }> {
  const { principal, record } = call;
  const { user } = principal;
  const projectId = record.request.project_id;
  const admin = isAdmin(user);
  if (call.incidentResponse === true && admin) {
    // While the project is suspended an administrator still sees a release (as a member does: no votes, no private
    // comments, no evidence) and may revoke it; nothing else, and not as its author.
    const project = await projectOf(deps, projectId);
    const suspended = await deps.killSwitch.projectRefusal(project);
    if (suspended !== null) {
      if (user.id === record.request.author_id || !RELEASED_STATES.has(record.request.state)) throw suspended;
      return { viewer: { userId: user.id, role: 'member', admin }, project };
    }
  }
  let role: Viewer['role'] | undefined;
  if (user.id === record.request.author_id) {
    if (!isListedMember(deps.agreements, projectId, user.id)) throw noSuchRequest();
    await requireMemberAccess(deps, principal, projectId);
    role = 'author';
  } else if (isChecker(user)) {
    role = 'checker';
  } else if (isListedMember(deps.agreements, projectId, user.id)) {
    await requireMemberAccess(deps, principal, projectId);
    role = 'member';
  } else if (call.admins === true && admin && RELEASED_STATES.has(record.request.state)) {
    // Only a release is an administrator's business (to revoke it, in an incident): before that they learn nothing.
    role = 'member';
  }
  if (role === undefined) throw noSuchRequest();
  const project = await requireProjectOpen(deps, projectId);
  return { viewer: { userId: user.id, role, admin }, project };
}

/** Refuses anyone but the request's author. */
export function requireAuthor(viewer: Viewer, doing: string): void {
  if (viewer.role !== 'author') throw new EnclaveError('forbidden', `Only the request's author can ${doing}. Nothing was changed.`);
}

/** Refuses anyone but an output checker who did not write the request: its author never reviews it, whatever roles they hold. */
export function requireReviewer(viewer: Viewer): void {
  if (viewer.role === 'author') {
    throw new EnclaveError(
      'forbidden',
      'You wrote this request: its author never reviews it, whatever roles they hold. Nothing was changed.',
    );
  }
  if (viewer.role !== 'checker') throw new EnclaveError('forbidden', 'Only output checkers review release requests. Nothing was changed.');
}
