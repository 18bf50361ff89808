// What one viewer may see of a release request, shaped from its stored record: the blinding and the secrecy of the
// airlock live here, in one place. A checker sees their own votes and comments, and the other checker's only once both
// reviews of the round are complete; the author and the project's members never see a private comment nor any vote
// (the decision says what they need), and see the checkers' public comments once the round's reviews are complete.
// A vote counts only while it is on the file's current version and its current check still publishes what the
// checker saw (the same SHA-256 of the published output) with the same verdict: a re-check that changes either makes
// the file's votes lapse, and the file is then shown as changed since its review.
// Pure: the service gives it the record, the names and what the viewer is.
import { createHash } from 'node:crypto';
import {
  EDITABLE_STATES,
  fileDecision,
  missingContext,
  REVIEW_STATES,
  type Comment,
  type FileDecision,
  type RequestAction,
  type RequestContext,
  type RequestDetail,
  type RequestFile,
  type RequestState,
  type RequestSummary,
  type ViewerRole,
  type VoteView,
  RequestContextSchema,
  DisagreementSchema,
  publishedBytes,
} from '../../common/airlock.ts';
import { OutputCheckSchema, publishedOutput, type OutputCheck } from '../../common/output-check.ts';
import { OutputDocumentSchema, type OutputDocument, type OutputKind } from '../../common/outputs.ts';
import type { StoredFile, StoredFileVersion, StoredRequest, StoredRequestRecord, StoredVote } from '../store/airlock.ts';

/** Who is looking, and what they are to this request. */
export interface Viewer {
  readonly userId: string;
  readonly role: ViewerRole;
  /** Holds the admin role (may revoke a release). */
  readonly admin: boolean;
}

/** Where the comments of a request may be written: while it is with the checkers, or back with the author. */
export const COMMENT_STATES: readonly RequestState[] = [...REVIEW_STATES, 'RETURNED'];
/** Where a request is open: not yet released, withdrawn or rejected. */
export const OPEN_STATES: readonly RequestState[] = ['PENDING', 'SUBMITTED', 'PARTIALLY_REVIEWED', 'REVIEWED', 'APPROVED', 'RETURNED'];
/** Where the author may withdraw the request. */
export const WITHDRAWABLE_STATES: readonly RequestState[] = OPEN_STATES;
/** Where a checker who reviewed may reject it. */
export const REJECTABLE_STATES: readonly RequestState[] = REVIEW_STATES;

export const stateOf = (request: StoredRequest): RequestState => request.state as RequestState;

/**
 * Whether the request is frozen: open while its author's access is suspended (issue 18). Nothing may change it until the
 * suspension is lifted, and then it is exactly as it was. A released request is not open: its revocation is the incident
 * response, never frozen.
 */
export const isFrozen = (request: StoredRequest, authorSuspended: boolean): boolean =>
  authorSuspended && OPEN_STATES.includes(stateOf(request));

export function contextOf(request: StoredRequest): RequestContext {
  return RequestContextSchema.parse(JSON.parse(request.context));
}

/** The platform's check of a file's current version; null for a supporting file. */
export function checkOf(file: Pick<StoredFile, 'current'>): OutputCheck | null {
  return file.current.output_check === null ? null : OutputCheckSchema.parse(JSON.parse(file.current.output_check));
}

/** Output files that are not withdrawn: what is reviewed and released. */
export function liveOutputs(record: Pick<StoredRequestRecord, 'files'>): StoredFile[] {
  return record.files.filter((file) => file.role === 'output' && file.withdrawn === 0);
}

/** What a checker votes on: the SHA-256 of the output as it would be published under a check, and the check's verdict. */
export interface ReviewedCheck {
  readonly publishedSha256: string;
  readonly verdict: OutputCheck['verdict'];
}

/** The SHA-256 of what a document would publish under a check. */
export function publishedSha256Of(document: OutputDocument, check: OutputCheck): string {
  return createHash('sha256')
    .update(publishedBytes(publishedOutput(document, check)))
    .digest('hex');
}

const reviewedChecks = new WeakMap<StoredFileVersion, ReviewedCheck | null>();

/** What a vote on this version of an output is cast on now; null for a supporting file or one whose record does not read. */
export function reviewedCheckOf(file: Pick<StoredFile, 'current'>): ReviewedCheck | null {
  const cached = reviewedChecks.get(file.current);
  if (cached !== undefined) return cached;
  let reviewed: ReviewedCheck | null = null;
  try {
    const check = checkOf(file);
    if (check !== null) {
      const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
      reviewed = { publishedSha256: publishedSha256Of(document, check), verdict: check.verdict };
    }
  } catch {
    reviewed = null;
  }
  reviewedChecks.set(file.current, reviewed);
  return reviewed;
}

/** Whether a vote was cast on the file's current check (what it publishes and its verdict). */
function onCurrentCheck(vote: StoredVote, file: StoredFile): boolean {
  const now = reviewedCheckOf(file);
  return now !== null && vote.published_sha256 === now.publishedSha256 && vote.verdict === now.verdict;
}

/**
 * The votes that count: those on the file's current version, cast on its current check (an update resets a file's
 * votes, and so does a re-check that changes what it publishes or its verdict).
 */
