// The airlock on the platform (issue 16): release requests, the two blinded reviews, release and the ledger. The
// platform is authoritative: it re-runs the disclosure-control check on every output it stores and again at submission,
// stores each file's SHA-256 when it is added (in its records and in the audit log, whose key the database does not
// hold), and refuses a release whose stored bytes no longer hash to what was reviewed, whose check made at release (the
// source of what is published) differs from the one the reviewers voted on, when egress is frozen, or when the author
// may no longer request release. Its checks run one at a time, each within a deadline. A vote counts only on the check
// it was cast on. State changes follow the state machine in src/common/airlock.ts; every change but a comment takes the
// version its caller saw, so of two calls on the same version exactly one happens. Every decision, every read
// of a request's file, of a released file and of a package is an audit event, refused ones included.
import type {
  AddComment,
  CastVote,
  CreateRequest,
  Notification,
  PutFile,
  QueueEntry,
  ReleasedFile,
  ReleasedOutput,
  ReleasePackage,
  RequestDetail,
  RequestFileContent,
  RequestSummary,
  UpdateContext,
  Versioned,
  VersionedReason,
} from '../../common/airlock.ts';
import type { RuleProfile } from '../../common/contract.ts';
import type { OutputCheck } from '../../common/output-check.ts';
import type { OutputDocument } from '../../common/outputs.ts';
import type { Principal } from '../identity/principal.ts';
import { authorOperations } from './author-operations.ts';
import { createAirlockContext, type AirlockDependencies } from './context.ts';
import { releaseOperations } from './release-operations.ts';
import { reviewOperations } from './review-operations.ts';

export type { AirlockDependencies };

/** A file of a request. */
export interface FileTarget {
  readonly requestId: string;
  readonly fileId: string;
}

export interface AirlockService {
  rules(principal: Principal, projectId: string): Promise<RuleProfile>;
  check(principal: Principal, projectId: string, document: OutputDocument): Promise<OutputCheck>;
  requests(principal: Principal, projectId: string): Promise<RequestSummary[]>;
  create(principal: Principal, projectId: string, body: CreateRequest): Promise<RequestDetail>;
  request(principal: Principal, requestId: string): Promise<RequestDetail>;
  context(principal: Principal, requestId: string, body: UpdateContext): Promise<RequestDetail>;
  putFile(principal: Principal, requestId: string, body: PutFile): Promise<RequestDetail>;
  withdrawFile(principal: Principal, target: FileTarget, body: Versioned): Promise<RequestDetail>;
  file(principal: Principal, target: FileTarget): Promise<RequestFileContent>;
  submit(principal: Principal, requestId: string, body: Versioned): Promise<RequestDetail>;
  withdraw(principal: Principal, requestId: string, body: VersionedReason): Promise<RequestDetail>;
  queue(principal: Principal): Promise<QueueEntry[]>;
  vote(principal: Principal, target: FileTarget, body: CastVote): Promise<RequestDetail>;
  comment(principal: Principal, requestId: string, body: AddComment): Promise<RequestDetail>;
  completeReview(principal: Principal, requestId: string, body: Versioned): Promise<RequestDetail>;
  return(principal: Principal, requestId: string, body: Versioned): Promise<RequestDetail>;
  reject(principal: Principal, requestId: string, body: VersionedReason): Promise<RequestDetail>;
  release(principal: Principal, requestId: string, body: Versioned): Promise<RequestDetail>;
  revoke(principal: Principal, requestId: string, body: VersionedReason): Promise<RequestDetail>;
  released(principal: Principal, projectId: string): Promise<ReleasedOutput[]>;
  releasedFile(principal: Principal, target: { projectId: string; fileId: string }): Promise<ReleasedFile>;
  package(principal: Principal, requestId: string): Promise<ReleasePackage>;
  notifications(principal: Principal): Promise<Notification[]>;
  readNotifications(principal: Principal, upTo: number): Promise<{ unread: number }>;
}

export function createAirlockService(deps: AirlockDependencies): AirlockService {
  const ctx = createAirlockContext(deps);
  return { ...authorOperations(ctx), ...reviewOperations(ctx), ...releaseOperations(ctx) };
}
