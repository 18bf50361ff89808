// The airlock (issue 16): release requests, their files, the checkers' votes and reviews, the ledger of released outputs
// and the release package. Pure zod and pure rules, shared by the platform's routes (src/common/platform-api.ts), the
// workstation contract (src/common/contract.ts) and the renderer. The state machine (`nextState`) and the per-file
// decision (`fileDecision`) live here so that every side names the same states for the same reasons; the platform is
// the one that enforces them. This file must not import contract.ts at run time: contract.ts imports it.
//
// Three separate words everywhere: the engine's verdict (pass | flag | review, outputs.ts), the mitigation applied
// (none | suppressed | rounded, outputs.ts), and the human decision per output file (undecided | approved |
// changes_requested | conflicted, here).
import { z } from 'zod';
import { EnclaveError } from './errors.ts';
import { CellKeySchema, OutputCheckSchema, PublishedOutputSchema, type CellKey } from './output-check.ts';
import { MitigationSchema, OutputDocumentSchema, SupportingFileSchema, VerdictSchema, type OutputKind, type Verdict } from './outputs.ts';

// ---- Ids and words ------------------------------------------------------------------------------------------------

/** A request's id: `req-` and 20 hex digits. */
export const REQUEST_ID_PATTERN = /^req-[0-9a-f]{20}$/;
/** A request file's id: `file-` and 20 hex digits (it stays the same across the file's versions). */
export const FILE_ID_PATTERN = /^file-[0-9a-f]{20}$/;
/** A comment's id: `cmt-` and 20 hex digits. */
export const COMMENT_ID_PATTERN = /^cmt-[0-9a-f]{20}$/;

export const RequestIdSchema = z.string().regex(REQUEST_ID_PATTERN, 'must be a request id (req- and 20 hex digits)');
export const FileIdSchema = z.string().regex(FILE_ID_PATTERN, 'must be a file id (file- and 20 hex digits)');

export const REASON_MAX_CHARS = 2000;
export const COMMENT_MAX_CHARS = 4000;
export const CONTEXT_MAX_CHARS = 5000;
export const EXCEPTION_MAX_CHARS = 4000;

/** Words a person types that must say something: a reason, a comment. */
const Words = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((text) => text.trim().length >= 3, 'must say something (at least 3 characters)');

/** What a person calls a request. */
export const RequestTitleSchema = Words(200);

/** A file's name within its request: what the analyst calls it; the same name again is a new version of that file. */
export const RequestFileNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^/\\\0]+$/, 'must be a file name, not a path')
  .refine((name) => name.trim() === name && name !== '.' && name !== '..', 'must not start or end with spaces, nor be . or ..');

/** A cell of a table output, by its categories ({ "sex": "F", "age_band": "40-49" }); "*" names a total. */
export { CellKeySchema, type CellKey };

// ---- States, events, votes, decisions -----------------------------------------------------------------------------

export const RequestStateSchema = z.enum([
  'PENDING',
  'SUBMITTED',
  'PARTIALLY_REVIEWED',
  'REVIEWED',
  'APPROVED',
  'RELEASED',
  'RETURNED',
  'WITHDRAWN',
  'REJECTED',
  'REVOKED',
]);
export type RequestState = z.infer<typeof RequestStateSchema>;
export const REQUEST_STATES = RequestStateSchema.options;

/** The state in words, for messages and screens. */
export const STATE_WORDS: Readonly<Record<RequestState, string>> = {
  PENDING: 'pending',
  SUBMITTED: 'submitted',
  PARTIALLY_REVIEWED: 'partially reviewed',
  REVIEWED: 'reviewed',
  APPROVED: 'approved',
  RELEASED: 'released',
  RETURNED: 'returned',
  WITHDRAWN: 'withdrawn',
  REJECTED: 'rejected',
  REVOKED: 'revoked',
};

/** Where the author may change the request (context, files): before submission and after a return. */
export const EDITABLE_STATES: readonly RequestState[] = ['PENDING', 'RETURNED'];
/** Where the checkers work: the queue lists these, and votes may be cast or changed in them. */
export const REVIEW_STATES: readonly RequestState[] = ['SUBMITTED', 'PARTIALLY_REVIEWED', 'REVIEWED', 'APPROVED'];

