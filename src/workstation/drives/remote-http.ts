// The platform's drive over HTTP (issue 17), as the sync engine reaches it: the JSON routes `drive.*` through the
// platform client, downloads with `GET /dav/<projectId>/<path>` (Range and If-Range to resume), and upload chunks on
// the raw `PUT /api/v1/drives/<projectId>/uploads/<uploadId>` route, all with the person's Bearer token. Every answer is
// parsed and checked (./remote.ts) before the engine sees it: the platform is not trusted with this computer's files.
import { z } from 'zod';
import { bestEffort } from '../../common/detached.ts';
import {
  DriveEntrySchema,
  DriveTrashEntrySchema,
  DriveTreeSchema,
  UPLOAD_CHUNK_MAX_BYTES,
  UploadSessionSchema,
  davPath,
  drivePathSegments,
  type DriveEntry,
  type StartUpload,
  type UploadSession,
} from '../../common/drives.ts';
import { EnclaveError, ErrorValueSchema, type ErrorCode } from '../../common/errors.ts';
import { PLATFORM_API_PREFIX } from '../../common/platform-api.ts';
import { notTrustedError } from '../ca-trust.ts';
import type { PlatformClient } from '../platform-client.ts';
import { checkRemoteTree, printable, remotePathProblem } from './remote-check.ts';
import type { DownloadRequest, DriveRemote, RemoteContent } from './remote.ts';

export interface HttpDriveRemoteOptions {
  readonly client: Pick<PlatformClient, 'call'>;
  /** The platform's URL, as the client has it (a path prefix is kept). */
  readonly baseUrl: string;
  readonly fetch?: typeof globalThis.fetch;
  /** A current access token, asked for before every request (it may have been renewed). */
  readonly token: () => Promise<string>;
  readonly projectId: string;
  /** How long to wait for an answer to start, and then for each next piece of a body (default 60 s). */
  readonly idleTimeoutMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** HTTP statuses of the raw routes and WebDAV → the error code they stand for. */
const CODE_BY_STATUS: ReadonlyMap<number, ErrorCode> = new Map([
  [400, 'invalid_input'],
  [401, 'unauthenticated'],
  [403, 'forbidden'],
  [404, 'not_found'],
  [409, 'conflict'],
  [412, 'conflict'],
  [416, 'conflict'],
  [423, 'conflict'],
  [429, 'rate_limited'],
  [507, 'insufficient_storage'],
]);

function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS.get(status) ?? (status >= 500 ? 'unavailable' : 'internal');
}

async function errorFrom(response: Response, what: string): Promise<EnclaveError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const parsed = z.object({ error: ErrorValueSchema }).safeParse(body);
  if (parsed.success) return new EnclaveError(parsed.data.error.code, parsed.data.error.message);
  return new EnclaveError(codeForStatus(response.status), `The platform refused ${what} (HTTP ${response.status}); nothing was changed.`);
}

/** `bytes START-END/TOTAL` → its numbers, or null when it is not that. */
function parseContentRange(value: string | null): { start: number; end: number; total: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value?.trim() ?? '');
  if (!match) return null;
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (![start, end, total].every(Number.isSafeInteger) || end < start || end >= total) return null;
  return { start, end, total };
}

