// The people screens' words and forms (issue 18), pure: a person's status, terms and training in words (never in colour
// alone), the registration form and a person's changes as typed → the request the platform reads (or what is wrong, in
// words), the enrolment code as it is read aloud, and a person's history from the audit log in sentences.
import {
  RegisterPersonSchema,
  ROLE_LABELS,
  ROLES,
  type Person,
  type PersonDetail,
  type PersonStatus,
  type RegisterPerson,
  type Role,
} from '../../../src/common/people.ts';
import type { AuditEventView } from '../../../src/common/agreement-views.ts';
import { formatEventTime, summariseAudit } from './audit-summary.ts';
import type { Reading } from './kill-switch-text.ts';

export type Badge = 'good' | 'pending' | 'bad' | 'over';

export const STATUS_LABELS: Readonly<Record<PersonStatus, string>> = {
  invited: 'Invited',
  active: 'Active',
  suspended: 'Suspended',
  disabled: 'Disabled',
};

/** What each status means, for the people screen's key and a person's page. */
export const STATUS_MEANINGS: Readonly<Record<PersonStatus, string>> = {
  invited: 'registered, not enrolled yet',
  active: 'may sign in',
  suspended: 'stopped by the kill switch during an incident',
  disabled: 'has left; their history stays readable',
};

export const STATUS_BADGES: Readonly<Record<PersonStatus, Badge>> = {
  invited: 'pending',
  active: 'good',
  suspended: 'bad',
  disabled: 'over',
};

export const TERMS_LABELS: Readonly<Record<Person['terms'], string>> = {
  accepted: 'Accepted',
  pending: 'Not accepted yet',
  none: 'None apply',
};

export const TERMS_BADGES: Readonly<Record<Person['terms'], Badge>> = { accepted: 'good', pending: 'pending', none: 'over' };

export const TRAINING_LABELS: Readonly<Record<Person['training'], string>> = {
  valid: 'Valid',
  expiring: 'Expires within 30 days',
  lapsed: 'Lapsed or missing',
  none: 'None needed',
};

export const TRAINING_BADGES: Readonly<Record<Person['training'], Badge>> = {
  valid: 'good',
  expiring: 'pending',
  lapsed: 'bad',
  none: 'over',
};

/** "Administrator, Analyst"; "No role" for none. */
export function rolesInWords(roles: readonly Role[]): string {
  return roles.length === 0 ? 'No role' : roles.map((role) => ROLE_LABELS[role]).join(', ');
}

/** "Never" when the audit log records no sign-in. */
export function lastSignInInWords(at: string | null): string {
  return at === null ? 'Never' : formatEventTime(at);
}

/** An enrolment code as it is read out and typed: four groups of five ("ABCDE-FGHJK-LMNPQ-RSTUV"). */
export function formatEnrolmentCode(code: string): string {
  return (code.match(/.{1,5}/g) ?? [code]).join('-');
}

/** The first problem of a schema's refusal, said against the form's own labels. */
function problem(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, labels: Record<string, string>): string {
  const issue = issues[0];
  const key = issue?.path.find((part) => typeof part === 'string');
  const label = typeof key === 'string' ? (labels[key] ?? key) : 'The form';
  return `${label}: ${issue?.message ?? 'is not valid'}.`;
}

/** Text with one entry a line → the entries, trimmed, without blanks or repeats. */
export function linesOf(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== ''),
    ),
  ];
}

/** The registration form as typed. */
export interface RegisterForm {
  readonly id: string;
  readonly displayName: string;
  readonly email: string;
  readonly organisation: string;
  readonly roles: readonly Role[];
  readonly verification: string;
  /** One reference a line. */
  readonly accreditation: string;
  /** "" to send an enrolment code. */
  readonly subject: string;
}

export const EMPTY_REGISTER_FORM: RegisterForm = {
  id: '',
  displayName: '',
  email: '',
  organisation: '',
  roles: [],
  verification: '',
  accreditation: '',
  subject: '',
};

const REGISTER_LABELS: Record<string, string> = {
  id: 'Username',
  displayName: 'Name',
  email: 'Email',
  organisation: 'Organisation',
  roles: 'Roles',
  verification: 'How their identity was checked',
  accreditation: 'Accreditation',
  subject: 'Subject',
};

