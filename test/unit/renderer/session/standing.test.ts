// Where the signed-in person stands with the terms of use and their training, as the window reads it: whether the terms
// screen comes first (and in which order), what accepting sends (the exact text shown), and the training warnings.
import { describe, expect, it } from 'vitest';
import type { MyTerms, TermsVersion, TrainingStanding } from '../../../../src/common/terms.ts';
import {
  acceptanceOf,
  audienceWords,
  dayWords,
  gateOf,
  refusalOf,
  trainingWarnings,
  trainingWarningText,
  warningKey,
} from '../../../../renderer/src/session/standing.ts';
import { readEnrolmentCode } from '../../../../renderer/src/session/enrolment.ts';

function version(audience: TermsVersion['audience'], number: number): TermsVersion {
  return {
    audience,
    version: number,
    text: `# Terms for ${audience}\n\nVersion ${number}.`,
    sha256: String(number)
      .repeat(64)
      .slice(0, 64)
      .replace(/[^0-9a-f]/g, 'a'),
    summary: 'First version.',
    effectiveAt: '2026-12-01T09:00:00.000Z',
    author: 'demo-admin',
    publishedAt: '2026-12-01T09:00:00.000Z',
    requiresAcceptance: true,
  };
}

const mine = (audience: TermsVersion['audience'], number: number, standing: { mustAccept: boolean; accepted?: number }): MyTerms => ({
  current: version(audience, number),
  acceptedVersion: standing.accepted ?? null,
  mustAccept: standing.mustAccept,
});

describe('the terms gate', () => {
  it('is clear when nothing must be accepted (none published, or all accepted)', () => {
    expect(gateOf([])).toEqual({ kind: 'clear' });
    expect(
      gateOf([mine('everyone', 2, { mustAccept: false, accepted: 2 }), mine('analyst', 1, { mustAccept: false, accepted: 1 })]),
    ).toEqual({ kind: 'clear' });
  });

  it('lists only what must be accepted, everyone’s terms first', () => {
    const analyst = mine('analyst', 3, { mustAccept: true, accepted: 2 });
    const everyone = mine('everyone', 1, { mustAccept: true });
    const checker = mine('output_checker', 1, { mustAccept: false, accepted: 1 });

    expect(gateOf([analyst, checker, everyone])).toEqual({ kind: 'pending', terms: [everyone, analyst] });
  });

  it('accepts exactly the version and sha256 shown, and declines by version', () => {
    const terms = mine('analyst', 3, { mustAccept: true, accepted: 2 });

    expect(acceptanceOf(terms)).toEqual({ audience: 'analyst', version: 3, sha256: terms.current.sha256 });
    expect(refusalOf(terms)).toEqual({ audience: 'analyst', version: 3 });
  });

  it('names the audience and the day as a UK reader does', () => {
    expect(audienceWords('everyone')).toBe('everyone who uses the platform');
    expect(audienceWords('analyst')).toBe('analysts');
    expect(audienceWords('output_checker')).toBe('output checkers');
    expect(dayWords('2026-12-01T09:00:00.000Z')).toBe('1 December 2026');
    expect(dayWords('2027-01-31')).toBe('31 January 2027');
    // Midnight UTC in summer is still the same UK day.
    expect(dayWords('2026-06-30T23:30:00.000Z')).toBe('1 July 2026');
  });
});

describe('training warnings', () => {
  const standing: TrainingStanding = {
    userId: 'demo-analyst',
    records: [],
    roles: [
      {
        role: 'analyst',
        courses: [
          { course: 'Safe Researcher', expires: '2027-01-10', state: 'expiring' },
          { course: 'Data Protection', expires: '2027-09-01', state: 'valid' },
        ],
      },
      {
        role: 'output_checker',
        courses: [
          { course: 'Output Checking', expires: '2026-11-30', state: 'expired' },
          { course: 'Safe Researcher', expires: '2027-01-10', state: 'expiring' },
          { course: 'Statistical Disclosure Control', expires: null, state: 'missing' },
        ],
      },
    ],
  };

  it('lists each course that needs attention once, with every role that needs it, the most urgent first', () => {
    expect(trainingWarnings(standing)).toEqual([
      { course: 'Output Checking', state: 'expired', expires: '2026-11-30', roles: ['output_checker'] },
      { course: 'Statistical Disclosure Control', state: 'missing', expires: null, roles: ['output_checker'] },
      { course: 'Safe Researcher', state: 'expiring', expires: '2027-01-10', roles: ['analyst', 'output_checker'] },
    ]);
  });

  it('says which course, when, and what it means for the roles that need it', () => {
    const [expired, missing, expiring] = trainingWarnings(standing).map(trainingWarningText);

    expect(expired).toBe(
      'Your “Output Checking” training expired on 30 November 2026: work that needs the output checker role is refused until your administrator records it renewed.',
    );
    expect(missing).toContain('No “Statistical Disclosure Control” training is on record for you');
    expect(expiring).toBe(
      'Your “Safe Researcher” training expires on 10 January 2027. Renew it before then: after that, work that needs the analyst and output checker roles is refused until your administrator records the renewal.',
    );
  });

  it('has nothing to say when every course is valid', () => {
    expect(trainingWarnings({ userId: 'x', records: [], roles: [{ role: 'analyst', courses: [] }] })).toEqual([]);
  });

  it('shows a dismissed warning again when its expiry or state changes', () => {
    const [warning] = trainingWarnings(standing);
    if (!warning) throw new Error('expected a warning');

    expect(warningKey({ ...warning, expires: '2027-11-30' })).not.toBe(warningKey(warning));
    expect(warningKey({ ...warning, state: 'expiring' })).not.toBe(warningKey(warning));
  });
});

describe('the enrolment code as typed', () => {
  it('takes a grouped code in any case, and sends it as the platform stores it', () => {
    expect(readEnrolmentCode('abcde-23456-fghjk-7mnpq')).toEqual({ ok: true, code: 'ABCDE23456FGHJK7MNPQ' });
    expect(readEnrolmentCode(' ABCDE 23456 FGHJK 7MNPQ ')).toEqual({ ok: true, code: 'ABCDE23456FGHJK7MNPQ' });
  });

  it('says what is wrong with an empty, short or look-alike code, before anything is sent', () => {
    expect(readEnrolmentCode('  ')).toEqual({ ok: false, message: 'Enter the enrolment code your administrator sent you.' });
    expect(readEnrolmentCode('ABCDE-23456')).toMatchObject({ ok: false, message: expect.stringContaining('20 letters and digits') });
    // 0, 1, I and O are never in a code: a misread letter is caught here.
    expect(readEnrolmentCode('ABCDE-23456-FGHJK-7MNP0')).toMatchObject({ ok: false });
  });
});