export const RequestEventSchema = z.enum([
  'submit',
  'withdraw',
  'review_completed',
  'votes_changed',
  'return',
  'reject',
  'release',
  'revoke',
]);
export type RequestEvent = z.infer<typeof RequestEventSchema>;
export const REQUEST_EVENTS = RequestEventSchema.options;

/** A checker's vote on one output file. */
export const VoteSchema = z.enum(['approve', 'request_changes']);
export type Vote = z.infer<typeof VoteSchema>;

/** The human decision on one output file, from its votes (fileDecision). */
export const FileDecisionSchema = z.enum(['undecided', 'approved', 'changes_requested', 'conflicted']);
export type FileDecision = z.infer<typeof FileDecisionSchema>;

/**
 * The decision the votes on a file's current version make: an approve and a request_changes make it `conflicted` until
 * one reviewer changes their vote; two approvals approve it; two requests for changes make it `changes_requested`; fewer
 * than two votes leave it `undecided`.
 */
export function fileDecision(votes: readonly Vote[]): FileDecision {
  const approvals = votes.filter((vote) => vote === 'approve').length;
  const changes = votes.length - approvals;
  if (approvals > 0 && changes > 0) return 'conflicted';
  if (approvals >= 2) return 'approved';
  if (changes >= 2) return 'changes_requested';
  return 'undecided';
}

/** Whether a vote goes against the engine's verdict (approving a flag or a review, or asking for changes on a pass). */
export function disagreesWithEngine(verdict: Verdict, vote: Vote): boolean {
  return vote === 'approve' ? verdict !== 'pass' : verdict === 'pass';
}

/** Why a checker's vote goes against the engine's verdict: a coded reason, with text and the cells it concerns. */
export const DisagreementCodeSchema = z.enum([
  /** A zero that cannot be otherwise (no men with a pregnancy code): not disclosive. */
  'structural_zero',
  /** The figures are public already (published elsewhere, national statistics). */
  'already_public',
  /** The rule fires, but in this context nothing about a person can be learnt (explained in the text). */
  'safe_in_context',
  /** The engine passed a small group it could not see (a category that is itself a small population). */
  'missed_small_group',
  /** The output differs from an earlier release, or from another output of this request, by a small group. */
  'missed_differencing',
  /** Every member of a row or column falls in one category: something is learnt about all of them. */
  'missed_class_disclosure',
  /** One or two contributors dominate a magnitude the engine passed. */
  'dominance_concern',
  'other',
]);
export type DisagreementCode = z.infer<typeof DisagreementCodeSchema>;

export const DisagreementSchema = z
  .object({
    code: DisagreementCodeSchema,
    text: Words(REASON_MAX_CHARS),
    /** The cells the disagreement concerns; empty when it concerns the whole output. */
    cells: z.array(CellKeySchema).max(1000),
  })
  .strict();
export type Disagreement = z.infer<typeof DisagreementSchema>;

// ---- The state machine --------------------------------------------------------------------------------------------

/** What the platform knows when an event happens, per event: the rules of each transition read only these. */
export interface TransitionFacts {
  readonly submit: {
    /** Output files not withdrawn. */
    readonly outputFiles: number;
    /** Names of the outputs (not withdrawn) whose verdict is not pass and that have no exception text. */
    readonly missingExceptions: readonly string[];
    /** Names of the context's fields that are empty. */
    readonly missingContext: readonly string[];
  };
  readonly withdraw: Record<string, never>;
  readonly review_completed: {
    /** Output files (not withdrawn) the checker completing has no vote on. */
    readonly unvoted: readonly string[];
    /** Whether every output file is approved or withdrawn. */
    readonly allApproved: boolean;
  };
  readonly votes_changed: { readonly allApproved: boolean };
  readonly return: {
    /** Files with changes requested (or conflicted) that have no public comment. */
    readonly uncommented: readonly string[];
  };
  readonly reject: { readonly reason: string };
  readonly release: { readonly allApproved: boolean };
  readonly revoke: { readonly reason: string };
}