function declaredLength(response: Response): number | null {
  const value = Number(response.headers.get('content-length') ?? Number.NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** An answer parsed by its schema: the platform client parses too, but a client that did not must not let anything through. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new EnclaveError('internal', `The platform sent ${what} this workstation could not read.`);
  return result.data;
}

function mustBePath(value: string): string {
  const problem = remotePathProblem(value);
  if (problem !== null) throw new EnclaveError('invalid_input', `The drive path "${printable(value)}" cannot be used: ${problem}.`);
  return value;
}

export function createHttpDriveRemote(options: HttpDriveRemoteOptions): DriveRemote {
  const { client, projectId } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const base = new URL(`${options.baseUrl.replace(/\/+$/, '')}/`);
  const params = { projectId };

  async function context(signal?: AbortSignal): Promise<{ token: string; signal?: AbortSignal }> {
    const token = await options.token();
    return signal === undefined ? { token } : { token, signal };
  }

  /** A watchdog that aborts when nothing arrives for idleTimeoutMs; `poke` on every sign of life. */
  function watchdog(signal: AbortSignal | undefined): { signal: AbortSignal; poke: () => void; stop: () => void; idle: () => boolean } {
    const controller = new AbortController();
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    const poke = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        controller.abort();
      }, idleTimeoutMs);
    };
    poke();
    return {
      signal: signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]),
      poke,
      stop: () => clearTimeout(timer),
      idle: () => idle,
    };
  }

  function transportError(err: unknown, what: string, state: { idle: boolean; signal?: AbortSignal }): EnclaveError {
    if (err instanceof EnclaveError) return err;
    if (state.signal?.aborted === true) return new EnclaveError('cancelled', `${what} was cancelled.`);
    if (state.idle)
      return new EnclaveError('unavailable', `${what} stalled: the platform sent nothing for ${Math.round(idleTimeoutMs / 1000)} s.`);
    return (
      notTrustedError(err, `the platform at ${base.origin}`, `${what} failed. `) ??
      new EnclaveError('unavailable', `${what} failed: the platform at ${base.origin} cannot be reached.`)
    );
  }

  async function download(request: DownloadRequest): Promise<RemoteContent> {
    const drivePath = mustBePath(request.path);
    const what = `The download of ${drivePath}`;
    const segments = drivePathSegments(drivePath).map(encodeURIComponent).join('/');
    const url = new URL(`${davPath(encodeURIComponent(projectId)).slice(1)}${segments}`, base);
    const headers: Record<string, string> = { authorization: `Bearer ${await options.token()}` };
    const resuming = request.offset > 0;
    if (resuming) {
      headers.range = `bytes=${request.offset}-`;
      // Without the ETag a resumed range could splice two versions together: never resume blind.
      if (request.etag === null) throw new EnclaveError('internal', `${what} cannot resume without the ETag it started from.`);
      headers['if-range'] = request.etag;
    }
    const guard = watchdog(request.signal);
    let response: Response;
    try {
      response = await doFetch(url, { method: 'GET', headers, signal: guard.signal, redirect: 'error' });
    } catch (err) {
      guard.stop();
      throw transportError(err, what, { idle: guard.idle(), signal: request.signal });
    }
    if (response.status !== 200 && response.status !== 206) {
      guard.stop();
      throw await errorFrom(response, `the download of ${drivePath}`);
    }
    let start = 0;
    let size = declaredLength(response);
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range === null || !resuming || range.start !== request.offset) {
        guard.stop();
        await bestEffort(response.body?.cancel());
        throw new EnclaveError('unavailable', `${what} came back with a range that was not asked for; nothing was kept.`);
      }
      start = range.start;
      size = range.total;
    }
    const etag = response.headers.get('etag');
    async function* body(): AsyncGenerator<Uint8Array> {
      if (response.body === null) {
        guard.stop();
        return;
      }
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let received = 0;
      let finished = false;
      try {
        for (;;) {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (err) {
            throw transportError(err, what, { idle: guard.idle(), signal: request.signal });
          }
          if (next.done) break;
          guard.poke();
          received += next.value.byteLength;
          request.onProgress?.(received);
          yield next.value;
        }
        finished = true;
      } finally {
        guard.stop();
        if (!finished) await bestEffort(reader.cancel());
      }
    }
    return { start, size, etag, body: body() };
  }

  async function uploadChunk(chunk: { uploadId: string; offset: number; bytes: Uint8Array; total: number; signal?: AbortSignal }) {
    const { uploadId, offset, bytes, total } = chunk;
    if (bytes.byteLength === 0 || bytes.byteLength > UPLOAD_CHUNK_MAX_BYTES || offset + bytes.byteLength > total) {
      throw new EnclaveError('internal', `An upload chunk of ${bytes.byteLength} bytes at ${offset} of ${total} cannot be sent.`);
    }
    const what = 'The upload';
    const route = `${PLATFORM_API_PREFIX}/drives/${encodeURIComponent(projectId)}/uploads/${encodeURIComponent(uploadId)}`;
    const guard = watchdog(chunk.signal);
    let response: Response;
    try {
      response = await doFetch(new URL(route.slice(1), base), {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${await options.token()}`,
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${offset}-${offset + bytes.byteLength - 1}/${total}`,
        },
        body: bytes,
        signal: guard.signal,
        redirect: 'error',
      });
    } catch (err) {
      guard.stop();
      throw transportError(err, what, { idle: guard.idle(), signal: chunk.signal });
    }
    guard.stop();
    if (response.ok || response.status === 409) {
      // 409 on a chunk is the session as it stands (its offset elsewhere): the caller goes on from there.
      let body: unknown;
      try {
        body = await response.clone().json();
      } catch {
        body = undefined;
      }
      const session = UploadSessionSchema.safeParse(body);
      if (session.success && session.data.uploadId === uploadId) return session.data;
      if (response.ok) throw new EnclaveError('internal', 'The platform answered an upload chunk with something that is not its session.');
    }
    throw await errorFrom(response, 'an upload chunk');
  }

  function checkEntry(entry: DriveEntry, expectedPath: string, what: string): DriveEntry {
    const checked = parsed(DriveEntrySchema, entry, `an answer to ${what}`);
    if (checked.path !== expectedPath) {
      throw new EnclaveError('internal', `The platform answered ${what} with another entry (${printable(checked.path)}).`);
    }
    return checked;
  }

  function checkSession(session: UploadSession, expected: { path?: string; uploadId?: string }): UploadSession {
    const checked = parsed(UploadSessionSchema, session, 'an upload session');
    if (
      (expected.path !== undefined && checked.path !== expected.path) ||
      (expected.uploadId !== undefined && checked.uploadId !== expected.uploadId)
    ) {
      throw new EnclaveError('internal', 'The platform answered with another upload session than the one asked for.');
    }
    return checked;
  }

  return {
    async tree(signal) {
      const answer = await client.call('drive.tree', { params }, await context(signal));
      const tree = parsed(DriveTreeSchema, answer, 'a drive tree');
      if (tree.drive.projectId !== projectId) throw new EnclaveError('internal', "The platform sent another project's drive.");
      return checkRemoteTree(tree);
    },
    download,
    async startUpload(upload: StartUpload, signal) {
      mustBePath(upload.path);
      const session = await client.call('drive.uploadStart', { params, body: upload }, await context(signal));
      return checkSession(session, { path: upload.path });
    },
    uploadChunk,
    async uploadStatus(uploadId, signal) {
      const session = await client.call('drive.uploadStatus', { params: { projectId, uploadId } }, await context(signal));
      return checkSession(session, { uploadId });
    },
    async commitUpload(uploadId, signal) {
      const entry = await client.call('drive.uploadCommit', { params: { projectId, uploadId } }, await context(signal));
      const checked = parsed(DriveEntrySchema, entry, 'an answer to an upload');
      const problem = remotePathProblem(checked.path);
      if (problem !== null)
        throw new EnclaveError('internal', `The platform answered an upload with a path this workstation refuses: ${problem}.`);
      return checked;
    },
    async mkdir(drivePath, signal) {
      mustBePath(drivePath);
      return checkEntry(
        await client.call('drive.mkdir', { params, body: { path: drivePath } }, await context(signal)),
        drivePath,
        'a new folder',
      );
    },
    async move({ from, to, ifMatch, signal }) {
      mustBePath(from);
      mustBePath(to);
      return checkEntry(await client.call('drive.move', { params, body: { from, to, ifMatch } }, await context(signal)), to, 'a move');
    },
    async delete({ path: drivePath, ifMatch, unchangedSince, signal }) {
      mustBePath(drivePath);
      const body = unchangedSince === undefined ? { path: drivePath, ifMatch } : { path: drivePath, ifMatch, unchangedSince };
      const trashed = await client.call('drive.delete', { params, body }, await context(signal));
      return parsed(DriveTrashEntrySchema, trashed, 'an answer to a delete');
    },
  };
}
