// The oversight screen's words and forms (issue 18), pure: the usage report's range as typed (days, in this computer's
// calendar) → the instants the platform reads, its counts as labelled rows, the security review's headline and overdue
// notice, days left before an expiry ("12 days left", "3 days ago"), and a review to record as typed.
import { REVIEW_INTERVAL_DAYS, type SecurityReview } from '../../../src/common/oversight.ts';
import { ROLE_LABELS, type Role } from '../../../src/common/people.ts';
import { formatCount } from '../shell/format.ts';
import { localToInstant } from './audit-filter.ts';
import { formatEventTime } from './audit-summary.ts';
import type { Reading } from './kill-switch-text.ts';
import { STATUS_LABELS } from './people-text.ts';

/** "42% of the quota": how much of a drive's quota its kept bytes take, rounded down (a full drive says 100%). */
export function quotaShare(usedBytes: number, quotaBytes: number): string {
  if (quotaBytes <= 0) return 'no quota';
  return `${Math.floor((Math.min(usedBytes, quotaBytes) / quotaBytes) * 100)}% of the quota`;
}

/** The range as typed: two date inputs' values ("2026-12-01"), both days included. */
export interface UsageRangeForm {
  readonly from: string;
  readonly to: string;
}

export const DEFAULT_RANGE_DAYS = 30;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad = (n: number): string => String(n).padStart(2, '0');

/** A day in this computer's calendar, as a date input writes it. */
export function localDay(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The default range: the last 30 days, today included. */
export function defaultUsageRange(now: Date): UsageRangeForm {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - DEFAULT_RANGE_DAYS);
  return { from: localDay(from), to: localDay(now) };
}

/** The calendar day after `day` ("2026-12-31" → "2027-01-01"); null if `day` is not a date. */
export function nextDay(day: string): string | null {
  const match = DAY.exec(day);
  if (match === null) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1));
  if (Number.isNaN(date.getTime())) return null;
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/**
 * The range as the platform reads it: from the start of the first day to the start of the day after the last (so both
 * days are counted whole), in this computer's time zone; or what is wrong.
 */
export function readUsageRange(
  form: UsageRangeForm,
  toInstant: (local: string) => string | null = localToInstant,
): Reading<{ from: string; to: string }> {
  const fromDay = form.from.trim();
  const toDay = form.to.trim();
  if (!DAY.test(fromDay)) return { ok: false, message: 'From: enter a date.' };
  if (!DAY.test(toDay)) return { ok: false, message: 'To: enter a date.' };
  if (toDay < fromDay) return { ok: false, message: 'To must be the same day as From or later.' };
  const after = nextDay(toDay);
  const from = toInstant(`${fromDay}T00:00`);
  const to = after === null ? null : toInstant(`${after}T00:00`);
  if (from === null) return { ok: false, message: 'From: enter a date.' };
  if (to === null) return { ok: false, message: 'To: enter a date.' };
  return { ok: true, value: { from, to } };
}

/** One labelled count of a report's table. */
export interface CountRow {
  readonly key: string;
  readonly label: string;
  readonly count: number;
}

const words = (key: string): string => {
  const text = key.replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
};

/** The counts in `order` first (the ones the platform sent), then any others it sent, labelled; zeros included. */
export function countRows(counts: Readonly<Record<string, number>>, labels: Readonly<Record<string, string>>): CountRow[] {
  const known = Object.keys(labels).filter((key) => key in counts);
  const others = Object.keys(counts)
    .filter((key) => !(key in labels))
    .sort();
  return [...known, ...others].map((key) => ({ key, label: labels[key] ?? words(key), count: counts[key] ?? 0 }));
}

export const ROLE_COUNT_LABELS: Readonly<Record<Role, string>> = {
  admin: ROLE_LABELS.admin,
  data_manager: ROLE_LABELS.data_manager,
  output_checker: ROLE_LABELS.output_checker,
  analyst: ROLE_LABELS.analyst,
};

export const STATUS_COUNT_LABELS: Readonly<Record<string, string>> = STATUS_LABELS;

/** Projects by the standing of their agreement today (src/platform/people/oversight.ts). */
export const PROJECT_STATE_LABELS: Readonly<Record<string, string>> = {
  in_force: 'In force',
  not_started: 'Not yet in force',
  expired: 'Expired',
  no_dpia: 'No DPIA: cannot start',
  suspended: 'Suspended (kill switch)',
  no_agreement: 'No agreement',
};