export function readRegisterForm(form: RegisterForm): Reading<RegisterPerson> {
  const text = (value: string): string | null => (value.trim() === '' ? null : value.trim());
  const subject = text(form.subject);
  const candidate = {
    id: form.id.trim(),
    displayName: form.displayName.trim(),
    email: text(form.email),
    organisation: text(form.organisation),
    // In the order the form lists them, whatever order they were ticked in.
    roles: ROLES.filter((role) => form.roles.includes(role)),
    verification: form.verification.trim(),
    accreditation: linesOf(form.accreditation),
    ...(subject === null ? {} : { subject }),
  };
  const parsed = RegisterPersonSchema.safeParse(candidate);
  // The parsed value has its defaults filled in; what is sent is what was typed (the platform fills them the same way).
  return parsed.success ? { ok: true, value: candidate } : { ok: false, message: problem(parsed.error.issues, REGISTER_LABELS) };
}

/** A reason as the platform accepts it (at least 3 characters), or what is wrong. */
export function readReason(text: string): Reading<string> {
  const reason = text.trim();
  if (reason.length < 3) return { ok: false, message: 'Reason: say why (at least 3 characters); it is recorded in the audit log.' };
  if (reason.length > 2000) return { ok: false, message: 'Reason: at most 2,000 characters.' };
  return { ok: true, value: reason };
}

/** What an administrator can do to a person from their page, by where the person stands. */
export type PersonChangeKind = 'grant' | 'revoke' | 'disable' | 'enable' | 'bind';

export const CHANGE_LABELS: Readonly<Record<PersonChangeKind, string>> = {
  grant: 'Grant a role',
  revoke: 'Revoke a role',
  disable: 'Disable (they have left)',
  enable: 'Enable again',
  bind: 'Bind to an identity',
};

/** The button that sends the change: says what it does. */
export function changeButtonLabel(kind: PersonChangeKind, role: Role | ''): string {
  switch (kind) {
    case 'grant':
      return role === '' ? 'Grant the role' : `Grant ${ROLE_LABELS[role]}`;
    case 'revoke':
      return role === '' ? 'Revoke the role' : `Revoke ${ROLE_LABELS[role]}`;
    case 'disable':
      return 'Disable';
    case 'enable':
      return 'Enable';
    case 'bind':
      return 'Bind';
  }
}

/**
 * The changes offered for a person: roles to grant and revoke, disabling someone active (or suspended), enabling
 * someone disabled, binding someone invited. The platform decides; this only keeps pointless choices out of the way.
 */
export function changesFor(person: Pick<Person, 'status' | 'roles'>): PersonChangeKind[] {
  const kinds: PersonChangeKind[] = [];
  if (person.status !== 'disabled' && person.roles.length < ROLES.length) kinds.push('grant');
  if (person.roles.length > 0) kinds.push('revoke');
  if (person.status === 'active' || person.status === 'suspended') kinds.push('disable');
  if (person.status === 'disabled') kinds.push('enable');
  if (person.status === 'invited') kinds.push('bind');
  return kinds;
}

/** The roles a change may name: those not held (grant), those held (revoke). */
export function rolesFor(kind: PersonChangeKind, held: readonly Role[]): Role[] {
  if (kind === 'grant') return ROLES.filter((role) => !held.includes(role));
  if (kind === 'revoke') return ROLES.filter((role) => held.includes(role));
  return [];
}

export interface ChangeForm {
  readonly kind: PersonChangeKind;
  readonly role: Role | '';
  readonly subject: string;
  readonly reason: string;
}

export type PersonChange =
  | { readonly method: 'admin.changeRole'; readonly input: { userId: string; change: 'grant' | 'revoke'; role: Role; reason: string } }
  | { readonly method: 'admin.setStatus'; readonly input: { userId: string; status: 'active' | 'disabled'; reason: string } }
  | { readonly method: 'admin.bindPerson'; readonly input: { userId: string; subject: string; reason: string } };

/** The change form → the call to make, or what is missing. */
export function readChangeForm(userId: string, form: ChangeForm): Reading<PersonChange> {
  if ((form.kind === 'grant' || form.kind === 'revoke') && form.role === '') return { ok: false, message: 'Role: choose which.' };
  const subject = form.subject.trim();
  if (form.kind === 'bind' && subject === '') {
    return { ok: false, message: 'Subject: enter their subject at the identity provider (the "sub" it signs them in with).' };
  }
  if (subject.length > 255) return { ok: false, message: 'Subject: at most 255 characters.' };
  const reason = readReason(form.reason);
  if (!reason.ok) return reason;
  switch (form.kind) {
    case 'grant':
    case 'revoke':
      return {
        ok: true,
        value: { method: 'admin.changeRole', input: { userId, change: form.kind, role: form.role as Role, reason: reason.value } },
      };
    case 'disable':
    case 'enable':
      return {
        ok: true,
        value: {
          method: 'admin.setStatus',
          input: { userId, status: form.kind === 'disable' ? 'disabled' : 'active', reason: reason.value },
        },
      };
    case 'bind':
      return { ok: true, value: { method: 'admin.bindPerson', input: { userId, subject, reason: reason.value } } };
  }
}

