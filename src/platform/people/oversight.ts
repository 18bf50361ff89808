// Oversight (issue 18): the usage report, the security review and the expiries panel. The usage report's counts of what
// happened are read from the audit log for the range asked (so the same log and range give the same report); the state
// of people, projects and drives is the platform's now. A review is itself an audit event (`audit.reviewed`: up to which event,
// with a note), so the log says who reviewed what and when, and the next review starts after it.
import { EnclaveError } from '../../common/errors.ts';
import {
  EXPIRY_WARNING_DAYS,
  REVIEW_INTERVAL_DAYS,
  USAGE_SOURCES,
  type Expiries,
  type SecurityReview,
  type UsageReport,
} from '../../common/oversight.ts';
import type { AuditEvent, AuditLog } from '../audit/audit-log.ts';
import { eventDetails } from '../audit/details.ts';
import { describeAuditReport } from '../audit/report.ts';
import type { AgreementsInForce } from '../authz/access-policy.ts';
import { projectStanding, ukDay } from '../agreements/standing.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { PeopleService } from './people-service.ts';
import type { StandingService } from './standing.ts';

export interface OversightOptions {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly agreements: AgreementsInForce;
  readonly people: PeopleService;
  readonly standing: StandingService;
  /** The datasets the platform serves, with their rows and bytes on disk. */
  readonly datasets: () => Promise<Array<{ id: string; rows: number; bytes: number }>>;
  readonly now?: () => Date;
}

export interface Oversight {
  usage(range: { from: Date; to: Date }): Promise<UsageReport>;
  securityReview(): Promise<SecurityReview>;
  /** Records that the events up to `upTo` were reviewed, with a note. */
  recordReview(reviewerId: string, review: { upTo: number; note: string }): Promise<SecurityReview>;
  expiries(): Promise<Expiries>;
}

const detailsOf = (event: AuditEvent): Record<string, unknown> => eventDetails(event) ?? {};

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const count = (value: unknown): number => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0);

type ActivityRow = UsageReport['activity'][number];

const DRIVE_READS: ReadonlySet<string> = new Set(['drive.read', 'drive.read_version']);
const DRIVE_WRITES: ReadonlySet<string> = new Set(['drive.write', 'drive.upload_commit']);
/** The events a project's activity row counts when they succeed. */
const COUNTED: ReadonlySet<string> = new Set([
  'query.run',
  'sample.read',
  'catalogue.read',
  ...DRIVE_READS,
  ...DRIVE_WRITES,
  'airlock.submit',
  'airlock.release',
  'airlock.download',
  'airlock.package_read',
]);

/** Adds one successful event of the range to its project's row. */
function countActivity(row: ActivityRow, event: AuditEvent, details: Record<string, unknown>): void {
  const { type } = event;
  if (type === 'query.run') {
    row.queries += 1;
    row.rows += count(details.rows);
  } else if (type === 'sample.read') {
    row.samples += 1;
    row.rows += count(details.rows);
  } else if (type === 'catalogue.read') row.catalogueReads += 1;
  else if (DRIVE_READS.has(type)) {
    row.driveReads += 1;
    row.driveBytesRead += count(details.bytes);
  } else if (DRIVE_WRITES.has(type)) {
    row.driveWrites += 1;
    row.driveBytesWritten += count(details.bytes);
  } else if (type === 'airlock.submit') row.requestsSubmitted += 1;
  else if (type === 'airlock.release') {
    row.requestsReleased += 1;
    row.filesReleased += Array.isArray(details.files) ? details.files.length : 0;
  } else if (type === 'airlock.download' || type === 'airlock.package_read') row.exports += 1;
}

/** Each project's drive now: bytes kept against its quota, and its files. */
async function driveUse(store: MetadataStore, projectIds: readonly string[]): Promise<UsageReport['drives']> {
  const drives: UsageReport['drives'] = [];
  for (const projectId of projectIds) {
    const use = await store.drives.snapshot(async (q) => {
      const drive = await q.drive(projectId);
      if (drive === undefined) return null;
      return { projectId, usedBytes: await q.usedBytes(projectId), quotaBytes: drive.quota_bytes, files: await q.liveFileCount(projectId) };
    });
    if (use !== null) drives.push(use);
  }
  return drives.sort((a, b) => a.projectId.localeCompare(b.projectId));
}

