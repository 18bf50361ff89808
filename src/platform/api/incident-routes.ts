// The routes of incidents and the kill switch (admins), and the egress question the workstation's export gate asks.
// Their handlers join the v1 table (v1-routes.ts). The kill switch (incidents/kill-switch.ts) decides and records.
import { ACCESS_REPORT_CSV_TYPE, accessReportCsv, accessReportFileName, AccessReportSchema } from '../../common/incidents.ts';
import { requireProjectMember } from '../authz/access-policy.ts';
import { accessReport } from '../incidents/access-report.ts';
import type { KillSwitchActor } from '../incidents/kill-switch.ts';
import type { Principal } from '../identity/principal.ts';
import type { RouteHandlers } from './register-routes.ts';
import type { V1Dependencies } from './route-dependencies.ts';

export type IncidentRouteId =
  | 'project.egress'
  | 'admin.killswitch'
  | 'admin.incidents.open'
  | 'admin.incidents.close'
  | 'admin.actions.apply'
  | 'admin.actions.lift'
  | 'admin.access-report';

const adminOf = (principal: Principal): KillSwitchActor => ({ kind: 'admin', userId: principal.user.id });

export function createIncidentHandlers(deps: V1Dependencies): Pick<RouteHandlers, IncidentRouteId> {
  const { store, killSwitch, audit } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    async 'project.egress'({ params, principal }) {
      // Members only (anyone else gets the same 404 as a missing project); asked whatever the agreement's standing.
      const project = await requireProjectMember({ store, agreements: deps.agreements, principal, projectId: params.projectId });
      return killSwitch.egressStatus(project.id);
    },
    'admin.killswitch': () => killSwitch.overview(),
    'admin.incidents.open': ({ body, principal }) => killSwitch.openIncident(adminOf(principal), body),
    'admin.incidents.close': ({ params, body, principal }) =>
      killSwitch.closeIncident(adminOf(principal), params.incidentId, body.resolution),
    'admin.actions.apply': ({ body, principal }) => killSwitch.act(adminOf(principal), body),
    'admin.actions.lift': ({ params, body, principal }) => killSwitch.lift(adminOf(principal), params.actionId, body.reason),
    async 'admin.access-report'({ query, principal, reply }) {
      const { format = 'json', ...request } = query;
      const report = await accessReport({ audit, airlock: store.airlock, request, now: now() });
      await audit.append({
        type: 'audit.access_report',
        actor: principal.user.id,
        outcome: 'success',
        details: { subject: query.subject, id: query.id, from: report.from, to: report.to, entries: report.entries.length, format },
      });
      if (format === 'csv') {
        // The report is checked against its schema as every answer is, then written as CSV instead of JSON; an error
        // sent on this reply instead (the platform's own fault) keeps its JSON body.
        reply
          .type(ACCESS_REPORT_CSV_TYPE)
          .header('content-disposition', `attachment; filename="${accessReportFileName(report)}"`)
          .serializer((payload: unknown) => {
            const parsed = AccessReportSchema.safeParse(payload);
            return parsed.success ? accessReportCsv(parsed.data) : JSON.stringify(payload);
          });
      }
      return report;
    },
  };
}
