// The incidents screen's words and forms (issue 18), pure: what each kill-switch action is called and what it will do,
// said before the administrator confirms it; what a restriction in force is; and the forms as typed (an incident, an
// action, an access report) → the request the platform reads, or what is wrong with it in words.
import {
  AccessActivitySchema,
  AccessReportRequestSchema,
  EVERY_PROJECT,
  KillSwitchActionSchema,
  OpenIncidentSchema,
  type AccessActivity,
  type AccessReport,
  type AccessReportRequest,
  type IncidentSeverity,
  type KillSwitchAction,
  type KillSwitchOverview,
  type OpenIncident,
  type Restriction,
  type RestrictionKind,
} from '../../../src/common/incidents.ts';
import { formatCount, formatRows } from '../shell/format.ts';
import { localToInstant } from './audit-filter.ts';

export type ActionKind = KillSwitchAction['action'];

/** In the order the panel offers them: the widest stop last but one, the mildest last. */
export const ACTION_KINDS: readonly ActionKind[] = ['suspend_user', 'suspend_project', 'freeze_egress', 'revoke_sessions'];

export const ACTION_LABELS: Readonly<Record<ActionKind, string>> = {
  suspend_user: 'Suspend a person',
  suspend_project: 'Suspend a project',
  freeze_egress: 'Freeze egress',
  revoke_sessions: 'End a person’s sign-ins',
};

export const ACTION_HINTS: Readonly<Record<ActionKind, string>> = {
  suspend_user: 'Every platform route refuses them until it is lifted; their running work stops and their sign-ins end.',
  suspend_project: 'The project’s data is refused to everybody, its members included, until it is lifted.',
  freeze_egress: 'Nothing leaves (no release, no export) for one project or every project, until it is lifted.',
  revoke_sessions: 'Ends every sign-in of theirs now, without suspending them: they may sign in again at once.',
};

/** Whom an action names: a person, a project, or a project or every project (egress). */
export type TargetKind = 'person' | 'project' | 'project_or_all';

export const TARGET_OF: Readonly<Record<ActionKind, TargetKind>> = {
  suspend_user: 'person',
  suspend_project: 'project',
  freeze_egress: 'project_or_all',
  revoke_sessions: 'person',
};

export const SEVERITIES: readonly IncidentSeverity[] = ['low', 'medium', 'high', 'critical'];

export const SEVERITY_LABELS: Readonly<Record<IncidentSeverity, string>> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/** The badge class of a severity (../catalogue/agreement.css): the serious ones in red. */
export function severityBadge(severity: IncidentSeverity): 'bad' | 'pending' | 'over' {
  if (severity === 'critical' || severity === 'high') return 'bad';
  return severity === 'medium' ? 'pending' : 'over';
}

export const RESTRICTION_LABELS: Readonly<Record<RestrictionKind, string>> = {
  user_suspended: 'Person suspended',
  project_suspended: 'Project suspended',
  egress_frozen: 'Egress frozen',
};

/** Who or what a restriction holds: its name as the platform knows it, else its id ("every project" for `*`). */
export function restrictionTarget(restriction: Pick<Restriction, 'kind' | 'target' | 'targetName'>): string {
  if (restriction.target === EVERY_PROJECT) return 'Every project';
  return restriction.targetName === null ? restriction.target : `${restriction.targetName} (${restriction.target})`;
}

/** The action as the panel holds it while it is typed; target "" is none chosen, `*` is every project. */
export interface ActionForm {
  readonly action: ActionKind;
  readonly target: string;
  readonly incidentId: string;
  readonly reason: string;
}

export const EMPTY_ACTION_FORM: ActionForm = { action: 'suspend_user', target: '', incidentId: '', reason: '' };

type Names = Pick<KillSwitchOverview, 'people' | 'projects'>;

const nameIn = (list: ReadonlyArray<{ id: string; name: string }>, id: string): string => list.find((entry) => entry.id === id)?.name ?? id;

/**
 * What the action will do, in words, before it is confirmed (the platform's own account of what it did comes after,
 * as the effect's summary).
 */
