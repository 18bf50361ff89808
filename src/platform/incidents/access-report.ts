// The access report for an incident: what a person or a project touched between two times, read from the audit log
// (the platform's only record of access): sign-ins, catalogue reads, queries with the datasets they read and the rows
// they answered, samples, drive reads and writes with their paths and bytes, outputs (release requests submitted,
// released and exported), refusals, and work the kill switch stopped. A person's report also lists the releases and
// exports of the requests they wrote, whoever made them. Reproducible: the same log and the same request give the same
// entries. Output and request names are read from the airlock's records (the log names them by id).
import type { AccessActivity, AccessReport, AccessReportEntry, AccessReportRequest } from '../../common/incidents.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { AuditEvent, AuditLog, AuditSearch } from '../audit/audit-log.ts';
import { eventDetails } from '../audit/details.ts';
import type { AirlockRecords } from '../store/airlock.ts';

/** The most events one report reads: past it, the report is refused (ask for a shorter time). */
export const ACCESS_REPORT_MAX_EVENTS = 100_000;
const PAGE = 500;
const DETAIL_MAX_CHARS = 2000;

/** What an author's request becomes, whoever did it: a person's report lists these of their own requests. */
const OWN_REQUEST_OUTCOMES = ['airlock.release', 'airlock.download', 'airlock.package_read'] as const;

/** The titles of requests and the names of their files, by id. */
interface OutputNames {
  readonly requests: ReadonlyMap<string, string>;
  readonly files: ReadonlyMap<string, string>;
}

const detailsOf = (event: AuditEvent): Record<string, unknown> => eventDetails(event) ?? {};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number | null => (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null);

function activityOf(type: string): AccessActivity {
  if (type === 'auth.sign_in') return 'sign_in';
  if (type.startsWith('session.')) return 'session';
  if (type === 'catalogue.read') return 'catalogue';
  if (type === 'query.run') return 'query';
  if (type === 'sample.read') return 'sample';
  if (type.startsWith('drive.')) return 'drive';
  if (type.startsWith('airlock.')) return 'output';
  if (type.startsWith('agreement.')) return 'agreement';
  if (type === 'access.refused') return 'refused';
  if (type === 'operation.aborted') return 'aborted';
  return 'other';
}

/** The file ids an airlock event names: its one file, or the files a submission or a release carried. */
function fileIdsOf(details: Record<string, unknown>): string[] {
  const listed = Array.isArray(details.files) ? (details.files as unknown[]) : [];
  const ids = [
    text(details.fileId),
    ...listed.map((file) =>
      typeof file === 'string' ? file : typeof file === 'object' && file !== null ? text((file as Record<string, unknown>).fileId) : null,
    ),
  ];
  return [...new Set(ids.filter((id): id is string => id !== null))];
}

/** "table.json, chart.json · “Admissions by month” (req-…)": what an airlock event touched, by name where known. */
function outputDetail(details: Record<string, unknown>, names: OutputNames): string {
  const files = fileIdsOf(details).map((id) => names.files.get(id) ?? id);
  const requestId = text(details.requestId);
  const title = requestId === null ? undefined : names.requests.get(requestId);
  const request = requestId === null ? null : title === undefined ? requestId : `“${title}” (${requestId})`;
  return [files.join(', '), request ?? ''].filter((part) => part !== '').join(' · ');
}

/** "results/table.csv → archive/table.csv": the drive path an event touched, and where to for a copy or a move. */
function driveDetail(details: Record<string, unknown>): string {
  const path = text(details.path);
  const to = text(details.to);
  return path === null ? '' : to === null ? path : `${path} → ${to}`;
}

function entryOf(event: AuditEvent, names: OutputNames): AccessReportEntry {
  const details = detailsOf(event);
  const activity = activityOf(event.type);
  const datasets =
    activity === 'query'
      ? (Array.isArray(details.relations) ? details.relations : []).filter((name): name is string => typeof name === 'string')
      : activity === 'sample' && typeof details.datasetId === 'string'
        ? [details.datasetId]
        : [];
  const reason = text(details.reason) ?? text(details.route) ?? text(details.operation) ?? text(details.code) ?? '';
  const subject = activity === 'drive' ? driveDetail(details) : activity === 'output' ? outputDetail(details, names) : '';
  const detail =
    activity === 'query'
      ? (text(details.sql) ?? '')
      : subject === ''
        ? reason
        : event.outcome === 'failure' && reason !== ''
          ? `${subject} · ${reason}`
          : subject;
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    activity,
    type: event.type,
    actor: event.actor,
    projectId: text(details.projectId),
    datasets,
    rows: activity === 'query' || activity === 'sample' ? count(details.rows) : null,
    bytes: activity === 'drive' && event.outcome === 'success' ? count(details.bytes) : null,
    outcome: event.outcome === 'failure' ? 'failure' : 'success',
    detail: detail.length > DETAIL_MAX_CHARS ? `${detail.slice(0, DETAIL_MAX_CHARS)}…` : detail,
  };
}

