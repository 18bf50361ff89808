// What the airlock's operations share (src/platform/airlock/): the records, the audit log, who a caller is to a request,
// the platform's check, and the steps every operation takes the same way: reading a request, refusing a change to it
// while it is frozen, shaping it for its viewer, recording the call in the audit log, moving the state machine on with
// its history entry, notifying the new owner.
import { randomBytes } from 'node:crypto';
import {
  STATE_WORDS,
  type FileVersionContent,
  type NotificationKind,
  type ReleasedOutput,
  type RequestDetail,
  type RequestEvent,
  type RequestState,
} from '../../common/airlock.ts';
import { EnclaveError } from '../../common/errors.ts';
import { OutputCheckSchema, publishedOutput, withoutEvidence } from '../../common/output-check.ts';
import { OutputDocumentSchema, SupportingFileSchema } from '../../common/outputs.ts';
import type { LpSolver } from '../../common/sdc/lp.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { JsonValue } from '../audit/canonical-json.ts';
import type { AgreementsInForce } from '../authz/access-policy.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import type { Principal } from '../identity/principal.ts';
import type { RequestWriter, StoredFile, StoredFileVersion, StoredRelease, StoredRequestRecord } from '../store/airlock.ts';
import { mayRequestRelease, noSuchRequest, viewerOf, type AccessDependencies } from './access.ts';
import { createOutputChecker } from './checks.ts';
import { RecordedRefusal } from './stored-bytes.ts';
import { currentReviews, detailOf, isFrozen, stateOf, type Viewer } from './views.ts';

export interface AirlockDependencies {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly agreements: AgreementsInForce;
  readonly killSwitch: KillSwitch;
  readonly now?: () => Date;
  /** Makes the LP solver for the checks (HiGHS by default), once. */
  readonly solver?: () => Promise<LpSolver>;
}

export const newRequestId = (): string => `req-${randomBytes(10).toString('hex')}`;

/** How many files (outputs and supporting files together, not counting withdrawn ones) one request may hold. */
export const MAX_REQUEST_FILES = 50;

/** How many of a person's notifications are listed. */
export const NOTIFICATIONS_LISTED = 100;

/** The words a reason or an exception is stored as. */
export const tidyText = (text: string): string => text.trim();

export function staleUnless(record: StoredRequestRecord, expectedVersion: number): void {
  if (Number(record.request.version) !== expectedVersion) {
    throw new EnclaveError(
      'conflict',
      'This request changed since you looked (someone else acted on it, or you did in another window). Nothing was changed: look at it again, then try again.',
    );
  }
}

export function requireState(record: StoredRequestRecord, allowed: readonly RequestState[], doing: string): void {
  const state = stateOf(record.request);
  if (!allowed.includes(state)) {
    throw new EnclaveError('conflict', `This request is ${STATE_WORDS[state]}: ${doing} Nothing was changed.`);
  }
}

export function fileIn(record: StoredRequestRecord, fileId: string): StoredFile {
  const file = record.files.find((candidate) => candidate.id === fileId);
  if (file === undefined) throw new EnclaveError('not_found', 'This request has no such file.');
  return file;
}

const NOTICE_WORDS: Readonly<Record<NotificationKind, (who: string, title: string) => string>> = {
  submitted: (who, title) => `${who} submitted “${title}” for review.`,
  returned: (who, title) => `${who} returned “${title}” to you with comments: change what they ask, then submit it again.`,
  released: (who, title) => `${who} released “${title}”: its outputs may now be exported.`,
  rejected: (who, title) => `${who} rejected “${title}”.`,
  revoked: (who, title) => `${who} revoked the release of “${title}”: its outputs may no longer be exported.`,
};

export type AirlockContext = ReturnType<typeof createAirlockContext>;