export function foreseenEffect(action: KillSwitchAction, names: Names): string[] {
  switch (action.action) {
    case 'suspend_user': {
      const who = nameIn(names.people, action.userId);
      return [
        `${who} is suspended at once: every route of the platform refuses them from their next call, and they cannot sign in.`,
        `Their queries, samples and transfers under way are stopped, and every sign-in of theirs ends.`,
        `Their workstation closes their work and tells them their access is suspended.`,
        `It stays in force until an administrator lifts it, with a reason.`,
      ];
    }
    case 'suspend_project': {
      const what = nameIn(names.projects, action.projectId);
      return [
        `${what} is suspended at once: its catalogue, queries, samples and agreement are refused to everybody, its members included.`,
        `Work under way in it is stopped, and nothing of it can leave.`,
        `It stays in force until an administrator lifts it, with a reason.`,
      ];
    }
    case 'freeze_egress': {
      const where = action.projectId === null ? 'every project' : nameIn(names.projects, action.projectId);
      return [
        `Egress is frozen for ${where}: every release and export is refused from now on.`,
        `Analysis goes on as before; only the way out is closed, until an administrator lifts it, with a reason.`,
      ];
    }
    case 'revoke_sessions': {
      const who = nameIn(names.people, action.userId);
      return [
        `Every sign-in of ${who} ends now: their workstation is signed out at its next call, and their running work is stopped.`,
        `${who} is not suspended: they can sign in again at once.`,
      ];
    }
  }
}

/** The button that confirms: says exactly what it does. */
export function confirmLabel(action: KillSwitchAction, names: Names): string {
  switch (action.action) {
    case 'suspend_user':
      return `Suspend ${nameIn(names.people, action.userId)}`;
    case 'suspend_project':
      return `Suspend ${nameIn(names.projects, action.projectId)}`;
    case 'freeze_egress':
      return action.projectId === null
        ? 'Freeze egress for every project'
        : `Freeze egress for ${nameIn(names.projects, action.projectId)}`;
    case 'revoke_sessions':
      return `End ${nameIn(names.people, action.userId)}’s sign-ins`;
  }
}

export type Reading<T> = { ok: true; value: T } | { ok: false; message: string };

/** The first problem of a schema's refusal, said against the form's own labels. */
function problem(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, labels: Record<string, string>): string {
  const issue = issues[0];
  const key = issue?.path.at(-1);
  const label = typeof key === 'string' ? (labels[key] ?? key) : 'The form';
  return `${label}: ${issue?.message ?? 'is not valid'}.`;
}

const ACTION_FIELD_LABELS: Record<string, string> = {
  action: 'Action',
  userId: 'Person',
  projectId: 'Project',
  incidentId: 'Incident',
  reason: 'Reason',
};

/** The panel's form → the action the platform reads, or what is missing. */
export function readActionForm(form: ActionForm): Reading<KillSwitchAction> {
  if (form.target === '') {
    return { ok: false, message: TARGET_OF[form.action] === 'person' ? 'Person: choose whom it is for.' : 'Project: choose which.' };
  }
  if (form.incidentId === '') return { ok: false, message: 'Incident: choose the open incident this is for (or open one first).' };
  const reason = form.reason.trim();
  const base = { incidentId: form.incidentId, reason };
  const candidate =
    form.action === 'freeze_egress'
      ? { action: form.action, projectId: form.target === EVERY_PROJECT ? null : form.target, ...base }
      : form.action === 'suspend_project'
        ? { action: form.action, projectId: form.target, ...base }
        : { action: form.action, userId: form.target, ...base };
  const parsed = KillSwitchActionSchema.safeParse(candidate);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: problem(parsed.error.issues, ACTION_FIELD_LABELS) };
}

/** An incident as the form holds it; detectedAt is a datetime-local input's value, in this computer's time. */
export interface IncidentForm {
  readonly summary: string;
  readonly severity: IncidentSeverity;
  readonly detectedAt: string;
  readonly personalData: boolean;
}

const INCIDENT_FIELD_LABELS: Record<string, string> = {
  summary: 'Summary',
  severity: 'Severity',
  detectedAt: 'Detected at',
  personalData: 'Personal data',
};

export function readIncidentForm(form: IncidentForm, toInstant: (local: string) => string | null = localToInstant): Reading<OpenIncident> {
  const detectedAt = toInstant(form.detectedAt.trim());
  if (detectedAt === null) return { ok: false, message: 'Detected at: enter a date and a time.' };
  const parsed = OpenIncidentSchema.safeParse({
    summary: form.summary.trim(),
    severity: form.severity,
    detectedAt,
    personalData: form.personalData,
  });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: problem(parsed.error.issues, INCIDENT_FIELD_LABELS) };
}