/** Reads the events of a search, every page, into `into` (the report's running total is capped). */
async function collect(audit: AuditLog, filter: Omit<AuditSearch, 'before' | 'limit'>, into: Map<number, AuditEvent>): Promise<void> {
  let before: number | undefined;
  for (;;) {
    const page = await audit.search({ ...filter, ...(before === undefined ? {} : { before }), limit: PAGE });
    for (const event of page.events) into.set(event.seq, event);
    if (into.size > ACCESS_REPORT_MAX_EVENTS) {
      throw new EnclaveError(
        'invalid_input',
        `More than ${ACCESS_REPORT_MAX_EVENTS.toLocaleString('en-GB')} events fall in this time: ask for a shorter time.`,
      );
    }
    if (page.older === null) return;
    before = page.older;
  }
}

/** The requests a person wrote before `to`: the log's record of each one they created. */
async function requestsWrittenBy(audit: AuditLog, userId: string, to: Date): Promise<Set<string>> {
  const created = new Map<number, AuditEvent>();
  await collect(audit, { actor: userId, typePrefix: 'airlock.create', to }, created);
  const ids = new Set<string>();
  for (const event of created.values()) {
    const requestId = text(detailsOf(event).requestId);
    if (event.type === 'airlock.create' && event.outcome === 'success' && requestId !== null) ids.add(requestId);
  }
  return ids;
}

async function outputNames(airlock: Pick<AirlockRecords, 'get' | 'filesOf'>, events: readonly AuditEvent[]): Promise<OutputNames> {
  const requestIds = new Set<string>();
  for (const event of events) {
    const requestId = event.type.startsWith('airlock.') ? text(detailsOf(event).requestId) : null;
    if (requestId !== null) requestIds.add(requestId);
  }
  const requests = new Map<string, string>();
  for (const id of requestIds) {
    const request = await airlock.get(id);
    if (request !== undefined) requests.set(id, request.title);
  }
  const files = new Map<string, string>();
  for (const file of requestIds.size === 0 ? [] : await airlock.filesOf([...requestIds])) files.set(file.id, file.name);
  return { requests, files };
}

export async function accessReport(options: {
  audit: AuditLog;
  /** Where the names of outputs and requests are read. */
  airlock: Pick<AirlockRecords, 'get' | 'filesOf'>;
  request: AccessReportRequest;
  now?: Date;
}): Promise<AccessReport> {
  const { audit, request } = options;
  const from = new Date(request.from);
  const to = new Date(request.to);
  if (to <= from) throw new EnclaveError('invalid_input', 'The time range ends before it starts: "to" must be later than "from".');
  const found = new Map<number, AuditEvent>();
  await collect(audit, { ...(request.subject === 'person' ? { actor: request.id } : { projectId: request.id }), from, to }, found);
  if (request.subject === 'person') {
    const own = await requestsWrittenBy(audit, request.id, to);
    if (own.size > 0) {
      const others = new Map<number, AuditEvent>();
      for (const type of OWN_REQUEST_OUTCOMES) await collect(audit, { typePrefix: type, from, to }, others);
      for (const event of others.values()) {
        const requestId = text(detailsOf(event).requestId);
        if (event.type.startsWith('airlock.') && requestId !== null && own.has(requestId)) found.set(event.seq, event);
      }
      if (found.size > ACCESS_REPORT_MAX_EVENTS) {
        throw new EnclaveError(
          'invalid_input',
          `More than ${ACCESS_REPORT_MAX_EVENTS.toLocaleString('en-GB')} events fall in this time: ask for a shorter time.`,
        );
      }
    }
  }
  const events = [...found.values()].sort((a, b) => a.seq - b.seq);
  const names = await outputNames(options.airlock, events);
  const entries = events.map((event) => entryOf(event, names));
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