/** Every event in [from, to), oldest first (paged through the log's own search). */
async function eventsIn(audit: AuditLog, filter: { from?: Date; to?: Date; after?: number }): Promise<AuditEvent[]> {
  if (filter.after !== undefined) {
    const events: AuditEvent[] = [];
    let after = filter.after;
    for (;;) {
      const page = await audit.list({ after, limit: 1000 });
      events.push(...page);
      if (page.length < 1000) return events;
      after = page.at(-1)!.seq;
    }
  }
  const events: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await audit.search({
      ...(filter.from === undefined ? {} : { from: filter.from }),
      ...(filter.to === undefined ? {} : { to: filter.to }),
      ...(before === undefined ? {} : { before }),
      limit: 500,
    });
    events.push(...page.events);
    if (page.older === null) return events.reverse();
    before = page.older;
  }
}

const daysBetween = (fromDay: string, toDay: string): number =>
  Math.round((Date.parse(`${toDay}T12:00:00Z`) - Date.parse(`${fromDay}T12:00:00Z`)) / 86_400_000);

function reviewEvent(event: AuditEvent): SecurityReview['failedSignIns'][number] {
  const details = detailsOf(event);
  return {
    seq: event.seq,
    occurredAt: event.occurredAt,
    type: event.type,
    actor: event.actor,
    who: event.actor ?? text(details.username) ?? text(details.userId),
    reason: text(details.reason) ?? text(details.code) ?? '',
  };
}

