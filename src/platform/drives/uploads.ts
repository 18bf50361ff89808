// Resumable uploads (issue 17), the sync engine's way up: start (the name, the write condition, the locks and the quota
// checked from the declared size), chunks appended at the session's offset (each fsynced, whole or not at all), where
// it stands, and commit (the received bytes' SHA-256 checked against the declared one, then written as a PUT is: the
// same condition checked again, atomically with the write). A session lives in the records and its bytes on disk, so it
// survives a restart: its offset is always the bytes durably on disk. It expires a day after its last chunk. A chunk
// streaming in is a transfer the kill switch can stop: the session is then dropped, so nothing of it is ever committed.
import { EnclaveError } from '../../common/errors.ts';
import {
  UPLOAD_CHUNK_MAX_BYTES,
  WriteConditionSchema,
  type DriveEntry,
  type StartUpload,
  type UploadSession,
} from '../../common/drives.ts';
import type { StoredUpload } from '../store/drives.ts';
import { newUploadId } from '../store/drives.ts';
import { commitPinned, planWrite } from './content-writes.ts';
import { checkedPath, type DriveContext } from './drive-context.ts';
import type { DriveCaller } from './service-api.ts';
import { startCheckedTransfer } from './transfers.ts';

/** How many unfinished uploads one person may hold in one drive. */
export const OPEN_UPLOADS_PER_PERSON = 64;

/** A chunk sent at another offset than the session's: the answer carries the session, whose offset says where to go on. */
export class UploadOffsetMismatch extends EnclaveError {
  readonly session: UploadSession;
  constructor(session: UploadSession, sentAt: number) {
    super(
      'conflict',
      `This chunk starts at byte ${sentAt.toLocaleString('en-GB')}, but the upload has ${session.offset.toLocaleString('en-GB')} bytes. Nothing of it was kept: send from byte ${session.offset.toLocaleString('en-GB')}.`,
    );
    this.name = 'UploadOffsetMismatch';
    this.session = session;
  }
}

function noSuchUpload(): EnclaveError {
  return new EnclaveError('not_found', 'There is no such upload (it was committed, it expired, or it is not yours). Start it again.');
}

