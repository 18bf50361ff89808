// The oversight screen's words and forms: the usage report's range of whole days → the instants the platform reads, its
// counts as labelled rows, days left before an expiry, the review's headline and overdue notice, and a review as typed.
import { describe, expect, it } from 'vitest';
import {
  auditChainText,
  countRows,
  daysBadge,
  daysLeftText,
  defaultUsageRange,
  newestFirst,
  nextDay,
  overdueText,
  PROJECT_STATE_LABELS,
  rangeInWords,
  readReviewForm,
  readUsageRange,
  reviewHeadline,
  ROLE_COUNT_LABELS,
} from '../../../../renderer/src/admin/oversight-text.ts';

/** Local midnight as UTC for the tests: the range's days are this computer's; here the computer is in UTC. */
const utc = (local: string): string | null => (/^\d{4}-\d{2}-\d{2}T00:00$/.test(local) ? `${local}:00.000Z` : null);

describe('the usage report’s range', () => {
  it('defaults to the last 30 days, today included', () => {
    expect(defaultUsageRange(new Date(2026, 11, 15, 14, 30))).toEqual({ from: '2026-11-15', to: '2026-12-15' });
    expect(defaultUsageRange(new Date(2026, 2, 1, 0, 5))).toEqual({ from: '2026-01-30', to: '2026-03-01' });
  });

  it('counts both days whole: from the start of the first to the start of the day after the last', () => {
    expect(readUsageRange({ from: '2026-12-01', to: '2026-12-31' }, utc)).toEqual({
      ok: true,
      value: { from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' },
    });
    expect(readUsageRange({ from: '2026-12-01', to: '2026-12-01' }, utc)).toMatchObject({
      ok: true,
      value: { to: '2026-12-02T00:00:00.000Z' },
    });
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
    expect(nextDay('2027-02-28')).toBe('2027-03-01');
    expect(nextDay('not a day')).toBeNull();
  });

  it('says what is wrong with a range', () => {
    expect(readUsageRange({ from: '', to: '2026-12-01' }, utc)).toEqual({ ok: false, message: 'From: enter a date.' });
    expect(readUsageRange({ from: '2026-12-01', to: '' }, utc)).toEqual({ ok: false, message: 'To: enter a date.' });
    expect(readUsageRange({ from: '2026-12-02', to: '2026-12-01' }, utc)).toEqual({
      ok: false,
      message: 'To must be the same day as From or later.',
    });
  });
});

describe('the usage report’s range in words', () => {
  it('names the first and the last day, in this computer’s calendar', () => {
    const from = new Date(2026, 10, 3).toISOString();
    const to = new Date(2026, 11, 4).toISOString();
    expect(rangeInWords(from, to)).toBe('3 Nov 2026 to 3 Dec 2026');
    expect(rangeInWords(new Date(2026, 11, 3).toISOString(), to)).toBe('3 Dec 2026');
    expect(rangeInWords('x', 'y')).toBe('x to y');
  });
});

describe('the usage report’s counts', () => {
  it('are labelled in the order the labels give, then any others in words', () => {
    expect(countRows({ analyst: 2, admin: 1, auditor: 3 }, ROLE_COUNT_LABELS)).toEqual([
      { key: 'admin', label: 'Administrator', count: 1 },
      { key: 'analyst', label: 'Analyst', count: 2 },
      { key: 'auditor', label: 'Auditor', count: 3 },
    ]);
    expect(countRows({ no_agreement: 1, in_force: 3, brand_new_state: 1 }, PROJECT_STATE_LABELS).map((row) => row.label)).toEqual([
      'In force',
      'No agreement',
      'Brand new state',
    ]);
    expect(countRows({}, ROLE_COUNT_LABELS)).toEqual([]);
  });
});

describe('days before an expiry', () => {
  it('are said as days left, today, or how long ago', () => {
    expect(daysLeftText(12)).toBe('12 days left');
    expect(daysLeftText(1)).toBe('1 day left');
    expect(daysLeftText(0)).toBe('Today');
    expect(daysLeftText(-1)).toBe('1 day ago');
    expect(daysLeftText(-3)).toBe('3 days ago');
    expect(daysLeftText(null)).toBe('Never completed');
    expect([daysBadge(5), daysBadge(0), daysBadge(-2), daysBadge(null)]).toEqual(['pending', 'bad', 'bad', 'bad']);
  });
});

describe('the security review', () => {
  const last = { upTo: 40, note: 'Nothing odd.', by: 'demo-admin', at: '2026-12-01T09:00:00.000Z' };

  it('says which events it reads', () => {
    expect(reviewHeadline({ since: 0, headSeq: 12, lastReview: null })).toBe(
      'Events 1 to 12 (12 events): no review has been recorded yet.',
    );
    expect(reviewHeadline({ since: 40, headSeq: 41, lastReview: last })).toBe('Events 41 to 41 (1 event) since the last review.');
    expect(reviewHeadline({ since: 40, headSeq: 40, lastReview: last })).toBe(
      'Nothing has happened since the last review (up to event 40).',
    );
    expect(reviewHeadline({ since: 0, headSeq: 0, lastReview: null })).toBe('The audit log has no events yet.');
  });

  it('says why a review is overdue, and nothing when it is not', () => {
    expect(overdueText({ overdue: false, since: 0, headSeq: 12, lastReview: null })).toBeNull();
    expect(overdueText({ overdue: true, since: 0, headSeq: 12, lastReview: null })).toBe(
      'A security review is overdue: none has been recorded, and 12 events wait for one. Reviews are due every 7 days.',
    );
    expect(overdueText({ overdue: true, since: 40, headSeq: 41, lastReview: last })).toMatch(
      /^A security review is overdue: the last was on 1 Dec 2026, .* more than 7 days ago, and 1 event waits for the next\.$/,
    );
  });

  it('says how the audit chain verified, in words', () => {
    expect(auditChainText('intact (13 events, head 13 5941ce4e60dc)')).toBe('13 events checked, up to event 13 (hash 5941ce4e60dc).');
    expect(auditChainText('intact (1 event, head 1 00ff)')).toBe('1 event checked, up to event 1 (hash 00ff).');
    expect(auditChainText('intact (0 events, head none)')).toBe('The log is empty.');
    expect(auditChainText('broken: event 7 does not follow event 6')).toBe('event 7 does not follow event 6');
    expect(auditChainText('something else')).toBe('something else');
  });

  it('reads a review as typed: an event number and a note', () => {
    expect(readReviewForm({ upTo: ' 41 ', note: '  Checked the failed sign-ins. ' })).toEqual({
      ok: true,
      value: { upTo: 41, note: 'Checked the failed sign-ins.' },
    });
    expect(readReviewForm({ upTo: '0', note: 'Fine' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Up to event/) as unknown,
    });
    expect(readReviewForm({ upTo: '4.5', note: 'Fine' })).toMatchObject({ ok: false });
    expect(readReviewForm({ upTo: '41', note: ' ok ' })).toMatchObject({ ok: false, message: expect.stringMatching(/^Note/) as unknown });
  });

  it('lists the newest events first, and says how many more there are', () => {
    const events = [1, 5, 3, 9, 7].map((seq) => ({ seq }));
    expect(newestFirst(events, 3)).toEqual({ shown: [{ seq: 9 }, { seq: 7 }, { seq: 5 }], more: 2 });
    expect(newestFirst(events, 10).more).toBe(0);
  });
});