/** The access report's form: whose (a person or a project, by id) and a time range in this computer's time. */
export interface ReportForm {
  readonly subject: 'person' | 'project';
  readonly id: string;
  readonly from: string;
  readonly to: string;
}

export function readReportForm(
  form: ReportForm,
  toInstant: (local: string) => string | null = localToInstant,
  now: () => Date = () => new Date(),
): Reading<AccessReportRequest> {
  if (form.id === '') return { ok: false, message: form.subject === 'person' ? 'Person: choose whom.' : 'Project: choose which.' };
  const from = toInstant(form.from.trim());
  if (from === null) return { ok: false, message: 'From: enter a date and a time.' };
  // An empty To is the moment the report is asked for: a screen left open during an incident still reports the latest.
  const to = form.to.trim() === '' ? now().toISOString() : toInstant(form.to.trim());
  if (to === null) return { ok: false, message: 'To: enter a date and a time.' };
  if (to <= from) return { ok: false, message: 'To must be later than From.' };
  const parsed = AccessReportRequestSchema.safeParse({ subject: form.subject, id: form.id, from, to });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: problem(parsed.error.issues, { id: 'Who' }) };
}

/** A moment as a datetime-local input takes it, in this computer's time ("2026-12-03T09:30"). */
export function localInputOf(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The restrictions in force in one line, for the banner: "1 person suspended · egress frozen for every project". */
export function restrictionsInWords(active: ReadonlyArray<Pick<Restriction, 'kind' | 'target'>>): string {
  const people = active.filter((entry) => entry.kind === 'user_suspended').length;
  const projects = active.filter((entry) => entry.kind === 'project_suspended').length;
  const frozen = active.filter((entry) => entry.kind === 'egress_frozen');
  const parts: string[] = [];
  if (people > 0) parts.push(`${plural(people, 'person', 'people')} suspended`);
  if (projects > 0) parts.push(`${plural(projects, 'project', 'projects')} suspended`);
  if (frozen.some((entry) => entry.target === EVERY_PROJECT)) parts.push('egress frozen for every project');
  else if (frozen.length > 0) parts.push(`egress frozen for ${plural(frozen.length, 'project', 'projects')}`);
  return parts.join(' · ');
}

export const ACTIVITY_LABELS: Readonly<Record<AccessActivity, string>> = {
  sign_in: 'Sign-in',
  session: 'Session',
  catalogue: 'Catalogue',
  query: 'Query',
  sample: 'Sample',
  drive: 'Drive',
  output: 'Output',
  agreement: 'Agreement',
  refused: 'Refused',
  aborted: 'Stopped',
  other: 'Other',
};

/** Each activity counted in words: one, and more than one. */
const ACTIVITY_COUNTED: Readonly<Record<AccessActivity, readonly [string, string]>> = {
  sign_in: ['sign-in', 'sign-ins'],
  session: ['session event', 'session events'],
  catalogue: ['catalogue read', 'catalogue reads'],
  query: ['query', 'queries'],
  sample: ['sample', 'samples'],
  drive: ['drive event', 'drive events'],
  output: ['output event', 'output events'],
  agreement: ['agreement read', 'agreement reads'],
  refused: ['refusal', 'refusals'],
  aborted: ['stopped operation', 'stopped operations'],
  other: ['other event', 'other events'],
};

/** "12 entries: 2 sign-ins, 5 queries, 1 refusal · 3,400 rows answered" — the report's totals in a line. */
export function reportTotalsInWords(report: Pick<AccessReport, 'entries' | 'totals'>): string {
  const count = report.entries.length;
  if (count === 0) return 'Nothing was recorded in this time.';
  const parts = AccessActivitySchema.options
    .map((activity) => ({ activity, n: report.totals.byActivity[activity] ?? 0 }))
    .filter((entry) => entry.n > 0)
    .map((entry) => `${formatCount(entry.n)} ${ACTIVITY_COUNTED[entry.activity][entry.n === 1 ? 0 : 1]}`);
  return `${formatCount(count)} ${count === 1 ? 'entry' : 'entries'}: ${parts.join(', ')} · ${formatRows(report.totals.rows)} answered`;
}
