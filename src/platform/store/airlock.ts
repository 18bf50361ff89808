// The airlock's records (issue 16): release requests, every version of every file, votes, reviews, comments, each
// request's history, the ledger of released outputs and notifications. Only storage: the airlock service
// (src/platform/airlock/) decides who may do what and when. Every change to a request goes through `change`, which
// moves the request's version on by one only if it is still the version the caller saw, in the same transaction as
// the change itself: of two calls made on the same version, exactly one happens.
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import type {
  AirlockCommentsTable,
  AirlockFilesTable,
  AirlockFileVersionsTable,
  AirlockHistoryTable,
  AirlockNotificationsTable,
  AirlockReleasesTable,
  AirlockRequestsTable,
  AirlockReviewsTable,
  AirlockVotesTable,
  MetadataDatabase,
} from './schema.ts';

export type StoredRequest = Selectable<AirlockRequestsTable>;
export type StoredFileVersion = Selectable<AirlockFileVersionsTable>;
export type StoredVote = Selectable<AirlockVotesTable>;
export type StoredReview = Selectable<AirlockReviewsTable>;
export type StoredComment = Selectable<AirlockCommentsTable>;
export type StoredHistory = Selectable<AirlockHistoryTable>;
export type StoredRelease = Selectable<AirlockReleasesTable>;
export type StoredNotification = Selectable<AirlockNotificationsTable>;

/** A file with its current version. */
export interface StoredFile extends Selectable<AirlockFilesTable> {
  readonly current: StoredFileVersion;
}

/** Everything stored about one request. */
export interface StoredRequestRecord {
  readonly request: StoredRequest;
  /** In the order they were added. */
  readonly files: StoredFile[];
  /** Every vote on the request's files (counting or not: a vote counts while it is on the file's current version). */
  readonly votes: StoredVote[];
  /** Every round's reviews. */
  readonly reviews: StoredReview[];
  /** Oldest first. */
  readonly comments: StoredComment[];
  /** Oldest first. */
  readonly history: StoredHistory[];
}

export type NewRequest = Omit<StoredRequest, 'version' | 'round' | 'submitted_at' | 'updated_at' | 'state'>;

/** What one change may write, inside the transaction that moved the request's version on. */
export interface RequestWriter {
  /** The request's new version. */
  readonly version: number;
  update(change: Partial<Pick<StoredRequest, 'title' | 'context' | 'state' | 'submitted_at' | 'round'>>): Promise<void>;
  history(entry: Omit<StoredHistory, 'request_id' | 'seq'>): Promise<void>;
  /** A new file (version 1); its id is made here and answered. */
  addFile(
    file: Pick<AirlockFilesTable, 'name' | 'role' | 'added_at'>,
    version: Omit<StoredFileVersion, 'file_id' | 'version'>,
  ): Promise<string>;
  /** A new version of a file (current_version + 1), which also brings a withdrawn file back. */
  addVersion(fileId: string, version: Omit<StoredFileVersion, 'file_id' | 'version'>): Promise<number>;
  /** Changes a version's exception text or its check (the bytes and their SHA-256 never change). */
  updateVersion(fileId: string, version: number, change: Partial<Pick<StoredFileVersion, 'exception' | 'output_check'>>): Promise<void>;
  setWithdrawn(fileId: string, withdrawn: boolean): Promise<void>;
  /** Records the versions the checkers reviewed (on a return). */
  markReviewed(fileIds: readonly string[]): Promise<void>;
  vote(vote: StoredVote): Promise<void>;
  startReview(review: Omit<StoredReview, 'completed_at' | 'request_id'>): Promise<void>;
  completeReview(key: { round: number; checker_id: string }, at: string): Promise<void>;
  comment(comment: Omit<StoredComment, 'id' | 'request_id'>): Promise<string>;
  release(entry: StoredRelease): Promise<void>;
  revoke(fileIds: readonly string[], revocation: { at: string; by: string; reason: string }): Promise<void>;
  notify(notifications: ReadonlyArray<Omit<StoredNotification, 'id' | 'read_at'>>): Promise<void>;
}

