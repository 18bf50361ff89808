// Release and what follows it: the release itself (refused while egress is frozen, when the author may no longer request
// release, or when the stored bytes no longer hash to what was reviewed), revocation, the project's ledger, a released
// file (a download), the release package, and each person's notifications.
import { nextState, type NotificationKind } from '../../common/airlock.ts';
import { EnclaveError } from '../../common/errors.ts';
import { OutputCheckSchema, publishedOutput, type OutputCheck } from '../../common/output-check.ts';
import { OutputDocumentSchema } from '../../common/outputs.ts';
import type { StoredRelease } from '../store/airlock.ts';
import { mayRequestRelease, requireMemberAccess, requireReviewer } from './access.ts';
import { publishedOf, publishedSha256 } from './checks.ts';
import { releasePackage } from './release-package.ts';
import { verifyStoredBytes } from './stored-bytes.ts';
import { allApproved, checkOf, contextOf, countingVotes, liveOutputs, stateOf } from './views.ts';
import type { AirlockService } from './airlock-service.ts';
import { NOTIFICATIONS_LISTED, requireState, staleUnless, tidyText, type AirlockContext } from './context.ts';

export function releaseOperations(
  ctx: AirlockContext,
): Pick<AirlockService, 'release' | 'revoke' | 'released' | 'releasedFile' | 'package' | 'notifications' | 'readNotifications'> {
  const {
    store,
    audit,
    deps,
    stamp,
    access,
    checker,
    names,
    recordOf,
    detail,
    audited,
    open,
    notify,
    transition,
    requireCompletedReview,
    requestDetails,
    ledgerEntry,
  } = ctx;
  return {
    release(principal, requestId, body) {
      return audited({ type: 'airlock.release', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        requireReviewer(viewer);
        requireCompletedReview(record, viewer, 'release it');
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const to = nextState(from, 'release', { allApproved: allApproved(record) });
        const egress = await deps.killSwitch.egressStatus(record.request.project_id);
        if (egress.frozen) throw new EnclaveError('egress_frozen', `${egress.message ?? 'Egress is frozen.'} Nothing was released.`);
        if (!mayRequestRelease(access, record.request.project_id, record.request.author_id)) {
          throw new EnclaveError(
            'forbidden',
            `The author of this request may no longer request release of outputs from ${project.name} (the project's agreement no longer allows it). Nothing was released.`,
          );
        }
        const outputs = liveOutputs(record);
        // What leaves is made from the stored bytes, and only when they still hash to what was added and reviewed.
        await verifyStoredBytes({ audit, projectId: record.request.project_id, files: outputs });
        const known = await names();
        const reviewers = [...new Set(outputs.flatMap((file) => countingVotes(record, file).map((vote) => vote.checker_id)))]
          .map((id) => known.get(id) ?? id)
          .sort();
        const at = stamp();
        const rules = checker.profileOf(record.request.project_id);
        const entries: StoredRelease[] = outputs.map((file) => {
          const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
          const published = publishedOutput(document, checkOf(file) as OutputCheck);
          return {
            file_id: file.id,
            request_id: requestId,
            project_id: record.request.project_id,
            file_version: Number(file.current_version),
            name: file.name,
            title: document.title,
            kind: document.kind,
            published: JSON.stringify(published),
            sha256: publishedSha256(published),
            reviewed_sha256: file.current.sha256,
            dimensions: JSON.stringify(published.dimensions),
            released_at: at,
            released_by: viewer.userId,
            reviewers: JSON.stringify(reviewers),
            rules,
            revoked_at: null,
            revoked_by: null,
            revoke_reason: null,
          };
        });
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          for (const entry of entries) await writer.release(entry);
          await transition(writer, { event: 'release', from, to, by: viewer.userId, at });
          await notify(writer, { kind: 'released', to: [record.request.author_id], record, by: principal, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: {
            ...requestDetails(record),
            old: from,
            new: to,
            files: entries.map((entry) => ({
              fileId: entry.file_id,
              fileVersion: entry.file_version,
              reviewedSha256: entry.reviewed_sha256,
              sha256: entry.sha256,
            })),
          },
        };
      });
    },

    revoke(principal, requestId, body) {
      return audited({ type: 'airlock.revoke', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId, { admins: true });
        if (viewer.role === 'author')
          throw new EnclaveError(
            'forbidden',
            'You wrote this request: ask an output checker or an administrator to revoke it. Nothing was changed.',
          );
        if (viewer.role !== 'checker' && !viewer.admin)
          throw new EnclaveError('forbidden', 'Only output checkers and administrators revoke a release. Nothing was changed.');
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const reason = tidyText(body.reason);
        const to = nextState(from, 'revoke', { reason });
        const at = stamp();
        const released = await store.airlock.releasesOf(requestId);
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          await writer.revoke(
            released.map((entry) => entry.file_id),
            { at, by: viewer.userId, reason },
          );
          await transition(writer, { event: 'revoke', from, to, by: viewer.userId, at, reason });
          await notify(writer, { kind: 'revoked', to: [record.request.author_id], record, by: principal, at });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: { ...requestDetails(record), old: from, new: to, reason, files: released.map((entry) => entry.file_id) },
        };
      });
    },

    async released(principal, projectId) {
      await requireMemberAccess(access, principal, projectId);
      const [entries, known] = await Promise.all([store.airlock.released(projectId), names()]);
      const titles = new Map<string, string>();
      for (const entry of entries) {
        if (!titles.has(entry.request_id)) titles.set(entry.request_id, (await store.airlock.get(entry.request_id))?.title ?? '');
      }
      return entries.map((entry) => ledgerEntry(entry, { known, requestTitle: titles.get(entry.request_id) ?? '' }));
    },

    releasedFile(principal, { projectId, fileId }) {
      return audited({ type: 'airlock.download', principal, details: { projectId, fileId } }, async () => {
        await requireMemberAccess(access, principal, projectId);
        const entry = await store.airlock.releasedFile(projectId, fileId);
        if (entry === undefined) throw new EnclaveError('not_found', 'This project has released no such output.');
        if (entry.revoked_at !== null) {
          throw new EnclaveError(
            'forbidden',
            `This output's release was revoked (${entry.revoke_reason ?? 'no reason recorded'}): it may no longer leave.`,
          );
        }
        const egress = await deps.killSwitch.egressStatus(projectId);
        if (egress.frozen) throw new EnclaveError('egress_frozen', egress.message ?? 'Egress is frozen.');
        const content = publishedOf(entry);
        if (publishedSha256(content) !== entry.sha256) {
          throw new EnclaveError(
            'forbidden',
            'This released output no longer matches what was released (its SHA-256 differs): it may not leave. Tell an administrator.',
          );
        }
        const requestTitle = (await store.airlock.get(entry.request_id))?.title ?? '';
        return {
          result: { output: ledgerEntry(entry, { known: await names(), requestTitle }), content, sha256: entry.sha256 },
          details: { requestId: entry.request_id, sha256: entry.sha256 },
        };
      });
    },

    package(principal, requestId) {
      return audited({ type: 'airlock.package_read', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        requireState(record, ['RELEASED'], 'only a released request has a release package.');
        const egress = await deps.killSwitch.egressStatus(record.request.project_id);
        if (egress.frozen) throw new EnclaveError('egress_frozen', egress.message ?? 'Egress is frozen.');
        const entries = await store.airlock.releasesOf(requestId);
        const known = await names();
        const files = [];
        for (const entry of entries) {
          const version = await store.airlock.fileVersion(entry.file_id, Number(entry.file_version));
          if (version === undefined) throw new EnclaveError('internal', 'A released file version is missing from the airlock.');
          const published = publishedOf(entry);
          if (publishedSha256(published) !== entry.sha256) {
            throw new EnclaveError(
              'forbidden',
              `The released “${entry.name}” no longer matches what was released (its SHA-256 differs): the package may not leave. Tell an administrator.`,
            );
          }
          files.push({
            fileId: entry.file_id,
            name: entry.name,
            sha256: entry.sha256,
            published,
            check: OutputCheckSchema.parse(JSON.parse(version.output_check ?? 'null')),
          });
        }
        const first = entries[0];
        if (first === undefined) throw new EnclaveError('internal', 'A released request has no released files.');
        return {
          result: releasePackage({
            id: requestId,
            title: record.request.title,
            projectId: project.id,
            projectName: project.name,
            context: contextOf(record.request),
            releasedAt: first.released_at,
            releasedBy: { id: first.released_by, name: known.get(first.released_by) ?? first.released_by },
            reviewers: JSON.parse(first.reviewers) as string[],
            rules: first.rules,
            files,
          }),
          details: { projectId: project.id, as: viewer.role, files: entries.map((entry) => entry.file_id) },
        };
      });
    },

    async notifications(principal) {
      const [rows, known] = await Promise.all([store.airlock.notifications(principal.user.id, NOTIFICATIONS_LISTED), names()]);
      return rows.map((row) => ({
        id: Number(row.id),
        kind: row.kind as NotificationKind,
        requestId: row.request_id,
        projectId: row.project_id,
        title: row.title,
        by: { id: row.by_id, name: known.get(row.by_id) ?? row.by_id },
        at: row.at,
        message: row.message,
        read: row.read_at !== null,
      }));
    },

    async readNotifications(principal, upTo) {
      return { unread: await store.airlock.readNotifications(principal.user.id, upTo, stamp()) };
    },
  };
}
