// Whether a project, and one person's place in it, is in force on a day: start and end days are in force, the day
// after an end or expiry is not, and "today" is the day in the UK.
import { describe, expect, it } from 'vitest';
import { AgreementSchema } from '../../../../src/platform/agreements/schema.ts';
import type { Agreement } from '../../../../src/platform/agreements/schema.ts';
import { memberStanding, projectStanding, ukDay } from '../../../../src/platform/agreements/standing.ts';
import { goodAgreement } from './fixtures.ts';

function agreement(edit: (value: ReturnType<typeof goodAgreement>) => void = () => undefined): Agreement {
  const value = goodAgreement();
  edit(value);
  return AgreementSchema.parse(value);
}

/** Noon in London on a day (no daylight-saving edge unless a test wants one). */
const on = (day: string): Date => new Date(`${day}T12:00:00Z`);

describe('projectStanding', () => {
  it.each([
    ['2025-12-31', { inForce: false, reason: 'not_started', message: 'The agreement for Cardiovascular admissions starts on 2026-01-01.' }],
    ['2026-01-01', { inForce: true }],
    ['2027-12-31', { inForce: true }],
    [
      '2028-01-01',
      {
        inForce: false,
        reason: 'expired',
        message: 'The agreement for Cardiovascular admissions expired on 2027-12-31: ask the data manager to renew it.',
      },
    ],
  ])('on %s', (day, expected) => {
    expect(projectStanding(agreement(), on(day))).toEqual(expected);
  });

  it('refuses a project without a DPIA reference, whatever the day', () => {
    expect(
      projectStanding(
        agreement((a) => void (a.dpiaReference = null)),
        on('2026-06-01'),
      ),
    ).toEqual({
      inForce: false,
      reason: 'no_dpia',
      message:
        'Cardiovascular admissions cannot start: its agreement has no data protection impact assessment reference. Ask the data manager to add it.',
    });
  });

  it('counts days in the UK: 23:30 UTC on 31 December 2025 is still 2025 in London, 23:30 UTC on 31 May is 1 June', () => {
    expect(ukDay(new Date('2025-12-31T23:30:00Z'))).toBe('2025-12-31');
    expect(ukDay(new Date('2026-05-31T23:30:00Z'))).toBe('2026-06-01');
    const endsInMay = agreement((a) => void (a.expires = '2026-05-31'));
    expect(projectStanding(endsInMay, new Date('2026-05-31T22:59:00Z')).inForce).toBe(true);
    expect(projectStanding(endsInMay, new Date('2026-05-31T23:00:00Z')).inForce).toBe(false);
  });
});

describe('memberStanding', () => {
  const ben = (day: string, edit?: (value: ReturnType<typeof goodAgreement>) => void) => memberStanding(agreement(edit), 'ben', on(day));

  it('on 2026-01-15 refuses Ben: membership_not_started', () => {
    expect(ben('2026-01-15')).toEqual({
      inForce: false,
      reason: 'membership_not_started',
      message: 'Your membership of Cardiovascular admissions starts on 2026-02-01.',
    });
  });

  // Training comes from the platform's records (src/platform/people/standing.ts), not from the agreement file.
  it('refuses Ben when his training on record has lapsed, naming the course and its expiry, or its absence', () => {
    const lapsed = { valid: false, expires: '2026-10-31', course: 'Safe Researcher Training' };
    expect(memberStanding(agreement(), { userId: 'ben', training: lapsed }, on('2026-11-01'))).toEqual({
      inForce: false,
      reason: 'training_expired',
      message: 'Your Safe Researcher Training expired on 2026-10-31: renew it to use Cardiovascular admissions.',
    });
    const none = { valid: false, expires: null, course: 'Safe Researcher Training' };
    expect(memberStanding(agreement(), { userId: 'ben', training: none }, on('2026-11-01'))).toMatchObject({
      reason: 'training_expired',
      message: expect.stringContaining('There is no record of your Safe Researcher Training'),
    });
  });

  it('lets a member in on the first day, with valid training on record or none judged', () => {
    expect(ben('2026-02-01')).toMatchObject({ inForce: true, member: { userId: 'ben', role: 'analyst', mayRequestRelease: false } });
    const valid = { valid: true, expires: '2026-10-31', course: 'Safe Researcher Training' };
    expect(memberStanding(agreement(), { userId: 'ben', training: valid }, on('2026-10-31')).inForce).toBe(true);
  });

  it('says when a membership ended, before anything about training', () => {
    const lapsed = { valid: false, expires: '2026-10-31', course: 'Safe Researcher Training' };
    expect(memberStanding(agreement(), { userId: 'ben', training: lapsed }, on('2027-07-01'))).toEqual({
      inForce: false,
      reason: 'membership_ended',
      message: 'Your membership of Cardiovascular admissions ended on 2027-06-30.',
    });
    expect(ben('2027-07-01')).toMatchObject({ reason: 'membership_ended' });
  });

  it('tells someone outside the project only that', () => {
    expect(memberStanding(agreement(), 'dana', on('2026-06-01'))).toEqual({
      inForce: false,
      reason: 'not_member',
      message: 'You are not a member of this project.',
    });
  });

  it("gives the project's refusal first: no member is in force when the project is not", () => {
    expect(
      memberStanding(
        agreement((a) => void (a.dpiaReference = null)),
        'ada',
        on('2026-06-01'),
      ),
    ).toMatchObject({ reason: 'no_dpia' });
    expect(memberStanding(agreement(), 'ada', on('2028-01-01'))).toMatchObject({ reason: 'expired' });
    expect(memberStanding(agreement(), 'dana', on('2028-01-01'))).toMatchObject({ reason: 'expired' });
  });
});
