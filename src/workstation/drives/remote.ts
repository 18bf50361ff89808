// What the sync engine needs of a project's drive on the platform (issue 17), and the gate every answer passes before
// the engine believes it (./remote-check.ts: the platform's answers are untrusted, and a path that would write outside
// the folder is refused there). The HTTP implementation is ./remote-http.ts, createHttpDriveRemote; the tests'
// in-memory platform implements the same interface.
import type { DriveEntry, DriveTrashEntry, DriveTree, StartUpload, UploadSession } from '../../common/drives.ts';

/** An entry of the platform's tree that the engine refused, and why (said to a person). */
export interface RefusedEntry {
  /** As the platform sent it, made printable (control characters escaped). */
  readonly path: string;
  /** Its key when the path itself is a usable one (the entry was refused for another reason): the engine leaves that path alone. */
  readonly key: string | null;
  readonly reason: string;
}

/** The platform's tree once checked: only entries that are safe to mirror, and what was refused. */
export interface RemoteTree extends DriveTree {
  readonly refused: readonly RefusedEntry[];
}

export interface DownloadRequest {
  readonly path: string;
  /** The ETag the caller expects (sent as If-Range when resuming): when the entry changed, the whole content comes back. */
  readonly etag: string | null;
  /** Where to start (0 for the whole content). */
  readonly offset: number;
  readonly signal?: AbortSignal;
  /** Bytes received in this answer so far. */
  readonly onProgress?: (received: number) => void;
}

/** An entry's content as it arrives. */
export interface RemoteContent {
  /** The offset the body starts at: the one asked for when the platform honoured the range, else 0. */
  readonly start: number;
  /** The whole content's size as the platform declared it, or null when it did not. */
  readonly size: number | null;
  /** The ETag of what is being sent, or null when the platform did not say. */
  readonly etag: string | null;
  /** Read once; breaking off the loop ends the download. */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface UploadChunk {
  readonly uploadId: string;
  readonly offset: number;
  readonly bytes: Uint8Array;
  /** The whole upload's size. */
  readonly total: number;
  readonly signal?: AbortSignal;
}

/** One project's drive as the sync engine reaches it. Every method throws EnclaveError (conflict, not_found, insufficient_storage, unavailable …). */
export interface DriveRemote {
  tree(signal?: AbortSignal): Promise<RemoteTree>;
  download(request: DownloadRequest): Promise<RemoteContent>;
  startUpload(upload: StartUpload, signal?: AbortSignal): Promise<UploadSession>;
  /** Sends one chunk at `offset`. When the session is elsewhere, answers the session as it stands (its offset says where to go on from). */
  uploadChunk(chunk: UploadChunk): Promise<UploadSession>;
  uploadStatus(uploadId: string, signal?: AbortSignal): Promise<UploadSession>;
  /** Writes the received bytes as the path's new content if the session's condition still holds (else `conflict`). */
  commitUpload(uploadId: string, signal?: AbortSignal): Promise<DriveEntry>;
  mkdir(path: string, signal?: AbortSignal): Promise<DriveEntry>;
  move(request: { from: string; to: string; ifMatch: string | null; signal?: AbortSignal }): Promise<DriveEntry>;
  /**
   * Deletes an entry softly. `unchangedSince` (a tree's cursor, for a folder) makes it conditional on nothing in the
   * folder having been written, made or moved in since that tree was read: else `conflict`, and nothing is deleted.
   */
  delete(request: { path: string; ifMatch: string | null; unchangedSince?: number; signal?: AbortSignal }): Promise<DriveTrashEntry>;
}
