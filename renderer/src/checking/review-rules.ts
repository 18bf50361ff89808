// What a checker's review page works out from the request and a file's content, pure: the output files to vote on
// and which still lack my vote, which files a return still needs a public comment on, whether the other checker's
// votes and comments are blinded, how many files a release lets out, and the marks on a table's cells (which fail a
// rule, which are hidden to protect them, which a flag asks a person to look at) with the evidence behind each.
import { disagreesWithEngine } from '../../../src/common/airlock.ts';
import type { Comment, RequestDetail, RequestFile, Vote, VoteView } from '../../../src/common/airlock.ts';
import type { CellEvidence, CellKey, OutputCheck } from '../../../src/common/output-check.ts';
import type { Verdict } from '../../../src/common/outputs.ts';
import { cellKeyId, covers } from './cell-keys.ts';

/** The output files that count: not withdrawn. Supporting files are never voted on nor released. */
export function liveOutputs(detail: Pick<RequestDetail, 'files'>): RequestFile[] {
  return detail.files.filter((file) => file.role === 'output' && !file.withdrawn);
}

export function myVote(file: RequestFile): VoteView | null {
  return file.votes.visible.find((vote) => vote.mine) ?? null;
}

/** Output files I have not voted on (completing my review needs a vote on every one). */
export function unvotedOutputs(detail: Pick<RequestDetail, 'files'>): RequestFile[] {
  return liveOutputs(detail).filter((file) => myVote(file) === null);
}

/**
 * Whether a checker's public comment of this round (written since the request was last submitted) is anchored to the
 * file or a cell of it: what the platform counts before a return (the analyst's own answers do not).
 */
function hasCheckerComment(file: RequestFile, detail: Pick<RequestDetail, 'comments' | 'submittedAt' | 'author'>): boolean {
  const from = detail.submittedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(detail.submittedAt);
  return detail.comments.some(
    (comment) =>
      comment.fileId === file.id &&
      comment.visibility === 'public' &&
      comment.author.id !== detail.author.id &&
      Date.parse(comment.at) >= from,
  );
}

/**
 * Files a return still needs a public comment on: every output file with changes requested (or conflicted) that has no
 * public comment from a checker in this round telling the analyst what to change.
 */
export function filesMissingPublicComment(detail: Pick<RequestDetail, 'files' | 'comments' | 'submittedAt' | 'author'>): RequestFile[] {
  return liveOutputs(detail).filter(
    (file) => (file.decision === 'changes_requested' || file.decision === 'conflicted') && !hasCheckerComment(file, detail),
  );
}

/**
 * Until both reviews of the round are complete, a checker sees only their own votes and comments (and the analyst's);
 * before the first submission there is nothing to blind.
 */
export function isBlinded(detail: Pick<RequestDetail, 'reviews' | 'round'>): boolean {
  return detail.round > 0 && detail.reviews.filter((review) => review.completedAt !== null).length < 2;
}

/** The output files a release lets out of the environment: those approved (withdrawn ones stay). */
export function filesToRelease(detail: Pick<RequestDetail, 'files'>): RequestFile[] {
  return liveOutputs(detail).filter((file) => file.decision === 'approved');
}

/** Whether this vote on an output with this verdict needs a coded reason (it goes against the engine). */
export function needsDisagreement(verdict: Verdict | null, vote: Vote): boolean {
  return verdict !== null && disagreesWithEngine(verdict, vote);
}

export type CellMarkKind = 'fails' | 'protects' | 'review';

export interface CellMark {
  /** `fails`: the cell fails a rule; `protects`: hidden so a failing cell cannot be recovered; `review`: a flag asks a person to look. */
  kinds: CellMarkKind[];
  /** Why, in the engine's words (the rules it fails, the flags it is part of). */
  reasons: string[];
}

/** The marks on each cell of a table output, by cellKeyId (cells with none are absent). */
export function cellMarks(check: OutputCheck, cellKeys: readonly CellKey[]): Map<string, CellMark> {
  const marks = new Map<string, CellMark>();
  const add = (key: CellKey, kind: CellMarkKind, reasons: readonly string[]): void => {
    const id = cellKeyId(key);
    const mark = marks.get(id) ?? { kinds: [], reasons: [] };
    if (!mark.kinds.includes(kind)) mark.kinds.push(kind);
    for (const reason of reasons) if (!mark.reasons.includes(reason)) mark.reasons.push(reason);
    marks.set(id, mark);
  };
  const reports = check.check === null ? [] : [...check.check.cells, ...check.check.totals];
  for (const report of reports) {
    if (report.status === 'primary') add(report.key, 'fails', report.reasons);
    if (report.status === 'secondary') add(report.key, 'protects', report.reasons);
  }
  for (const flag of check.flags) {
    // A differencing flag names only the dimensions the two outputs share: it covers every cell under that key.
    for (const pattern of flag.cells) for (const key of cellKeys) if (covers(pattern, key)) add(key, 'review', [flag.message]);
  }
  return marks;
}

/** The evidence behind one cell (checkers only), or null when the engine has none for it. */
export function evidenceFor(check: OutputCheck, key: CellKey): CellEvidence | null {
  const id = cellKeyId(key);
  return check.evidence.find((evidence) => evidence.cell !== null && cellKeyId(evidence.cell) === id) ?? null;
}

/** Evidence about the whole output (a regression's residual degrees of freedom). */
export function wholeOutputEvidence(check: OutputCheck): CellEvidence[] {
  return check.evidence.filter((evidence) => evidence.cell === null);
}

/** Comments anchored to one file (to it or to one of its cells), oldest first as the platform lists them. */
export function commentsOn(comments: readonly Comment[], fileId: string | null): Comment[] {
  return comments.filter((comment) => comment.fileId === fileId);
}

const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });

/** The evidence behind a cell in words, one fact a line. */
export function evidenceLines(evidence: CellEvidence): string[] {
  const lines: string[] = [];
  if (evidence.count !== null) lines.push(`Rows in the cell: ${evidence.count}`);
  if (evidence.contributors !== null) lines.push(`Contributors (values that enter the statistic): ${evidence.contributors}`);
  if (evidence.top1Share !== null) lines.push(`Largest contribution: ${percent.format(evidence.top1Share)} of the cell’s total`);
  if (evidence.top2Share !== null) lines.push(`Two largest contributions: ${percent.format(evidence.top2Share)} of the cell’s total`);
  if (evidence.residualDof !== null) lines.push(`Residual degrees of freedom: ${evidence.residualDof}`);
  return lines;
}

export interface DisagreementForm {
  code: string;
  text: string;
}

/** The vote form's own check before anything is sent: a vote against the engine needs a coded reason and words. */
export function readDisagreement(form: DisagreementForm): { ok: true } | { ok: false; message: string } {
  if (form.code === '') return { ok: false, message: 'Your vote goes against the engine’s verdict: choose the reason.' };
  if (form.text.trim().length < 3) return { ok: false, message: 'Say in words why you disagree with the engine (at least 3 characters).' };
  return { ok: true };
}