const nothingChanged = 'Nothing was changed.';

function refuse(message: string): never {
  throw new EnclaveError('conflict', `${message} ${nothingChanged}`);
}

function inState(state: RequestState, allowed: readonly RequestState[], doing: string): void {
  if (allowed.includes(state)) return;
  const words = allowed.map((s) => STATE_WORDS[s]);
  const list = words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  refuse(`This request is ${STATE_WORDS[state]}: ${doing} only a ${list} request.`);
}

function named(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => `"${name}"`);
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ');
}

function hasWords(text: string): boolean {
  return text.trim().length >= 3;
}

/** Each event's rule: the states it may happen in, what the facts must say, and the state it leads to. */
const TRANSITIONS: { readonly [E in RequestEvent]: (state: RequestState, facts: TransitionFacts[E]) => RequestState } = {
  submit(state, { outputFiles, missingExceptions, missingContext: missing }) {
    inState(state, EDITABLE_STATES, 'you can submit');
    if (outputFiles < 1) refuse('A request needs at least one output file before it is submitted.');
    if (missing.length > 0) refuse(`Fill in the request's context first: ${missing.join(', ')}.`);
    if (missingExceptions.length > 0)
      refuse(
        `Every output that does not pass the checks needs an exception text saying why it should be released: ${named(missingExceptions)}.`,
      );
    return 'SUBMITTED';
  },
  withdraw(state) {
    inState(state, ['PENDING', 'SUBMITTED', 'PARTIALLY_REVIEWED', 'REVIEWED', 'APPROVED', 'RETURNED'], 'you can withdraw');
    return 'WITHDRAWN';
  },
  review_completed(state, { unvoted, allApproved }) {
    inState(state, ['SUBMITTED', 'PARTIALLY_REVIEWED'], 'a review can be completed on');
    if (unvoted.length > 0) refuse(`Vote on every output file before completing your review: ${named(unvoted)} still need your vote.`);
    if (state === 'SUBMITTED') return 'PARTIALLY_REVIEWED';
    return allApproved ? 'APPROVED' : 'REVIEWED';
  },
  votes_changed(state, { allApproved }) {
    inState(state, REVIEW_STATES, 'votes can be cast on');
    if (state === 'REVIEWED' && allApproved) return 'APPROVED';
    if (state === 'APPROVED' && !allApproved) return 'REVIEWED';
    return state;
  },
  return(state, { uncommented }) {
    inState(state, ['REVIEWED'], 'you can return');
    if (uncommented.length > 0)
      refuse(`Every file with changes requested needs a public comment telling the analyst what to change: ${named(uncommented)}.`);
    return 'RETURNED';
  },
  reject(state, { reason }) {
    inState(state, ['SUBMITTED', 'PARTIALLY_REVIEWED', 'REVIEWED', 'APPROVED'], 'you can reject');
    if (!hasWords(reason)) refuse('A rejection needs a reason.');
    return 'REJECTED';
  },
  release(state, { allApproved }) {
    inState(state, ['APPROVED'], 'you can release');
    if (!allApproved) refuse('Every output file must be approved (or withdrawn) before release.');
    return 'RELEASED';
  },
  revoke(state, { reason }) {
    inState(state, ['RELEASED'], 'you can revoke');
    if (!hasWords(reason)) refuse('A revocation needs a reason.');
    return 'REVOKED';
  },
};

/**
 * The state a request moves to when `event` happens in `state`, or EnclaveError('conflict') saying why it cannot. Pure:
 * who may cause the event (the author, a checker who reviewed) is the platform's to check; this says only whether the
 * request's state and the facts allow it.
 */
export function nextState<E extends RequestEvent>(state: RequestState, event: E, facts: TransitionFacts[E]): RequestState {
  if (!Object.hasOwn(TRANSITIONS, event)) refuse(`There is no such event: ${String(event)}.`);
  const transition = TRANSITIONS[event] as (state: RequestState, facts: TransitionFacts[E]) => RequestState;
  return transition(state, facts);
}