export interface AirlockRecords {
  create(request: NewRequest, history: Omit<StoredHistory, 'request_id' | 'seq'>): Promise<StoredRequest>;
  get(id: string): Promise<StoredRequest | undefined>;
  /** The request with its files, votes, reviews, comments and history; undefined when there is none. */
  record(id: string): Promise<StoredRequestRecord | undefined>;
  /** A project's requests, newest first. */
  ofProject(projectId: string): Promise<StoredRequest[]>;
  /** Requests in these states, oldest submission first. */
  inStates(states: readonly string[]): Promise<StoredRequest[]>;
  /** Files (current versions) of these requests. */
  filesOf(requestIds: readonly string[]): Promise<StoredFile[]>;
  votesOf(requestIds: readonly string[]): Promise<StoredVote[]>;
  reviewsOf(requestIds: readonly string[]): Promise<StoredReview[]>;
  fileVersion(fileId: string, version: number): Promise<StoredFileVersion | undefined>;
  /**
   * Runs `work` in one transaction after moving the request's version from `expectedVersion` on by one; conflict
   * (and nothing changed) when the request is at another version now.
   */
  change<T>(request: { id: string; expectedVersion: number; at: string }, work: (writer: RequestWriter) => Promise<T>): Promise<T>;
  /**
   * Adds a comment without moving the request's version (a comment changes no decision, so it must not make the votes,
   * reviews and releases of others stale): in one transaction, only while the request is in one of `states`; it is
   * written to the request's round then. Conflict (and nothing written) otherwise. Answers the comment's id.
   */
  addComment(
    requestId: string,
    comment: Omit<StoredComment, 'id' | 'request_id' | 'round'>,
    states: readonly string[],
  ): Promise<{ id: string; round: number }>;
  /** A project's ledger, newest first. */
  released(projectId: string): Promise<StoredRelease[]>;
  releasedFile(projectId: string, fileId: string): Promise<StoredRelease | undefined>;
  releasesOf(requestId: string): Promise<StoredRelease[]>;
  /** A person's notifications, newest first (the last `limit`). */
  notifications(userId: string, limit: number): Promise<StoredNotification[]>;
  /** Marks a person's notifications up to `upTo` read; answers how many stay unread. */
  readNotifications(userId: string, upTo: number, at: string): Promise<number>;
}

const newId = (prefix: 'req' | 'file' | 'cmt'): string => `${prefix}-${randomBytes(10).toString('hex')}`;

function staleVersion(): EnclaveError {
  return new EnclaveError(
    'conflict',
    'This request changed since you looked (someone else acted on it, or you did in another window). Nothing was changed: look at it again, then try again.',
  );
}

async function filesWithVersions(db: Kysely<MetadataDatabase>, requestIds: readonly string[]): Promise<StoredFile[]> {
  if (requestIds.length === 0) return [];
  const files = await db
    .selectFrom('airlock_files')
    .selectAll()
    .where('request_id', 'in', [...requestIds])
    .orderBy('request_id')
    .orderBy('position')
    .execute();
  if (files.length === 0) return [];
  const versions = await db
    .selectFrom('airlock_file_versions')
    .innerJoin('airlock_files', (join) =>
      join
        .onRef('airlock_files.id', '=', 'airlock_file_versions.file_id')
        .onRef('airlock_files.current_version', '=', 'airlock_file_versions.version'),
    )
    .selectAll('airlock_file_versions')
    .where('airlock_files.request_id', 'in', [...requestIds])
    .execute();
  const byFile = new Map(versions.map((version) => [version.file_id, version]));
  return files.map((file) => {
    const current = byFile.get(file.id);
    if (current === undefined) throw new EnclaveError('internal', 'The airlock holds a file without its current version.');
    return { ...file, current };
  });
}

