// The airlock's words on the analyst's screens (issue 16), pure: a request's state and what happens next, and the three
// separate words every output file carries — the engine's verdict (pass, flag, review), the mitigation applied (none,
// suppressed, rounded) and the checkers' decision (approved, changes requested, conflicted) — each with its own label,
// so no screen ever says "approved" for a verdict or "flag" for a decision.
import type { FileDecision, RequestState } from '../../../src/common/airlock.ts';
import type { Mitigation, Verdict } from '../../../src/common/outputs.ts';

export const STATE_LABELS: Readonly<Record<RequestState, string>> = {
  PENDING: 'Pending',
  SUBMITTED: 'Submitted',
  PARTIALLY_REVIEWED: 'Partly reviewed',
  REVIEWED: 'Reviewed',
  APPROVED: 'Approved',
  RELEASED: 'Released',
  RETURNED: 'Returned',
  WITHDRAWN: 'Withdrawn',
  REJECTED: 'Rejected',
  REVOKED: 'Revoked',
};

/** What a state means to the request's author: where the request is, and what happens next. */
export const STATE_HINTS: Readonly<Record<RequestState, string>> = {
  PENDING: 'Not submitted yet: add files, describe them, then submit. Nobody reviews it until then.',
  SUBMITTED: 'Waiting for two output checkers to review it. Its files cannot change now.',
  PARTIALLY_REVIEWED: 'One output checker has finished reviewing it; the second has not yet.',
  REVIEWED: 'Both output checkers have reviewed it; they decide what happens next.',
  APPROVED: 'Every output file is approved; an output checker releases it.',
  RELEASED: 'Released: its output files are in the project’s ledger of released outputs, and may be exported.',
  RETURNED: 'Returned to you with comments: change what they ask, answer them, and submit again.',
  WITHDRAWN: 'Withdrawn: nothing in it will be reviewed or released.',
  REJECTED: 'Rejected by the output checkers: nothing in it will be released.',
  REVOKED: 'Released, then revoked: its outputs may no longer be exported.',
};

export type Tone = 'good' | 'pending' | 'bad' | 'over';

/** The badge colour a state wears (the classes of the agreement badges). */
export function stateTone(state: RequestState): Tone {
  switch (state) {
    case 'APPROVED':
    case 'RELEASED':
      return 'good';
    case 'RETURNED':
    case 'SUBMITTED':
    case 'PARTIALLY_REVIEWED':
    case 'REVIEWED':
      return 'pending';
    case 'REJECTED':
    case 'REVOKED':
      return 'bad';
    case 'PENDING':
    case 'WITHDRAWN':
      return 'over';
  }
}

/** Whether the author may still change the request: its title and context, and its files. */
export function isEditable(state: RequestState): boolean {
  return state === 'PENDING' || state === 'RETURNED';
}

export const VERDICT_WORD = 'Engine’s verdict';
export const MITIGATION_WORD = 'Mitigation applied';
export const DECISION_WORD = 'Checkers’ decision';

export const VERDICT_LABELS: Readonly<Record<Verdict, string>> = { pass: 'Pass', flag: 'Flag', review: 'Review' };
export const VERDICT_HINTS: Readonly<Record<Verdict, string>> = {
  pass: 'Every disclosure-control rule passes.',
  flag: 'A disclosure-control rule fails: say why it may still be released, or change the output.',
  review: 'A person must look (a 0% or 100% next to a hidden cell, a category holding everyone, a negative or missing value).',
};

export const MITIGATION_LABELS: Readonly<Record<Mitigation, string>> = { none: 'None', suppressed: 'Suppressed', rounded: 'Rounded' };

export const DECISION_LABELS: Readonly<Record<FileDecision, string>> = {
  undecided: 'Not decided yet',
  approved: 'Approved',
  changes_requested: 'Changes requested',
  conflicted: 'Conflicted',
};
export const DECISION_HINTS: Readonly<Record<FileDecision, string>> = {
  undecided: 'The output checkers have not both voted on it.',
  approved: 'Both output checkers approved it.',
  changes_requested: 'The output checkers ask for a change: read their comments.',
  conflicted: 'The output checkers disagree; it stays conflicted until one of them changes their vote.',
};

export function verdictTone(verdict: Verdict): Tone {
  return verdict === 'pass' ? 'good' : verdict === 'flag' ? 'bad' : 'pending';
}

export function decisionTone(decision: FileDecision): Tone {
  return decision === 'approved' ? 'good' : decision === 'undecided' ? 'over' : decision === 'conflicted' ? 'pending' : 'bad';
}