// ---- The request's shapes -----------------------------------------------------------------------------------------

/** The request's context, in words: what the outputs are, of whom, and how they relate to earlier releases. */
export const RequestContextSchema = z
  .object({
    /** What the outputs show and why they are needed. */
    description: z.string().max(CONTEXT_MAX_CHARS, `must be at most ${CONTEXT_MAX_CHARS} characters`),
    /** The population the outputs count, and the denominator of any rate or percentage. */
    population: z.string().max(CONTEXT_MAX_CHARS, `must be at most ${CONTEXT_MAX_CHARS} characters`),
    /** How the outputs relate to earlier outputs of this project (overlaps, the same population cut differently). */
    relationship: z.string().max(CONTEXT_MAX_CHARS, `must be at most ${CONTEXT_MAX_CHARS} characters`),
  })
  .strict();
export type RequestContext = z.infer<typeof RequestContextSchema>;

/** The context's fields that are empty (a submission needs none), by their names in words. */
export function missingContext(context: RequestContext): string[] {
  const words: Record<keyof RequestContext, string> = {
    description: 'the description',
    population: 'the population and denominator',
    relationship: 'the relationship to earlier outputs',
  };
  return (Object.keys(words) as Array<keyof RequestContext>).filter((key) => !hasWords(context[key])).map((key) => words[key]);
}

export const PersonRefSchema = z.object({ id: z.string(), name: z.string() });
export type PersonRef = z.infer<typeof PersonRefSchema>;

export const RequestSummarySchema = z.object({
  id: RequestIdSchema,
  projectId: z.string(),
  projectName: z.string(),
  title: z.string(),
  state: RequestStateSchema,
  author: PersonRefSchema,
  createdAt: z.iso.datetime(),
  /** When it was last submitted; null before its first submission. */
  submittedAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
  /** +1 on every change; state-changing calls send the version they saw (expectedVersion). */
  version: z.number().int().positive(),
  /** Files not withdrawn. */
  files: z.number().int().nonnegative(),
  /** Output files not withdrawn. */
  outputs: z.number().int().nonnegative(),
  /**
   * Frozen: the request is open while its author's access is suspended by an administrator (issue 18). The platform
   * refuses every change to it, by anyone, until the suspension is lifted; it can still be read. Absent: not frozen.
   */
  frozen: z.boolean().optional(),
});
export type RequestSummary = z.infer<typeof RequestSummarySchema>;

/** One checker's vote as the viewer may see it (blinded: see FileVotes). */
export const VoteViewSchema = z.object({
  checker: PersonRefSchema,
  vote: VoteSchema,
  disagreement: DisagreementSchema.nullable(),
  /** The file version the vote was cast on (always the current one: an update resets the file's votes). */
  fileVersion: z.number().int().positive(),
  at: z.iso.datetime(),
  /** The viewer's own vote. */
  mine: z.boolean(),
});
export type VoteView = z.infer<typeof VoteViewSchema>;

/**
 * The votes on a file's current version that the viewer may see: a checker sees their own, and the other checker's only
 * once both reviews of the round are complete (`hidden` counts the rest); the author and members see none (the decision
 * says what they need).
 */
export const FileVotesSchema = z.object({
  visible: z.array(VoteViewSchema),
  hidden: z.number().int().nonnegative(),
});
export type FileVotes = z.infer<typeof FileVotesSchema>;

export const FileRoleSchema = z.enum(['output', 'supporting']);
export type FileRole = z.infer<typeof FileRoleSchema>;

