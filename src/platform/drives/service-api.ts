// What the platform's drives offer their callers (issue 17): the JSON routes (src/platform/api/drive-routes.ts), the
// upload-chunk and version-content routes, and the WebDAV adapter (src/platform/drives/webdav/). One method per
// operation, each taking the caller; every one checks that the caller is a member of the drive's project, enforces the
// name policy (src/common/drives.ts), the quota and the write condition, and writes a `drive.*` audit event.
// Declared apart from the service that builds it, so that its users and its implementation do not import each other.
import type { Readable } from 'node:stream';
import type {
  AppPassword,
  DriveEntry,
  DriveFolder,
  DriveInfo,
  DriveTrashEntry,
  DriveTree,
  DriveVersion,
  StartUpload,
  UploadSession,
  WriteCondition,
} from '../../common/drives.ts';
import type { Principal } from '../identity/principal.ts';

/** Who is calling, and how: through Enclave (a signed-in session) or a standard client with an app password. */
export interface DriveCaller {
  readonly principal: Principal;
  /** Set when the caller authenticated with an app password: it may reach that password's drive only. */
  readonly appPasswordId?: string;
  /** How the request reached the platform, for the audit event. */
  readonly via: 'api' | 'webdav';
  /** Ends the connection the call's bytes travel on, at once: what the kill switch does to a transfer it stops. */
  readonly cut?: () => void;
}

/** A byte range, both ends included (as HTTP's Range). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** An entry's content, opened for reading: the stream ends with exactly `length` bytes of the version named. */
export interface OpenedContent {
  readonly entry: DriveEntry;
  readonly length: number;
  readonly stream: Readable;
}

/** A WebDAV lock as stored (class 2): the platform keeps them in its database, so they survive a restart. */
export interface StoredDriveLock {
  readonly token: string;
  readonly projectId: string;
  /** The lock root's canonical path ('' for the drive's root). */
  readonly path: string;
  readonly userId: string;
  readonly scope: 'exclusive' | 'shared';
  readonly depth: '0' | 'infinity';
  readonly provisional: boolean;
  /** The XML the client sent as the owner, serialised as JSON. */
  readonly owner: string;
  /** When it was granted or last refreshed (epoch ms) and for how long (ms). */
  readonly date: number;
  readonly timeout: number;
}

