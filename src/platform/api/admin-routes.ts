// The routes data managers and admins use to see the agreements (who may see what) and read the audit log, and the
// read-only view of a project's agreement its members have. Their handlers join the v1 table (v1-routes.ts).
import type { AgreementsOverview, AuditEventView, AuditPage } from '../../common/agreement-views.ts';
import { AUDIT_PAGE_SIZE, auditFilterOf } from '../../common/agreement-views.ts';
import { EnclaveError } from '../../common/errors.ts';
import { agreementEntries, agreementView, type AgreementViewContext } from '../agreements/agreement-view.ts';
import type { MemberTraining } from '../agreements/standing.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import { eventDetails, UNREADABLE_DETAILS } from '../audit/details.ts';
import { requireProjectAccess } from '../authz/access-policy.ts';
import { updateMembers } from '../people/membership.ts';
import type { RouteHandlers } from './register-routes.ts';
import type { V1Dependencies } from './route-dependencies.ts';

/** The administration routes' handlers. */
export type AdminRouteId = 'project.agreement' | 'project.members' | 'admin.agreements' | 'admin.audit';

/** An event's details as an object; a row whose details are not a JSON object (only a damaged table holds one) says so. */
function detailsOf(event: AuditEvent): AuditEventView['details'] {
  return (eventDetails(event) as AuditEventView['details'] | undefined) ?? { ...UNREADABLE_DETAILS };
}

export function createAdminHandlers(deps: V1Dependencies): Pick<RouteHandlers, AdminRouteId> {
  const { store, audit, agreements, fieldKinds } = deps;
  const now = deps.now ?? (() => new Date());

  /** What an agreement's view is built from, read now: the catalogue's datasets and the platform's people. */
  async function viewContext(options: {
    datasetIds: readonly string[];
    userIds: readonly string[];
    at: Date;
  }): Promise<AgreementViewContext> {
    const datasets = await store.listDatasets([...new Set(options.datasetIds)]);
    const names = new Map<string, string>();
    const training = new Map<string, MemberTraining>();
    for (const userId of new Set(options.userIds)) {
      const user = await store.getUser(userId);
      if (user !== undefined) names.set(userId, user.displayName);
      if (user === undefined) continue;
      // A project role's training is a platform role's: a data manager's for data managers; for leads and analysts, the
      // analyst's when they hold it (they query the data), else their primary role's.
      const held = user.roles ?? [user.role];
      const working = held.includes('analyst') ? 'analyst' : user.role;
      training.set(`${userId}/data_manager`, await deps.standing.trainingExpiry(userId, 'data_manager'));
      training.set(`${userId}/other`, await deps.standing.trainingExpiry(userId, working));
    }
    return {
      datasets,
      kinds: fieldKinds,
      displayName: (userId) => names.get(userId) ?? null,
      training: (userId, role) => training.get(`${userId}/${role === 'data_manager' ? 'data_manager' : 'other'}`),
      now: options.at,
    };
  }

  return {
    async 'project.agreement'({ params, principal }) {
      const at = now();
      const { project, agreement } = await requireProjectAccess({ store, agreements, principal, projectId: params.projectId, now: at });
      const suspended = await deps.killSwitch.projectRefusal(project);
      if (suspended !== null) throw suspended;
      const context = await viewContext({
        datasetIds: agreement.agreement.datasets,
        userIds: agreement.agreement.members.map((member) => member.userId),
        at,
      });
      return agreementView(agreement, context);
    },

    async 'project.members'({ params, body, principal }) {
      if ((await store.getProject(params.projectId)) === undefined) throw new EnclaveError('not_found', 'There is no such project.');
      const saved = await updateMembers({
        agreements,
        audit,
        actor: principal.user,
        projectId: params.projectId,
        members: body.members,
        reason: body.reason,
      });
      const at = now();
      const context = await viewContext({
        datasetIds: saved.agreement.datasets,
        userIds: saved.agreement.members.map((member) => member.userId),
        at,
      });
      return agreementView(saved, context);
    },

    async 'admin.agreements'() {
      const at = now();
      const inForce = agreements.all?.() ?? [];
      const refused = agreements.problems?.() ?? new Map();
      const context = await viewContext({
        datasetIds: inForce.flatMap((entry) => entry.agreement.datasets),
        userIds: inForce.flatMap((entry) => entry.agreement.members.map((member) => member.userId)),
        at,
      });
      const overview: AgreementsOverview = {
        folder: agreements.dir ?? null,
        judgedAt: at.toISOString(),
        agreements: agreementEntries({ inForce, refused, context }),
      };
      return overview;
    },

    async 'admin.audit'({ query }) {
      const filter = auditFilterOf(query);
      const from = filter.from === undefined ? undefined : new Date(filter.from);
      const to = filter.to === undefined ? undefined : new Date(filter.to);
      if (from !== undefined && to !== undefined && to <= from) {
        throw new EnclaveError('invalid_input', 'The time range ends before it starts: "to" must be later than "from".');
      }
      const found = await audit.search({
        ...(filter.actor === undefined ? {} : { actor: filter.actor }),
        ...(filter.projectId === undefined ? {} : { projectId: filter.projectId }),
        ...(filter.typePrefix === undefined ? {} : { typePrefix: filter.typePrefix }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(filter.before === undefined ? {} : { before: filter.before }),
        limit: filter.limit ?? AUDIT_PAGE_SIZE,
      });
      const page: AuditPage = {
        events: found.events.map((event) => ({
          seq: event.seq,
          occurredAt: event.occurredAt,
          type: event.type,
          actor: event.actor,
          outcome: event.outcome === 'failure' ? 'failure' : 'success',
          details: detailsOf(event),
        })),
        older: found.older,
      };
      return page;
    },
  };
}