export const RequestFileSchema = z.object({
  id: FileIdSchema,
  name: z.string(),
  role: FileRoleSchema,
  kind: z.enum(['frequency', 'magnitude', 'chart', 'regression']).nullable(),
  /** The output's title; null for a supporting file. */
  title: z.string().nullable(),
  /** 1 when added, +1 on every update with different bytes. */
  fileVersion: z.number().int().positive(),
  /** SHA-256 (hex) of the stored bytes: an output's `outputBytes`, a supporting file's canonical JSON. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  addedAt: z.iso.datetime(),
  withdrawn: z.boolean(),
  /** The platform's check of this version (null for a supporting file). */
  verdict: VerdictSchema.nullable(),
  mitigation: MitigationSchema.nullable(),
  /** Why an output that does not pass should be released, in the analyst's words. */
  exception: z.string().nullable(),
  /** The human decision, from the votes the viewer may see (supporting files stay undecided: they are never released). */
  decision: FileDecisionSchema,
  votes: FileVotesSchema,
  /**
   * Changed since the checkers reviewed it: updated on a resubmission (the file view holds the reviewed version for a
   * diff), or its disclosure check changed since votes were cast on it (those votes count no more).
   */
  changedSinceReview: z.boolean(),
});
export type RequestFile = z.infer<typeof RequestFileSchema>;

export const CommentVisibilitySchema = z.enum(['public', 'private']);
export type CommentVisibility = z.infer<typeof CommentVisibilitySchema>;

export const CommentSchema = z.object({
  id: z.string().regex(COMMENT_ID_PATTERN),
  /** The file it is anchored to; null: the whole request. */
  fileId: FileIdSchema.nullable(),
  /** The cell of that file it is anchored to, if any. */
  cell: CellKeySchema.nullable(),
  /** public: everyone on the request sees it; private: the checkers only, never the author nor the members. */
  visibility: CommentVisibilitySchema,
  text: z.string(),
  author: PersonRefSchema,
  at: z.iso.datetime(),
});
export type Comment = z.infer<typeof CommentSchema>;