function writerFor(trx: Transaction<MetadataDatabase>, request: StoredRequest): RequestWriter {
  const requestId = request.id;
  return {
    version: request.version,
    async update(change) {
      await trx.updateTable('airlock_requests').set(change).where('id', '=', requestId).execute();
    },
    async history(entry) {
      const last = await trx
        .selectFrom('airlock_history')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      await trx
        .insertInto('airlock_history')
        .values({ ...entry, request_id: requestId, seq: Number(last?.seq ?? 0) + 1 })
        .execute();
    },
    async addFile(file, version) {
      const id = newId('file');
      const last = await trx
        .selectFrom('airlock_files')
        .select((eb) => eb.fn.max('position').as('position'))
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      await trx
        .insertInto('airlock_files')
        .values({
          ...file,
          id,
          request_id: requestId,
          position: Number(last?.position ?? 0) + 1,
          current_version: 1,
          withdrawn: 0,
          reviewed_version: null,
        })
        .execute();
      await trx
        .insertInto('airlock_file_versions')
        .values({ ...version, file_id: id, version: 1 })
        .execute();
      return id;
    },
    async addVersion(fileId, version) {
      const file = await trx.selectFrom('airlock_files').select('current_version').where('id', '=', fileId).executeTakeFirstOrThrow();
      const next = Number(file.current_version) + 1;
      await trx
        .insertInto('airlock_file_versions')
        .values({ ...version, file_id: fileId, version: next })
        .execute();
      await trx.updateTable('airlock_files').set({ current_version: next, withdrawn: 0 }).where('id', '=', fileId).execute();
      return next;
    },
    async updateVersion(fileId, version, change) {
      await trx.updateTable('airlock_file_versions').set(change).where('file_id', '=', fileId).where('version', '=', version).execute();
    },
    async setWithdrawn(fileId, withdrawn) {
      await trx
        .updateTable('airlock_files')
        .set({ withdrawn: withdrawn ? 1 : 0 })
        .where('id', '=', fileId)
        .execute();
    },
    async markReviewed(fileIds) {
      if (fileIds.length === 0) return;
      await trx
        .updateTable('airlock_files')
        .set((eb) => ({ reviewed_version: eb.ref('current_version') }))
        .where('id', 'in', [...fileIds])
        .execute();
    },
    async vote(vote) {
      await trx
        .insertInto('airlock_votes')
        .values(vote)
        .onConflict((oc) =>
          oc.columns(['file_id', 'checker_id']).doUpdateSet({
            file_version: vote.file_version,
            vote: vote.vote,
            disagreement: vote.disagreement,
            round: vote.round,
            at: vote.at,
            published_sha256: vote.published_sha256,
            verdict: vote.verdict,
          }),
        )
        .execute();
    },
    async startReview(review) {
      await trx
        .insertInto('airlock_reviews')
        .values({ ...review, request_id: requestId, completed_at: null })
        .execute();
    },
    async completeReview(key, at) {
      await trx
        .updateTable('airlock_reviews')
        .set({ completed_at: at })
        .where('request_id', '=', requestId)
        .where('round', '=', key.round)
        .where('checker_id', '=', key.checker_id)
        .execute();
    },
    async comment(comment) {
      const id = newId('cmt');
      await trx
        .insertInto('airlock_comments')
        .values({ ...comment, id, request_id: requestId })
        .execute();
      return id;
    },
    async release(entry) {
      await trx.insertInto('airlock_releases').values(entry).execute();
    },
    async revoke(fileIds, revocation) {
      if (fileIds.length === 0) return;
      await trx
        .updateTable('airlock_releases')
        .set({ revoked_at: revocation.at, revoked_by: revocation.by, revoke_reason: revocation.reason })
        .where('file_id', 'in', [...fileIds])
        .where('revoked_at', 'is', null)
        .execute();
    },
    async notify(notifications) {
      if (notifications.length === 0) return;
      // The database numbers them, so two requests notifying at once (on two instances) cannot take the same id.
      await trx
        .insertInto('airlock_notifications')
        .values(notifications.map((notification) => ({ ...notification, read_at: null })))
        .execute();
    },
  };
}

