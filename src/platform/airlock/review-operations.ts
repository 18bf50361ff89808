// The checkers' side of the airlock: a request's files (the checkers', with the evidence, and the author's own), the
// queue, votes per file, comments, completing a review, returning and rejecting. The author never reviews, whatever
// roles they hold; two checkers review a round, blind to each other until both are done.
import { disagreesWithEngine, nextState, REVIEW_STATES, type QueueEntry } from '../../common/airlock.ts';
import { EnclaveError } from '../../common/errors.ts';
import { OutputDocumentSchema } from '../../common/outputs.ts';
import type { StoredRequestRecord } from '../store/airlock.ts';
import { isChecker, requireReviewer } from './access.ts';
import {
  allApproved,
  COMMENT_STATES,
  countingVotes,
  currentReviews,
  decisionOf,
  liveOutputs,
  reviewedCheckOf,
  stateOf,
  summaryOf,
  uncommented,
  unvotedBy,
} from './views.ts';
import type { AirlockService } from './service-api.ts';
import { fileIn, requireState, staleUnless, tidyText, type AirlockContext } from './context.ts';

export function reviewOperations(
  ctx: AirlockContext,
): Pick<AirlockService, 'file' | 'queue' | 'vote' | 'comment' | 'completeReview' | 'return' | 'reject'> {
  const {
    store,
    deps,
    now,
    stamp,
    names,
    recordOf,
    suspendedAmong,
    requireUnfrozen,
    detail,
    audited,
    open,
    notify,
    transition,
    requireCompletedReview,
    requestDetails,
    versionContent,
  } = ctx;
  return {
    file(principal, { requestId, fileId }) {
      return audited({ type: 'airlock.file_read', principal, details: { requestId, fileId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        if (viewer.role === 'member') {
          throw new EnclaveError('forbidden', "Only the request's author and the output checkers read its files.");
        }
        const file = fileIn(record, fileId);
        const previous =
          file.reviewed_version !== null && file.reviewed_version !== file.current_version
            ? await store.airlock.fileVersion(file.id, Number(file.reviewed_version))
            : undefined;
        const view = await detail(record, viewer, project.name);
        const fileView = view.files.find((candidate) => candidate.id === fileId);
        if (fileView === undefined) throw new EnclaveError('not_found', 'This request has no such file.');
        return {
          result: {
            requestId,
            file: fileView,
            current: versionContent(file.current, file.role, viewer),
            previous: previous === undefined ? null : versionContent(previous, file.role, viewer),
          },
          details: { ...requestDetails(record), fileVersion: Number(file.current_version), as: viewer.role },
        };
      });
    },

    queue(principal) {
      return audited({ type: 'airlock.queue_viewed', principal, details: {} }, async () => {
        if (!isChecker(principal.user)) throw new EnclaveError('forbidden', 'Only output checkers have a queue.');
        const me = principal.user.id;
        const waiting = (await store.airlock.inStates(REVIEW_STATES)).filter((request) => request.author_id !== me);
        const ids = waiting.map((request) => request.id);
        const [files, votes, reviews, projects, known, suspended] = await Promise.all([
          store.airlock.filesOf(ids),
          store.airlock.votesOf(ids),
          store.airlock.reviewsOf(ids),
          store.listAllProjects(),
          names(),
          suspendedAmong(waiting.map((request) => request.author_id)),
        ]);
        const projectNames = new Map(projects.map((project) => [project.id, project.name]));
        const entries: QueueEntry[] = [];
        for (const request of waiting) {
          // A suspended project's requests wait: nothing can be done with them until it is lifted.
          if ((await deps.killSwitch.projectRefusal({ id: request.project_id, name: projectNames.get(request.project_id) ?? '' })) !== null)
            continue;
          const record: StoredRequestRecord = {
            request,
            files: files.filter((file) => file.request_id === request.id),
            votes,
            reviews: reviews.filter((review) => review.request_id === request.id),
            comments: [],
            history: [],
          };
          const outputs = liveOutputs(record);
          const mine = currentReviews(record).find((review) => review.checker_id === me);
          entries.push({
            ...summaryOf(request, record.files, {
              projectName: projectNames.get(request.project_id) ?? request.project_id,
              names: known,
              // A suspended author's requests stay listed, frozen: the checker sees why nothing can be done with them.
              authorSuspended: suspended.get(request.author_id) === true,
            }),
            ageSeconds: Math.max(0, Math.floor((now().getTime() - Date.parse(request.submitted_at ?? request.created_at)) / 1000)),
            round: Math.max(1, Number(request.round)),
            mine: {
              voted: outputs.filter((file) => countingVotes(record, file).some((vote) => vote.checker_id === me)).length,
              completed: mine?.completed_at !== undefined && mine.completed_at !== null,
            },
            reviewsCompleted: currentReviews(record).filter((review) => review.completed_at !== null).length,
          });
        }
        return { result: entries, details: { listed: entries.length } };
      });
    },

    vote(principal, { requestId, fileId }, body) {
      return audited({ type: 'airlock.vote', principal, details: { requestId, fileId, vote: body.vote } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireReviewer(viewer);
        requireState(record, REVIEW_STATES, 'votes are cast only while it is with the checkers.');
        staleUnless(record, body.expectedVersion);
        const file = fileIn(record, fileId);
        if (file.role !== 'output')
          throw new EnclaveError('invalid_input', 'Supporting files are never released, so they take no vote. Nothing was changed.');
        if (file.withdrawn === 1)
          throw new EnclaveError('conflict', `“${file.name}” was withdrawn by its author: it takes no vote. Nothing was changed.`);
        const round = Number(record.request.round);
        const reviews = currentReviews(record);
        const mine = reviews.find((review) => review.checker_id === viewer.userId);
        if (mine === undefined && reviews.length >= 2) {
          throw new EnclaveError('conflict', 'Two output checkers are reviewing this request already. Nothing was changed.');
        }
        // The vote is cast on the check the checker sees: it counts only while the file's check still says the same.
        const reviewed = reviewedCheckOf(file);
        if (reviewed === null) {
          throw new EnclaveError(
            'internal',
            `The platform's record of “${file.name}” does not read: it cannot be reviewed. Nothing was changed.`,
          );
        }
        const verdict = reviewed.verdict;
        if (disagreesWithEngine(verdict, body.vote) && body.disagreement === null) {
          throw new EnclaveError(
            'invalid_input',
            `Your vote goes against the engine's verdict (${verdict}): give a coded reason and say why (disagreement), naming the cells it concerns. Nothing was changed.`,
          );
        }
        const at = stamp();
        const cast = {
          file_id: fileId,
          checker_id: viewer.userId,
          file_version: Number(file.current_version),
          vote: body.vote,
          disagreement: body.disagreement === null ? null : JSON.stringify(body.disagreement),
          round,
          at,
          published_sha256: reviewed.publishedSha256,
          verdict,
        };
        const after: StoredRequestRecord = {
          ...record,
          votes: [...record.votes.filter((vote) => !(vote.file_id === fileId && vote.checker_id === viewer.userId)), cast],
        };
        const from = stateOf(record.request);
        const to = nextState(from, 'votes_changed', { allApproved: allApproved(after) });
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          if (mine === undefined) await writer.startReview({ round, checker_id: viewer.userId, started_at: at });
          await writer.vote(cast);
          if (to !== from) await transition(writer, { event: 'votes_changed', from, to, by: viewer.userId, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: {
            ...requestDetails(record),
            fileVersion: cast.file_version,
            verdict,
            disagreement: body.disagreement?.code ?? null,
            ...(to !== from ? { old: from, new: to } : {}),
          },
        };
      });
    },

    comment(principal, requestId, body) {
      return audited(
        { type: 'airlock.comment', principal, details: { requestId, fileId: body.fileId, visibility: body.visibility } },
        async () => {
          const { record, viewer, project } = await open(principal, requestId);
          await requireUnfrozen(record);
          if (viewer.role === 'member')
            throw new EnclaveError('forbidden', "Only the request's author and the output checkers comment on it.");
          if (viewer.role === 'author' && body.visibility !== 'public') {
            throw new EnclaveError(
              'invalid_input',
              'Your comments are public: only output checkers write private ones. Nothing was changed.',
            );
          }
          requireState(record, COMMENT_STATES, 'comments are written only while it is with the checkers or returned.');
          if (body.fileId !== null) {
            const file = fileIn(record, body.fileId);
            if (body.cell !== null) {
              if (file.role !== 'output' || file.current.kind === 'regression') {
                throw new EnclaveError('invalid_input', `“${file.name}” has no cells to comment on. Nothing was changed.`);
              }
              const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
              const dimensions = document.kind === 'regression' ? [] : document.table.dimensions;
              const keys = Object.keys(body.cell);
              if (keys.length !== dimensions.length || !dimensions.every((dimension) => keys.includes(dimension))) {
                throw new EnclaveError(
                  'invalid_input',
                  `A cell of “${file.name}” names a category for each of ${dimensions.join(', ')}. Nothing was changed.`,
                );
              }
            }
          }
          // A comment changes no decision, so it leaves the request's version alone (a stream of comments must not make
          // every vote, review or release stale). The store writes it only if the request still takes comments, to the
          // round it is in then: a comment that races a return or a resubmission lands in the round that follows.
          const written = await store.airlock.addComment(
            requestId,
            {
              file_id: body.fileId,
              cell: body.cell === null ? null : JSON.stringify(body.cell),
              visibility: body.visibility,
              text: tidyText(body.text),
              author_id: viewer.userId,
              at: stamp(),
            },
            COMMENT_STATES,
          );
          return {
            result: await detail(await recordOf(requestId), viewer, project.name),
            details: { ...requestDetails(record), commentId: written.id, round: written.round, as: viewer.role },
          };
        },
      );
    },

    completeReview(principal, requestId, body) {
      return audited({ type: 'airlock.review_completed', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireReviewer(viewer);
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const mine = currentReviews(record).find((review) => review.checker_id === viewer.userId);
        if (mine?.completed_at !== undefined && mine.completed_at !== null) {
          throw new EnclaveError('conflict', 'You completed your review of this round already. Nothing was changed.');
        }
        if (mine === undefined && currentReviews(record).length >= 2) {
          throw new EnclaveError('conflict', 'Two output checkers are reviewing this request already. Nothing was changed.');
        }
        const to = nextState(from, 'review_completed', {
          unvoted: unvotedBy(record, viewer.userId).map((file) => file.name),
          allApproved: allApproved(record),
        });
        const at = stamp();
        const round = Number(record.request.round);
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          // Unchanged files carry this checker's votes from an earlier round: their review of this round starts now.
          if (mine === undefined) await writer.startReview({ round, checker_id: viewer.userId, started_at: at });
          await writer.completeReview({ round, checker_id: viewer.userId }, at);
          await transition(writer, { event: 'review_completed', from, to, by: viewer.userId, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: { ...requestDetails(record), old: from, new: to, round },
        };
      });
    },

    return(principal, requestId, body) {
      return audited({ type: 'airlock.return', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireReviewer(viewer);
        requireCompletedReview(record, viewer, 'return it');
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const to = nextState(from, 'return', { uncommented: uncommented(record).map((file) => file.name) });
        const at = stamp();
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          await writer.markReviewed(record.files.map((file) => file.id));
          await transition(writer, { event: 'return', from, to, by: viewer.userId, at });
          await notify(writer, { kind: 'returned', to: [record.request.author_id], record, by: principal, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: {
            ...requestDetails(record),
            old: from,
            new: to,
            decisions: liveOutputs(record).map((file) => ({ fileId: file.id, decision: decisionOf(record, file) })),
          },
        };
      });
    },

    reject(principal, requestId, body) {
      return audited({ type: 'airlock.reject', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireReviewer(viewer);
        if (!currentReviews(record).some((review) => review.checker_id === viewer.userId)) {
          throw new EnclaveError(
            'forbidden',
            'Only a checker reviewing this request can reject it: vote on its files first. Nothing was changed.',
          );
        }
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const reason = tidyText(body.reason);
        const to = nextState(from, 'reject', { reason });
        const at = stamp();
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          await transition(writer, { event: 'reject', from, to, by: viewer.userId, at, reason });
          await notify(writer, { kind: 'rejected', to: [record.request.author_id], record, by: principal, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: { ...requestDetails(record), old: from, new: to, reason },
        };
      });
    },
  };
}
