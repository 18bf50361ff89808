// The author's side of the airlock: the project's rules and the platform's check of an output, the project's requests,
// creating a request, its context and files (each output checked and its SHA-256 stored when added), submitting it (every
// output checked again) and withdrawing it. Only a member who may request release creates, edits and submits.
import { EDITABLE_STATES, missingContext, nextState } from '../../common/airlock.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { OutputCheck } from '../../common/output-check.ts';
import { OutputDocumentSchema, SupportingFileSchema } from '../../common/outputs.ts';
import type { StoredFileVersion } from '../store/airlock.ts';
import { mayRequestRelease, requireAuthor, requireMemberAccess } from './access.ts';
import { outputSha256, sha256Hex, supportingBytes } from './checks.ts';
import { contextOf, liveOutputs, missingExceptions, publishedSha256Of, stateOf, summaryOf } from './views.ts';
import type { AirlockService } from './service-api.ts';
import { fileIn, MAX_REQUEST_FILES, newRequestId, requireState, staleUnless, tidyText, type AirlockContext } from './context.ts';

export function authorOperations(
  ctx: AirlockContext,
): Pick<
  AirlockService,
  'rules' | 'check' | 'requests' | 'create' | 'request' | 'context' | 'putFile' | 'withdrawFile' | 'submit' | 'withdraw'