export function createAirlockRecords(db: Kysely<MetadataDatabase>): AirlockRecords {
  const get = (id: string): Promise<StoredRequest | undefined> =>
    db.selectFrom('airlock_requests').selectAll().where('id', '=', id).executeTakeFirst();
  async function votesOf(requestIds: readonly string[]): Promise<StoredVote[]> {
    if (requestIds.length === 0) return [];
    return db
      .selectFrom('airlock_votes')
      .innerJoin('airlock_files', 'airlock_files.id', 'airlock_votes.file_id')
      .selectAll('airlock_votes')
      .where('airlock_files.request_id', 'in', [...requestIds])
      .orderBy('airlock_votes.at')
      .execute();
  }
  async function reviewsOf(requestIds: readonly string[]): Promise<StoredReview[]> {
    if (requestIds.length === 0) return [];
    return db
      .selectFrom('airlock_reviews')
      .selectAll()
      .where('request_id', 'in', [...requestIds])
      .orderBy('round')
      .orderBy('started_at')
      .execute();
  }

  return {
    async create(request, history) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('airlock_requests')
          .values({ ...request, state: history.to_state, version: 1, round: 0, submitted_at: null, updated_at: request.created_at })
          .execute();
        await trx
          .insertInto('airlock_history')
          .values({ ...history, request_id: request.id, seq: 1 })
          .execute();
      });
      return (await get(request.id)) as StoredRequest;
    },
    get,
    async record(id) {
      const request = await get(id);
      if (request === undefined) return undefined;
      const [files, votes, reviews, comments, history] = await Promise.all([
        filesWithVersions(db, [id]),
        votesOf([id]),
        reviewsOf([id]),
        db.selectFrom('airlock_comments').selectAll().where('request_id', '=', id).orderBy('at').orderBy('id').execute(),
        db.selectFrom('airlock_history').selectAll().where('request_id', '=', id).orderBy('seq').execute(),
      ]);
      return { request, files, votes, reviews, comments, history };
    },
    async ofProject(projectId) {
      return db
        .selectFrom('airlock_requests')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
    },
    async inStates(states) {
      if (states.length === 0) return [];
      return db
        .selectFrom('airlock_requests')
        .selectAll()
        .where('state', 'in', [...states])
        .orderBy('submitted_at')
        .orderBy('id')
        .execute();
    },
    filesOf: (requestIds) => filesWithVersions(db, requestIds),
    votesOf,
    reviewsOf,
    async fileVersion(fileId, version) {
      return db
        .selectFrom('airlock_file_versions')
        .selectAll()
        .where('file_id', '=', fileId)
        .where('version', '=', version)
        .executeTakeFirst();
    },
    async change(request, work) {
      return db.transaction().execute(async (trx) => {
        const { numUpdatedRows } = await trx
          .updateTable('airlock_requests')
          .set((eb) => ({ version: eb('version', '+', 1), updated_at: request.at }))
          .where('id', '=', request.id)
          .where('version', '=', request.expectedVersion)
          .executeTakeFirst();
        if (numUpdatedRows !== 1n) throw staleVersion();
        const current = await trx.selectFrom('airlock_requests').selectAll().where('id', '=', request.id).executeTakeFirstOrThrow();
        return work(writerFor(trx, current));
      });
    },
    async addComment(requestId, comment, states) {
      return db.transaction().execute(async (trx) => {
        const request = await trx.selectFrom('airlock_requests').select(['state', 'round']).where('id', '=', requestId).executeTakeFirst();
        if (request === undefined || !states.includes(request.state)) {
          throw new EnclaveError(
            'conflict',
            'This request moved on since you looked, and comments are no longer taken in its state. Nothing was written: look at it again.',
          );
        }
        const id = newId('cmt');
        const round = Number(request.round);
        await trx
          .insertInto('airlock_comments')
          .values({ ...comment, id, request_id: requestId, round })
          .execute();
        return { id, round };
      });
    },
    async released(projectId) {
      return db
        .selectFrom('airlock_releases')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('released_at', 'desc')
        .orderBy('file_id')
        .execute();
    },
    async releasedFile(projectId, fileId) {
      return db
        .selectFrom('airlock_releases')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('file_id', '=', fileId)
        .executeTakeFirst();
    },
    async releasesOf(requestId) {
      return db.selectFrom('airlock_releases').selectAll().where('request_id', '=', requestId).orderBy('released_at').execute();
    },
    async notifications(userId, limit) {
      return db.selectFrom('airlock_notifications').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute();
    },
    async readNotifications(userId, upTo, at) {
      await db
        .updateTable('airlock_notifications')
        .set({ read_at: at })
        .where('user_id', '=', userId)
        .where('id', '<=', upTo)
        .where('read_at', 'is', null)
        .execute();
      const unread = await db
        .selectFrom('airlock_notifications')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst();
      return Number(unread?.n ?? 0);
    },
  };
}