export const ReviewSchema = z.object({
  checkerId: z.string(),
  name: z.string(),
  /** null while the review is under way. */
  completedAt: z.iso.datetime().nullable(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** What happened to the request: its creation, then every event, with the state before and after. */
export const HistoryEntrySchema = z.object({
  at: z.iso.datetime(),
  by: PersonRefSchema,
  event: z.union([z.literal('create'), RequestEventSchema]),
  fromState: RequestStateSchema.nullable(),
  toState: RequestStateSchema,
  /** The reason given (a withdrawal, a rejection, a revocation); null otherwise. */
  reason: z.string().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** What the caller may do on the request now (`edit`: change its context and files). */
export const RequestActionSchema = z.enum([
  'edit',
  'submit',
  'withdraw',
  'vote',
  'comment',
  'completeReview',
  'return',
  'reject',
  'release',
  'revoke',
]);
export type RequestAction = z.infer<typeof RequestActionSchema>;

export const ViewerRoleSchema = z.enum(['author', 'member', 'checker']);
export type ViewerRole = z.infer<typeof ViewerRoleSchema>;

export const RequestDetailSchema = RequestSummarySchema.extend({
  context: RequestContextSchema,
  files: z.array(RequestFileSchema),
  comments: z.array(CommentSchema),
  /** The reviews of the current round (a resubmission starts a new round). */
  reviews: z.array(ReviewSchema),
  /** Oldest first. */
  history: z.array(HistoryEntrySchema),
  /** The round of review: 1 at the first submission, +1 on every resubmission (0 before the first). */
  round: z.number().int().nonnegative(),
  myRole: ViewerRoleSchema,
  actions: z.array(RequestActionSchema),
});
export type RequestDetail = z.infer<typeof RequestDetailSchema>;

// ---- Bodies of the routes -----------------------------------------------------------------------------------------

const ExpectedVersionSchema = z.number().int().positive();

export const CreateRequestSchema = z.object({ title: RequestTitleSchema, context: RequestContextSchema }).strict().describe('The request');
export type CreateRequest = z.infer<typeof CreateRequestSchema>;

export const UpdateContextSchema = z
  .object({ expectedVersion: ExpectedVersionSchema, title: RequestTitleSchema, context: RequestContextSchema })
  .strict()
  .describe('The request');
export type UpdateContext = z.infer<typeof UpdateContextSchema>;

export const PutOutputFileSchema = z
  .object({
    expectedVersion: ExpectedVersionSchema,
    name: RequestFileNameSchema,
    output: OutputDocumentSchema,
    exception: z.string().max(EXCEPTION_MAX_CHARS, `must be at most ${EXCEPTION_MAX_CHARS} characters`).nullable(),
  })
  .strict();

export const PutSupportingFileSchema = z
  .object({ expectedVersion: ExpectedVersionSchema, name: RequestFileNameSchema, supporting: SupportingFileSchema })
  .strict();

/** An output file (with its exception text) or a supporting file; the same name again is a new version of that file. */
export const PutFileSchema = z.union([PutOutputFileSchema, PutSupportingFileSchema]).describe('The file');
export type PutFile = z.infer<typeof PutFileSchema>;

/** A state-changing call that needs nothing but the version the caller saw. */
export const VersionedSchema = z.object({ expectedVersion: ExpectedVersionSchema }).strict().describe('The call');
export type Versioned = z.infer<typeof VersionedSchema>;

export const VersionedReasonSchema = z
  .object({ expectedVersion: ExpectedVersionSchema, reason: Words(REASON_MAX_CHARS) })
  .strict()
  .describe('The call');
export type VersionedReason = z.infer<typeof VersionedReasonSchema>;

export const CastVoteSchema = z
  .object({ expectedVersion: ExpectedVersionSchema, vote: VoteSchema, disagreement: DisagreementSchema.nullable() })
  .strict()
  .describe('The vote');
export type CastVote = z.infer<typeof CastVoteSchema>;

export const AddCommentSchema = z
  .object({
    fileId: FileIdSchema.nullable(),
    cell: CellKeySchema.nullable(),
    visibility: CommentVisibilitySchema,
    text: Words(COMMENT_MAX_CHARS),
  })
  .strict()
  .refine((comment) => comment.cell === null || comment.fileId !== null, {
    message: 'a comment on a cell names the file the cell is in',
    path: ['fileId'],
  })
  .describe('The comment');
export type AddComment = z.infer<typeof AddCommentSchema>;

// ---- A file's content, the queue ----------------------------------------------------------------------------------

/** One version of a file as stored: the output (with the platform's check and what would be published) or the supporting file. */
export const FileVersionContentSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('output'),
    fileVersion: z.number().int().positive(),
    sha256: z.string(),
    document: OutputDocumentSchema,
    /** The platform's check. Evidence (counts behind hidden cells, contributions, top shares) is there for checkers only. */
    check: OutputCheckSchema,
    /** What would leave the environment if this version were released. */
    published: PublishedOutputSchema,
  }),
  z.object({
    role: z.literal('supporting'),
    fileVersion: z.number().int().positive(),
    sha256: z.string(),
    supporting: SupportingFileSchema,
  }),
]);
export type FileVersionContent = z.infer<typeof FileVersionContentSchema>;

export const RequestFileContentSchema = z.object({
  requestId: RequestIdSchema,
  file: RequestFileSchema,
  current: FileVersionContentSchema,
  /** The version the checkers last reviewed, when the file changed since (for a cell-level diff); null otherwise. */
  previous: FileVersionContentSchema.nullable(),
});
export type RequestFileContent = z.infer<typeof RequestFileContentSchema>;

export const QueueEntrySchema = RequestSummarySchema.extend({
  /** Seconds since the request was (last) submitted. */
  ageSeconds: z.number().int().nonnegative(),
  /** The round of review (2 and more: a resubmission). */
  round: z.number().int().positive(),
  /** The caller's progress: output files they have a vote on, out of `outputs`, and whether they completed their review. */
  mine: z.object({ voted: z.number().int().nonnegative(), completed: z.boolean() }),
  /** Reviews completed in this round (of the two needed). */
  reviewsCompleted: z.number().int().nonnegative(),
});
export type QueueEntry = z.infer<typeof QueueEntrySchema>;

// ---- The ledger, the released file, the package -------------------------------------------------------------------

export const RevocationSchema = z.object({ at: z.iso.datetime(), by: PersonRefSchema, reason: z.string() });

/** One output released from the project: the ledger's entry (used for differencing), revoked ones marked. */
export const ReleasedOutputSchema = z.object({
  fileId: FileIdSchema,
  requestId: RequestIdSchema,
  requestTitle: z.string(),
  /** The file's name in its request. */
  name: z.string(),
  title: z.string(),
  kind: z.enum(['frequency', 'magnitude', 'chart', 'regression']),
  /** SHA-256 (hex) of the PublishedOutput's canonical JSON (publishedBytes): what the export checks before writing. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  releasedAt: z.iso.datetime(),
  releasedBy: PersonRefSchema,
  /** The checkers whose reviews approved it, by name. */
  reviewers: z.array(z.string()),
  /** The rule profile the platform checked it with. */
  rules: z.string(),
  revoked: RevocationSchema.nullable(),
  /** The table's dimensions (empty for a regression): the ledger's index for differencing. */
  dimensions: z.array(z.string()),
});
export type ReleasedOutput = z.infer<typeof ReleasedOutputSchema>;

export const ReleasedFileSchema = z.object({
  output: ReleasedOutputSchema,
  content: PublishedOutputSchema,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ReleasedFile = z.infer<typeof ReleasedFileSchema>;

/** ACRO's results.json (version and one record per output), which the SACRO viewer opens. */
export const AcroResultsSchema = z.object({ version: z.string(), results: z.record(z.string(), z.unknown()) });

export const ReleasePackageSchema = z.object({
  request: z.object({
    id: RequestIdSchema,
    title: z.string(),
    projectId: z.string(),
    projectName: z.string(),
    /** The public context (the checkers' private comments, the evidence and the supporting files never leave). */
    context: RequestContextSchema,
    releasedAt: z.iso.datetime(),
    releasedBy: PersonRefSchema,
    reviewers: z.array(z.string()),
    rules: z.string(),
  }),
  /** The approved output files, as published, each with the engine's verdict on it (its ACRO status, ./release-acro.ts). */
  files: z.array(
    z.object({ fileId: FileIdSchema, name: z.string(), sha256: z.string(), output: PublishedOutputSchema, verdict: VerdictSchema }),
  ),
  acro: AcroResultsSchema,
  /** The CSV files results.json names (output_N_M.csv), which the SACRO viewer reads beside it. */
  acroFiles: z.array(z.object({ name: z.string().regex(/^output_\d+_\d+\.csv$/), csv: z.string() })),
});
export type ReleasePackage = z.infer<typeof ReleasePackageSchema>;

/**
 * The bytes whose SHA-256 names a published output in the ledger: its canonical JSON (keys in the schema's order, as
 * zod's parse writes them), UTF-8. The platform hashes what it released; the export hashes what it is about to write.
 */
export function publishedBytes(published: z.input<typeof PublishedOutputSchema>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(PublishedOutputSchema.parse(published)));
}

// ---- Notifications -------------------------------------------------------------------------------------------------

/** A change of owner that concerns the person: submitted (to checkers); returned, released, rejected, revoked (to the author). */
export const NotificationKindSchema = z.enum(['submitted', 'returned', 'released', 'rejected', 'revoked']);
export type NotificationKind = z.infer<typeof NotificationKindSchema>;

export const NotificationSchema = z.object({
  id: z.number().int().positive(),
  kind: NotificationKindSchema,
  requestId: RequestIdSchema,
  projectId: z.string(),
  /** The request's title when it happened. */
  title: z.string(),
  by: PersonRefSchema,
  at: z.iso.datetime(),
  /** In words: "Ada Analyst submitted “Admissions by age” for review." */
  message: z.string(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof NotificationSchema>;

export const ReadNotificationsSchema = z.object({ upTo: z.number().int().positive() }).strict().describe('The notifications read');
export type ReadNotifications = z.infer<typeof ReadNotificationsSchema>;

export const NotificationsReadSchema = z.object({ unread: z.number().int().nonnegative() });

// ---- Small helpers the screens share ------------------------------------------------------------------------------

/** The output kinds in words. */
export const OUTPUT_KIND_WORDS: Readonly<Record<OutputKind, string>> = {
  frequency: 'frequency table',
  magnitude: 'magnitude table',
  chart: 'chart',
  regression: 'regression summary',
};