export function driveUploads(ctx: DriveContext) {
  const { records, blobs } = ctx;

  const sessionOf = (row: StoredUpload, offset: number): UploadSession => ({
    uploadId: row.id,
    path: row.path,
    size: row.size,
    sha256: row.sha256,
    offset,
    expiresAt: row.expires_at,
  });

  /** The caller's own live session in this drive; an expired one is dropped on sight. */
  async function sessionFor(caller: DriveCaller, projectId: string, uploadId: string): Promise<StoredUpload> {
    await ctx.access(caller, projectId);
    const row = await records.upload(uploadId);
    if (row === undefined || row.project_id !== projectId || row.user_id !== caller.principal.user.id) throw noSuchUpload();
    if (row.expires_at <= ctx.stamp()) {
      await drop(row.id);
      throw noSuchUpload();
    }
    return row;
  }

  async function drop(uploadId: string): Promise<void> {
    await records.deleteUpload(uploadId);
    await blobs.discardUpload(uploadId);
  }

  /** The bytes on disk; a session whose bytes are gone (the platform's files restored, or tampered with) is dropped. */
  async function offsetOf(row: StoredUpload): Promise<number> {
    const length = await blobs.uploadLength(row.id);
    if (length === null || length > row.size) {
      await drop(row.id);
      throw new EnclaveError('not_found', 'This upload has no usable bytes on the platform any more. Start it again.');
    }
    return length;
  }

  const expiry = (): string => new Date(ctx.now().getTime() + ctx.uploadLifetimeMs).toISOString();

  /**
   * Appends a chunk as a transfer the kill switch can stop (transfers.ts). Stopped, the whole session goes (its bytes,
   * and what it held of the quota), the drop is recorded, and the refusal is thrown: nothing of it can be committed.
   */
  async function appendChunk(chunk: {
    caller: DriveCaller;
    row: StoredUpload;
    offset: number;
    body: AsyncIterable<Uint8Array>;
    length: number;
  }): Promise<number> {
    const { caller, row, offset, body, length } = chunk;
    const transfer = await startCheckedTransfer(ctx.deps.operations, ctx.deps.killSwitch, {
      caller,
      projectId: row.project_id,
      flow: body,
    });
    let outcome: { reached: number } | { failed: unknown };
    try {
      outcome = { reached: await blobs.appendUpload(row.id, { offset, body, length }) };
    } catch (err) {
      outcome = { failed: err };
    } finally {
      transfer.end();
    }
    const stopped = transfer.stoppedBy();
    if (stopped !== undefined) {
      await drop(row.id);
      await ctx.audit.append({
        type: 'drive.upload_stopped',
        actor: caller.principal.user.id,
        outcome: 'failure',
        details: {
          projectId: row.project_id,
          via: caller.via,
          ...(caller.appPasswordId === undefined ? {} : { appPasswordId: caller.appPasswordId }),
          uploadId: row.id,
          path: row.path,
          bytesDropped: offset,
          code: stopped.code,
          reason: stopped.message,
        },
      });
      throw stopped;
    }
    if ('failed' in outcome) throw outcome.failed;
    return outcome.reached;
  }

  return {
    async startUpload(caller: DriveCaller, projectId: string, upload: StartUpload): Promise<UploadSession> {
      return ctx.audited(
        { type: 'drive.upload_start', caller, projectId, details: { path: upload.path, bytes: upload.size, sha256: upload.sha256 } },
        async () => {
          await ctx.access(caller, projectId);
          const drivePath = checkedPath(upload.path, { root: 'refused' });
          const condition = WriteConditionSchema.parse(upload.condition);
          await ctx.driveOf(projectId, caller.principal.user.id);
          if (!Number.isSafeInteger(upload.size) || upload.size < 0) {
            throw new EnclaveError('invalid_input', "The upload's size is not a whole number of bytes. Nothing was started.");
          }
          // Refused now rather than after the bytes: the name, the folder, the condition, the locks, the quota.
          const plan = await planWrite(ctx, records, { caller, projectId, drivePath, condition, size: upload.size });
          const open = await records.uploadsOf(projectId, caller.principal.user.id);
          if (open.filter((row) => row.expires_at > ctx.stamp()).length >= OPEN_UPLOADS_PER_PERSON) {
            throw new EnclaveError(
              'rate_limited',
              `You have ${OPEN_UPLOADS_PER_PERSON} unfinished uploads in this drive: finish some first (or wait a day for them to expire). Nothing was started.`,
            );
          }
          const row: StoredUpload = {
            id: newUploadId(),
            project_id: projectId,
            user_id: caller.principal.user.id,
            path: plan.drivePath,
            size: upload.size,
            sha256: upload.sha256,
            condition: JSON.stringify(condition),
            created_at: ctx.stamp(),
            expires_at: expiry(),
          };
          // The record first: a file without one is cleaned away by the sweep, a record without a file is dropped on sight.
          await records.addUpload(row);
          try {
            await blobs.createUpload(row.id);
          } catch (err) {
            await records.deleteUpload(row.id);
            throw err;
          }
          return { result: sessionOf(row, 0), details: { path: row.path, uploadId: row.id } };
        },
      );
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async uploadChunk(
      caller: DriveCaller,
      projectId: string,
      uploadId: string,
      offset: number,
      body: AsyncIterable<Uint8Array>,
      length: number,
    ): Promise<UploadSession> {
      const row = await sessionFor(caller, projectId, uploadId);
      if (!Number.isSafeInteger(length) || length < 1 || length > UPLOAD_CHUNK_MAX_BYTES) {
        throw new EnclaveError(
          'invalid_input',
          `A chunk must hold from 1 to ${UPLOAD_CHUNK_MAX_BYTES.toLocaleString('en-GB')} bytes. Nothing of it was kept.`,
        );
      }
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > row.size) {
        throw new EnclaveError(
          'invalid_input',
          `This chunk goes past the upload's declared size (${row.size.toLocaleString('en-GB')} bytes). Nothing of it was kept.`,
        );
      }
      // One chunk at a time per session: the offset check and the append are one step.
      return ctx.uploadLocks.run(uploadId, async () => {
        const at = await offsetOf(row);
        if (at !== offset) throw new UploadOffsetMismatch(sessionOf(row, at), offset);
        const reached = await appendChunk({ caller, row, offset, body, length });
        const expiresAt = expiry();
        await records.touchUpload(uploadId, expiresAt);
        return sessionOf({ ...row, expires_at: expiresAt }, reached);
      });
    },

    async uploadStatus(caller: DriveCaller, projectId: string, uploadId: string): Promise<UploadSession> {
      const row = await sessionFor(caller, projectId, uploadId);
      return ctx.uploadLocks.run(uploadId, async () => sessionOf(row, await offsetOf(row)));
    },

    async commitUpload(caller: DriveCaller, projectId: string, uploadId: string): Promise<DriveEntry> {
      return ctx.audited({ type: 'drive.upload_commit', caller, projectId, details: { uploadId } }, async () => {
        const row = await sessionFor(caller, projectId, uploadId);
        return ctx.uploadLocks.run(uploadId, async () => {
          const offset = await offsetOf(row);
          if (offset !== row.size) {
            throw new EnclaveError(
              'conflict',
              `Only ${offset.toLocaleString('en-GB')} of ${row.size.toLocaleString('en-GB')} bytes of “${row.path}” have arrived: send the rest, then commit. Nothing was written.`,
            );
          }
          const blob = await blobs.hashUpload(uploadId);
          if (blob.sha256 !== row.sha256 || blob.size !== row.size) {
            await drop(uploadId);
            throw new EnclaveError(
              'invalid_input',
              `“${row.path}” arrived damaged: the bytes received do not have the SHA-256 declared when the upload started. Nothing was written: upload it again.`,
            );
          }
          // From here the session's bytes are the blob: the session ends, whether the write happens or is refused.
          // Pinned before it is installed, after any collect of the same bytes under way.
          await ctx.pinForCommit(blob.sha256);
          try {
            await blobs.sealUpload(uploadId, blob);
            await records.deleteUpload(uploadId);
            const committed = await commitPinned(ctx, {
              caller,
              actorId: caller.principal.user.id,
              projectId,
              drivePath: row.path,
              blob,
              condition: WriteConditionSchema.parse(JSON.parse(row.condition)),
            });
            return {
              result: await ctx.shown(projectId, committed.entry),
              details: {
                path: committed.entry.path,
                version: committed.entry.version,
                sha256: blob.sha256,
                bytes: blob.size,
                change: committed.change,
              },
            };
          } finally {
            await ctx.unpinCommit(blob.sha256);
            await ctx.collect([blob.sha256]);
          }
        });
      });
    },
  };
}
