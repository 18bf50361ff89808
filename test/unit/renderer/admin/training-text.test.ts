// The training screen's words and forms (renderer/src/admin/training-text.ts): a role's courses as typed, a completed
// course as typed → the record the platform reads, and everybody's courses in the order that needs attention first.
import { describe, expect, it } from 'vitest';
import type { TrainingOverview } from '../../../../src/common/terms.ts';
import {
  allCourses,
  COURSE_STATE_LABELS,
  EMPTY_RECORD_FORM,
  readCourseList,
  readRecordForm,
  trainingRows,
} from '../../../../renderer/src/admin/training-text.ts';

describe("a role's courses, as typed", () => {
  it('takes one a line, trimmed, without blanks or repeats; none is a role that needs nothing', () => {
    expect(readCourseList(' Safe Researcher Training \n\nAnnual refresher\nAnnual refresher\n')).toEqual({
      ok: true,
      value: ['Safe Researcher Training', 'Annual refresher'],
    });
    expect(readCourseList('  \n')).toEqual({ ok: true, value: [] });
  });

  it('refuses a name too short or too long, and too many courses', () => {
    expect(readCourseList('A')).toEqual({ ok: false, message: '“A”: a course’s name is 2 to 100 characters.' });
    expect(readCourseList('x'.repeat(101)).ok).toBe(false);
    expect(readCourseList(Array.from({ length: 21 }, (_, i) => `Course ${i}`).join('\n'))).toEqual({
      ok: false,
      message: 'At most 20 courses a role.',
    });
  });
});

describe('a completed course, as typed', () => {
  const FORM = { userId: 'demo-analyst', course: ' Annual refresher ', completed: '2026-01-10', expires: '2027-01-10', evidence: ' R-2 ' };

  it('reads the record the platform keeps, trimmed', () => {
    expect(readRecordForm(FORM)).toEqual({
      ok: true,
      value: { userId: 'demo-analyst', course: 'Annual refresher', completed: '2026-01-10', expires: '2027-01-10', evidence: 'R-2' },
    });
  });

  it('says what is missing or wrong', () => {
    expect(readRecordForm(EMPTY_RECORD_FORM)).toEqual({ ok: false, message: 'Person: choose whose training it is.' });
    expect(readRecordForm({ ...FORM, completed: '' })).toEqual({ ok: false, message: 'Completed: must be a date like 2026-03-31.' });
    expect(readRecordForm({ ...FORM, expires: '2026-01-01' })).toEqual({ ok: false, message: 'Expires must be later than Completed.' });
    const evidence = readRecordForm({ ...FORM, evidence: ' ' });
    expect(evidence.ok ? '' : evidence.message).toMatch(/^Evidence: /);
  });
});

describe("everybody's training", () => {
  const course = (name: string, state: 'valid' | 'expiring' | 'expired' | 'missing', expires: string | null = '2027-01-01') => ({
    course: name,
    state,
    expires,
  });
  const overview: Pick<TrainingOverview, 'people'> = {
    people: [
      { userId: 'ada', records: [], roles: [{ role: 'analyst', courses: [course('SRT', 'valid'), course('Refresher', 'expiring')] }] },
      { userId: 'ben', records: [], roles: [{ role: 'analyst', courses: [course('SRT', 'missing', null)] }] },
      { userId: 'gone', records: [], roles: [{ role: 'analyst', courses: [course('SRT', 'expired')] }] },
      { userId: 'chloe', records: [], roles: [{ role: 'output_checker', courses: [course('OCT', 'expired', '2026-01-01')] }] },
    ],
  };
  const people = [
    { id: 'ada', displayName: 'Ada Analyst', status: 'active' as const },
    { id: 'ben', displayName: 'Ben Analyst', status: 'active' as const },
    { id: 'gone', displayName: 'Gone Person', status: 'disabled' as const },
    { id: 'chloe', displayName: 'Chloe Checker', status: 'suspended' as const },
  ];

  it('lists what needs attention first, leaving out people who have left', () => {
    expect(trainingRows(overview, people).map((row) => [row.name, row.course, COURSE_STATE_LABELS[row.state]])).toEqual([
      ['Chloe Checker', 'OCT', 'Expired'],
      ['Ben Analyst', 'SRT', 'Missing'],
      ['Ada Analyst', 'Refresher', 'Expires within 30 days'],
      ['Ada Analyst', 'SRT', 'Valid'],
    ]);
  });

  it('names someone the people list does not know by their id', () => {
    expect(trainingRows({ people: [overview.people[0]] }, [])[0].name).toBe('ada');
  });

  it('suggests every course any role needs, once', () => {
    expect(
      allCourses([
        { role: 'analyst', courses: ['SRT', 'Refresher'] },
        { role: 'admin', courses: ['IGT', 'SRT'] },
      ]),
    ).toEqual(['IGT', 'Refresher', 'SRT']);
  });
});