export function createAirlockContext(deps: AirlockDependencies) {
  const { store, audit } = deps;
  const now = deps.now ?? (() => new Date());
  const access: AccessDependencies = { store, agreements: deps.agreements, killSwitch: deps.killSwitch, now };
  const checker = createOutputChecker({ store, agreements: deps.agreements, ...(deps.solver ? { solver: deps.solver } : {}) });
  const stamp = (): string => now().toISOString();

  async function names(): Promise<Map<string, string>> {
    return new Map((await store.listUsers()).map((person) => [person.id, person.displayName]));
  }

  async function recordOf(requestId: string): Promise<StoredRequestRecord> {
    const record = await store.airlock.record(requestId);
    if (record === undefined) throw noSuchRequest();
    return record;
  }

  /** Whether the person's access is suspended now (their open requests are frozen). */
  async function suspended(userId: string): Promise<boolean> {
    return (await deps.killSwitch.refusalFor(userId)) !== null;
  }

  /** Whether each of these people is suspended now, each asked once. */
  async function suspendedAmong(userIds: readonly string[]): Promise<ReadonlyMap<string, boolean>> {
    const distinct = [...new Set(userIds)];
    return new Map(await Promise.all(distinct.map(async (id) => [id, await suspended(id)] as const)));
  }

  /**
   * Refuses every change to a frozen request (open while its author is suspended), whoever asks: the checker learns only
   * that the author's access is suspended, and the audit log records why it was refused.
   */
  async function requireUnfrozen(record: StoredRequestRecord): Promise<void> {
    if (!isFrozen(record.request, await suspended(record.request.author_id))) return;
    throw new RecordedRefusal(
      'conflict',
      "This request is frozen: its author's access is suspended by an administrator. It can still be read, but nothing can be done with it until the suspension is lifted. Nothing was changed.",
      { because: 'author_suspended' },
    );
  }

  async function detail(record: StoredRequestRecord, viewer: Viewer, projectName: string): Promise<RequestDetail> {
    return detailOf(record, {
      viewer,
      projectName,
      names: await names(),
      authorMayRequest: mayRequestRelease(access, record.request.project_id, record.request.author_id),
      authorSuspended: await suspended(record.request.author_id),
    });
  }

  /**
   * Runs a call and records it in the audit log: `success` with what it did, or `failure` with the refusal's code and
   * message (then the refusal is thrown on).
   */
  async function audited<T>(
    event: { type: string; principal: Principal; details: Record<string, JsonValue> },
    work: () => Promise<{ result: T; details?: Record<string, JsonValue> }>,
  ): Promise<T> {
    const base = { type: event.type, actor: event.principal.user.id };
    let outcome: { result: T; details?: Record<string, JsonValue> };
    try {
      outcome = await work();
    } catch (err) {
      const refusal = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The airlock failed.');
      const recorded = err instanceof RecordedRefusal ? err.details : {};
      await audit.append({
        ...base,
        outcome: 'failure',
        details: { ...event.details, ...recorded, code: refusal.code, reason: refusal.message },
      });
      throw err;
    }
    await audit.append({ ...base, outcome: 'success', details: { ...event.details, ...outcome.details } });
    return outcome.result;
  }

  /** The request as its viewer may see it, and who they are to it. */
  async function open(principal: Principal, requestId: string, options: { admins?: boolean; incidentResponse?: boolean } = {}) {
    const record = await recordOf(requestId);
    const { viewer, project } = await viewerOf(access, { principal, record, ...options });
    return { record, viewer, project };
  }

  async function notify(
    writer: Pick<RequestWriter, 'notify'>,
    notice: {
      kind: NotificationKind;
      to: readonly string[];
      record: StoredRequestRecord;
      by: Principal;
      at: string;
      /** Said after the notice's words. */
      note?: string;
    },
  ): Promise<void> {
    const said = NOTICE_WORDS[notice.kind](notice.by.user.displayName, notice.record.request.title);
    const words = notice.note === undefined ? said : `${said} ${notice.note}`;
    await writer.notify(
      notice.to.map((userId) => ({
        user_id: userId,
        kind: notice.kind,
        request_id: notice.record.request.id,
        project_id: notice.record.request.project_id,
        title: notice.record.request.title,
        by_id: notice.by.user.id,
        at: notice.at,
        message: words,
      })),
    );
  }

  /** Output checkers who may review this request: active, holding the role, and not its author. */
  async function checkersFor(record: StoredRequestRecord): Promise<string[]> {
    const people = await store.people.list();
    return people
      .filter((person) => person.status === 'active' && person.roles.includes('output_checker') && person.id !== record.request.author_id)
      .map((person) => person.id);
  }

  /** Moves the request through one event of the state machine, with its history entry, in the change's transaction. */
  async function transition(
    writer: Pick<RequestWriter, 'update' | 'history'>,
    move: { event: RequestEvent; from: RequestState; to: RequestState; by: string; at: string; reason?: string | null },
  ): Promise<void> {
    if (move.to !== move.from) await writer.update({ state: move.to });
    await writer.history({
      at: move.at,
      actor: move.by,
      event: move.event,
      from_state: move.from,
      to_state: move.to,
      reason: move.reason ?? null,
    });
  }

  function requireMayRequest(record: StoredRequestRecord, projectName: string): void {
    if (!mayRequestRelease(access, record.request.project_id, record.request.author_id)) {
      throw new EnclaveError(
        'forbidden',
        `You may no longer request release of outputs from ${projectName}: ask the data manager to grant it. Nothing was changed.`,
      );
    }
  }

  const requestDetails = (record: StoredRequestRecord): Record<string, JsonValue> => ({
    projectId: record.request.project_id,
    requestId: record.request.id,
  });

  /** A version's content as stored, parsed; the output's check as the viewer may see it. */
  function versionContent(version: StoredFileVersion, role: 'output' | 'supporting', viewer: Viewer): FileVersionContent {
    if (role === 'supporting') {
      return {
        role,
        fileVersion: Number(version.version),
        sha256: version.sha256,
        supporting: SupportingFileSchema.parse(JSON.parse(version.content)),
      };
    }
    const document = OutputDocumentSchema.parse(JSON.parse(version.content));
    const check = OutputCheckSchema.parse(JSON.parse(version.output_check ?? 'null'));
    return {
      role,
      fileVersion: Number(version.version),
      sha256: version.sha256,
      document,
      // The evidence is the checkers' alone.
      check: viewer.role === 'checker' ? check : withoutEvidence(check),
      published: publishedOutput(document, check),
    };
  }

  function requireCompletedReview(record: StoredRequestRecord, viewer: Viewer, doing: string): void {
    const mine = currentReviews(record).find((review) => review.checker_id === viewer.userId);
    if (mine?.completed_at === undefined || mine.completed_at === null) {
      throw new EnclaveError('forbidden', `Only a checker who completed their review of this round can ${doing}. Nothing was changed.`);
    }
  }

  function ledgerEntry(entry: StoredRelease, options: { known: ReadonlyMap<string, string>; requestTitle: string }): ReleasedOutput {
    const person = (id: string) => ({ id, name: options.known.get(id) ?? id });
    return {
      fileId: entry.file_id,
      requestId: entry.request_id,
      requestTitle: options.requestTitle,
      name: entry.name,
      title: entry.title,
      kind: entry.kind as ReleasedOutput['kind'],
      sha256: entry.sha256,
      releasedAt: entry.released_at,
      releasedBy: person(entry.released_by),
      reviewers: JSON.parse(entry.reviewers) as string[],
      rules: entry.rules,
      revoked:
        entry.revoked_at === null ? null : { at: entry.revoked_at, by: person(entry.revoked_by ?? ''), reason: entry.revoke_reason ?? '' },
      dimensions: JSON.parse(entry.dimensions) as string[],
    };
  }

  return {
    store,
    audit,
    deps,
    now,
    stamp,
    access,
    checker,
    names,
    recordOf,
    suspendedAmong,
    requireUnfrozen,
    detail,
    audited,
    open,
    notify,
    checkersFor,
    transition,
    requireMayRequest,
    requireCompletedReview,
    requestDetails,
    versionContent,
    ledgerEntry,
  };
}
