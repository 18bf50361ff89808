// The core's drive methods (issue 17). Browsing, versions, trash and app passwords call their platform route as the
// signed-in person (as the airlock's do), so the platform decides and its refusals come back as it said them; a change
// made there asks the project's sync for a pass. The sync itself is ./wiring.ts's. Saving a local result goes through
// the project's native engine (it writes the file in its own folder; the core moves it whole into the drive's local
// folder, then syncs); opening a drive file reads the platform's current content, checked against its SHA-256, into
// the engine's own folder and loads it all or nothing. A project kept in the window ('memory') has no local folder:
// the window opens a file from its bytes and saves by uploading straight to the platform.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  DRIVE_FORMAT_EXTENSIONS,
  DRIVE_PREVIEW_BYTES,
  DRIVE_WINDOW_OPEN_MAX_BYTES,
  driveFileFormatOf,
  type DriveSyncView,
  type MethodName,
} from '../../common/contract.ts';
import { detachedCall, type CallContext, type Handlers } from '../../common/dispatch.ts';
import { drivePathProblem, type UploadSession } from '../../common/drives.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { AsUser } from '../airlock/handlers.ts';
import type { PlatformClient } from '../platform-client.ts';
import { arrowChunksAsStream, arrowFileAsStream, collectBytes } from '../workspace/arrow-file.ts';
import { placeInDriveFolder } from '../workspace/drive-place.ts';
import { isNativeEngine, type NativeEngine } from '../workspace/native-engine.ts';
import type { OpenWorkspace, WorkspaceService } from '../workspaces/service.ts';
import type { DriveRemote } from './remote.ts';

export type DriveMethod = Extract<MethodName, `drive.${string}`>;
export type DriveHandlers = Pick<Handlers, DriveMethod>;

/** The drives' local side, as ./wiring.ts keeps it: one sync per signed-in person and 'disk' project. */
export interface DriveLocal {
  /** The project drive's local side now; its sync is started first if it should run and does not. */
  view(projectId: string, signal: AbortSignal): Promise<DriveSyncView>;
  syncNow(projectId: string, signal: AbortSignal): Promise<DriveSyncView>;
  resolveDeletes(projectId: string, answer: 'apply' | 'restore', signal: AbortSignal): Promise<DriveSyncView>;
  dismissNotice(projectId: string, noticeId: string, signal: AbortSignal): Promise<DriveSyncView>;
  /** Something changed on the platform (a move, a restore): a pass soon, if the project's sync runs. */
  changed(projectId: string): void;
}

export interface DriveHandlerDependencies {
  client: Pick<PlatformClient, 'call'>;
  asUser: AsUser;
  local: DriveLocal;
  /** The project's drive over HTTP as the signed-in person: downloads (WebDAV) and upload chunks (the raw route). */
  remote: (projectId: string) => Pick<DriveRemote, 'download' | 'uploadChunk'>;
  /** A kept version's first `maxBytes` bytes, and its whole size. */
  versionContent: (request: {
    projectId: string;
    path: string;
    version: number;
    maxBytes: number;
    signal: AbortSignal;
  }) => Promise<{ bytes: Uint8Array; size: number }>;
  /** The project's workspace, for its local engine. */
  workspaces: Pick<WorkspaceService, 'use'>;
}

const FORMAT_NAMES = { csv: 'CSV', parquet: 'Parquet', arrow: 'Arrow' } as const;

const inWindow = (what: string): EnclaveError =>
  new EnclaveError(
    'invalid_input',
    `This project keeps its tables in this window only (nothing of them on this computer's disk), so the window ${what} itself.`,
  );

/** The SHA-256 an ETag names (`"<sha256>-<version>"`), or null. */
export function etagSha256(etag: string | null): string | null {
  return /^"([0-9a-f]{64})-\d+"$/.exec(etag ?? '')?.[1] ?? null;
}

