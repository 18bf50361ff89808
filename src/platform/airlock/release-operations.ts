// Release and what follows it: the release itself (refused while egress is frozen, when the author may no longer request
// release, when the stored bytes no longer hash to what was reviewed, or when a check of them made now, against the
// project's ledger now, differs from the check the reviewers voted on in a way that matters: what is published is made
// from that fresh check, never from the stored one; one release of a project at a time), revocation (by an
// administrator even while the project is suspended), the project's ledger, a released
// file (a download), the release package, and each person's notifications.
import { nextState, type NotificationKind, type Versioned } from '../../common/airlock.ts';
import { settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { OutputCheckSchema, publishedOutput, type OutputCheck, type PublishedOutput } from '../../common/output-check.ts';
import { OutputDocumentSchema, type OutputDocument } from '../../common/outputs.ts';
import type { Principal } from '../identity/principal.ts';
import type { StoredFile, StoredRelease } from '../store/airlock.ts';
import { mayRequestRelease, requireMemberAccess, requireReviewer } from './access.ts';
import { publishedOf, publishedSha256 } from './checks.ts';
import { releasePackage } from './release-package.ts';
import { RecordedRefusal, verifyStoredBytes } from './stored-bytes.ts';
import { allApproved, checkOf, contextOf, countingVotes, lapsedVotes, liveOutputs, publishedSha256Of, stateOf } from './views.ts';
import type { AirlockService } from './service-api.ts';
import { NOTIFICATIONS_LISTED, requireState, staleUnless, tidyText, type AirlockContext } from './context.ts';

const VERDICT_RANK: Readonly<Record<OutputCheck['verdict'], number>> = { pass: 0, review: 1, flag: 2 };

const flagKey = (flag: OutputCheck['flags'][number]): string =>
  JSON.stringify([flag.code, flag.verdict, flag.cells, flag.earlier?.id ?? null]);

/**
 * How a check made at release differs, in a way that matters, from the check the reviewers voted on: it would publish
 * other bytes, its verdict is worse, or it raises flags the reviewers did not see. Null when it does not.
 */
export function checkChange(document: OutputDocument, reviewed: OutputCheck, now: OutputCheck): string | null {
  if (publishedSha256Of(document, now) !== publishedSha256Of(document, reviewed)) return 'it would now publish something else';
  const seen = new Set(reviewed.flags.map(flagKey));
  const raised = now.flags.filter((flag) => !seen.has(flagKey(flag)));
  if (now.verdict !== 'pass' && raised.length > 0) {
    return raised.map((flag) => `${flag.verdict === 'flag' ? 'a' : 'a review'} flag: ${flag.message}`).join('; ');
  }
  if (VERDICT_RANK[now.verdict] > VERDICT_RANK[reviewed.verdict]) return `its verdict is now ${now.verdict}, not ${reviewed.verdict}`;
  return null;
}

/** The refusal of a release whose file's check changed since it was reviewed; the audit log records why. */
function checkChanged(
  file: StoredFile,
  why: string,
  verdicts: { verdict: string | null; reviewedVerdict: string | null },
): RecordedRefusal {
  return new RecordedRefusal(
    'conflict',
    `The disclosure check of “${file.name}” changed since it was reviewed (${why}): return it to the analyst or review it again. Nothing was released.`,
    {
      because: 'check_changed',
      fileId: file.id,
      fileVersion: Number(file.current_version),
      change: why,
      verdict: verdicts.verdict,
      reviewedVerdict: verdicts.reviewedVerdict,
    },
  );
}

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
    requireUnfrozen,
    detail,
    audited,
    open,
    notify,
    transition,
    requireCompletedReview,
    requestDetails,
    ledgerEntry,
  } = ctx;

  /** The end of each project's queue of releases. */
  const releasing = new Map<string, Promise<unknown>>();
  async function oneReleaseAtATime<T>(projectId: string, work: () => Promise<T>): Promise<T> {
    const before = releasing.get(projectId) ?? Promise.resolve();
    const mine = before.then(work, work);
    const done = settled(mine);
    releasing.set(projectId, done);
    try {
      return await mine;
    } finally {
      if (releasing.get(projectId) === done) releasing.delete(projectId);
    }
  }

  /** The release itself, inside the project's release lock: every refusal is thrown before anything is written. */
  async function releaseNow(principal: Principal, requestId: string, body: Versioned) {
    const { record, viewer, project } = await open(principal, requestId);
    await requireUnfrozen(record);
    requireReviewer(viewer);
    requireCompletedReview(record, viewer, 'release it');
    staleUnless(record, body.expectedVersion);
    const from = stateOf(record.request);
    // The votes were cast on the stored check: if it no longer says what they saw, they count no more.
    if (from === 'APPROVED') {
      for (const file of liveOutputs(record)) {
        const lapsed = lapsedVotes(record, file);
        if (lapsed.length > 0) {
          throw checkChanged(file, "the platform's stored check no longer says what the reviewers voted on", {
            verdict: checkOf(file)?.verdict ?? null,
            reviewedVerdict: lapsed[0]?.verdict ?? null,
          });
        }
      }
    }
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
    // ...and from a check made now, against the project's ledger now: never from the stored check. A check that
    // changed since the reviewers voted in a way that matters stops the release.
    const fresh = new Map<string, { document: OutputDocument; published: PublishedOutput }>();
    for (const file of outputs) {
      const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
      const check = await checker.check(record.request.project_id, document, { caller: viewer.userId });
      const reviewed = checkOf(file);
      const change = reviewed === null ? 'its reviewed check does not read' : checkChange(document, reviewed, check);
      if (change !== null) throw checkChanged(file, change, { verdict: check.verdict, reviewedVerdict: reviewed?.verdict ?? null });
      fresh.set(file.id, { document, published: publishedOutput(document, check) });
    }
    const known = await names();
    const reviewers = [...new Set(outputs.flatMap((file) => countingVotes(record, file).map((vote) => vote.checker_id)))]
      .map((id) => known.get(id) ?? id)
      .sort();
    const at = stamp();
    const rules = checker.profileOf(record.request.project_id);
    const entries: StoredRelease[] = outputs.map((file) => {
      const { document, published } = fresh.get(file.id) as { document: OutputDocument; published: PublishedOutput };
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
  }

  return {
    release(principal, requestId, body) {
      return audited({ type: 'airlock.release', principal, details: { requestId } }, async () => {
        // One release of a project at a time, from its fresh checks to its ledger entries: two requests released side
        // by side would each be checked against a ledger without the other.
        const { record: seen } = await open(principal, requestId);
        return oneReleaseAtATime(seen.request.project_id, () => releaseNow(principal, requestId, body));
      });
    },

    revoke(principal, requestId, body) {
      return audited({ type: 'airlock.revoke', principal, details: { requestId } }, async () => {
        // An administrator revokes even while the project is suspended: the suspension must not block the incident response.
        const { record, viewer, project } = await open(principal, requestId, { admins: true, incidentResponse: true });
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

    released(principal, projectId) {
      return audited({ type: 'airlock.ledger_viewed', principal, details: { projectId } }, async () => {
        await requireMemberAccess(access, principal, projectId);
        const [entries, known] = await Promise.all([store.airlock.released(projectId), names()]);
        const titles = new Map<string, string>();
        for (const entry of entries) {
          if (!titles.has(entry.request_id)) titles.set(entry.request_id, (await store.airlock.get(entry.request_id))?.title ?? '');
        }
        const result = entries.map((entry) => ledgerEntry(entry, { known, requestTitle: titles.get(entry.request_id) ?? '' }));
        return { result, details: { listed: result.length } };
      });
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