> {
  const {
    store,
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
    requestDetails,
  } = ctx;
  return {
    async rules(principal, projectId) {
      await requireMemberAccess(access, principal, projectId);
      return checker.rulesOf(projectId);
    },

    async check(principal, projectId, document) {
      await requireMemberAccess(access, principal, projectId);
      return checker.check(projectId, document, { caller: principal.user.id });
    },

    requests(principal, projectId) {
      return audited({ type: 'airlock.requests_listed', principal, details: { projectId } }, async () => {
        const { project } = await requireMemberAccess(access, principal, projectId);
        const requests = await store.airlock.ofProject(projectId);
        const files = await store.airlock.filesOf(requests.map((request) => request.id));
        const known = await names();
        const suspended = await suspendedAmong(requests.map((request) => request.author_id));
        const result = requests.map((request) =>
          summaryOf(
            request,
            files.filter((file) => file.request_id === request.id),
            { projectName: project.name, names: known, authorSuspended: suspended.get(request.author_id) === true },
          ),
        );
        return { result, details: { listed: result.length } };
      });
    },

    create(principal, projectId, body) {
      return audited({ type: 'airlock.create', principal, details: { projectId } }, async () => {
        const { project } = await requireMemberAccess(access, principal, projectId);
        if (!mayRequestRelease(access, projectId, principal.user.id)) {
          throw new EnclaveError(
            'forbidden',
            `You may not request release of outputs from ${project.name}: ask the data manager to grant it. Nothing was created.`,
          );
        }
        const at = stamp();
        const id = newRequestId();
        await store.airlock.create(
          {
            id,
            project_id: projectId,
            title: tidyText(body.title),
            context: JSON.stringify(body.context),
            author_id: principal.user.id,
            created_at: at,
          },
          { at, actor: principal.user.id, event: 'create', from_state: null, to_state: 'PENDING', reason: null },
        );
        const record = await recordOf(id);
        return {
          result: await detail(record, { userId: principal.user.id, role: 'author', admin: false }, project.name),
          details: { requestId: id },
        };
      });
    },

    request(principal, requestId) {
      // Every view is audited, as every file read and every decision is (a refused one too: someone probing for ids).
      return audited({ type: 'airlock.viewed', principal, details: { requestId } }, async () => {
        // An administrator who is neither member nor checker reads it as a member does (no votes, no private comments, no
        // evidence), so that they can revoke a release.
        // While the project is suspended, an administrator still reads a release, to revoke it (the incident response).
        const { record, viewer, project } = await open(principal, requestId, { admins: true, incidentResponse: true });
        return { result: await detail(record, viewer, project.name), details: { projectId: project.id, as: viewer.role } };
      });
    },

    context(principal, requestId, body) {
      return audited({ type: 'airlock.context', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireAuthor(viewer, 'change its context');
        requireState(record, EDITABLE_STATES, 'its context can be changed only while it is pending or returned.');
        requireMayRequest(record, project.name);
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at: stamp() }, (writer) =>
          writer.update({ title: tidyText(body.title), context: JSON.stringify(body.context) }),
        );
        return { result: await detail(await recordOf(requestId), viewer, project.name), details: requestDetails(record) };
      });
    },

    putFile(principal, requestId, body) {
      return audited({ type: 'airlock.file_added', principal, details: { requestId, name: body.name } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireAuthor(viewer, 'add or update its files');
        requireState(record, EDITABLE_STATES, 'files can be added or updated only while it is pending or returned.');
        requireMayRequest(record, project.name);
        staleUnless(record, body.expectedVersion);
        const role = 'output' in body ? 'output' : 'supporting';
        const existing = record.files.find((file) => file.name === body.name);
        if (existing !== undefined && existing.role !== role) {
          throw new EnclaveError(
            'invalid_input',
            `This request has a ${existing.role} file named “${body.name}” already: choose another name. Nothing was changed.`,
          );
        }
        const live = record.files.filter((file) => file.withdrawn === 0).length;
        if ((existing === undefined || existing.withdrawn === 1) && live >= MAX_REQUEST_FILES) {
          throw new EnclaveError(
            'invalid_input',
            `A request holds at most ${MAX_REQUEST_FILES} files (outputs and supporting files together), and this one has ${live}: withdraw one, or put the rest in another request. Nothing was changed.`,
          );
        }
        let version: Omit<StoredFileVersion, 'file_id' | 'version'>;
        let verdict: string | null = null;
        const at = stamp();
        if ('output' in body) {
          const document = OutputDocumentSchema.parse(body.output);
          // The platform's own check, stored with the version (the workstation's report was a preview).
          const check = await checker.check(record.request.project_id, document, { caller: principal.user.id });
          verdict = check.verdict;
          const exception = body.exception === null || body.exception.trim() === '' ? null : tidyText(body.exception);
          version = {
            kind: document.kind,
            title: document.title,
            content: JSON.stringify(document),
            sha256: outputSha256(document),
            output_check: JSON.stringify(check),
            exception,
            added_at: at,
            added_by: principal.user.id,
          };
        } else {
          const supporting = SupportingFileSchema.parse(body.supporting);
          version = {
            kind: null,
            title: null,
            content: JSON.stringify(supporting),
            sha256: sha256Hex(supportingBytes(supporting)),
            output_check: null,
            exception: null,
            added_at: at,
            added_by: principal.user.id,
          };
        }
        const stored = await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          if (existing === undefined) {
            const fileId = await writer.addFile({ name: body.name, role, added_at: at }, version);
            return { fileId, fileVersion: 1 };
          }
          // The same bytes: the file keeps its version and its votes (an approved file stays approved); only the
          // exception text can change, and a withdrawn file comes back.
          if (existing.current.sha256 === version.sha256) {
            await writer.updateVersion(existing.id, existing.current_version, {
              exception: version.exception,
              output_check: version.output_check,
            });
            if (existing.withdrawn === 1) await writer.setWithdrawn(existing.id, false);
            return { fileId: existing.id, fileVersion: Number(existing.current_version) };
          }
          return { fileId: existing.id, fileVersion: await writer.addVersion(existing.id, version) };
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          // The SHA-256 recorded here, under the audit key, is what the release checks the stored bytes against.
          details: { ...requestDetails(record), ...stored, role, sha256: version.sha256, verdict },
        };
      });
    },

    withdrawFile(principal, { requestId, fileId }, body) {
      return audited({ type: 'airlock.file_withdrawn', principal, details: { requestId, fileId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireAuthor(viewer, 'withdraw its files');
        requireState(record, EDITABLE_STATES, 'files can be withdrawn only while it is pending or returned.');
        const file = fileIn(record, fileId);
        if (file.withdrawn === 1) throw new EnclaveError('conflict', `“${file.name}” is withdrawn already. Nothing was changed.`);
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at: stamp() }, (writer) =>
          writer.setWithdrawn(fileId, true),
        );
        return { result: await detail(await recordOf(requestId), viewer, project.name), details: requestDetails(record) };
      });
    },

    submit(principal, requestId, body) {
      return audited({ type: 'airlock.submit', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireAuthor(viewer, 'submit it');
        requireMayRequest(record, project.name);
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        // The rules or the ledger may have changed since the files were added: every output is checked again.
        const checks = new Map<string, OutputCheck>();
        for (const file of liveOutputs(record)) {
          const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
          checks.set(file.id, await checker.check(record.request.project_id, document, { caller: principal.user.id }));
        }
        const to = nextState(from, 'submit', {
          outputFiles: liveOutputs(record).length,
          missingExceptions: missingExceptions(record, (file) => checks.get(file.id)?.verdict ?? 'review'),
          missingContext: missingContext(contextOf(record.request)),
        });
        const at = stamp();
        const round = Number(record.request.round) + 1;
        const recipients = await checkersFor(record);
        // A file whose check now publishes something else, or says another verdict, loses the votes cast on its old
        // check (they count no more): its reviewers are told it changed since their review.
        const changed = liveOutputs(record).filter((file) => {
          const check = checks.get(file.id);
          if (check === undefined) return false;
          const document = OutputDocumentSchema.parse(JSON.parse(file.current.content));
          const now = { publishedSha256: publishedSha256Of(document, check), verdict: check.verdict };
          return record.votes.some(
            (vote) =>
              vote.file_id === file.id &&
              vote.file_version === file.current_version &&
              (vote.published_sha256 !== now.publishedSha256 || vote.verdict !== now.verdict),
          );
        });
        const note =
          changed.length === 0
            ? undefined
            : `Its disclosure check changed since your review of ${changed.map((file) => `“${file.name}”`).join(', ')}: review ${changed.length === 1 ? 'it' : 'them'} again.`;
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, async (writer) => {
          for (const file of liveOutputs(record)) {
            const check = JSON.stringify(checks.get(file.id));
            if (check !== file.current.output_check) await writer.updateVersion(file.id, file.current_version, { output_check: check });
          }
          await writer.update({ submitted_at: at, round });
          await transition(writer, { event: 'submit', from, to, by: principal.user.id, at });
          await notify(writer, { kind: 'submitted', to: recipients, record, by: principal, at, ...(note === undefined ? {} : { note }) });
        });
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: {
            ...requestDetails(record),
            old: from,
            new: to,
            round,
            changedSinceReview: changed.map((file) => file.id),
            files: liveOutputs(record).map((file) => ({
              fileId: file.id,
              fileVersion: Number(file.current_version),
              sha256: file.current.sha256,
              verdict: checks.get(file.id)?.verdict ?? null,
            })),
          },
        };
      });
    },

    withdraw(principal, requestId, body) {
      return audited({ type: 'airlock.withdraw', principal, details: { requestId } }, async () => {
        const { record, viewer, project } = await open(principal, requestId);
        await requireUnfrozen(record);
        requireAuthor(viewer, 'withdraw it');
        staleUnless(record, body.expectedVersion);
        const from = stateOf(record.request);
        const to = nextState(from, 'withdraw', {});
        const at = stamp();
        await store.airlock.change({ id: requestId, expectedVersion: body.expectedVersion, at }, (writer) =>
          transition(writer, { event: 'withdraw', from, to, by: principal.user.id, at, reason: tidyText(body.reason) }),
        );
        return {
          result: await detail(await recordOf(requestId), viewer, project.name),
          details: { ...requestDetails(record), old: from, new: to, reason: tidyText(body.reason) },
        };
      });
    },
  };
}