/** Days before an expiry in words: "12 days left", "1 day left", "today", "1 day ago", "3 days ago"; null: never. */
export function daysLeftText(days: number | null): string {
  if (days === null) return 'Never completed';
  if (days === 0) return 'Today';
  const n = Math.abs(days);
  const unit = n === 1 ? 'day' : 'days';
  return days > 0 ? `${formatCount(n)} ${unit} left` : `${formatCount(n)} ${unit} ago`;
}

/** Past (or never) is a problem now; to come is a warning. */
export function daysBadge(days: number | null): 'bad' | 'pending' {
  return days === null || days <= 0 ? 'bad' : 'pending';
}

/** What the review reads: "Events 13 to 245 (233 events) since the last review", or that nothing is new. */
export function reviewHeadline(review: Pick<SecurityReview, 'since' | 'headSeq' | 'lastReview'>): string {
  const count = review.headSeq - review.since;
  if (count <= 0) {
    return review.lastReview === null
      ? 'The audit log has no events yet.'
      : `Nothing has happened since the last review (up to event ${review.since}).`;
  }
  const events = `${formatCount(count)} ${count === 1 ? 'event' : 'events'}`;
  return review.lastReview === null
    ? `Events ${review.since + 1} to ${review.headSeq} (${events}): no review has been recorded yet.`
    : `Events ${review.since + 1} to ${review.headSeq} (${events}) since the last review.`;
}

/** Why a review is overdue, in words; null when it is not. */
export function overdueText(review: Pick<SecurityReview, 'overdue' | 'since' | 'headSeq' | 'lastReview'>): string | null {
  if (!review.overdue) return null;
  const waiting = review.headSeq - review.since;
  const events = `${formatCount(waiting)} ${waiting === 1 ? 'event waits' : 'events wait'}`;
  return review.lastReview === null
    ? `A security review is overdue: none has been recorded, and ${events} for one. Reviews are due every ${REVIEW_INTERVAL_DAYS} days.`
    : `A security review is overdue: the last was on ${formatEventTime(review.lastReview.at)}, more than ${REVIEW_INTERVAL_DAYS} days ago, and ${events} for the next.`;
}

/** A review to record, as typed: the last event it covers and what was found. */
export interface ReviewForm {
  readonly upTo: string;
  readonly note: string;
}

export function readReviewForm(form: ReviewForm): Reading<{ upTo: number; note: string }> {
  const upTo = form.upTo.trim();
  if (!/^[0-9]{1,15}$/.test(upTo) || Number(upTo) < 1)
    return { ok: false, message: 'Up to event: enter the number of an event (1 or more).' };
  const note = form.note.trim();
  if (note.length < 3) return { ok: false, message: 'Note: say what was reviewed and what was found (at least 3 characters).' };
  if (note.length > 4000) return { ok: false, message: 'Note: at most 4,000 characters.' };
  return { ok: true, value: { upTo: Number(upTo), note } };
}

/** The newest `limit` of a review's list, newest first, and how many more there are. */
export function newestFirst<T extends { seq: number }>(events: readonly T[], limit: number): { shown: T[]; more: number } {
  const sorted = [...events].sort((a, b) => b.seq - a.seq);
  return { shown: sorted.slice(0, limit), more: Math.max(0, sorted.length - limit) };
}

const dayFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });

/**
 * A report's range as the days it covers, in this computer's calendar: "3 Nov 2026 to 3 Dec 2026" (the platform's `to`
 * is the start of the day after the last).
 */
export function rangeInWords(from: string, to: string): string {
  const first = new Date(from);
  const last = new Date(Date.parse(to) - 1);
  if (Number.isNaN(first.getTime()) || Number.isNaN(last.getTime())) return `${from} to ${to}`;
  const [a, b] = [dayFormat.format(first), dayFormat.format(last)];
  return a === b ? a : `${a} to ${b}`;
}

/** The audit chain's verification in words: "13 events checked, up to event 13 (hash 5941ce4e60dc)", or its problem. */
export function auditChainText(summary: string): string {
  const intact = /^intact \((\d+) events?, head (\d+) ([0-9a-f]+)\)$/.exec(summary);
  if (intact !== null) {
    const events = Number(intact[1]);
    return `${formatCount(events)} ${events === 1 ? 'event' : 'events'} checked, up to event ${intact[2]} (hash ${intact[3]}).`;
  }
  if (/^intact \(0 events, head none\)$/.test(summary)) return 'The log is empty.';
  const broken = /^broken: (.*)$/.exec(summary);
  return broken === null ? summary : broken[1];
}