export function countingVotes(record: Pick<StoredRequestRecord, 'votes'>, file: StoredFile): StoredVote[] {
  return record.votes.filter(
    (vote) => vote.file_id === file.id && vote.file_version === file.current_version && onCurrentCheck(vote, file),
  );
}

/** Votes on the file's current version whose check has changed since: they count no more. */
export function lapsedVotes(record: Pick<StoredRequestRecord, 'votes'>, file: StoredFile): StoredVote[] {
  return record.votes.filter(
    (vote) => vote.file_id === file.id && vote.file_version === file.current_version && !onCurrentCheck(vote, file),
  );
}

/** The reviews of the request's current round. */
export function currentReviews(record: Pick<StoredRequestRecord, 'request' | 'reviews'>) {
  return record.reviews.filter((review) => review.round === record.request.round);
}

/** Whether both reviews of the current round are complete: the checkers' votes and comments are then revealed. */
export function roundRevealed(record: Pick<StoredRequestRecord, 'request' | 'reviews'>): boolean {
  return currentReviews(record).filter((review) => review.completed_at !== null).length >= 2;
}

/** The decision on each live output file from every counting vote (what the state machine reads, never shown as such). */
export function decisionOf(record: StoredRequestRecord, file: StoredFile): FileDecision {
  return fileDecision(countingVotes(record, file).map((vote) => vote.vote));
}

/** Whether every output file is approved or withdrawn (and there is at least one approved). */
export function allApproved(record: StoredRequestRecord): boolean {
  const outputs = liveOutputs(record);
  return outputs.length > 0 && outputs.every((file) => decisionOf(record, file) === 'approved');
}

/** Live output files this checker has no counting vote on. */
export function unvotedBy(record: StoredRequestRecord, checkerId: string): StoredFile[] {
  return liveOutputs(record).filter((file) => !countingVotes(record, file).some((vote) => vote.checker_id === checkerId));
}

/** Live output files with changes requested (or conflicted) that have no public comment from a checker in this round. */
export function uncommented(record: StoredRequestRecord): StoredFile[] {
  const author = record.request.author_id;
  return liveOutputs(record).filter((file) => {
    const decision = decisionOf(record, file);
    if (decision !== 'changes_requested' && decision !== 'conflicted') return false;
    return !record.comments.some(
      (comment) =>
        comment.file_id === file.id &&
        comment.visibility === 'public' &&
        comment.round === record.request.round &&
        comment.author_id !== author,
    );
  });
}

/** Live outputs whose verdict is not pass and that have no exception text. */
export function missingExceptions(record: StoredRequestRecord, verdictOf: (file: StoredFile) => string): string[] {
  return liveOutputs(record)
    .filter((file) => verdictOf(file) !== 'pass' && (file.current.exception ?? '').trim().length < 3)
    .map((file) => file.name);
}

export { missingContext };

/** Whether the viewer may see an item (a vote, a comment) written by `by` in `round`. */
function seesItem(viewer: Viewer, record: StoredRequestRecord, item: { by: string; round: number }): boolean {
  if (item.by === viewer.userId) return true;
  if (item.by === record.request.author_id) return true;
  return item.round < record.request.round || roundRevealed(record);
}

const nameOf = (names: ReadonlyMap<string, string>, id: string) => ({ id, name: names.get(id) ?? id });

export function summaryOf(
  request: StoredRequest,
  files: readonly StoredFile[],
  options: { projectName: string; names: ReadonlyMap<string, string>; authorSuspended: boolean },
): RequestSummary {
  const live = files.filter((file) => file.withdrawn === 0);
  return {
    id: request.id,
    projectId: request.project_id,
    projectName: options.projectName,
    title: request.title,
    state: stateOf(request),
    author: nameOf(options.names, request.author_id),
    createdAt: request.created_at,
    submittedAt: request.submitted_at,
    updatedAt: request.updated_at,
    version: Number(request.version),
    files: live.length,
    outputs: live.filter((file) => file.role === 'output').length,
    frozen: isFrozen(request, options.authorSuspended),
  };
}

/** Whether the viewer may know that a vote was cast: a checker what they may see, others once its round is revealed. */
function mayKnowOf(viewer: Viewer, record: StoredRequestRecord, vote: StoredVote): boolean {
  const round = Number(vote.round);
  if (viewer.role === 'checker') return seesItem(viewer, record, { by: vote.checker_id, round });
  return round < record.request.round || roundRevealed(record);
}

function voteView(vote: StoredVote, viewer: Viewer, names: ReadonlyMap<string, string>): VoteView {
  return {
    checker: nameOf(names, vote.checker_id),
    vote: vote.vote,
    disagreement: vote.disagreement === null ? null : DisagreementSchema.parse(JSON.parse(vote.disagreement)),
    fileVersion: Number(vote.file_version),
    at: vote.at,
    mine: vote.checker_id === viewer.userId,
  };
}

