// The access report for an incident: what a person or a project touched between two times, read from the audit log
// (the platform's only record of access): sign-ins, catalogue reads, queries with the datasets they read and the rows
// they answered, samples, refusals, and work the kill switch stopped. Drives and outputs add their events here when they
// land. Reproducible: the same log and the same request give the same entries.
import type { AccessActivity, AccessReport, AccessReportEntry, AccessReportRequest } from '../../common/incidents.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import { eventDetails } from '../audit/details.ts';

/** The most events one report reads: past it, the report is refused (ask for a shorter time). */
export const ACCESS_REPORT_MAX_EVENTS = 100_000;
const PAGE = 500;

const detailsOf = (event: AuditEvent): Record<string, unknown> => eventDetails(event) ?? {};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

function activityOf(type: string): AccessActivity {
  if (type === 'auth.sign_in') return 'sign_in';
  if (type.startsWith('session.')) return 'session';
  if (type === 'catalogue.read') return 'catalogue';
  if (type === 'query.run') return 'query';
  if (type === 'sample.read') return 'sample';
  if (type.startsWith('agreement.')) return 'agreement';
  if (type === 'access.refused') return 'refused';
  if (type === 'operation.aborted') return 'aborted';
  return 'other';
}

function entryOf(event: AuditEvent): AccessReportEntry {
  const details = detailsOf(event);
  const activity = activityOf(event.type);
  const datasets =
    activity === 'query'
      ? (Array.isArray(details.relations) ? details.relations : []).filter((name): name is string => typeof name === 'string')
      : activity === 'sample' && typeof details.datasetId === 'string'
        ? [details.datasetId]
        : [];
  const detail =
    activity === 'query'
      ? (text(details.sql) ?? '')
      : (text(details.reason) ?? text(details.route) ?? text(details.operation) ?? text(details.code) ?? '');
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    activity,
    type: event.type,
    actor: event.actor,
    projectId: text(details.projectId),
    datasets,
    rows: activity === 'query' || activity === 'sample' ? count(details.rows) : null,
    outcome: event.outcome === 'failure' ? 'failure' : 'success',
    detail: detail.length > 2000 ? `${detail.slice(0, 2000)}…` : detail,
  };
}

export async function accessReport(options: { audit: AuditLog; request: AccessReportRequest; now?: Date }): Promise<AccessReport> {
  const { audit, request } = options;
  const from = new Date(request.from);
  const to = new Date(request.to);
  if (to <= from) throw new EnclaveError('invalid_input', 'The time range ends before it starts: "to" must be later than "from".');
  const events: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await audit.search({
      ...(request.subject === 'person' ? { actor: request.id } : { projectId: request.id }),
      from,
      to,
      ...(before === undefined ? {} : { before }),
      limit: PAGE,
    });
    events.push(...page.events);
    if (events.length > ACCESS_REPORT_MAX_EVENTS) {
      throw new EnclaveError(
        'invalid_input',
        `More than ${ACCESS_REPORT_MAX_EVENTS.toLocaleString('en-GB')} events fall in this time: ask for a shorter time.`,
      );
    }
    if (page.older === null) break;
    before = page.older;
  }
  const entries = events.reverse().map(entryOf);
  const byActivity: Record<string, number> = {};
  let rows = 0;
  for (const entry of entries) {
    byActivity[entry.activity] = (byActivity[entry.activity] ?? 0) + 1;
    if (entry.outcome === 'success' && entry.rows !== null) rows += entry.rows;
  }
  return {
    subject: { kind: request.subject, id: request.id },
    from: from.toISOString(),
    to: to.toISOString(),
    generatedAt: (options.now ?? new Date()).toISOString(),
    entries,
    totals: { byActivity, rows },
  };
}