type HistoryEvent = PersonDetail['history'][number];

const termsName = (audience: unknown): string =>
  audience === 'everyone'
    ? 'Everyone’s terms of use'
    : typeof audience === 'string' && audience in ROLE_LABELS
      ? `The ${ROLE_LABELS[audience as Role]} terms of use`
      : 'The terms of use';

const roleWord = (value: unknown): string =>
  typeof value === 'string' && value in ROLE_LABELS ? ROLE_LABELS[value as Role] : String(value);

const roleList = (value: unknown): string =>
  Array.isArray(value) ? rolesInWords(value.filter((role): role is Role => typeof role === 'string' && role in ROLE_LABELS)) : '';

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);

/** The event's name in words, and what it recorded in a sentence; unknown events fall back on the audit log's summary. */
export interface HistoryLine {
  readonly what: string;
  readonly details: string;
}

/** A reason, said after what was done: " Reason: …". */
const because = (details: HistoryEvent['details']): string => {
  const reason = str(details.reason);
  return reason === null ? '' : ` Reason: ${reason}`;
};

export function historyInWords(event: Pick<HistoryEvent, 'type' | 'details' | 'outcome'>): HistoryLine {
  const { details } = event;
  switch (event.type) {
    case 'user.registered':
      return {
        what: 'Registered',
        details:
          `Roles: ${roleList(details.roles)}. ` +
          `Identity checked: ${str(details.verification) ?? 'not said'}.` +
          (Array.isArray(details.accreditation) && details.accreditation.length > 0
            ? ` Accreditation: ${details.accreditation.map(String).join('; ')}.`
            : '') +
          (details.bound === true ? ' Bound to their identity at once.' : ' Invited: an enrolment code was issued.'),
      };
    case 'user.enrolment_code_issued':
      return {
        what: 'Enrolment code issued',
        details: str(details.expiresAt) === null ? '' : `Valid until ${formatEventTime(String(details.expiresAt))}.`,
      };
    case 'user.enrolled':
      return { what: 'Enrolled', details: 'Bound their identity with the code, and became active.' };
    case 'user.enrolment_refused':
      return { what: 'Enrolment refused', details: str(details.reason) ?? '' };
    case 'user.bound':
      return { what: 'Bound to an identity', details: `Became active.${because(details)}` };
    case 'user.role_granted':
      return {
        what: 'Role granted',
        details:
          `${roleWord(details.role)} (roles now: ${roleList(details.new)}).` +
          (str(details.approvedBy) === null ? '' : ` Approved by ${String(details.approvedBy)}.`) +
          because(details),
      };
    case 'user.role_grant_requested':
      return {
        what: 'Role grant asked for',
        details: `${roleWord(details.role)}: waits for another administrator to approve it.${because(details)}`,
      };
    case 'user.role_grant_refused':
      return { what: 'Role grant refused', details: `${roleWord(details.role)}.${because(details)}` };
    case 'user.role_revoked':
      return { what: 'Role revoked', details: `${roleWord(details.role)} (roles now: ${roleList(details.new)}).${because(details)}` };
    case 'user.disabled':
      return { what: 'Disabled', details: `Was ${String(details.old ?? 'active')}.${because(details)}` };
    case 'user.enabled':
      return { what: 'Enabled', details: `Active again.${because(details)}` };
    case 'user.suspended':
      return { what: 'Suspended', details: `By the kill switch.${because(details)}` };
    case 'user.unsuspended':
      return { what: 'Suspension lifted', details: because(details).trim() };
    case 'session.signed_in':
      return { what: 'Signed in', details: '' };
    case 'session.signed_out':
      return { what: 'Signed out', details: '' };
    case 'terms.accepted':
      return { what: 'Terms accepted', details: `${termsName(details.audience)}, version ${String(details.version)}.` };
    case 'terms.declined':
      return { what: 'Terms declined', details: `${termsName(details.audience)}, version ${String(details.version)}.` };
    case 'training.recorded':
      return {
        what: 'Training recorded',
        details: `${String(details.course)}: completed ${String(details.completed)}, expires ${String(details.expires)}. Evidence: ${String(details.evidence)}.`,
      };
    default: {
      // The platform's details are JSON (the audit log stores nothing else); 'via' says which door, not what happened.
      const json = Object.fromEntries(Object.entries(details).filter(([key]) => key !== 'via')) as AuditEventView['details'];
      const summary = summariseAudit({ details: json });
      return {
        what: event.type,
        details: [summary.text, summary.sql ?? '', ...summary.rest].filter((part) => part !== '').join(' · '),
      };
    }
  }
}