function fileView(
  record: StoredRequestRecord,
  file: StoredFile,
  options: { viewer: Viewer; names: ReadonlyMap<string, string>; everReturned: boolean },
): RequestFile {
  const { viewer, names } = options;
  const check = checkOf(file);
  const counting = countingVotes(record, file);
  const seen = counting.filter((vote) => seesItem(viewer, record, { by: vote.checker_id, round: Number(vote.round) }));
  // Checkers see the votes they may (their own, the other's once revealed); the author and members see none, and the
  // decision from the votes revealed to everyone.
  const shown = viewer.role === 'checker' ? seen : [];
  const decided =
    viewer.role === 'checker' ? seen : counting.filter((vote) => Number(vote.round) < record.request.round || roundRevealed(record));
  return {
    id: file.id,
    name: file.name,
    role: file.role,
    kind: (file.current.kind as OutputKind | null) ?? null,
    title: file.current.title,
    fileVersion: Number(file.current_version),
    sha256: file.current.sha256,
    addedAt: file.current.added_at,
    withdrawn: file.withdrawn === 1,
    verdict: check?.verdict ?? null,
    mitigation: check?.mitigation ?? null,
    exception: file.current.exception,
    decision: file.role === 'output' ? fileDecision(decided.map((vote) => vote.vote)) : 'undecided',
    votes: {
      visible: shown.map((vote) => voteView(vote, viewer, names)),
      hidden: viewer.role === 'checker' ? counting.length - seen.length : 0,
    },
    changedSinceReview:
      (options.everReturned && file.reviewed_version !== file.current_version) ||
      lapsedVotes(record, file).some((vote) => mayKnowOf(viewer, record, vote)),
  };
}

function commentsFor(record: StoredRequestRecord, viewer: Viewer, names: ReadonlyMap<string, string>): Comment[] {
  return record.comments
    .filter((comment) => (viewer.role === 'checker' ? true : comment.visibility === 'public'))
    .filter((comment) => seesItem(viewer, record, { by: comment.author_id, round: Number(comment.round) }))
    .map((comment) => ({
      id: comment.id,
      fileId: comment.file_id,
      cell: comment.cell === null ? null : (JSON.parse(comment.cell) as Comment['cell']),
      visibility: comment.visibility,
      text: comment.text,
      author: nameOf(names, comment.author_id),
      at: comment.at,
    }));
}

/** What the viewer may do now (the platform checks each again when it is asked). */
export function actionsFor(
  record: StoredRequestRecord,
  viewer: Viewer,
  options: { authorMayRequest: boolean; authorSuspended: boolean },
): RequestAction[] {
  const state = stateOf(record.request);
  const actions: RequestAction[] = [];
  if (isFrozen(record.request, options.authorSuspended)) return actions;
  if (viewer.role === 'author') {
    if (EDITABLE_STATES.includes(state) && options.authorMayRequest) actions.push('edit', 'submit');
    if (WITHDRAWABLE_STATES.includes(state)) actions.push('withdraw');
    if (COMMENT_STATES.includes(state)) actions.push('comment');
  }
  if (viewer.role === 'checker') {
    const mine = currentReviews(record).find((review) => review.checker_id === viewer.userId);
    const completed = mine?.completed_at !== null && mine !== undefined;
    const reviewing = currentReviews(record).length;
    if (REVIEW_STATES.includes(state) && (mine !== undefined || reviewing < 2)) actions.push('vote');
    if (COMMENT_STATES.includes(state)) actions.push('comment');
    if ((state === 'SUBMITTED' || state === 'PARTIALLY_REVIEWED') && mine !== undefined && !completed) actions.push('completeReview');
    if (state === 'REVIEWED' && completed) actions.push('return');
    if (REJECTABLE_STATES.includes(state) && mine !== undefined) actions.push('reject');
    if (state === 'APPROVED' && completed) actions.push('release');
  }
  if (state === 'RELEASED' && viewer.role !== 'author' && (viewer.role === 'checker' || viewer.admin)) actions.push('revoke');
  return actions;
}

export function detailOf(
  record: StoredRequestRecord,
  options: {
    viewer: Viewer;
    projectName: string;
    names: ReadonlyMap<string, string>;
    authorMayRequest: boolean;
    /** The author's access is suspended (issue 18): an open request is frozen. */
    authorSuspended: boolean;
  },
): RequestDetail {
  const { viewer, names } = options;
  const everReturned = record.history.some((entry) => entry.event === 'return');
  return {
    ...summaryOf(record.request, record.files, options),
    context: contextOf(record.request),
    files: record.files.map((file) => fileView(record, file, { viewer, names, everReturned })),
    comments: commentsFor(record, viewer, names),
    reviews: currentReviews(record).map((review) => ({
      checkerId: review.checker_id,
      name: names.get(review.checker_id) ?? review.checker_id,
      completedAt: review.completed_at,
    })),
    history: record.history.map((entry) => ({
      at: entry.at,
      by: nameOf(names, entry.actor),
      event: entry.event as RequestDetail['history'][number]['event'],
      fromState: entry.from_state as RequestState | null,
      toState: entry.to_state as RequestState,
      reason: entry.reason,
    })),
    round: Number(record.request.round),
    myRole: viewer.role,
    actions: actionsFor(record, viewer, options),
  };
}