export interface DriveService {
  /** The drives of the caller's projects. */
  drives(caller: DriveCaller): Promise<DriveInfo[]>;
  info(caller: DriveCaller, projectId: string): Promise<DriveInfo>;
  /** One entry, or not_found. */
  entry(caller: DriveCaller, projectId: string, path: string): Promise<DriveEntry>;
  folder(caller: DriveCaller, projectId: string, path: string): Promise<DriveFolder>;
  tree(caller: DriveCaller, projectId: string): Promise<DriveTree>;
  /** Reads the current content (or a range of it). `ifEtag` (If-Range): when the entry is no longer at that ETag, not_found is not thrown; the whole content is answered instead and the caller sees the new ETag. */
  read(caller: DriveCaller, projectId: string, path: string, range?: ByteRange): Promise<OpenedContent>;
  /** Reads a kept version's content. */
  readVersion(caller: DriveCaller, projectId: string, path: string, version: number): Promise<OpenedContent>;
  /**
   * Writes a whole file from a stream in one go (WebDAV PUT): `declaredLength` (Content-Length, null when chunked) is
   * checked against the quota before a byte is read (507: insufficient storage, with used and limit). The bytes go
   * to a new blob, fsynced, then the version pointer moves under the path's lock, only if `condition` still holds
   * (412 conflict otherwise). Nothing is half-written: a failed or cut body leaves the old content.
   */
  write(
    caller: DriveCaller,
    projectId: string,
    path: string,
    body: Readable,
    declaredLength: number | null,
    condition: WriteCondition,
    mediaType?: string,
  ): Promise<DriveEntry>;
  makeFolder(caller: DriveCaller, projectId: string, path: string): Promise<DriveEntry>;
  /** Moves a file or a folder (with everything in it) in one step; the destination must not exist unless `overwrite`. */
  move(
    caller: DriveCaller,
    projectId: string,
    from: string,
    to: string,
    options: { ifMatch: string | null; overwrite: boolean },
  ): Promise<DriveEntry>;
  /** Copies a file, or a folder with everything in it (blobs are shared: no bytes are copied). */
  copy(
    caller: DriveCaller,
    projectId: string,
    from: string,
    to: string,
    options: { overwrite: boolean; depth: '0' | 'infinity' },
  ): Promise<DriveEntry>;
  /**
   * Soft delete: the entry (with everything in it) goes to the trash. With `unchangedSince` (a tree cursor), refused
   * as `conflict` if anything in the subtree changed after that cursor (someone's new work is never trashed unseen).
   */
  delete(caller: DriveCaller, projectId: string, path: string, ifMatch: string | null, unchangedSince?: number): Promise<DriveTrashEntry>;
  versions(caller: DriveCaller, projectId: string, path: string): Promise<DriveVersion[]>;
  /** A restore is a new version with the old content. */
  restoreVersion(caller: DriveCaller, projectId: string, path: string, version: number): Promise<DriveEntry>;
  trash(caller: DriveCaller, projectId: string): Promise<DriveTrashEntry[]>;
  restoreTrash(caller: DriveCaller, projectId: string, trashId: string): Promise<DriveEntry>;
  /** Resumable uploads (the sync engine's): start, send chunks at the offset, ask where it stands, commit. */
  startUpload(caller: DriveCaller, projectId: string, upload: StartUpload): Promise<UploadSession>;
  uploadChunk(
    caller: DriveCaller,
    projectId: string,
    uploadId: string,
    offset: number,
    body: Readable,
    length: number,
  ): Promise<UploadSession>;
  uploadStatus(caller: DriveCaller, projectId: string, uploadId: string): Promise<UploadSession>;
  /** Checks the received bytes' SHA-256 against the declared one, then writes as `write` does (same condition, same audit). */
  commitUpload(caller: DriveCaller, projectId: string, uploadId: string): Promise<DriveEntry>;
  appPasswords(caller: DriveCaller, projectId: string): Promise<AppPassword[]>;
  createAppPassword(caller: DriveCaller, projectId: string, label: string): Promise<{ appPassword: AppPassword; secret: string }>;
  revokeAppPassword(caller: DriveCaller, projectId: string, id: string): Promise<AppPassword>;
  /**
   * Checks a WebDAV Basic credential: the person's username and an unrevoked app password of theirs for this project's
   * drive (constant-time; a match is never refused for failures, which are counted per `from`, the remote address, and
   * user name). Records its last use and audits it. Null when refused; for a matching password of a suspended person,
   * throws the kill switch's refusal (`suspended`), recorded as an attempt.
   */
  verifyAppPassword(projectId: string, username: string, secret: string, from?: string): Promise<DriveCaller | null>;
  /** WebDAV locks: stored, listed, removed; the WebDAV adapter applies RFC 4918's rules to them. */
  locks(projectId: string, path: string, options: { descendants: boolean; ancestors: boolean }): Promise<StoredDriveLock[]>;
  saveLock(caller: DriveCaller, lock: StoredDriveLock): Promise<void>;
  deleteLock(caller: DriveCaller, projectId: string, token: string): Promise<void>;
  /** Dead properties (PROPPATCH), per entry: JSON-serialised XML values by property name. */
  properties(caller: DriveCaller, projectId: string, path: string): Promise<Record<string, string>>;
  setProperties(
    caller: DriveCaller,
    projectId: string,
    path: string,
    changes: ReadonlyArray<{ name: string; value: string | null }>,
  ): Promise<void>;
}
