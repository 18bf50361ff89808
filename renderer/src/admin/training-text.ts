// The training screen's words and forms (issue 18), pure: each course's state in words, the required courses of a role
// as typed (one a line), a completed course as typed → the record the platform reads, and every person's courses as
// the table lists them (the ones that need attention first).
import { ROLE_LABELS, type Person, type Role } from '../../../src/common/people.ts';
import {
  RecordTrainingSchema,
  TRAINING_WARNING_DAYS,
  type RecordTraining,
  type TrainingOverview,
  type TrainingStanding,
} from '../../../src/common/terms.ts';
import type { Reading } from './kill-switch-text.ts';
import { linesOf } from './people-text.ts';

export type CourseState = TrainingStanding['roles'][number]['courses'][number]['state'];

export const COURSE_STATE_LABELS: Readonly<Record<CourseState, string>> = {
  valid: 'Valid',
  expiring: `Expires within ${TRAINING_WARNING_DAYS} days`,
  expired: 'Expired',
  missing: 'Missing',
};

export const COURSE_STATE_BADGES: Readonly<Record<CourseState, 'good' | 'pending' | 'bad'>> = {
  valid: 'good',
  expiring: 'pending',
  expired: 'bad',
  missing: 'bad',
};

const MAX_COURSES = 20;

/** A role's required courses as typed, one a line → the list the platform reads, or what is wrong. */
export function readCourseList(text: string): Reading<string[]> {
  const courses = linesOf(text);
  if (courses.length > MAX_COURSES) return { ok: false, message: `At most ${MAX_COURSES} courses a role.` };
  const bad = courses.find((course) => course.length < 2 || course.length > 100);
  if (bad !== undefined) return { ok: false, message: `“${bad.slice(0, 40)}”: a course’s name is 2 to 100 characters.` };
  return { ok: true, value: courses };
}

/** A completed course as typed; dates are a date input's value ("2026-03-31"). */
export interface RecordForm {
  readonly userId: string;
  readonly course: string;
  readonly completed: string;
  readonly expires: string;
  readonly evidence: string;
}

export const EMPTY_RECORD_FORM: RecordForm = { userId: '', course: '', completed: '', expires: '', evidence: '' };

const RECORD_LABELS: Record<string, string> = {
  userId: 'Person',
  course: 'Course',
  completed: 'Completed',
  expires: 'Expires',
  evidence: 'Evidence',
};

export function readRecordForm(form: RecordForm): Reading<RecordTraining> {
  if (form.userId === '') return { ok: false, message: 'Person: choose whose training it is.' };
  const candidate = {
    userId: form.userId,
    course: form.course.trim(),
    completed: form.completed.trim(),
    expires: form.expires.trim(),
    evidence: form.evidence.trim(),
  };
  const parsed = RecordTrainingSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0];
    const label = typeof key === 'string' ? (RECORD_LABELS[key] ?? key) : 'The record';
    return { ok: false, message: `${label}: ${issue?.message ?? 'is not valid'}.` };
  }
  if (candidate.expires <= candidate.completed) return { ok: false, message: 'Expires must be later than Completed.' };
  return { ok: true, value: parsed.data };
}

/** One line of the training table: a person's course for one of their roles. */
export interface TrainingRow {
  readonly userId: string;
  readonly name: string;
  readonly role: Role;
  readonly course: string;
  readonly expires: string | null;
  readonly state: CourseState;
}

const ATTENTION: Readonly<Record<CourseState, number>> = { expired: 0, missing: 1, expiring: 2, valid: 3 };

/**
 * Every person's required courses, per role they hold: those that need attention first (expired, missing, expiring),
 * then by name, role and course. Disabled people are left out (they no longer use the platform).
 */
export function trainingRows(
  overview: Pick<TrainingOverview, 'people'>,
  people: ReadonlyArray<Pick<Person, 'id' | 'displayName' | 'status'>>,
): TrainingRow[] {
  const byId = new Map(people.map((person) => [person.id, person]));
  const rows: TrainingRow[] = [];
  for (const standing of overview.people) {
    const person = byId.get(standing.userId);
    if (person?.status === 'disabled') continue;
    for (const entry of standing.roles) {
      for (const course of entry.courses) {
        rows.push({ userId: standing.userId, name: person?.displayName ?? standing.userId, role: entry.role, ...course });
      }
    }
  }
  return rows.sort(
    (a, b) =>
      ATTENTION[a.state] - ATTENTION[b.state] ||
      a.name.localeCompare(b.name, 'en-GB') ||
      ROLE_LABELS[a.role].localeCompare(ROLE_LABELS[b.role], 'en-GB') ||
      a.course.localeCompare(b.course, 'en-GB'),
  );
}

/** Every course any role needs, for the record form's suggestions. */
export function allCourses(requirements: TrainingOverview['requirements']): string[] {
  return [...new Set(requirements.flatMap((entry) => entry.courses))].sort((a, b) => a.localeCompare(b, 'en-GB'));
}