/**
 * The content's chunks, hashed on the way: at the end, content that does not hash to what its ETag names (damaged
 * on its way, or a body cut short) fails the read, so whatever reads it (a load, all or nothing) keeps nothing.
 */
async function* verified(body: AsyncIterable<Uint8Array>, sha256: string | null, what: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    yield chunk;
  }
  if (sha256 === null) throw new EnclaveError('unavailable', `The platform did not say which content ${what} has. Nothing was changed.`);
  if (hash.digest('hex') !== sha256) {
    throw new EnclaveError('unavailable', `${what} arrived damaged or incomplete (its SHA-256 does not match). Nothing was changed.`);
  }
}

/** A kept version's first bytes as text, or null when they are not text (a NUL, or not UTF-8). */
export function previewText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    // `stream` keeps a character cut at the preview's end out, rather than failing on it.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return null;
  }
}

function nativeEngineOf(workspace: OpenWorkspace): NativeEngine {
  const engine = workspace.engine();
  if (!isNativeEngine(engine)) throw new EnclaveError('internal', "This project's local engine cannot read or write drive files.");
  return engine;
}

function decodeBase64(data: string): Uint8Array {
  return new Uint8Array(Buffer.from(data, 'base64'));
}

export function createDriveHandlers(dependencies: DriveHandlerDependencies): DriveHandlers {
  const { client, asUser, local, workspaces } = dependencies;

  /** A platform call that changes the drive: the project's sync hears of it once it is done. */
  async function changing<T>(projectId: string, work: Promise<T>): Promise<T> {
    const value = await work;
    local.changed(projectId);
    return value;
  }

  /** The project drive's local side, refused for a project kept in the window. */
  async function diskSide(projectId: string, signal: AbortSignal, what: string): Promise<DriveSyncView & { localRoot: string }> {
    const view = await local.view(projectId, signal);
    if (view.mode === 'memory') throw inWindow(what);
    if (view.localRoot === null) {
      throw new EnclaveError(
        'unavailable',
        `This project's drive has no local folder on this computer: ${view.problem ?? 'its sync is not running'}.`,
      );
    }
    return { ...view, localRoot: view.localRoot };
  }

  /** Not over the drive's quota, as far as the platform can say now (the upload is checked again when it is sent). */
  async function checkRoom(projectId: string, bytes: number, call: CallContext): Promise<void> {
    let info;
    try {
      info = await asUser((context) => client.call('drive.info', { params: { projectId } }, context), call);
    } catch (err) {
      // Saved locally, the file waits for the platform; its sync says if it does not fit then.
      if (err instanceof EnclaveError && err.code === 'unavailable') return;
      throw err;
    }
    if (info.usedBytes + bytes > info.quotaBytes) {
      throw new EnclaveError(
        'insufficient_storage',
        `Not enough space in the drive: ${info.usedBytes} bytes used of ${info.quotaBytes}, and the file needs ${bytes} more. Nothing was saved.`,
      );
    }
  }

  const saveResult: DriveHandlers['drive.saveResult'] = async (input, call = detachedCall()) => {
    const { projectId, source, format, folder, name, replace } = input;
    const extension = DRIVE_FORMAT_EXTENSIONS[format];
    if (!name.toLowerCase().endsWith(extension) || name.length === extension.length) {
      throw new EnclaveError('invalid_input', `A ${FORMAT_NAMES[format]} file's name must end with "${extension}". Nothing was saved.`);
    }
    const drivePath = folder === '' ? name : `${folder}/${name}`;
    const problem = drivePathProblem(drivePath);
    if (problem !== null) throw new EnclaveError('invalid_input', `That is not a path in the drive: ${problem}. Nothing was saved.`);
    const side = await diskSide(projectId, call.signal, 'saves its results to the drive');
    call.progress({ done: 0, total: null, unit: 'rows', stage: 'Writing the file' });
    const saved = await workspaces.use({ projectId, signal: call.signal }, async (workspace, signal) => {
      const exported = await nativeEngineOf(workspace).exportFile({
        source,
        format,
        signal,
        onRows: (rows) => call.progress({ done: rows, total: null, unit: 'rows', stage: 'Writing the file' }),
      });
      try {
        await checkRoom(projectId, exported.bytes, { ...call, signal });
        if (signal.aborted) throw new EnclaveError('cancelled', 'The save was cancelled. Nothing was saved.');
        call.progress({ done: 1, total: 2, unit: 'steps', stage: 'Moving it into the drive folder' });
        const localPath = await placeInDriveFolder({ root: side.localRoot, drivePath, file: exported.file, replace });
        return { rows: exported.rows, bytes: exported.bytes, localPath };
      } finally {
        await rm(exported.file, { force: true });
      }
    });
    // The file is in the drive's folder now, whatever the pass says: a failed pass is retried by the sync itself.
    call.progress({ done: 2, total: 2, unit: 'steps', stage: 'Syncing with the platform' });
    let sync: DriveSyncView;
    try {
      sync = await local.syncNow(projectId, call.signal);
    } catch {
      sync = await local.view(projectId, call.signal);
    }
    return { path: drivePath, bytes: saved.bytes, rows: saved.rows, localPath: saved.localPath, sync };
  };

  const openFile: DriveHandlers['drive.openFile'] = async ({ projectId, path, table, replace }, call = detachedCall()) => {
    const format = driveFileFormatOf(path);
    if (format === null) {
      throw new EnclaveError('invalid_input', 'Only CSV, Parquet and Arrow files open as local tables. Nothing was changed.');
    }
    await diskSide(projectId, call.signal, 'opens drive files');
    return workspaces.use({ projectId, signal: call.signal }, async (workspace, signal) => {
      const engine = nativeEngineOf(workspace);
      // Said before a byte is fetched (the engine checks again, atomically, when the table goes in).
      if (!replace && (await engine.tables()).some((each) => each.name === table)) {
        throw new EnclaveError(
          'invalid_input',
          `There is already a local table named ${table}. Choose another name, or replace it. Nothing was loaded.`,
        );
      }
      call.progress({ done: 0, total: null, unit: 'bytes', stage: 'Fetching from the drive' });
      const content = await dependencies.remote(projectId).download({
        path,
        etag: null,
        offset: 0,
        signal,
        onProgress: (done) => call.progress({ done, total: content.size, unit: 'bytes', stage: 'Fetching from the drive' }),
      });
      const body = verified(content.body, etagSha256(content.etag), `The file ${path}`);
      return engine.load({
        table,
        format,
        chunks: format === 'arrow' ? arrowChunksAsStream(body) : body,
        replace,
        signal,
        onProgress: (progress) => {
          if (progress.rows !== undefined)
            call.progress({ done: progress.rows, total: null, unit: 'rows', stage: 'Loading into the local table' });
        },
      });
    });
  };

  const download: DriveHandlers['drive.download'] = async ({ projectId, path }, call = detachedCall()) => {
    call.progress({ done: 0, total: null, unit: 'bytes', stage: 'Fetching from the drive' });
    const content = await asUser(
      () =>
        dependencies.remote(projectId).download({
          path,
          etag: null,
          offset: 0,
          signal: call.signal,
          onProgress: (done) => call.progress({ done, total: content.size, unit: 'bytes', stage: 'Fetching from the drive' }),
        }),
      call,
    );
    if (content.size !== null && content.size > DRIVE_WINDOW_OPEN_MAX_BYTES) {
      await content.body[Symbol.asyncIterator]().return?.();
      throw new EnclaveError(
        'invalid_input',
        `The file is ${content.size} bytes: the window's own engine opens files of up to ${DRIVE_WINDOW_OPEN_MAX_BYTES} bytes. Nothing was opened.`,
      );
    }
    const bytes = await collectBytes(verified(content.body, etagSha256(content.etag), `The file ${path}`), DRIVE_WINDOW_OPEN_MAX_BYTES);
    const shaped = driveFileFormatOf(path) === 'arrow' ? arrowFileAsStream(bytes) : bytes;
    return shaped.buffer instanceof ArrayBuffer ? (shaped as Uint8Array<ArrayBuffer>) : new Uint8Array(shaped);
  };

  return {
    'drive.info': ({ projectId }, call) => asUser((context) => client.call('drive.info', { params: { projectId } }, context), call),
    'drive.folder': ({ projectId, path }, call) =>
      asUser((context) => client.call('drive.folder', { params: { projectId }, query: { path } }, context), call),
    'drive.versions': ({ projectId, path }, call) =>
      asUser((context) => client.call('drive.versions', { params: { projectId }, query: { path } }, context), call),
    'drive.restoreVersion': ({ projectId, path, version }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.restoreVersion', { params: { projectId }, body: { path, version } }, context), call),
      ),
    'drive.viewVersion': async ({ projectId, path, version }, call = detachedCall()) => {
      const { bytes, size } = await dependencies.versionContent({
        projectId,
        path,
        version,
        maxBytes: DRIVE_PREVIEW_BYTES,
        signal: call.signal,
      });
      const shown = bytes.subarray(0, DRIVE_PREVIEW_BYTES);
      return { path, version, size, text: previewText(shown), truncated: size > shown.byteLength };
    },
    'drive.trash': ({ projectId }, call) => asUser((context) => client.call('drive.trash', { params: { projectId } }, context), call),
    'drive.restoreTrash': ({ projectId, trashId }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.restoreTrash', { params: { projectId }, body: { trashId } }, context), call),
      ),
    'drive.mkdir': ({ projectId, path }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.mkdir', { params: { projectId }, body: { path } }, context), call),
      ),
    'drive.move': ({ projectId, from, to, ifMatch }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.move', { params: { projectId }, body: { from, to, ifMatch } }, context), call),
      ),
    'drive.delete': ({ projectId, path, ifMatch }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.delete', { params: { projectId }, body: { path, ifMatch } }, context), call),
      ),
    'drive.appPasswords': ({ projectId }, call) =>
      asUser((context) => client.call('drive.appPasswords', { params: { projectId } }, context), call),
    'drive.createAppPassword': ({ projectId, label }, call) =>
      asUser((context) => client.call('drive.createAppPassword', { params: { projectId }, body: { label } }, context), call),
    'drive.revokeAppPassword': ({ projectId, id }, call) =>
      asUser((context) => client.call('drive.revokeAppPassword', { params: { projectId, id } }, context), call),
    'drive.sync': ({ projectId }, call = detachedCall()) => local.view(projectId, call.signal),
    'drive.syncNow': ({ projectId }, call = detachedCall()) => local.syncNow(projectId, call.signal),
    'drive.resolveDeletes': ({ projectId, answer }, call = detachedCall()) => local.resolveDeletes(projectId, answer, call.signal),
    'drive.dismissNotice': ({ projectId, noticeId }, call = detachedCall()) => local.dismissNotice(projectId, noticeId, call.signal),
    'drive.saveResult': saveResult,
    'drive.openFile': openFile,
    'drive.download': download,
    'drive.uploadStart': ({ projectId, path, size, sha256, condition }, call) =>
      asUser(
        (context) => client.call('drive.uploadStart', { params: { projectId }, body: { path, size, sha256, condition } }, context),
        call,
      ),
    'drive.uploadChunk': ({ projectId, uploadId, offset, total, data }, call = detachedCall()): Promise<UploadSession> => {
      const bytes = decodeBase64(data);
      return asUser(() => dependencies.remote(projectId).uploadChunk({ uploadId, offset, bytes, total, signal: call.signal }), call);
    },
    'drive.uploadCommit': ({ projectId, uploadId }, call) =>
      changing(
        projectId,
        asUser((context) => client.call('drive.uploadCommit', { params: { projectId, uploadId } }, context), call),
      ),
  };
}
