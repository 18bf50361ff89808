// What the platform's airlock offers its routes (src/platform/api/airlock-routes.ts): one method per route, each taking
// the caller and the route's parsed input. Declared apart from the service that builds it, so that the operations
// implementing it (author-, review- and release-operations.ts) and the service import it without a circle.
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
