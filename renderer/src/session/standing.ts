// Where the signed-in person stands with the platform's terms of use and their training (issue 18), pure: whether the
// window must show the terms before anything else, what accepting a set of terms sends (the exact version and sha256
// shown), and the training warnings in words.
import type { MethodInput } from '../../../src/common/contract.ts';
import { ROLE_LABELS, type Role } from '../../../src/common/people.ts';
import type { AcceptTerms, MyTerms, TermsAudience, TrainingStanding } from '../../../src/common/terms.ts';

/**
 * What the window does about the terms of use:
 *   none      nobody is signed in
 *   checking  just signed in: the platform is being asked (the workspace waits)
 *   pending   these must be accepted before anything else works (everyone's first)
 *   clear     nothing to accept now (or the platform could not be asked: a refusal, terms_required, asks again)
 */
export type TermsGate = { kind: 'none' } | { kind: 'checking' } | { kind: 'pending'; terms: MyTerms[] } | { kind: 'clear' };

/** The gate after the platform answered the person's terms. */
export function gateOf(mine: readonly MyTerms[]): TermsGate {
  const pending = mine.filter((terms) => terms.mustAccept);
  if (pending.length === 0) return { kind: 'clear' };
  const everyoneFirst = [...pending].sort((a, b) => Number(b.current.audience === 'everyone') - Number(a.current.audience === 'everyone'));
  return { kind: 'pending', terms: everyoneFirst };
}

/** Accepting is of the text shown: its audience, version and sha256, exactly. */
export function acceptanceOf(terms: MyTerms): AcceptTerms {
  const { audience, version, sha256 } = terms.current;
  return { audience, version, sha256 };
}

/** Declining names what was declined. */
export function refusalOf(terms: MyTerms): MethodInput<'terms.decline'> {
  const { audience, version } = terms.current;
  return { audience, version };
}

/** "everyone who uses the platform", "analysts", "output checkers". */
export function audienceWords(audience: TermsAudience): string {
  return audience === 'everyone' ? 'everyone who uses the platform' : `${ROLE_LABELS[audience].toLowerCase()}s`;
}

/** "4 December 2026", from an instant or a day (YYYY-MM-DD), as the UK reads it. */
export function dayWords(when: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(when) ? new Date(`${when}T12:00:00Z`) : new Date(when);
  if (Number.isNaN(date.getTime())) return when;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

export type TrainingProblem = 'expiring' | 'expired' | 'missing';

/** One course that needs the person's attention, with the roles that need it. */
export interface TrainingWarning {
  readonly course: string;
  readonly state: TrainingProblem;
  /** The latest expiry on record (YYYY-MM-DD); null when never completed. */
  readonly expires: string | null;
  readonly roles: readonly Role[];
}

const URGENCY: Readonly<Record<TrainingProblem, number>> = { expired: 0, missing: 1, expiring: 2 };

/** Every course that is expiring, expired or missing, once each (with every role that needs it), the most urgent first. */
export function trainingWarnings(standing: TrainingStanding): TrainingWarning[] {
  const byCourse = new Map<string, TrainingWarning>();
  for (const { role, courses } of standing.roles) {
    for (const { course, state, expires } of courses) {
      if (state === 'valid') continue;
      const seen = byCourse.get(course);
      byCourse.set(course, seen ? { ...seen, roles: [...seen.roles, role] } : { course, state, expires, roles: [role] });
    }
  }
  return [...byCourse.values()].sort((a, b) => URGENCY[a.state] - URGENCY[b.state] || a.course.localeCompare(b.course, 'en-GB'));
}

/** "the analyst role", "the analyst and output checker roles". */
function rolesWords(roles: readonly Role[]): string {
  const names = roles.map((role) => ROLE_LABELS[role].toLowerCase());
  const listed = names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
  return `the ${listed} ${names.length === 1 ? 'role' : 'roles'}`;
}

export function trainingWarningText(warning: TrainingWarning): string {
  const { course, expires } = warning;
  const roles = rolesWords(warning.roles);
  switch (warning.state) {
    case 'expiring':
      return `Your “${course}” training expires on ${dayWords(expires ?? '')}. Renew it before then: after that, work that needs ${roles} is refused until your administrator records the renewal.`;
    case 'expired':
      return `Your “${course}” training expired on ${dayWords(expires ?? '')}: work that needs ${roles} is refused until your administrator records it renewed.`;
    case 'missing':
      return `No “${course}” training is on record for you: work that needs ${roles} is refused until your administrator records it.`;
  }
}

/** A warning's identity, for dismissing it (a new expiry date, or a change of state, shows it again). */
export function warningKey(warning: TrainingWarning): string {
  return `${warning.course}\u0000${warning.state}\u0000${warning.expires ?? ''}`;
}
