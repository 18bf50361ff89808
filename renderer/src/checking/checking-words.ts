// The output checkers' words (issue 16), pure: a request's state, and the three separate words every output file
// carries — the engine's verdict (pass, flag, review), the mitigation applied (none, suppressed, rounded) and the
// checkers' decision (approved, changes requested, conflicted) — each with its own label, so no screen says "approved"
// for a verdict or "flag" for a decision; a checker's vote, the coded reasons for disagreeing with the engine, and the
// queue's age and progress in words.
import type { CommentVisibility, DisagreementCode, QueueEntry, RequestState, Vote } from '../../../src/common/airlock.ts';
import type { PublishedCell, ReviewFlagCode } from '../../../src/common/output-check.ts';
import type { Verdict } from '../../../src/common/outputs.ts';

// The words both sides share (state names, the three words and their labels) are the analyst screens' own.
export {
  DECISION_LABELS,
  DECISION_WORD,
  decisionTone,
  MITIGATION_LABELS,
  MITIGATION_WORD,
  STATE_LABELS,
  stateTone,
  VERDICT_LABELS,
  VERDICT_WORD,
  verdictTone,
  type Tone,
} from '../airlock/airlock-words.ts';

/** What a state asks of an output checker. */
export const STATE_HINTS: Readonly<Record<RequestState, string>> = {
  PENDING: 'Not submitted: the analyst is still preparing it.',
  SUBMITTED: 'Waiting for two independent reviews. Vote on every output file, then complete your review.',
  PARTIALLY_REVIEWED: 'One review is complete; the other is not yet.',
  REVIEWED: 'Both reviews are complete: return it to the analyst, reject it, or settle the votes so that every output file is approved.',
  APPROVED: 'Every output file is approved: a checker who reviewed it may release it.',
  RELEASED: 'Released: its outputs are in the project’s ledger. A release can be revoked, with a reason.',
  RETURNED: 'Returned to the analyst with comments: it comes back when they submit it again.',
  WITHDRAWN: 'Withdrawn by the analyst: nothing in it will be reviewed or released.',
  REJECTED: 'Rejected: nothing in it will be released.',
  REVOKED: 'Released, then revoked: its outputs may no longer be exported.',
};

/** Why a frozen request takes no decision (issue 18): its author is suspended; nothing about the incident behind it. */
export const FROZEN_LABEL = 'Frozen';
export const FROZEN_HINT =
  'Frozen: the analyst’s access is suspended by an administrator. You can read this request, but nobody can vote, comment, review, return, reject or release it until the suspension is lifted; then it is exactly as it was.';

export const VERDICT_HINTS: Readonly<Record<Verdict, string>> = {
  pass: 'Every disclosure-control rule passes.',
  flag: 'A disclosure-control rule fails.',
  review: 'The engine asks a person to judge it.',
};

export const VOTE_LABELS: Readonly<Record<Vote, string>> = { approve: 'Approve', request_changes: 'Request changes' };

export const DISAGREEMENT_LABELS: Readonly<Record<DisagreementCode, string>> = {
  structural_zero: 'A structural zero (it cannot be otherwise)',
  already_public: 'The figures are already public',
  safe_in_context: 'Safe in this context (say why)',
  missed_small_group: 'A small group the engine could not see',
  missed_differencing: 'Differencing the engine missed',
  missed_class_disclosure: 'Class disclosure the engine missed',
  dominance_concern: 'One or two contributors dominate',
  other: 'Another reason (say it)',
};

/** The reasons that fit a vote against the engine: approving what it flagged, or asking for changes to what it passed. */
export function disagreementCodesFor(vote: Vote): DisagreementCode[] {
  return vote === 'approve'
    ? ['structural_zero', 'already_public', 'safe_in_context', 'other']
    : ['missed_small_group', 'missed_differencing', 'missed_class_disclosure', 'dominance_concern', 'other'];
}

export const VISIBILITY_LABELS: Readonly<Record<CommentVisibility, string>> = {
  public: 'Public: the analyst sees it',
  private: 'Private: checkers only, never shown to the analyst',
};

export const CELL_STATUS_LABELS: Readonly<Record<PublishedCell['status'], string>> = {
  published: 'published',
  rounded: 'rounded',
  suppressed: 'suppressed',
  empty: 'empty',
};

export const FLAG_LABELS: Readonly<Record<ReviewFlagCode, string>> = {
  extreme_percentage: 'A share of 0% or 100% (as a percentage or a rate) beside a hidden cell',
  class_disclosure: 'Class disclosure',
  differencing: 'Differencing against a release',
};

function unit(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How long a request has waited, in whole units rounded down ("under a minute", "5 hours", "3 days"). */
export function ageText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 60) return 'under a minute';
  if (seconds < 3600) return unit(Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return unit(Math.floor(seconds / 3600), 'hour');
  return unit(Math.floor(seconds / 86_400), 'day');
}

/** The checker's own progress on a queued request: "1 of 3 output files voted", and whether their review is complete. */
export function progressText(entry: Pick<QueueEntry, 'outputs' | 'mine'>): string {
  if (entry.mine.completed) return `Your review is complete (${entry.mine.voted} of ${unit(entry.outputs, 'output file')} voted)`;
  if (entry.outputs === 0) return 'No output files to vote on';
  return `${entry.mine.voted} of ${unit(entry.outputs, 'output file')} voted`;
}

/** The reviews of the round: "No review complete", "1 of 2 reviews complete", "Both reviews complete". */
export function reviewsText(completed: number): string {
  if (completed <= 0) return 'No review complete';
  if (completed === 1) return '1 of 2 reviews complete';
  return 'Both reviews complete';
}

/** "1 file", "3 files". */
export function filesWord(n: number): string {
  return unit(n, 'file');
}

/** A list of names in words: "“a”", "“a” and “b”", "“a”, “b” and “c”". */
export function namesText(names: readonly string[]): string {
  const quoted = names.map((name) => `“${name}”`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1) ?? ''}`;
}

/** The queue as a checker works through it: the longest waiting first (ties: by title). */
export function oldestFirst<T extends Pick<QueueEntry, 'ageSeconds' | 'title'>>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => b.ageSeconds - a.ageSeconds || a.title.localeCompare(b.title));
}