export function createOversight(options: OversightOptions): Oversight {
  const { store, audit, agreements } = options;
  const now = options.now ?? (() => new Date());

  async function expiries(): Promise<Expiries> {
    const today = ukDay(now());
    const within = (day: string): boolean => daysBetween(today, day) <= EXPIRY_WARNING_DAYS;
    const inForce = agreements.all?.() ?? [];
    const training: Expiries['training'] = [];
    for (const person of await store.listUsers()) {
      const standing = await options.standing.training(person.id);
      for (const entry of standing.roles) {
        for (const course of entry.courses) {
          if (course.state === 'valid') continue;
          training.push({
            userId: person.id,
            displayName: person.displayName,
            course: course.course,
            expires: course.expires,
            daysLeft: course.expires === null ? null : daysBetween(today, course.expires),
          });
        }
      }
    }
    return {
      agreements: inForce
        .filter((entry) => within(entry.agreement.expires))
        .map((entry) => ({
          projectId: entry.projectId,
          projectName: entry.agreement.projectName,
          expires: entry.agreement.expires,
          daysLeft: daysBetween(today, entry.agreement.expires),
        })),
      dpiaReviews: inForce.flatMap((entry) => {
        const due = entry.agreement.dpiaReviewDue;
        return due !== undefined && within(due)
          ? [{ projectId: entry.projectId, projectName: entry.agreement.projectName, reviewDue: due, daysLeft: daysBetween(today, due) }]
          : [];
      }),
      // One line per person and course, however many roles need it.
      training: training.filter(
        (line, index) => training.findIndex((other) => other.userId === line.userId && other.course === line.course) === index,
      ),
    };
  }

  async function securityReview(): Promise<SecurityReview> {
    const reviews = await audit.search({ typePrefix: 'audit.reviewed', limit: 1 });
    const last = reviews.events[0];
    const lastDetails = last === undefined ? {} : detailsOf(last);
    const since = last === undefined ? 0 : count(lastDetails.upTo);
    const events = await eventsIn(audit, { after: since });
    const head = events.at(-1)?.seq ?? since;
    const verified = await audit.verify();
    const reviewedAt = last === undefined ? null : Date.parse(last.occurredAt);
    const overdue =
      reviewedAt === null ? events.length > 0 : now().getTime() - reviewedAt > REVIEW_INTERVAL_DAYS * 86_400_000 && events.length > 0;
    return {
      since,
      headSeq: head,
      failedSignIns: events.filter((event) => event.type === 'auth.sign_in' && event.outcome === 'failure').map(reviewEvent),
      refusals: events
        .filter((event) => event.outcome === 'failure' && event.type !== 'auth.sign_in' && event.type !== 'access.refused')
        .map(reviewEvent),
      suspendedAttempts: events
        .filter((event) => {
          const reason = text(detailsOf(event).reason) ?? '';
          const code = text(detailsOf(event).code) ?? '';
          return (
            event.type === 'access.refused' ||
            (event.type === 'auth.sign_in' && event.outcome === 'failure' && (reason === 'suspended' || code === 'suspended'))
          );
        })
        .map(reviewEvent),
      audit: { intact: verified.intact, summary: describeAuditReport(verified).split('\n')[0] ?? '' },
      lastReview: last === undefined ? null : { upTo: since, note: text(lastDetails.note) ?? '', by: last.actor, at: last.occurredAt },
      overdue,
      expiries: await expiries(),
    };
  }

  return {
    async usage({ from, to }) {
      if (to <= from) throw new EnclaveError('invalid_input', 'The time range ends before it starts: "to" must be later than "from".');
      const [overview, inForce, restrictions, incidents, datasets] = await Promise.all([
        options.people.overview(),
        Promise.resolve(agreements.all?.() ?? []),
        store.incidents.inForce(),
        store.incidents.list(),
        options.datasets(),
      ]);
      const byRole: Record<string, number> = {};
      const byStatus: Record<string, number> = {};
      for (const person of overview.people) {
        for (const role of person.roles) byRole[role] = (byRole[role] ?? 0) + 1;
        byStatus[person.status] = (byStatus[person.status] ?? 0) + 1;
      }
      const projects = await store.listAllProjects();
      const suspended = new Set(restrictions.filter((entry) => entry.kind === 'project_suspended').map((entry) => entry.target));
      const byState: Record<string, number> = {};
      for (const project of projects) {
        const entry = inForce.find((candidate) => candidate.projectId === project.id);
        const state = suspended.has(project.id)
          ? 'suspended'
          : entry === undefined
            ? 'no_agreement'
            : (() => {
                const standing = projectStanding(entry.agreement, now());
                return standing.inForce ? 'in_force' : standing.reason;
              })();
        byState[state] = (byState[state] ?? 0) + 1;
      }
      const events = await eventsIn(audit, { from, to });
      const active = new Set<string>();
      const activity = new Map<string, ActivityRow>();
      const projectRow = (projectId: string): ActivityRow => {
        let row = activity.get(projectId);
        if (row === undefined) {
          row = {
            projectId,
            queries: 0,
            queriesRefused: 0,
            samples: 0,
            rows: 0,
            catalogueReads: 0,
            driveReads: 0,
            driveBytesRead: 0,
            driveWrites: 0,
            driveBytesWritten: 0,
            requestsSubmitted: 0,
            requestsReleased: 0,
            filesReleased: 0,
            exports: 0,
          };
          activity.set(projectId, row);
        }
        return row;
      };
      let opened = 0;
      let closed = 0;
      let actions = 0;
      for (const event of events) {
        const details = detailsOf(event);
        if ((event.type === 'session.signed_in' || event.type === 'auth.sign_in') && event.outcome === 'success' && event.actor !== null) {
          active.add(event.actor);
        }
        const projectId = text(details.projectId);
        if (projectId !== null && event.type === 'query.run' && event.outcome !== 'success') projectRow(projectId).queriesRefused += 1;
        // What people did: the platform's own writes (a demo drive's first files) are not use.
        if (projectId !== null && event.outcome === 'success' && event.actor !== null && COUNTED.has(event.type)) {
          countActivity(projectRow(projectId), event, details);
        }
        if (event.type === 'incident.opened') opened += 1;
        if (event.type === 'incident.closed') closed += 1;
        if (['user.suspended', 'project.suspended', 'egress.frozen', 'sessions.revoked'].includes(event.type)) actions += 1;
      }
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        generatedAt: now().toISOString(),
        people: { byRole, byStatus, active: active.size },
        projects: { byState, total: projects.length },
        datasets,
        drives: await driveUse(
          store,
          projects.map((project) => project.id),
        ),
        activity: [...activity.values()].sort((a, b) => a.projectId.localeCompare(b.projectId)),
        incidents: { opened, closed, actions, openNow: incidents.filter((incident) => incident.status === 'open').length },
        sources: USAGE_SOURCES,
      };
    },

    securityReview,

    async recordReview(reviewerId, review) {
      const current = await securityReview();
      if (review.upTo < current.since || review.upTo > current.headSeq) {
        throw new EnclaveError(
          'invalid_input',
          `A review covers events after the last one reviewed (${current.since}) up to the newest (${current.headSeq}).`,
        );
      }
      await audit.append({
        type: 'audit.reviewed',
        actor: reviewerId,
        outcome: 'success',
        details: { upTo: review.upTo, from: current.since, note: review.note.trim(), auditIntact: current.audit.intact },
      });
      return securityReview();
    },

    expiries,
  };
}
